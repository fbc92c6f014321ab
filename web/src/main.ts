// The page: reads the state from the URL, starts the engine worker, wires controls and views, and
// renders the latest snapshot once per animation frame. No math here: every number is the engine's.
import './style.css';
import { EngineClient, compileEngine, type Configured, type Snapshot } from './engine/index.js';
import { Controls } from './controls.js';
import { renderMathText } from './mathtext.js';
import { PRESETS, presetById } from './presets.js';
import { resolveDataset } from './datastore.js';
import { DEFAULTS, changedFields, engineSpeed, presetState, toConfig, toQuery, withChanges, type State } from './state.js';
import { CurvesView } from './views/curves.js';
import { HeatmapView, setAttentionScale } from './views/heatmap.js';
import { ImagesView } from './views/images.js';
import { MatricesView } from './views/matrices.js';
import { SvmPanelView } from './views/svmpanel.js';
import { TokenPlaneView } from './views/tokenplane.js';
import { el } from './dom.js';
import type { RunContext, View } from './views/view.js';
import { installExtensions, type Hooks } from './extensions.js';
import { initialState, reducedMotion, withPageFields, type PageApi } from './page.js';
import { CompareRun } from './compare/run.js';
import { completeChanges } from './compare/derive.js';
import { metricsLine } from './views/metrics.js';
import type { Crash } from './engine/client.js';
import { RestartBudget, restartRun } from './recovery.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const integer = new Intl.NumberFormat('en');

const INTRO =
  'A one-layer softmax attention model $f_i = s_i^\\top X_i v$ with $s_i = \\mathrm{softmax}(X_i W z_i)$ is trained on ' +
  'separable data. $\\|W_t\\| \\to \\infty$, but its direction converges to the solution of a hard-margin SVM that ' +
  "separates each sequence's selected token from the others: $\\min \\|W\\|$ subject to " +
  '$(x_{i\\alpha_i} - x_{it})^\\top W z_i \\ge 1$. Which norm depends on the algorithm: Frobenius for GD/NGD on $W$, ' +
  'nuclear for $W = KQ^\\top$, $\\ell_p$ for mirror descent. Watch the heatmap sparsify and ' +
  '$\\mathrm{corr}(W_t, W_{mm})$ climb to 1 for the matching norm. Pick a preset to reproduce a paper figure.';

/** The live page. */
class Playground {
  private state: State;
  private client: EngineClient;
  private controls: Controls;
  private views: View[];
  private heatmap: HeatmapView;
  private tokens: TokenPlaneView;
  private curves: CurvesView;
  /** Run B of compare mode (its own worker while compare is on). */
  private compare: CompareRun;
  private images: ImagesView;
  private latest: Snapshot | null = null;
  private dirty = false;
  /** The snapshot each view drew last, and when. */
  private drawn = new WeakMap<View, Snapshot>();
  private drawnAt = new WeakMap<View, number>();
  private context: RunContext = { dataset: {}, config: {} };
  private queue: Promise<void> = Promise.resolve();
  private frames = 0;
  private fps = 0;
  private fpsSince = performance.now();
  private hooks: Hooks;
  private restarts = new RestartBudget();
  /** The first run was configured: from then on a dead worker is replaced. */
  private running = false;

