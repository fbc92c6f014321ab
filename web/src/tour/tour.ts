// The guided tour (tour.html): an article whose figures are the playground's own embeds. The prose and its
// math are static (typeset when the page is built), so the first screen shows at once and loads no engine;
// this script only
//   - loads each figure, the <attention-svm-playground> element of its <template>, when it nears the screen
//     (and the element's script, public/attention-svm-playground.js, with the first one) — the frames pause
//     themselves off screen and never autoplay under prefers-reduced-motion (web/src/embed/); at most MAX_LIVE
//     figures stay loaded (each is a frame with its own engine worker): the one farthest off screen is unloaded,
//     its state kept (the element's getState), and comes back with that state when the reader returns;
//   - gives each figure an "open in playground" link and a "copy embed code" button;
//   - runs the predict-then-reveal questions, whose readouts quote the figure's own snapshot events;
//   - wires the buttons that act on a figure through the element's methods (step, setState, …).
// Nothing here computes a number: the readouts show the engine's metrics as the frame reports them.
import './tour.css';

/** The element as the tour uses it (public/attention-svm-playground.js). */
interface PlaygroundElement extends HTMLElement {
  getState(): Promise<unknown>;
  play(): Promise<unknown>;
  pause(): Promise<unknown>;
  step(count: number): Promise<unknown>;
  reset(): Promise<unknown>;
  setState(state: string, replace?: boolean): Promise<unknown>;
}

/** The element's script, next to this page. */
const ELEMENT_SCRIPT = new URL('attention-svm-playground.js', document.baseURI).href;
/** How far below (or above) the screen a figure starts loading. */
const NEAR = '200px 0px';
/** Figures loaded at once (a frame and an engine worker each, some 40 MB); the farthest off screen goes first. */
const MAX_LIVE = 3;
/** The attributes the element keeps for itself (not URL fields of the page). */
const OWN = new Set(['src', 'width', 'height', 'title', 'class', 'id', 'style', 'state', 'hide', 'loading']);
/** URL fields that only shape an embed: left out of the "open in playground" link. */
const EMBED_ONLY = new Set(['views', 'controls', 'autoplay', 'allowedorigins']);

/** Readout labels of the engine's metric columns (the frame's snapshot events). */
const LABELS: Record<string, string> = {
  step: 'step',
  loss: 'loss',
  train_acc: 'train accuracy',
  test_acc: 'test accuracy',
  norm_fro: '‖W‖_F',
  min_s_opt: 'min_i s_iα_i',
  log10_1m_s_opt: 'log10(1 − s_iα_i)',
  min_s_sel: 'min_i s on the selected tokens',
  corr_fro: 'corr with the Frobenius SVM',
  corr_nuc: 'corr with the nuclear-norm SVM',
  corr_lp: 'corr with the ℓp SVM',
  corr_l1diag: 'corr with the ℓ1-diagonal SVM',
  margin_fro: 'margin of W_t/‖W_t‖',
  svm_margin_fro: "the SVM's margin",
  bregman_lp: 'Bregman divergence to the ℓp SVM',
};

/** A figure of the article and what the tour knows of its frame. */
interface Figure {
  root: HTMLElement;
  template: HTMLTemplateElement;
  element: PlaygroundElement | null;
  /** Resolves once the frame reported `ready` (its message API listens from then on); renewed when unloaded. */
  ready: Promise<void>;
  markReady: () => void;
  /** Whether the figure is on or near the screen (the observer's margin). */
  near: boolean;
  /** The state of an unloaded figure (its URL query, as the frame reported it), restored when it loads again. */
  saved: string | null;
  /** The latest snapshot event: step and metrics. */
  snapshot: { step: number; metrics: Record<string, number | null> } | null;
  listeners: (() => void)[];
}

const figures = new Map<string, Figure>();
let elementScript: Promise<void> | null = null;

/** Loads the element's script once (the first figure near the screen). */
function loadElement(): Promise<void> {
  return (elementScript ??= new Promise<void>((resolve, reject) => {
    const script = document.createElement('script');
    script.src = ELEMENT_SCRIPT;
    script.onload = () => resolve();
    script.onerror = () => reject(new Error(`could not load ${ELEMENT_SCRIPT}`));
    document.head.append(script);
  }).then(() => customElements.whenDefined('attention-svm-playground').then(() => undefined)));
}

/** The figure's tag, as written in its template. */
function tagOf(figure: Figure): HTMLElement {
  return figure.template.content.querySelector('attention-svm-playground') as HTMLElement;
}

