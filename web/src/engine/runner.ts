// The worker's side of the protocol: owns the engine and one Session, trains in time slices, posts
// snapshots at a steady cadence independent of the training speed. No worker globals here: the host
// supplies posting, a clock and a scheduler, so the runner also runs under Node.
import type { Engine, Ensemble, Session } from '../../../wasm/index';
import type { Config, ErrorInfo, Request, RunState, Snapshot, Speed, TestAttention, WorkerMessage } from './protocol.js';
import { TIMING } from './protocol.js';

/** What the runner needs from its environment. */
export interface RunnerHost {
  post(message: WorkerMessage, transfer: Transferable[]): void;
  now(): number;
  /** Calls fn after delayMs (0: as soon as queued messages have been handled). */
  schedule(fn: () => void, delayMs: number): void;
  /** Loads the engine module at url (a dynamic import of wasm/index.mjs); `pageCompiles`: instantiates the
   * Module of the page's WasmModuleMessage instead of fetching the wasm (when the page's compile worked);
   * `split`: the engine in parts (wasm/parts.mjs), the start part first. */
  load(url: string, pageCompiles: boolean, split: boolean): Promise<Engine>;
  /** A split engine: resolves once the parts `names` are at hand (null: they are, or the engine is whole).
   * A part still missing when first called is fetched synchronously, which blocks the worker meanwhile. */
  partsReady?(names: readonly ('view' | 'rest')[]): Promise<void> | null;
  /** The bytes at url; rejects (saying why) on a failed or stalled request. Needed for fashion-mnist configs. */
  fetchBytes?(url: string): Promise<ArrayBuffer>;
}

/** The IDX files a fashion-mnist config reads, registered in the engine under these bare names (no data.path). */
const FASHION_FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'] as const;

/** Whether a config's data are Fashion-MNIST images, which the engine needs registered first. */
function needsImages(config: Config): boolean {
  const data = (config as { data?: unknown }).data;
  return data !== null && typeof data === 'object' && (data as { kind?: unknown }).kind === 'fashion-mnist';
}

/** The labels of a session's test split (null without one). */
function testLabels(dataset: Record<string, unknown>): Float64Array | null {
  const y = dataset.y_test as number[] | undefined;
  return Array.isArray(y) && y.length > 0 ? Float64Array.from(y) : null;
}

/** The ArrayBuffers of every typed array in a value, for a zero-copy postMessage. */
function transferables(value: unknown, out: Transferable[] = []): Transferable[] {
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer && !out.includes(value.buffer)) out.push(value.buffer);
  } else if (Array.isArray(value)) {
    for (const item of value) transferables(item, out);
  } else if (value !== null && typeof value === 'object') {
    for (const item of Object.values(value)) transferables(item, out);
  }
  return out;
}

/** The parts of a split engine each request waits for (the first configure: none; training: tick()). */
const PARTS_NEEDED: Record<Request['type'], readonly ('view' | 'rest')[]> = {
  init: [],
  ping: [],
  speed: [],
  play: [],
  pause: [],
  snapshot: [],
  reset: [],
  cancelEnsemble: [],
  step: ['view'],
  lr: ['view'],
  configure: ['view', 'rest'],
  ensemble: ['view', 'rest'],
  parseDataset: ['view', 'rest'],
};

/** An error in the use of the protocol (not the engine's). */
function protocolError(message: string): Error {
  return Object.assign(new Error(message), { kind: 'protocol' });
}

/** Bad input the page can fix (e.g. a data file that is missing on the host). */
function inputError(message: string): Error {
  return Object.assign(new Error(message), { kind: 'input' });
}

/**
 * Normalises anything thrown into the protocol's error report. The engine's and the protocol's own
 * errors carry a `kind`; anything else (a wasm trap, a module that failed to load) is fatal.
 */
function errorInfo(e: unknown): ErrorInfo {
  const error = e as { message?: unknown; kind?: unknown; step?: unknown } | null;
  const known = typeof error?.kind === 'string';
  const info: ErrorInfo = {
    message: String(error?.message ?? e),
    kind: known ? (error!.kind as ErrorInfo['kind']) : 'internal',
  };
  if (typeof error?.step === 'number') info.step = error.step;
  if (!known) info.fatal = true;
  return info;
}

function validSpeed(speed: unknown): Speed {
  if (speed === 'max') return speed;
  if (typeof speed === 'number' && Number.isInteger(speed) && speed >= 1) return speed;
  throw protocolError(`speed: must be an integer >= 1 or "max", got ${JSON.stringify(speed)}`);
}