  constructor() {
    // The worker first: it starts while this thread compiles the engine's wasm (one fetch, one Module for
    // every worker of the page) and builds the page, so the first heatmap comes early. The engine comes in
    // parts (wasm/parts.mjs): the start part draws the first heatmap; the view part, fetched once the
    // engine runs, trains and solves the first view's SVMs; the worker fetches the rest when needed.
    const wasmModule = compileEngine(new URL('wasm/attnsvm.start.wasm', document.baseURI));
    let viewPart: Promise<WebAssembly.Module | null> | null = null;
    const createClient = () =>
      new EngineClient({
        wasmModule,
        split: true,
        wasmView: () => (viewPart ??= compileEngine(new URL('wasm/attnsvm.view.wasm', document.baseURI))),
        createWorker: () => new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' }),
        engineUrl: new URL('wasm/index.mjs', document.baseURI),
        dataUrl: new URL('data/fashion-mnist/', document.baseURI),
      });
    this.client = createClient();
    this.state = initialState(location.search);
    this.controls = new Controls((changes) => this.change(changes));
    this.tokens = new TokenPlaneView((X) => this.editTokens(X));
    const heatmap = new HeatmapView();
    this.heatmap = heatmap;
    const svm = new SvmPanelView();
    const matrices = new MatricesView();
    const curves = new CurvesView();
    this.curves = curves;
    this.images = new ImagesView(6);
    this.images.element.hidden = true; // shown for runs on images (fashion-mnist)
    this.views = [heatmap, this.tokens, matrices, svm, curves, this.images];
    $('center').append(this.images.element, heatmap.element, this.tokens.element, matrices.element, svm.element);
    $('right').prepend(curves.element);
    this.layoutControls();
    // the attention scale (attn=s|log) in the heatmap panel, under its note
    const scale = this.controls.rowOf('attn');
    if (scale) {
      scale.classList.add('attn-pick');
      heatmap.element.querySelector('.note')?.after(scale);
    }
    this.compare = new CompareRun({ createClient, heatmapA: heatmap, curves, onError: (message) => this.banner(message) });
    this.client.onSnapshot((snapshot) => {
      this.latest = snapshot;
      this.dirty = true;
    });
    this.client.onError((error) => {
      if (!error.fatal) this.banner(`The run stopped: ${error.message}`);
    });
    this.client.onCrash((crash) => void this.recover(crash));
    // documented debug hooks (README): kill run A's (or compare mode's run B's) worker as a crash would, for trying and testing
    // recovery; what each worker was last asked to run (config, speed, ensemble), for checking that the page runs what it shows
    Object.assign(window, {
      attnsvmDebug: {
        killWorker: () => this.client.killWorker(),
        killWorkerB: () => this.compare.client?.killWorker(),
        sent: () => ({ a: this.client.sent, b: this.compare.client?.sent ?? null }),
      },
    });
    this.client.onEnsemble((progress) => this.curves.showEnsemble(progress));
    this.client.onTestAttention((report) => {
      this.images.setTestAttention(report);
      this.drawn.delete(this.images); // redraw with the latest snapshot, even when no new one comes (paused)
      this.dirty = true;
    });
    this.hooks = installExtensions(this.api());
  }

  private layoutControls(): void {
    const root = $('controls');
    // on a phone the views come first: the controls fold behind this button (style.css; wider screens hide it)
    const fold = el('button', 'controls-toggle', 'settings');
    fold.type = 'button';
    fold.id = 'controls-toggle';
    fold.setAttribute('aria-expanded', 'false');
    fold.setAttribute('aria-controls', 'settings');
    fold.addEventListener('click', () => fold.setAttribute('aria-expanded', String(root.classList.toggle('open'))));
    this.controls.element.id = 'settings';
    root.append(fold, this.controls.element);
    const speed = this.controls.rowOf('speed');
    if (speed) $('speed-slot').append(speed);
    this.controls.group('run').hidden = true;
    const regenerate = el('button', 'regenerate', 'regenerate (seed + 1)');
    regenerate.type = 'button';
    regenerate.id = 'regenerate';
    regenerate.addEventListener('click', () => this.change({ seed: this.state.seed + 1 }));
    // in the seed's row: shown where the data depend on the seed
    (this.controls.rowOf('seed') ?? this.controls.group('data')).append(regenerate);

    const select = $<HTMLSelectElement>('preset');
    const none = el('option', '', '— choose a paper figure —');
    none.value = '';
    select.append(none, ...PRESETS.map((p) => Object.assign(el('option', '', p.title), { value: p.id })));
    select.addEventListener('change', () => this.applyPreset(select.value));

    $('play').addEventListener('click', () => this.serial(() => this.togglePlay()));
    $('step').addEventListener('click', () => this.serial(() => this.stepBy(1)));
    $('step100').addEventListener('click', () => this.serial(() => this.stepBy(100)));
    $('reset').addEventListener('click', () => this.serial(() => this.resetRuns()));
    $('share').addEventListener('click', () => this.hooks.share());
  }