/** The playground link of a figure: its URL fields, without the embed-only ones. */
function playgroundLink(tag: HTMLElement): string {
  const params = new URLSearchParams();
  for (const a of tag.attributes) if (!OWN.has(a.name) && !EMBED_ONLY.has(a.name)) params.set(a.name, a.value);
  const query = params.toString();
  return new URL(`index.html${query ? `?${query}` : ''}`, document.baseURI).href;
}

/** What a blogger pastes: the script (once per page) and the figure's tag. */
function embedCode(tag: HTMLElement): string {
  return `<script src="${ELEMENT_SCRIPT}" defer></script>\n${tag.outerHTML}`;
}

/** Creates the figure's element (once). */
async function attach(figure: Figure): Promise<void> {
  if (figure.element) return;
  let element: PlaygroundElement;
  if (figure.saved !== null) {
    // back after an unload: the state it had (its query carries the embed fields), under the figure's title
    element = document.createElement('attention-svm-playground') as PlaygroundElement;
    element.setAttribute('title', tagOf(figure).getAttribute('title') ?? '');
    element.setAttribute('state', figure.saved);
  } else element = tagOf(figure).cloneNode(true) as PlaygroundElement;
  figure.element = element;
  renewReady(figure);
  figure.root.dataset.figure = 'loading';
  // (events of an element unloaded since are ignored)
  element.addEventListener('playground-ready', () => {
    if (figure.element !== element) return;
    figure.root.dataset.figure = 'ready';
    figure.markReady();
  });
  element.addEventListener('playground-snapshot', (e) => {
    if (figure.element !== element) return;
    const detail = (e as CustomEvent).detail as { step: number; metrics: Record<string, number | null> };
    figure.snapshot = { step: detail.step, metrics: detail.metrics ?? {} };
    for (const f of figure.listeners) f();
  });
  try {
    await loadElement();
  } catch (e) {
    figure.root.dataset.figure = 'failed';
    console.error((e as Error).message);
    return;
  }
  if (figure.element !== element) return; // unloaded meanwhile
  figure.root.querySelector('.slot')?.append(element);
  void evict();
}

/** A new promise of the frame's `ready`. */
function renewReady(figure: Figure): void {
  figure.ready = new Promise<void>((resolve) => (figure.markReady = resolve));
}

/** Unloads the figures beyond MAX_LIVE that are farthest off screen, keeping their state. */
async function evict(): Promise<void> {
  const live = [...figures.values()].filter((f) => f.element);
  const far = live
    .filter((f) => !f.near)
    .map((f) => {
      const r = f.root.getBoundingClientRect();
      return { f, distance: r.bottom < 0 ? -r.bottom : r.top - innerHeight };
    })
    .sort((a, b) => b.distance - a.distance);
  for (const { f } of far.slice(0, Math.max(0, live.length - MAX_LIVE))) {
    // an eviction that overlaps this one (both await the frames' replies) may have taken this figure, or
    // enough others, already
    const element = f.element;
    if (!element) continue;
    if ([...figures.values()].filter((x) => x.element).length <= MAX_LIVE) break;
    f.element = null;
    // the state as the frame has it (a visitor's changes included); a frame not ready yet keeps the template's
    if (f.root.dataset.figure === 'ready') {
      const reply = (await Promise.race([element.getState(), new Promise((r) => setTimeout(r, 1000))])) as { query?: string } | null;
      if (typeof reply?.query === 'string') f.saved = reply.query;
    }
    element.remove();
    if (f.element) continue; // loaded again meanwhile, as a new element
    f.snapshot = null;
    f.root.dataset.figure = 'unloaded';
    for (const listener of f.listeners) listener();
  }
}

function setupFigure(root: HTMLElement): Figure | null {
  const template = root.querySelector('template');
  if (!template) return null;
  const figure: Figure = {
    root,
    template,
    element: null,
    ready: Promise.resolve(),
    markReady: () => {},
    near: false,
    saved: null,
    snapshot: null,
    listeners: [],
  };
  renewReady(figure);
  const tag = tagOf(figure);
  // the links under the figure
  const bar = document.createElement('p');
  bar.className = 'figure-links';
  const open = document.createElement('a');
  open.href = playgroundLink(tag);
  open.textContent = 'open in playground ↗';
  open.target = '_blank';
  open.rel = 'noopener';
  const copy = document.createElement('button');
  copy.type = 'button';
  copy.className = 'copy';
  copy.textContent = 'copy embed code';
  copy.setAttribute('aria-expanded', 'false');
  const status = document.createElement('span');
  status.className = 'copy-status';
  status.setAttribute('role', 'status');
  const code = document.createElement('textarea');
  code.className = 'embed-code';
  code.readOnly = true;
  code.rows = 3;
  code.value = embedCode(tag);
  code.hidden = true;
  code.setAttribute('aria-label', `embed code of the figure “${tag.getAttribute('title') ?? root.id}”`);
  copy.setAttribute('aria-controls', (code.id = `${root.id}-code`));
  copy.addEventListener('click', () => {
    code.hidden = false;
    copy.setAttribute('aria-expanded', 'true');
    code.select();
    const done = (ok: boolean) => (status.textContent = ok ? 'copied' : 'select the code and copy it');
    if (navigator.clipboard?.writeText)
      navigator.clipboard.writeText(code.value).then(
        () => done(true),
        () => done(false),
      );
    else done(false);
  });
  bar.append(open, ' · ', copy, ' ', status);
  root.append(bar, code);
  return figure;
}

