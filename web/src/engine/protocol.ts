// The message protocol between the page (EngineClient) and the engine worker (worker.ts). Every request
// carries an id and is answered by exactly one `done`, `snapshot` (for a snapshot request) or `error`
// message with that id; the worker also posts unsolicited snapshots at a steady cadence while it runs,
// and unsolicited errors when a run fails (it then pauses, keeping the last good state).
import type { Config, EnsembleSummary, LabelledImages, Matrix, Snapshot } from '../../../wasm/index';

export type { Config, EnsembleSummary, LabelledImages, Snapshot, Matrix, SvmSolution, History, LocalOptimality } from '../../../wasm/index';

/** Training speed: iterations per frame tick (~16 ms), or as many as fit in each time slice. */
export type Speed = number | 'max';

/** What the page knows about the run without a snapshot. */
export interface RunState {
  /** Iterations run so far (0 before the first configure). */
  step: number;
  playing: boolean;
  speed: Speed;
  configured: boolean;
  /** Measured training rate over the last slices (0 when paused). */
  stepsPerSecond: number;
}

/** Requests from the page. */
export type Request =
  /** `dataUrl`: the directory of the Fashion-MNIST IDX files (fetched once, when a config first needs them);
   * `pageCompiles`: the page compiles attnsvm.wasm and posts it in a WasmModuleMessage (else the worker fetches it);
   * `split`: the engine in parts next to engineUrl (wasm/parts.mjs: attnsvm.start.wasm, .view.wasm, .rest.wasm),
   * of which the page compiles the start and view parts when `pageCompiles`. */
  | { type: 'init'; id: number; engineUrl: string; dataUrl?: string; pageCompiles?: boolean; split?: boolean }
  | { type: 'configure'; id: number; config: Config }
  | { type: 'play'; id: number; speed?: Speed }
  | { type: 'pause'; id: number }
  | { type: 'step'; id: number; count: number }
  | { type: 'reset'; id: number }
  | { type: 'snapshot'; id: number; history?: boolean }
  | { type: 'speed'; id: number; speed: Speed }
  | { type: 'lr'; id: number; lr: number }
  /** Starts an ensemble (replacing any running one); the worker computes it before training further. */
  | { type: 'ensemble'; id: number; config: Config; members: number; iterations: number; points?: number }
  /** Stops the running ensemble, if any. */
  | { type: 'cancelEnsemble'; id: number }
  /** Reads and validates a dataset file's text (the core's reader); answered with `dataset`. */
  | { type: 'parseDataset'; id: number; text: string; format: 'json' | 'csv' | 'auto'; query: 'cross' | 'self' }
  /** Answered at once between time slices: the page's heartbeat (a worker that stops answering is dead). */
  | { type: 'ping'; id: number };

export type RequestType = Request['type'];

/**
 * Not a request (no id, no answer): the engine's wasm as the page compiled it, or null when that failed
 * (the worker then fetches it). Sent once (per part) after an init with `pageCompiles`, whenever the compile
 * is done, so that the worker imports the engine's JavaScript meanwhile.
 */
export interface WasmModuleMessage {
  type: 'wasmModule';
  module: WebAssembly.Module | null;
  /** Which wasm: attnsvm.wasm (absent) or a part of a split engine (after an init with `split`). */
  part?: 'start' | 'view';
}

/** A request before the client numbers it (of one type, or of any). */
export type RequestBody<T extends RequestType = RequestType> = T extends RequestType ? Omit<Extract<Request, { type: T }>, 'id'> : never;

/** The result of a successful configure: the normalised config, its dataset and metric columns. */
export interface Configured {
  state: RunState;
  config: Config;
  dataset: Record<string, unknown>;
  columns: string[];
  /** The images behind the sequences (data.kind "fashion-mnist", dataset order); null for other data. */
  images: { train: LabelledImages; test: LabelledImages | null } | null;
}