  /** Loads the engine and starts the run of the URL's state. */
  async start(): Promise<void> {
    this.controls.set(this.state);
    this.showScale();
    this.showAbout();
    requestAnimationFrame((t) => this.frame(t));
    try {
      await this.client.ready;
    } catch (e) {
      this.banner(`The engine did not load: ${(e as Error).message}. Reload the page to try again.`);
      $('status').textContent = 'engine not loaded';
      return;
    }
    let configured: Configured;
    try {
      configured = await this.client.configure(toConfig(this.state, resolveDataset));
    } catch (e) {
      this.banner(`This link's settings were rejected (${(e as Error).message}); showing the default run.`);
      this.state = withChanges(DEFAULTS, {});
      this.controls.set(this.state);
      configured = await this.client.configure(toConfig(this.state, resolveDataset));
    }
    this.newRun(configured);
    if (this.state.compare) {
      try {
        await this.compare.follow(withChanges(this.state, { compare: false }), this.state, true, false, engineSpeed(this.state));
      } catch (e) {
        this.banner(`Run B's settings in this link were rejected (${(e as Error).message}); showing run A alone.`);
        this.state = withChanges(this.state, { compare: false });
        this.controls.set(this.state);
      }
    }
    this.writeUrl();
    await this.syncEnsemble(this.state).catch((e: Error) => this.banner(e.message));
    await this.client.setSpeed(engineSpeed(this.state));
    if (this.hooks.autoplay()) await Promise.all([this.client.play(), this.compare.play()]);
    else $('status').textContent = reducedMotion() ? 'paused (reduced motion): press play' : 'paused: press play';
    this.updatePlay();
    this.running = true;
    this.hooks.started();
  }

  /** A dead worker: a new one runs the page's (the URL's) state again, playing if it played. */
  private recover(crash: Crash): Promise<void> {
    if (!this.running) return Promise.resolve();
    return this.serial(async () => {
      this.banner(
        await restartRun(this.restarts, crash, async () => {
          this.newRun((await this.client.restart(toConfig(this.state, resolveDataset)))!);
          await this.client.setSpeed(engineSpeed(this.state));
          await this.syncEnsemble(this.state);
          if (crash.playing) await this.client.play();
        }),
      );
      this.updatePlay();
    });
  }

  /** Runs page actions one at a time, in order. */
  private serial(action: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(action).catch((e: Error) => this.banner(e.message));
    return this.queue;
  }

  /** Play and pause drive both runs of compare mode; run A's state is the button's. */
  private async togglePlay(): Promise<void> {
    if (this.client.state.playing) await Promise.all([this.client.pause(), this.compare.pause()]);
    else await Promise.all([this.client.play(), this.compare.play()]);
    this.updatePlay();
  }

  private async stepBy(count: number): Promise<void> {
    if (this.client.state.playing) await Promise.all([this.client.pause(), this.compare.pause()]);
    this.updatePlay();
    await Promise.all([this.client.step(count), this.compare.step(count)]);
  }

  private async resetRuns(): Promise<void> {
    await Promise.all([this.client.reset(), this.compare.reset()]);
  }

  private updatePlay(): void {
    $('play').textContent = this.client.state.playing ? '❚❚ pause' : '▶ play';
  }

  /** A visitor's edit: a restart field builds a new session; lr and speed go to the live one. */
  private change(changes: Partial<State>): Promise<void> {
    return this.serial(async () => {
      const next = withChanges(this.state, completeChanges(this.state, changes));
      const fields = changedFields(this.state, next);
      if (fields.length === 0) return;
      const names = fields.map((f) => f.name);
      try {
        const restart = fields.some((f) => f.effect === 'restart');
        if (restart) {
          this.newRun(await this.client.configure(toConfig(next, resolveDataset)));
        } else {
          if (names.includes('lr')) await this.client.setLr(next.lr);
          if (names.includes('speed'))
            await Promise.all([this.client.setSpeed(engineSpeed(next)), this.compare.setSpeed(engineSpeed(next))]);
        }
        await this.followB(next, restart);
        if (restart || names.includes('seeds') || names.includes('horizon')) await this.syncEnsemble(next);
      } catch (e) {
        // the previous run keeps going; the message names the field
        if (!this.controls.showError(names, (e as Error).message)) this.banner((e as Error).message);
        return;
      }
      this.adopt(next);
    });
  }