/** Formats a metric for a readout (the engine's value, shortened). */
function show(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const a = Math.abs(value);
  const text = a !== 0 && (a < 1e-3 || a >= 1e5) ? value.toExponential(2) : String(Number(value.toPrecision(4)));
  return text.replace('-', '−');
}

function readout(output: HTMLOutputElement, figure: Figure): void {
  const names = (output.dataset.metrics ?? '').split(/\s+/).filter(Boolean);
  const update = () => {
    const snap = figure.snapshot;
    if (!snap) {
      output.textContent = figure.element ? 'waiting for the figure…' : 'scroll to the figure to start it';
      return;
    }
    const parts: string[] = [];
    for (const name of names) {
      const value = name === 'step' ? snap.step : snap.metrics[name];
      if (value === undefined) continue;
      parts.push(name === 'step' ? `step ${snap.step}` : `${LABELS[name] ?? name} = ${show(value)}`);
    }
    output.textContent = parts.join(' · ');
  };
  figure.listeners.push(update);
  update();
}

/** A question: the choices, the reveal button and the answer with its verdict and readout. */
function setupQuiz(quiz: HTMLElement): void {
  const figure = figures.get(quiz.dataset.fig ?? '');
  const button = quiz.querySelector<HTMLButtonElement>('button.reveal');
  const answer = quiz.querySelector<HTMLElement>('.answer');
  if (!button || !answer) return;
  const verdict = answer.querySelector<HTMLElement>('.verdict');
  const output = answer.querySelector<HTMLOutputElement>('output');
  if (output && figure) readout(output, figure);
  const judge = () => {
    if (!verdict) return;
    const chosen = quiz.querySelector<HTMLInputElement>('input[type="radio"]:checked');
    if (!chosen) verdict.textContent = 'You made no prediction — try one next time before revealing.';
    else {
      const label = chosen.closest('label')?.textContent?.trim() ?? chosen.value;
      verdict.textContent = chosen.hasAttribute('data-right') ? `Right: “${label}”.` : `Not this time: you predicted “${label}”.`;
    }
    verdict.dataset.right = String(chosen?.hasAttribute('data-right') ?? false);
  };
  button.addEventListener('click', () => {
    const open = answer.hidden;
    answer.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
    button.textContent = open ? 'Hide the answer' : 'Reveal the answer';
    if (open) judge();
  });
  // a changed prediction after the reveal updates the verdict
  for (const input of quiz.querySelectorAll('input[type="radio"]')) input.addEventListener('change', () => !answer.hidden && judge());
}

/** A button that acts on a figure through the element's methods. */
function setupAct(button: HTMLButtonElement): void {
  const figure = figures.get(button.dataset.fig ?? '');
  if (!figure) return;
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      if (!figure.element) figure.root.scrollIntoView({ block: 'center' });
      await attach(figure);
      await figure.ready;
      const element = figure.element!;
      switch (button.dataset.do) {
        case 'step':
          await element.step(Number(button.dataset.count ?? 1));
          break;
        case 'set':
          await element.setState(button.dataset.state ?? '');
          break;
        case 'play':
          await element.play();
          break;
        case 'reset':
          await element.reset();
          break;
      }
    } finally {
      button.disabled = false;
    }
  });
}

function start(): void {
  for (const root of document.querySelectorAll<HTMLElement>('figure.live')) {
    const figure = setupFigure(root);
    if (figure) figures.set(root.id, figure);
  }
  const observer = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        const figure = figures.get((entry.target as HTMLElement).id);
        if (!figure) continue;
        figure.near = entry.isIntersecting;
        if (figure.near) void attach(figure);
      }
    },
    { rootMargin: NEAR },
  );
  for (const figure of figures.values()) observer.observe(figure.root);
  for (const quiz of document.querySelectorAll<HTMLElement>('.quiz')) setupQuiz(quiz);
  for (const button of document.querySelectorAll<HTMLButtonElement>('button.act')) setupAct(button);
}

start();