/** Attention on the test split (fashion-mnist runs), posted with a snapshot at most every `TIMING.testAttentionMs`. */
export interface TestAttention {
  step: number;
  /** Per head: n_test×T softmax probabilities. */
  attention: Matrix[];
  /**
   * The model's output f_i = (1/D) Σ_h s_hiᵀ X_i v_h (D = √H or H, model.head_scale) on every test sequence (its sign
   * is the prediction).
   */
  outputs: Float64Array;
  /** The test labels y_i (±1). */
  labels: Float64Array;
}

export type ErrorKind = 'input' | 'diverged' | 'internal' | 'protocol';

/** An error report: the core's message (it names the field for bad input). */
export interface ErrorInfo {
  message: string;
  kind: ErrorKind;
  /** Diverged runs: the step that failed; the run stays at the state before it. */
  step?: number;
  /** The engine itself failed (e.g. the module did not load or trapped); restart the worker. */
  fatal?: boolean;
}

/** Progress of an ensemble: its statistics so far, and the seconds spent on it. */
export interface EnsembleProgress {
  summary: EnsembleSummary;
  seconds: number;
  finished: boolean;
}

/** A request done: its id and the run state after it. */
export interface DoneMessage {
  type: 'done';
  id: number;
  state: RunState;
}

/** A configure done: the new session's data and columns. */
export interface ConfiguredMessage extends DoneMessage {
  configured: Configured;
}

/** A parseDataset done: the dataset as the core read it. */
export interface DatasetMessage extends DoneMessage {
  dataset: Record<string, unknown>;
}

/** A snapshot: the answer to a snapshot request (with its id), or unsolicited while the run trains. */
export interface SnapshotMessage {
  type: 'snapshot';
  id?: number;
  state: RunState;
  snapshot: Snapshot;
}

/** A failed request (with its id), or a run that failed while it played or stepped (without). */
export type ErrorMessage = { type: 'error'; id?: number; state?: RunState } & ErrorInfo;

/** Messages from the worker. */
export type WorkerMessage =
  | DoneMessage
  | ConfiguredMessage
  | DatasetMessage
  | ({ type: 'ensemble'; id?: undefined; state?: undefined } & EnsembleProgress)
  | SnapshotMessage
  | ({ type: 'testAttention'; id?: undefined; state?: undefined } & TestAttention)
  | ErrorMessage;

/** The answer to a request of each type when it succeeds (a failure is an ErrorMessage with the request's id). */
export interface Replies {
  init: DoneMessage;
  configure: ConfiguredMessage;
  play: DoneMessage;
  pause: DoneMessage;
  step: DoneMessage;
  reset: DoneMessage;
  snapshot: SnapshotMessage & { id: number };
  speed: DoneMessage;
  lr: DoneMessage;
  ensemble: DoneMessage;
  cancelEnsemble: DoneMessage;
  parseDataset: DatasetMessage;
  ping: DoneMessage;
}

/** Whether a worker message is the answer a request of `type` expects (the client checks before it resolves). */
export function isReply<T extends RequestType>(type: T, message: WorkerMessage): message is Replies[T] {
  if (message.id === undefined) return false;
  switch (type) {
    case 'snapshot':
      return message.type === 'snapshot';
    case 'configure':
      return message.type === 'done' && 'configured' in message;
    case 'parseDataset':
      return message.type === 'done' && 'dataset' in message;
    default:
      return message.type === 'done';
  }
}

/** Cadence of the worker loop, in milliseconds. */
export const TIMING = {
  /** Longest stretch of training before the worker yields to its message queue. */
  sliceMs: 10,
  /** Target duration of one session.step(k) call, used to size k. */
  batchMs: 2,
  /** Interval between slices at a numeric speed (one frame). */
  frameMs: 16,
  /** Minimum interval between unsolicited snapshots (~30 per second). */
  snapshotMs: 33,
  /** Minimum interval between ensemble progress reports. */
  ensembleMs: 150,
  /** Minimum interval between test-attention reports while a run plays (one costs a pass over the test split). */
  testAttentionMs: 500,
  /** A data file that has not arrived by then fails the configure (no hang on a stalled host). */
  fetchTimeoutMs: 60000,
} as const;