/** Owns the Session and answers the protocol's requests. */
export class EngineRunner {
  private engine: Engine | null = null;
  private session: Session | null = null;
  private config: Config | null = null;
  private playing = false;
  private speed: Speed = 1;
  /** Iterations still owed to step requests, and the requests waiting for them. */
  private owed = 0;
  private waiting: number[] = [];
  /** A tick is scheduled (wake()); cleared when it runs. */
  private scheduled = false;
  private lastSnapshotAt = -Infinity;
  private msPerStep = 0.05;
  private rate = 0;
  /** The ensemble being computed: it shares the worker's slices with the live run, turn about. */
  private ensemble: Ensemble | null = null;
  private ensembleHadTurn = false;
  private lastTrainingAt = -Infinity;
  private ensembleStartedAt = 0;
  private ensembleReportedAt = -Infinity;
  /** Where the Fashion-MNIST files are (init), and their registration (fetched once per worker). */
  private dataUrl: string | null = null;
  private imagesRegistered: Promise<void> | null = null;
  /** The live session's test labels (fashion-mnist runs), and when its test attention was last posted. */
  private testLabels: Float64Array | null = null;
  private testAttentionAt = -Infinity;

  constructor(private readonly host: RunnerHost) {}

  /** Handles one request from the page. */
  async handle(request: Request): Promise<void> {
    const { id } = request;
    try {
      // A split engine's start part runs the first configure, its view part the first view's training;
      // anything more waits for every part (fetched meanwhile), so that no call fetches one synchronously.
      const parts = request.type === 'configure' && !this.session ? [] : PARTS_NEEDED[request.type];
      if (parts.length > 0) await this.host.partsReady?.(parts);
      switch (request.type) {
        case 'init':
          if (!this.engine) this.engine = await this.host.load(request.engineUrl, request.pageCompiles ?? false, request.split ?? false);
          if (request.dataUrl !== undefined) this.dataUrl = request.dataUrl;
          return this.done(id);
        case 'configure':
          return await this.configure(id, request.config);
        case 'reset':
          if (!this.config) throw protocolError('reset: no config yet (send configure first)');
          this.replaceSession(this.config);
          this.done(id);
          this.postSnapshot();
          return this.wake();
        case 'play':
          if (request.speed !== undefined) this.speed = validSpeed(request.speed);
          this.live();
          this.playing = true;
          this.done(id);
          return this.wake();
        case 'pause':
          this.playing = false;
          this.finishStepping();
          this.done(id);
          return this.session ? this.postSnapshot() : undefined;
        case 'step':
          if (!Number.isInteger(request.count) || request.count < 0)
            throw protocolError(`step: count must be an integer >= 0, got ${request.count}`);
          this.live();
          this.owed += request.count;
          this.waiting.push(id);
          return this.wake();
        case 'snapshot':
          return this.postSnapshot(id, request.history ?? true);
        case 'speed':
          this.speed = validSpeed(request.speed);
          return this.done(id);
        case 'lr':
          this.live().setLr(request.lr);
          if (this.config) this.config = this.session!.config();
          return this.done(id);
        case 'ensemble': {
          if (!this.engine) throw protocolError('engine: not initialised (send init first)');
          const { config, members, iterations, points } = request;
          if (needsImages(config)) await this.registerImages();
          const ensemble = new this.engine.Ensemble(
            config,
            points === undefined ? { members, iterations } : { members, iterations, points },
          );
          this.ensemble?.delete();
          this.ensemble = ensemble;
          this.ensembleStartedAt = this.host.now();
          this.ensembleReportedAt = -Infinity;
          this.done(id);
          this.postEnsemble(false);
          return this.wake();
        }
        case 'parseDataset': {
          if (!this.engine) throw protocolError('engine: not initialised (send init first)');
          const dataset = this.engine.parseDataset(request.text, request.format, request.query);
          return this.host.post({ type: 'done', id, state: this.state(), dataset }, []);
        }
        case 'ping':
          return this.done(id);
        case 'cancelEnsemble':
          this.ensemble?.delete();
          this.ensemble = null;
          return this.done(id);
        default:
          throw protocolError(`unknown request ${JSON.stringify((request as { type?: unknown }).type)}`);
      }
    } catch (e) {
      this.host.post({ type: 'error', id, state: this.state(), ...errorInfo(e) }, []);
    }
  }

  /** The run state as the page sees it. */
  state(): RunState {
    return {
      step: this.session?.iteration ?? 0,
      playing: this.playing,
      speed: this.speed,
      configured: this.session !== null,
      stepsPerSecond: this.playing || this.owed > 0 ? this.rate : 0,
    };
  }

