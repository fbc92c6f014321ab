// Run B of compare mode: a second engine worker, created when compare turns on and terminated
// when it turns off; its attention heatmap beside run A's with its own metrics line, and its history
// drawn over run A's curves. main.ts drives it next to run A with the same buttons.
import { EngineClient, type Snapshot, type Speed } from '../engine/index.js';
import type { Crash } from '../engine/client.js';
import { RestartBudget, restartRun } from '../recovery.js';
import { resolveDataset } from '../datastore.js';
import { toConfig, type State } from '../state.js';
import type { CurvesView } from '../views/curves.js';
import { HeatmapView } from '../views/heatmap.js';
import { el } from '../dom.js';
import { metricsLine } from '../views/metrics.js';
import { bUpdate, runB, runNames } from './derive.js';
import './compare.css';

export interface CompareOptions {
  /** A new engine client (and worker), as run A's. */
  createClient(): EngineClient;
  heatmapA: HeatmapView;
  curves: CurvesView;
  /** Reports a failure of run B while it trains (a diverged step, a dead worker). */
  onError(message: string): void;
}

/** Run B and its views. */
export class CompareRun {
  /** Run B's engine while compare is on. */
  client: EngineClient | null = null;
  private latest: Snapshot | null = null;
  private shown: Snapshot | null = null;
  private names = { a: 'A', b: 'B' };
  private heatmap = new HeatmapView('Attention s — run B');
  private metrics = el('output', 'metrics-b');
  private note = el('p', 'note compare-note');
  private restarts = new RestartBudget();

  constructor(private readonly options: CompareOptions) {
    // its own class: the page's `.view-heatmap` (exports, tests) stays run A's
    this.heatmap.element.classList.replace('view-heatmap', 'view-heatmap-b');
    this.heatmap.element.querySelector('canvas')?.setAttribute('aria-label', 'attention heatmap of run B');
    this.heatmap.element.append(this.metrics, this.note);
    options.heatmapA.element.after(this.heatmap.element);
    this.show(false);
  }

  get on(): boolean {
    return this.client !== null;
  }

  /**
   * Makes run B follow a change of state from prev to next (run A already has next's session when
   * `restartedA`). Rejects with the engine's message when B's config is invalid: a running B keeps its
   * previous session, a new one is not started. Returns whether B got a new session.
   */
  async follow(prev: State, next: State, restartedA: boolean, playing: boolean, speed: Speed): Promise<boolean> {
    const update = bUpdate(prev, next, restartedA);
    if (update === 'none') return false;
    if (update === 'stop') {
      this.stop();
      return false;
    }
    if (update === 'lr') {
      await this.client!.setLr(next.bLr);
      this.rename(next);
      return false;
    }
    let client = this.client;
    if (!client) {
      client = this.options.createClient();
      try {
        await client.ready;
        await client.setSpeed(speed);
        await client.configure(toConfig(runB(next), resolveDataset));
      } catch (e) {
        client.terminate();
        throw e;
      }
      this.attach(client);
    } else {
      await client.configure(toConfig(runB(next), resolveDataset));
    }
    this.latest = null;
    this.shown = null;
    this.options.curves.overlay(null); // until the new session's first snapshot
    this.rename(next);
    this.show(true);
    if (playing) await client.play();
    return true;
  }

  /** Ends run B: its worker stops, its views go. */
  stop(): void {
    this.client?.terminate();
    this.client = null;
    this.latest = null;
    this.shown = null;
    this.show(false);
  }

  play = () => this.client?.play();
  pause = () => this.client?.pause();
  step = (count: number) => this.client?.step(count);
  reset = () => this.client?.reset();
  setSpeed = (speed: Speed) => this.client?.setSpeed(speed);

  /** Draws B's latest snapshot again at the next frame (a view setting changed). */
  redraw(): void {
    this.shown = null;
  }

  /** Draws B's newest snapshot, if one arrived; returns whether it did (the curves then redraw). */
  draw(): boolean {
    const snap = this.latest;
    if (!snap || snap === this.shown) return false;
    this.shown = snap;
    try {
      this.heatmap.render(snap);
    } catch (e) {
      console.error('view-heatmap-b:', e);
    }
    this.metrics.dataset.step = String(snap.step);
    this.metrics.textContent = `step ${snap.step} · ${metricsLine(snap)}`;
    this.options.curves.overlay({ snapshot: snap, names: this.names });
    return true;
  }

  private attach(client: EngineClient): void {
    this.client = client;
    client.onSnapshot((snapshot) => {
      if (client === this.client) this.latest = snapshot;
    });
    client.onError((error) => {
      if (client === this.client && !error.fatal) this.options.onError(`Run B stopped: ${error.message}`);
    });
    client.onCrash((crash) => {
      if (client === this.client) void this.recover(client, crash);
    });
  }

  /** A dead worker of run B: a new one replays B's last accepted config (playing if it played), as for run A. */
  private async recover(client: EngineClient, crash: Crash): Promise<void> {
    const message = await restartRun(this.restarts, crash, async () => {
      await client.restart();
      if (crash.playing && client === this.client) await client.play();
    });
    if (client === this.client) this.options.onError(`Run B: ${message}`);
  }

  private rename(state: State): void {
    this.names = runNames(state);
    this.note.textContent =
      (this.names.b === 'B' ? 'Same settings as run A' : `${this.names.b} against ${this.names.a}`) +
      '. Same data, seed, initialisation and SVM references; the token plane, matrices and SVM panel show run A.';
    if (this.shown) this.options.curves.overlay({ snapshot: this.shown, names: this.names });
  }

  private show(on: boolean): void {
    this.heatmap.element.hidden = !on;
    // the column lays the two heatmaps side by side (compare.css)
    this.heatmap.element.parentElement?.classList.toggle('comparing', on);
    this.options.heatmapA.setTitle(on ? 'Attention s — run A' : 'Attention s');
    if (!on) this.options.curves.overlay(null);
  }
}
