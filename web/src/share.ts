// The share panel: copy the link of the current state; build embed code (<iframe … loading="lazy">) for
// chosen views, controls and size, with a live preview; and the teacher's link builder (an exercise plus
// controls to hide). Every URL comes from the typed state schema; nothing is inserted as HTML.
import { EXERCISES, exerciseById } from './exercises.js';
import type { PageApi } from './page.js';
import { embedCode, embedUrl, playgroundUrl, urlOf, type EmbedOptions } from './embed/links.js';
import { DEFAULT_EMBED_VIEWS } from './embed/layout.js';
import { presetById } from './presets.js';
import { DEFAULTS, HIDEABLE, SCHEMA, VIEW_NAMES, withChanges, type State } from './state.js';
import { el } from './dom.js';

let uid = 0;

/** A labelled native control: <label for=…>text</label> + the control. */
function labelled<T extends HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>(text: string, control: T): HTMLElement {
  const row = el('div', 'share-row');
  control.id ||= `share-${++uid}`;
  const label = el('label', '', text);
  label.htmlFor = control.id;
  row.append(label, control);
  return row;
}

function checkbox(text: string, value: string, checked = false): { row: HTMLLabelElement; input: HTMLInputElement } {
  const input = el('input');
  input.type = 'checkbox';
  input.value = value;
  input.checked = checked;
  const row = el('label', 'check');
  row.append(input, document.createTextNode(text));
  return { row, input };
}

function readonlyText(label: string): HTMLInputElement {
  const input = el('input');
  input.type = 'text';
  input.readOnly = true;
  input.setAttribute('aria-label', label);
  return input;
}

/** Copies text; reports in `status` whether it worked (clipboard access can be refused). */
async function copy(text: string, source: HTMLInputElement | HTMLTextAreaElement, status: HTMLElement): Promise<void> {
  source.select();
  try {
    await navigator.clipboard.writeText(text);
    status.textContent = 'copied';
  } catch {
    status.textContent = 'selected: press Ctrl+C to copy';
  }
}

/** The share panel. */
export class SharePanel {
  readonly element = el('section', 'panel share-panel');
  private link = readonlyText('link to this run');
  private views: HTMLInputElement[] = [];
  private controls = el('select');
  private autoplay = el('input');
  private width = el('input');
  private height = el('input');
  private code = el('textarea');
  private preview = el('iframe');
  private previewTimer = 0;
  private exercise = el('select');
  private hides: HTMLInputElement[] = [];
  private teacher = readonlyText("teacher's link");
  private status = el('output', 'share-status');