  private live(): Session {
    if (!this.engine) throw protocolError('engine: not initialised (send init first)');
    if (!this.session) throw protocolError('session: not configured (send configure first)');
    return this.session;
  }

  /**
   * A new session replaces the old one only once it exists: a bad config leaves the run untouched.
   * Fashion-MNIST configs first fetch and register the image files (the old run plays on meanwhile).
   */
  private async configure(id: number, config: Config): Promise<void> {
    if (!this.engine) throw protocolError('engine: not initialised (send init first)');
    if (needsImages(config)) await this.registerImages();
    this.replaceSession(config);
    const session = this.session!;
    const dataset = session.dataset();
    this.testLabels = testLabels(dataset);
    const images = session.images();
    this.host.post(
      {
        type: 'done',
        id,
        state: this.state(),
        configured: { state: this.state(), config: session.config(), dataset, columns: session.metricNames(), images },
      },
      transferables(images),
    );
    this.postSnapshot();
    this.wake();
  }

  /**
   * The new session shows its data at once; its SVM references (the nuclear norm's takes a while) are
   * solved in the next slice, after the page got the first snapshot (see tick()).
   */
  private replaceSession(config: Config): void {
    const session = new this.engine!.Session(config, { deferReferences: true });
    this.finishStepping();
    this.session?.delete();
    this.session = session;
    this.config = config;
    this.testAttentionAt = -Infinity;
  }

  /** Fetches the four IDX files from dataUrl and registers them, once per worker (a failure is retried next time). */
  private registerImages(): Promise<void> {
    this.imagesRegistered ??= this.fetchImages().catch((e: unknown) => {
      this.imagesRegistered = null;
      throw e;
    });
    return this.imagesRegistered;
  }

  private async fetchImages(): Promise<void> {
    const { dataUrl } = this;
    const fetchBytes = this.host.fetchBytes?.bind(this.host);
    if (dataUrl === null || !fetchBytes)
      throw inputError('data.kind: "fashion-mnist" needs the image files, and this page gave the engine no place to load them from');
    const files = await Promise.all(
      FASHION_FILES.map(async (name) => {
        let url = `${dataUrl}${name}`;
        try {
          url = new URL(name, dataUrl).href;
          return { name, bytes: await fetchBytes(url) };
        } catch (e) {
          throw inputError(`data.kind: the Fashion-MNIST file ${url} could not be loaded (${(e as Error).message ?? e})`);
        }
      }),
    );
    for (const { name, bytes } of files) this.engine!.registerImages(name, new Uint8Array(bytes));
  }

  /**
   * Test attention and outputs of the live session (with a test split): after every snapshot of a run
   * at rest, else at most every testAttentionMs (each costs a pass over the test split).
   */
  private testReport(snapshot: Snapshot): TestAttention | null {
    const labels = this.testLabels;
    const now = this.host.now();
    const atRest = !this.playing && this.owed === 0;
    if (!labels || (!atRest && now - this.testAttentionAt < TIMING.testAttentionMs)) return null;
    const session = this.session!;
    const attention = session.testAttention();
    const outputs = session.testOutputs();
    if (!attention || !outputs) return null;
    this.testAttentionAt = now;
    return { step: snapshot.step, attention, outputs, labels: labels.slice() };
  }

  private done(id: number): void {
    this.host.post({ type: 'done', id, state: this.state() }, []);
  }

  /** Answers every pending step request (after it completed, or was cancelled by pause/reset). */
  private finishStepping(): void {
    this.owed = 0;
    for (const id of this.waiting.splice(0)) this.done(id);
  }

  private postSnapshot(id?: number, history = true): void {
    const session = this.live();
    const snapshot: Snapshot = session.snapshot({ history });
    this.lastSnapshotAt = this.host.now();
    const test = this.testReport(snapshot);
    const message: WorkerMessage =
      id === undefined ? { type: 'snapshot', state: this.state(), snapshot } : { type: 'snapshot', id, state: this.state(), snapshot };
    this.host.post(message, transferables(snapshot));
    if (test) this.host.post({ type: 'testAttention', ...test }, transferables(test));
  }