  /**
   * Compare mode: run B follows the change (run A has next's session when `restartedA`). When B rejects
   * its config, B keeps its run and run A goes back to the current state's config (a B-only change never
   * touched A); when B gets a new session, run A restarts too, so both runs count the same iterations.
   */
  private async followB(next: State, restartedA: boolean): Promise<void> {
    let restartedB: boolean;
    try {
      restartedB = await this.compare.follow(this.state, next, restartedA, this.client.state.playing, engineSpeed(next));
    } catch (e) {
      if (restartedA) this.newRun(await this.client.configure(toConfig(this.state, resolveDataset)));
      throw new Error(`run B: ${(e as Error).message}`);
    }
    if (restartedB && !restartedA) await this.client.reset();
  }

  /** Makes an accepted state the page's: controls, URL and preset text follow it. */
  private adopt(next: State): void {
    this.state = next;
    this.showScale();
    this.controls.clearErrors();
    this.controls.set(this.state);
    this.hideBanner();
    this.writeUrl();
    this.showAbout();
  }

  private applyPreset(id: string): Promise<void> {
    const preset = presetById(id);
    if (!preset) return this.change({ preset: '' });
    const next = withPageFields(presetState(id), this.state);
    return this.load(next, this.hooks.autoplay(next)).catch((e: Error) => this.banner(`Preset ${preset.title}: ${e.message}`));
  }

  /** Dragged tokens become an inline dataset (y, z, v kept) and the run restarts on it. */
  private editTokens(X: number[][][]): void {
    const ds = this.context.dataset;
    const inline: Record<string, unknown> = { X, y: ds.y };
    if (Array.isArray(ds.z) && this.state.query === 'cross') inline.z = ds.z;
    if (Array.isArray(ds.v)) inline.v = ds.v;
    void this.change({ kind: 'inline', inline: JSON.stringify(inline) });
  }

  private newRun(configured: Configured): void {
    this.context = { dataset: configured.dataset, config: configured.config };
    for (const v of this.views) v.reset?.(this.context);
    const images = configured.images;
    this.images.setImages(images ? (images.test ?? images.train) : null, images?.test ? 'test' : 'train');
    this.images.element.hidden = !images;
    this.latest = null;
    this.drawn = new WeakMap();
  }

  /** Starts the state's ensemble in the worker (replacing any), or stops it when seeds is 0. */
  private async syncEnsemble(state: State): Promise<void> {
    if (state.seeds > 200) throw new Error('seeds: at most 200 on the page (attnsvm run --seeds computes more)');
    if (state.seeds > 0) {
      await this.client.ensemble(toConfig(state, resolveDataset), { members: state.seeds, iterations: state.horizon });
    } else {
      await this.client.cancelEnsemble();
      this.curves.showEnsemble(null);
    }
  }

  private writeUrl(): void {
    const query = toQuery(this.state);
    history.replaceState(null, '', query ? `?${query}` : location.pathname);
    this.hooks.stateChanged(this.state);
  }

  private showAbout(): void {
    const preset = presetById(this.state.preset);
    $('about-title').textContent = preset ? preset.title : 'What you are looking at';
    $('about-paper').textContent = preset ? preset.paper : '';
    const select = $<HTMLSelectElement>('preset');
    if (select.value !== this.state.preset) select.value = preset ? preset.id : '';
    $('about-checked').hidden = true;
    if (!preset) {
      renderMathText($('about-text'), INTRO);
      return;
    }
    $('about-text').replaceChildren();
    // the text's checked numbers and what was checked (npm run reproduce), each linked to its row of the table:
    // claims.ts and its table load when a preset's text is first shown, not with the first view
    void import('./claims.js').then(({ checkedNotes, quoteClaims }) => {
      if (presetById(this.state.preset) !== preset) return;
      renderMathText($('about-text'), quoteClaims(preset.id, preset.text, preset.claims));
      const notes = checkedNotes(preset.id, preset.claims);
      $('about-checked').replaceChildren(
        ...notes.map((note) => {
          const says = el('span');
          renderMathText(says, note.says);
          const item = el('li', note.holds ? 'holds' : 'fails', 'checked: ');
          item.append(says, ` — ${note.text} `, Object.assign(el('a', '', 'table'), { href: note.href }));
          return item;
        }),
      );
      $('about-checked').hidden = notes.length === 0;
    });
  }

