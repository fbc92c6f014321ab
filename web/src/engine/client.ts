// The page's side of the protocol: a promise-based client of the engine worker. The page never waits on
// training: requests resolve when the worker answers, snapshots arrive as events, and a stuck or
// crashed worker is replaced with restart(), which replays the last good config.
import type {
  Config,
  Configured,
  EnsembleProgress,
  ErrorInfo,
  Replies,
  RequestBody,
  RunState,
  Snapshot,
  Speed,
  TestAttention,
  WasmModuleMessage,
  WorkerMessage,
} from './protocol.js';
import { isReply } from './protocol.js';

/** Receives every snapshot (unsolicited or requested), with the run state it was taken in. */
export type SnapshotListener = (snapshot: Snapshot, state: RunState) => void;
/** Receives errors not tied to a request: a run that failed while playing, or a dead worker. */
export type ErrorListener = (error: ErrorInfo) => void;
/** Receives the progress of the running ensemble. */
export type EnsembleListener = (progress: EnsembleProgress) => void;
/** A dead worker: what happened, and whether the run was playing when it died. */
export interface Crash {
  message: string;
  playing: boolean;
}
/** Receives a worker that died: a fatal error report, its error event, or no answer to the heartbeat. */
export type CrashListener = (crash: Crash) => void;
/** Receives the attention on the test split (fashion-mnist runs), at a modest cadence. */
export type TestAttentionListener = (report: TestAttention) => void;

export interface EngineClientOptions {
  /** Creates the worker; default: build/web-engine/worker.js next to this module. The page passes its own,
   * `() => new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' })` (web/src/worker.ts). */
  createWorker?: () => Worker;
  /** URL of the engine's wasm/index.mjs as built (build/wasm/index.mjs); default: ../wasm/index.mjs
   * relative to this module, which is where build-wasm.sh puts it. */
  engineUrl?: string | URL;
  /** The heartbeat while the run plays or a request waits: a ping after `intervalMs` of silence; the worker
   * is declared dead when nothing arrived for `timeoutMs` (default 2 s and 10 s; generous, as one slow
   * configure of a large dataset legitimately blocks the worker for seconds). */
  heartbeat?: { intervalMs: number; timeoutMs: number };
  /** The directory of the Fashion-MNIST IDX files (relative to the page, e.g. data/fashion-mnist/); without it such
   * configs are rejected. */
  dataUrl?: string | URL;
  /** attnsvm.wasm compiled on the page (compileEngine()), handed to the worker at init; null (a failed
   * compile) or absent: the worker fetches and compiles it itself. Every worker of the page may share it.
   * With `split`, the start part attnsvm.start.wasm instead. */
  wasmModule?: Promise<WebAssembly.Module | null>;
  /** The engine in parts (wasm/parts.mjs) next to engineUrl: the worker starts on the start part and takes
   * the view part from `wasmView` (called once the engine runs, so that its download does not compete with
   * the start part's) or else fetches it; the rest part it fetches when a run first needs it. */
  split?: boolean;
  wasmView?: () => Promise<WebAssembly.Module | null>;
}

/** An Error carrying the worker's report (message from the core, naming the field). */
export class EngineError extends Error {
  readonly kind: ErrorInfo['kind'];
  readonly step?: number;
  readonly fatal: boolean;
  constructor(info: ErrorInfo) {
    super(info.message);
    this.name = 'EngineError';
    this.kind = info.kind;
    if (info.step !== undefined) this.step = info.step;
    this.fatal = info.fatal ?? false;
  }
}

/** A request waiting for its answer: `resolve` checks that the message is the reply its type expects. */
interface Pending {
  resolve(message: WorkerMessage): void;
  reject(error: Error): void;
}