  /**
   * Schedules the next tick in `delayMs` (0: once the queued messages are handled), unless one is already
   * scheduled: every request and every slice that wants more wakes the runner through here, and a wake-up
   * while one is pending changes nothing.
   */
  private wake(delayMs = 0): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.host.schedule(() => this.tick(), delayMs);
  }

  private postEnsemble(finished: boolean): void {
    const summary = this.ensemble!.summary();
    this.ensembleReportedAt = this.host.now();
    const seconds = (this.ensembleReportedAt - this.ensembleStartedAt) / 1000;
    this.host.post({ type: 'ensemble', summary, seconds, finished }, transferables(summary));
  }

  /** One time slice of the ensemble; false when there is none. */
  private ensembleTick(): boolean {
    if (!this.ensemble) return false;
    const start = this.host.now();
    let finished = false;
    try {
      // budgets of ~batchMs worth of steps until the slice is used up
      while (!finished && this.host.now() - start < TIMING.sliceMs)
        finished = this.ensemble.advance(Math.max(1, Math.floor(TIMING.batchMs / this.msPerStep)));
    } catch (e) {
      this.ensemble.delete();
      this.ensemble = null;
      this.host.post({ type: 'error', state: this.state(), ...errorInfo(e) }, []);
      return true;
    }
    if (finished || this.host.now() - this.ensembleReportedAt >= TIMING.ensembleMs) this.postEnsemble(finished);
    if (finished) {
      this.ensemble.delete();
      this.ensemble = null;
    }
    this.wake();
    return true;
  }

  /**
   * Solves the live session's deferred SVM references and posts the snapshot that has them; false when
   * there are none to solve. Comes before training and the ensemble (a step would solve them anyway).
   */
  private referencesTick(): boolean {
    const session = this.session;
    if (!session?.referencesDeferred) return false;
    try {
      session.solveReferences();
    } catch (e) {
      this.host.post({ type: 'error', state: this.state(), ...errorInfo(e) }, []);
      return true;
    }
    this.postSnapshot();
    this.wake();
    return true;
  }

  /** Whether the live run wants a slice now: steps owed, or playing and (at a numeric speed) a frame passed. */
  private trainingDue(): boolean {
    if (!this.session) return false;
    if (this.owed > 0) return true;
    if (!this.playing) return false;
    return this.speed === 'max' || this.host.now() - this.lastTrainingAt >= TIMING.frameMs - 1;
  }

  /**
   * One time slice of training or of the ensemble. While an ensemble is computed the two take turns
   * (the ensemble also gets the idle time between frames), so loading a preset with 100 seeds does not
   * freeze the live run.
   */
  private tick(): void {
    this.scheduled = false;
    // the first view's references and training are in the view part of a split engine
    const parts = this.session ? this.host.partsReady?.(['view']) : null;
    if (parts) {
      void parts.then(() => this.wake());
      return;
    }
    if (this.referencesTick()) return;
    if (this.ensemble && !(this.ensembleHadTurn && this.trainingDue())) {
      this.ensembleHadTurn = true;
      if (this.ensembleTick()) return;
    }
    this.ensembleHadTurn = false;
    const session = this.session;
    if (!session || (!this.playing && this.owed === 0)) return;
    const start = this.host.now();
    this.lastTrainingAt = start;
    const stepping = this.owed > 0;
    const target = stepping ? this.owed : this.speed === 'max' ? Infinity : this.speed;
    let done = 0;
    try {
      while (done < target) {
        const batch = Math.max(1, Math.min(target - done, Math.floor(TIMING.batchMs / this.msPerStep)));
        const before = session.iteration;
        const t0 = this.host.now();
        try {
          session.step(batch);
        } finally {
          done += session.iteration - before;
        }
        const dt = this.host.now() - t0;
        this.msPerStep = 0.7 * this.msPerStep + 0.3 * Math.max(dt / batch, 1e-4);
        if (this.host.now() - start >= TIMING.sliceMs) break;
      }
    } catch (e) {
      // A diverged (or otherwise failed) run: stop, keep the last good state, tell the page (the
      // waiting step requests, or the page at large when it was playing).
      this.playing = false;
      this.owed = 0;
      const info = errorInfo(e);
      const waiting = this.waiting.splice(0);
      for (const id of waiting) this.host.post({ type: 'error', id, state: this.state(), ...info }, []);
      if (waiting.length === 0) this.host.post({ type: 'error', state: this.state(), ...info }, []);
      if (!info.fatal) this.postSnapshot();
      return;
    }
    const elapsed = this.host.now() - start;
    if (elapsed > 0) this.rate = 0.8 * this.rate + 0.2 * ((done / elapsed) * 1000);
    if (stepping) {
      this.owed -= done;
      if (this.owed <= 0) {
        this.finishStepping();
        this.postSnapshot();
      }
    }
    if (this.host.now() - this.lastSnapshotAt >= TIMING.snapshotMs) this.postSnapshot();
    if (this.owed > 0 || (this.playing && this.speed === 'max') || this.ensemble) this.wake();
    else if (this.playing) this.wake(Math.max(0, TIMING.frameMs - elapsed));
  }
}