  /** The heatmaps follow the state's attention scale (a view-only field: redrawn, the run untouched). */
  private showScale(): void {
    if (!setAttentionScale(this.state.attn)) return;
    this.drawn.delete(this.heatmap);
    this.dirty = true;
    this.compare.redraw();
  }

  private banner(message: string): void {
    const b = $('banner');
    b.textContent = message;
    b.hidden = false;
  }

  private hideBanner(): void {
    $('banner').hidden = true;
  }

  /** One animation frame: render the newest snapshot if one arrived. */
  private frame(now: number): void {
    this.frames++;
    if (now - this.fpsSince >= 1000) {
      this.fps = (this.frames * 1000) / (now - this.fpsSince);
      this.frames = 0;
      this.fpsSince = now;
      this.showStatus();
    }
    // a new snapshot of run B redraws its heatmap here and the overlaid curves below
    if (this.compare.draw()) this.drawn.delete(this.curves);
    const snap = this.latest;
    if (snap) {
      let pending = false;
      for (const v of this.views) {
        if (this.drawn.get(v) === snap) continue;
        if (now - (this.drawnAt.get(v) ?? -Infinity) < (v.minInterval ?? 0)) {
          pending = true;
          continue;
        }
        this.drawn.set(v, snap);
        this.drawnAt.set(v, now);
        try {
          v.render(snap);
        } catch (e) {
          // one broken view must not stop the others (and shows up as a console error)
          console.error(`${v.element.className}:`, e);
        }
      }
      if (this.dirty) {
        this.showStatus();
        this.showMetrics(snap);
      }
      this.dirty = pending;
    }
    requestAnimationFrame((t) => this.frame(t));
  }

  private showStatus(): void {
    const s = this.client.state;
    const status = $('status');
    status.dataset.step = String(this.latest?.step ?? s.step);
    // the worker's own step and play state: a paused page has settled once data-step reaches data-run-step
    status.dataset.runStep = String(s.step);
    status.dataset.playing = String(s.playing);
    status.textContent =
      `step ${integer.format(this.latest?.step ?? s.step)} · ` +
      (s.playing ? `${integer.format(Math.round(s.stepsPerSecond))} steps/s` : 'paused') +
      ` · ${Math.round(this.fps)} fps`;
    this.updatePlay();
  }

  // ── hooks for the embed, classroom, export and accessibility modules (extensions.ts) ──
  private api(): PageApi {
    const setPlaying = (on: boolean) =>
      this.serial(async () => {
        if (on !== this.client.state.playing)
          await (on ? Promise.all([this.client.play(), this.compare.play()]) : Promise.all([this.client.pause(), this.compare.pause()]));
        this.updatePlay();
      });
    return {
      client: this.client,
      controls: this.controls,
      state: () => this.state,
      change: (changes) => this.change(changes),
      load: (next, play) => this.load(next, play),
      play: () => setPlaying(true),
      pause: () => setPlaying(false),
      step: (count) => this.serial(() => this.stepBy(count)),
      reset: () => this.serial(() => this.resetRuns()),
    };
  }

  /** Replaces the whole state (an exercise, a host page's setState): a new run; rejects when the engine does. */
  private async load(next: State, play: boolean): Promise<void> {
    let failure: Error | null = null;
    await this.serial(async () => {
      try {
        await Promise.all([this.client.setSpeed(engineSpeed(next)), this.compare.setSpeed(engineSpeed(next))]);
        this.newRun(await this.client.configure(toConfig(next, resolveDataset)));
        await this.followB(next, true);
        await this.syncEnsemble(next);
        if (play && !this.client.state.playing) await Promise.all([this.client.play(), this.compare.play()]);
      } catch (e) {
        failure = e as Error;
        return;
      }
      this.adopt(next);
      this.updatePlay();
    });
    if (failure) throw failure;
  }

  private showMetrics(snap: Snapshot): void {
    const out = $('metrics');
    out.dataset.step = String(snap.step);
    out.textContent = metricsLine(snap);
  }
}

void new Playground().start();