  constructor(private readonly api: PageApi) {
    this.element.id = 'share-panel';
    this.element.hidden = true;
    this.element.setAttribute('aria-label', 'share and embed');
    document.querySelector('.runbar')?.after(this.element);

    const copyLink = el('button', '', 'copy link');
    copyLink.type = 'button';
    copyLink.id = 'copy-link';
    copyLink.addEventListener('click', () => void copy(this.link.value, this.link, this.status));
    this.link.id = 'share-link';
    const linkRow = labelled('link', this.link);
    linkRow.append(copyLink);

    // embed
    const embed = el('fieldset', 'share-embed');
    embed.append(el('legend', '', 'Embed'));
    const viewBox = el('fieldset', 'share-views');
    viewBox.append(el('legend', '', 'views'));
    for (const v of VIEW_NAMES) {
      const { row, input } = checkbox(v, v, DEFAULT_EMBED_VIEWS.includes(v));
      this.views.push(input);
      viewBox.append(row);
    }
    for (const c of ['none', 'min', 'full']) this.controls.append(Object.assign(el('option', '', c), { value: c }));
    this.controls.value = 'min';
    this.autoplay.type = 'checkbox';
    this.autoplay.checked = true;
    for (const [input, value] of [
      [this.width, 720],
      [this.height, 560],
    ] as const) {
      input.type = 'number';
      input.min = '200';
      input.max = '4000';
      input.step = '10';
      input.value = String(value);
    }
    this.code.readOnly = true;
    this.code.rows = 3;
    this.code.id = 'embed-code';
    const copyCode = el('button', '', 'copy embed code');
    copyCode.type = 'button';
    copyCode.id = 'copy-embed';
    copyCode.addEventListener('click', () => void copy(this.code.value, this.code, this.status));
    this.preview.title = 'preview of the embedded playground';
    this.preview.className = 'embed-preview';
    this.preview.setAttribute('loading', 'lazy');
    embed.append(
      viewBox,
      labelled('controls', this.controls),
      labelled('autoplay', this.autoplay),
      labelled('width', this.width),
      labelled('height', this.height),
      labelled('embed code', this.code),
      copyCode,
      el('h3', '', 'preview'),
      this.preview,
    );
    for (const input of [...this.views, this.controls, this.autoplay, this.width, this.height])
      input.addEventListener('change', () => this.refresh(true));

    // teacher's link builder
    const teach = el('fieldset', 'share-teacher');
    teach.append(el('legend', '', "Teacher's link"));
    this.exercise.append(Object.assign(el('option', '', '— the current state —'), { value: '' }));
    for (const e of EXERCISES) this.exercise.append(Object.assign(el('option', '', e.title), { value: e.id }));
    this.exercise.addEventListener('change', () => {
      const ex = exerciseById(this.exercise.value);
      for (const h of this.hides) h.checked = ex?.state.hide?.includes(h.value) ?? false;
      this.refresh(false);
    });
    const hideBox = el('fieldset', 'share-hides');
    hideBox.append(el('legend', '', 'hide these controls'));
    for (const key of HIDEABLE) {
      const f = SCHEMA.find((row) => row.key === key);
      const { row, input } = checkbox(f ? f.label : key, key);
      this.hides.push(input);
      hideBox.append(row);
    }
    for (const h of this.hides) h.addEventListener('change', () => this.refresh(false));
    const copyTeacher = el('button', '', "copy teacher's link");
    copyTeacher.type = 'button';
    copyTeacher.id = 'copy-teacher';
    copyTeacher.addEventListener('click', () => void copy(this.teacher.value, this.teacher, this.status));
    this.teacher.id = 'teacher-link';
    teach.append(labelled('exercise', this.exercise), hideBox, this.teacher, copyTeacher);

    const close = el('button', 'share-close', 'close');
    close.type = 'button';
    close.addEventListener('click', () => this.toggle(false));
    this.status.setAttribute('aria-live', 'polite');
    this.element.append(el('h2', '', 'Share'), linkRow, this.status, embed, teach, close);
    this.element.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this.toggle(false);
    });
  }

  /** Opens or closes the panel. */
  toggle(open = this.element.hidden): void {
    const hadFocus = this.element.contains(document.activeElement);
    this.element.hidden = !open;
    document.getElementById('share')?.setAttribute('aria-expanded', String(open));
    if (open) {
      this.refresh(true);
      this.link.focus();
    } else {
      this.preview.removeAttribute('src');
      if (hadFocus) document.getElementById('share')?.focus();
    }
  }

  stateChanged(_state: State): void {
    if (!this.element.hidden) this.refresh(true);
  }

  private options(): EmbedOptions {
    const state = this.api.state();
    const preset = presetById(state.preset);
    const exercise = exerciseById(state.exercise);
    const size = (input: HTMLInputElement, fallback: number) => {
      const x = Number(input.value);
      return Number.isFinite(x) && x >= 100 ? Math.min(4000, x) : fallback;
    };
    return {
      views: this.views.filter((v) => v.checked).map((v) => v.value),
      controls: this.controls.value,
      autoplay: this.autoplay.checked,
      width: size(this.width, 720),
      height: size(this.height, 560),
      title: `Attention SVM Playground${exercise ? `: ${exercise.title}` : preset ? `: ${preset.title}` : ''}`,
    };
  }

  /** The teacher's link: the chosen exercise's state (or the current one) with the chosen controls hidden. */
  teacherUrl(): string {
    const hide = this.hides.filter((h) => h.checked).map((h) => h.value);
    const ex = exerciseById(this.exercise.value);
    const base = ex ? withChanges(DEFAULTS, { ...ex.state, exercise: ex.id }) : this.api.state();
    return urlOf(withChanges(base, { hide, embed: false }));
  }

  private refresh(preview: boolean): void {
    const state = this.api.state();
    const options = this.options();
    this.link.value = playgroundUrl(state);
    this.code.value = embedCode(state, options);
    this.teacher.value = this.teacherUrl();
    this.status.textContent = '';
    if (!preview || this.element.hidden) return;
    clearTimeout(this.previewTimer);
    this.previewTimer = window.setTimeout(() => {
      this.preview.width = String(Math.min(options.width, 700));
      this.preview.height = String(options.height);
      this.preview.src = embedUrl(state, options);
    }, 400);
  }
}