/** Drives one engine worker. */
export class EngineClient {
  /** Resolves once the worker has loaded the engine. */
  ready: Promise<void>;
  /** The latest snapshot received, if any. */
  latest: Snapshot | null = null;
  /** The latest run state received. */
  state: RunState = { step: 0, playing: false, speed: 1, configured: false, stepsPerSecond: 0 };
  /** What the worker was last asked to run (debugging and tests): the session's config, the speed, the ensemble (null: none). */
  readonly sent: { config?: Config; speed?: Speed; ensemble?: { config: Config; members: number; iterations: number } | null } = {};

  private worker: Worker;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private snapshotListeners = new Set<SnapshotListener>();
  private errorListeners = new Set<ErrorListener>();
  private ensembleListeners = new Set<EnsembleListener>();
  private testAttentionListeners = new Set<TestAttentionListener>();
  private goodConfig: Config | null = null;
  private crashListeners = new Set<CrashListener>();
  /** The worker answered init: from then on silence means it died. */
  private alive = false;
  private lastHeard = 0;
  private pinging = false;
  private readonly heartbeat: { intervalMs: number; timeoutMs: number };
  /** The heartbeat's timer, running while a worker does (a terminated client leaves no timer behind). */
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly options: EngineClientOptions = {}) {
    this.heartbeat = options.heartbeat ?? { intervalMs: 2000, timeoutMs: 10000 };
    this.worker = this.createWorker();
    this.ready = this.start();
  }

  /** Calls listener when the worker died (after it was terminated); returns the unsubscribe function. */
  onCrash(listener: CrashListener): () => void {
    this.crashListeners.add(listener);
    return () => this.crashListeners.delete(listener);
  }

  /** Reads and validates a dataset file's text in the engine (JSON or CSV, as the CLI reads files). */
  async parseDataset(text: string, format: 'json' | 'csv' | 'auto', query: 'cross' | 'self'): Promise<Record<string, unknown>> {
    return (await this.request({ type: 'parseDataset', text, format, query })).dataset;
  }

  /**
   * Debugging and tests: kills the worker the way the browser kills a crashed or out-of-memory worker,
   * without telling this client; the heartbeat then has to notice.
   */
  killWorker(): void {
    this.worker.terminate();
  }

  /** Calls listener with every snapshot; returns the unsubscribe function. */
  onSnapshot(listener: SnapshotListener): () => void {
    this.snapshotListeners.add(listener);
    return () => this.snapshotListeners.delete(listener);
  }

  /** Calls listener with errors not tied to a request; returns the unsubscribe function. */
  onError(listener: ErrorListener): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  /** Calls listener with the progress of ensembles; returns the unsubscribe function. */
  onEnsemble(listener: EnsembleListener): () => void {
    this.ensembleListeners.add(listener);
    return () => this.ensembleListeners.delete(listener);
  }

  /** Calls listener with the test attention of fashion-mnist runs; returns the unsubscribe function. */
  onTestAttention(listener: TestAttentionListener): () => void {
    this.testAttentionListeners.add(listener);
    return () => this.testAttentionListeners.delete(listener);
  }

  /**
   * Starts computing the config over `members` seeds (data.seed + k, init seed + k) up to `iterations`
   * in the worker, replacing any ensemble in progress; rejects when the config or sizes are invalid.
   * Progress arrives through onEnsemble; the single run waits until the ensemble is finished.
   */
  async ensemble(config: Config, options: { members: number; iterations: number; points?: number }): Promise<void> {
    this.sent.ensemble = { config, members: options.members, iterations: options.iterations };
    await this.request({ type: 'ensemble', config, ...options });
  }

  /** Stops the ensemble in progress, if any. */
  async cancelEnsemble(): Promise<void> {
    this.sent.ensemble = null;
    await this.request({ type: 'cancelEnsemble' });
  }

  /** Replaces the run with a new session; rejects (and keeps the old run) when the config is invalid. */
  async configure(config: Config): Promise<Configured> {
    this.sent.config = config;
    const { configured } = await this.request({ type: 'configure', config });
    this.goodConfig = config;
    return configured;
  }

  /** Starts training, optionally at a new speed (iterations per frame, or "max"). */
  async play(speed?: Speed): Promise<RunState> {
    return (await this.request(speed === undefined ? { type: 'play' } : { type: 'play', speed })).state;
  }

  async pause(): Promise<RunState> {
    return (await this.request({ type: 'pause' })).state;
  }

  /** Runs `count` iterations (time-sliced in the worker); resolves when they are done. */
  async step(count = 1): Promise<RunState> {
    return (await this.request({ type: 'step', count })).state;
  }

  /** Restarts the run from its config (step 0). */
  async reset(): Promise<RunState> {
    return (await this.request({ type: 'reset' })).state;
  }

  async setSpeed(speed: Speed): Promise<RunState> {
    this.sent.speed = speed;
    return (await this.request({ type: 'speed', speed })).state;
  }

  /** Changes the step size without resetting the run. */
  async setLr(lr: number): Promise<RunState> {
    return (await this.request({ type: 'lr', lr })).state;
  }

  /** A fresh snapshot (also delivered to the snapshot listeners). */
  async snapshot(options: { history?: boolean } = {}): Promise<Snapshot> {
    return (await this.request({ type: 'snapshot', history: options.history ?? true })).snapshot;
  }

  /** Stops the worker at once, whatever it is doing; pending requests reject. */
  terminate(): void {
    this.alive = false;
    clearInterval(this.heartbeatTimer);
    this.worker.terminate();
    this.failPending(new EngineError({ message: 'engine: the worker was terminated', kind: 'protocol' }));
    this.state = { ...this.state, playing: false, stepsPerSecond: 0 };
  }

  /** Replaces the worker (e.g. after a runaway or fatal run) and replays `config` or else the last good one, paused. */
  async restart(config?: Config): Promise<Configured | null> {
    this.terminate();
    this.state = { step: 0, playing: false, speed: this.state.speed, configured: false, stepsPerSecond: 0 };
    this.worker = this.createWorker();
    this.ready = this.start();
    await this.ready;
    if (this.state.speed !== 1) await this.setSpeed(this.state.speed);
    const replay = config ?? this.goodConfig;
    return replay ? this.configure(replay) : null;
  }

  /** The heartbeat: while the run plays or a request waits, a silent worker is pinged, then declared dead. */
  private checkAlive(): void {
    if (!this.alive || (!this.state.playing && this.pending.size === 0)) return;
    const silent = performance.now() - this.lastHeard;
    if (silent > this.heartbeat.timeoutMs) {
      this.died(`stopped answering for ${Math.round(silent / 1000)} s`);
    } else if (silent > this.heartbeat.intervalMs && !this.pinging) {
      this.pinging = true;
      const done = () => void (this.pinging = false);
      this.request({ type: 'ping' }).then(done, done);
    }
  }

  /** The worker is dead: terminate it (failing its requests) and tell the crash listeners. */
  private died(message: string, playing = this.state.playing): void {
    if (!this.alive) return;
    this.terminate();
    for (const listener of this.crashListeners) listener({ message, playing });
  }

  private createWorker(): Worker {
    return this.options.createWorker
      ? this.options.createWorker()
      : // not bundled by Vite: the page passes its own worker (web/src/worker.ts)
        new Worker(new URL(/* @vite-ignore */ './worker.js', import.meta.url), { type: 'module' });
  }

  /** Starts the heartbeat, listens to the new worker and initialises it; resolves once the engine loaded. */
  private start(): Promise<void> {
    this.heartbeatTimer = setInterval(() => this.checkAlive(), Math.min(1000, this.heartbeat.intervalMs));
    const worker = this.worker;
    worker.addEventListener('message', (event: MessageEvent<WorkerMessage>) => {
      if (worker !== this.worker) return;
      this.lastHeard = performance.now();
      this.receive(event.data);
    });
    worker.addEventListener('error', (event: ErrorEvent) => {
      if (worker !== this.worker) return;
      event.preventDefault();
      const info: ErrorInfo = { message: `engine worker: ${event.message || 'failed to start'}`, kind: 'internal', fatal: true };
      const playing = this.state.playing;
      this.failPending(new EngineError(info));
      this.emitError(info);
      this.died(info.message, playing);
    });
    const engineUrl = this.options.engineUrl ?? new URL(/* @vite-ignore */ '../wasm/index.mjs', import.meta.url);
    // the worker resolves file names against it: make it absolute (relative to the page)
    const dataUrl = this.options.dataUrl === undefined ? undefined : new URL(String(this.options.dataUrl), document.baseURI).href;
    const init: RequestBody<'init'> = { type: 'init', engineUrl: String(engineUrl) };
    if (dataUrl !== undefined) init.dataUrl = dataUrl;
    const compiled = this.options.wasmModule;
    const split = this.options.split === true;
    if (split) init.split = true;
    const post = (module: Promise<WebAssembly.Module | null>, part?: 'start' | 'view') =>
      void module
        .catch(() => null)
        .then((m) =>
          worker.postMessage(
            (part ? { type: 'wasmModule', module: m, part } : { type: 'wasmModule', module: m }) satisfies WasmModuleMessage,
          ),
        );
    if (compiled) {
      // init goes now (the worker imports the engine's JavaScript); the Module follows when compiled
      init.pageCompiles = true;
      post(compiled, split ? 'start' : undefined);
    }
    return this.request(init).then(() => {
      this.alive = true;
      this.pinging = false;
      this.lastHeard = performance.now();
      if (split && compiled) post(this.options.wasmView?.() ?? Promise.resolve(null), 'view');
    });
  }

  /** Sends a request; resolves with its reply (Replies), rejects with the worker's error or a reply of the wrong shape. */
  private request<B extends RequestBody>(body: B): Promise<Replies[B['type']]> {
    const id = this.nextId++;
    // an idle worker is silent: the heartbeat's clock starts when the page starts expecting an answer
    if (this.pending.size === 0 && !this.state.playing) this.lastHeard = performance.now();
    return new Promise((resolve, reject) => {
      const answer = (message: WorkerMessage) => {
        if (isReply<B['type']>(body.type, message)) resolve(message);
        else reject(new EngineError({ message: `engine: a ${message.type} message answered the ${body.type} request`, kind: 'protocol' }));
      };
      this.pending.set(id, { resolve: answer, reject });
      this.worker.postMessage({ ...body, id });
    });
  }

  private receive(message: WorkerMessage): void {
    if (message.type === 'ensemble') {
      for (const listener of this.ensembleListeners) listener(message);
      return;
    }
    if (message.type === 'testAttention') {
      for (const listener of this.testAttentionListeners) listener(message);
      return;
    }
    const playing = this.state.playing;
    if (message.state) this.state = message.state;
    if (message.type === 'snapshot') {
      this.latest = message.snapshot;
      for (const listener of this.snapshotListeners) listener(message.snapshot, message.state);
    }
    const pending = message.id === undefined ? undefined : this.pending.get(message.id);
    if (message.id !== undefined) this.pending.delete(message.id);
    if (message.type === 'error') {
      const { message: text, kind, step, fatal } = message;
      const info: ErrorInfo = { message: text, kind };
      if (step !== undefined) info.step = step;
      if (fatal) info.fatal = fatal;
      if (pending) pending.reject(new EngineError(info));
      else this.emitError(info);
      // a trapped engine (not bad input) leaves the wasm module in an unknown state: replace the worker
      if (fatal) this.died(text, playing);
      return;
    }
    pending?.resolve(message);
  }

  private emitError(info: ErrorInfo): void {
    for (const listener of this.errorListeners) listener(info);
  }

  private failPending(error: Error): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(error);
  }
}
