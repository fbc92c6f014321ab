// Types of the engine's JavaScript API (index.mjs): the wasm build of core/ behind an idiomatic wrapper.
// Every array is a copy owned by JavaScript (no view into wasm memory survives a call), so snapshots
// can be transferred to another thread.

/** The JSON config of docs/design.md §9.1 (validated by the core; unknown fields are errors). */
export type Config = Record<string, unknown>;

/** A dense matrix, row-major: entry (r, c) is data[r * cols + c]. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float64Array;
}

/** The SVM norms of the config (the prompt and decoder SVMs have "fro" and "lp"). */
export type SvmNormName = 'fro' | 'nuc' | 'lp' | 'l1diag';
/** Which SVM: the Att-SVM on W, the prompt vector p, or the decoder v. */
export type SvmProblem = 'attention' | 'prompt' | 'decoder';
export type SvmStatus = 'optimal' | 'infeasible' | 'max-iterations';

/** Local optimality of a token selection (Tarzanagh et al.), in words. */
export interface LocalOptimality {
  feasible: boolean;
  locallyOptimal: boolean;
  explanation: string;
}

/**
 * An SVM solution with its certificate: the JSON form of core/svm/request.hpp (the same fields as the file
 * of `attnsvm svm --out`, there with nested arrays for the typed arrays and null for non-finite numbers).
 */
export interface SvmSolution {
  problem: SvmProblem;
  /** The relaxed joint SVM (constraints of sequences that are not decoder-SVM support vectors ≥ 0). */
  joint: boolean;
  norm: SvmNormName;
  /** The ℓp exponent (2 unless norm is "lp"). */
  p: number;
  /** The token rule α came from. */
  tokens: 'optimal' | 'selected' | 'explicit';
  head: number;
  status: SvmStatus;
  /** Why infeasible or unfinished; empty when optimal. */
  reason: string;
  /** The minimiser: d×d, or d×1 for prompt and decoder problems; null when infeasible before solving. */
  W: Matrix | null;
  /** ‖W‖ in the problem's norm. */
  normValue: number;
  /** The singular values of W, largest first (empty when W is null). */
  singularValues: Float64Array;
  /** How many singular values exceed 1e-7 (absolute; the metric columns rank_<norm>). */
  rank: number;
  /** 1/‖W‖. */
  margin: number;
  /** Relative duality gap. */
  gap: number;
  /** Largest constraint violation. */
  violation: number;
  /** Dual variables, one per constraint. */
  lambda: Float64Array;
  /** Indices k of the constraints with λ_k > 0. */
  support: Int32Array;
  /** The token selection α the problem was built from. */
  alpha: Int32Array;
  /** What each constraint k refers to: sequence i, token t, bound b_k. */
  constraints: { sequence: Int32Array; token: Int32Array; bound: Float64Array };
  iterations: number;
  /** Of α, under the head's current decoder. */
  localOptimality: LocalOptimality;
}

/** Recorded history as columns: "step" and every metric name, oldest row first. */
export type History = Record<string, Float64Array>;

/** The state of a run at one step. Per-head arrays have `heads` entries. */
export interface Snapshot {
  step: number;
  heads: number;
  n: number;
  T: number;
  d: number;
  /** Metric names, in history order (without "step"). */
  columns: string[];
  /** Current value of every column (NaN where undefined). */
  metrics: Record<string, number>;
  /** Per head: n×T softmax probabilities s_it. */
  attention: Matrix[];
  /** Per head: n×T log10(1 − s_it), computed in the log domain. */
  log1mAttention: Matrix[];
  /** Per head: argmax_t s_it. */
  selected: Int32Array[];
  /** Per head: argmax_t y_i x_itᵀ v_h. */
  optimal: Int32Array[];
  /** Per head: the effective key–query matrix (prompt: p as d×1). */
  W: Matrix[];
  singularValues: Float64Array[];
  /** Per head: the decoder v_h. */
  decoders: Float64Array[];
  /** The SVM references of the config, per head and norm (empty while a session defers them). */
  references: SvmSolution[];
  /** null when the snapshot was taken with {history: false}. */
  history: History | null;
}

/** An SVM request (core/svm/request.hpp); unknown fields are errors. */
export interface SolveSvmOptions {
  /** Default: the session's model's ("prompt" for the prompt model, else "attention"). */
  problem?: SvmProblem;
  /** Default "fro"; the prompt and decoder SVMs take "fro" (ℓ2) and "lp". */
  norm?: SvmNormName;
  /** ℓp exponent (> 1) for norm "lp"; default the config's svm.p. */
  p?: number;
  /** Token selection: "optimal" (default), "selected" (current attention) or one index per sequence. */
  tokens?: 'optimal' | 'selected' | ArrayLike<number>;
  /** Default 0. */
  head?: number;
  /** Attention and prompt SVMs: relax the constraints of samples that are not decoder-SVM support vectors to ≥ 0. */
  joint?: boolean;
  /** Target relative duality gap in (0, 1); default the core's (1e-10), as the CLI's `attnsvm svm`. */
  tol?: number;
  /** Solver budget (≥ 1); default the core's (50000). */
  maxIterations?: number;
}

/** An Error raised by the core: bad input, a diverged run, or an internal failure. */
export interface EngineError extends Error {
  kind: 'input' | 'diverged' | 'internal';
  /** For diverged runs: the step that failed (the session keeps the state before it). */
  step?: number;
}

/** Grey-level images with labels: pixel (k, r, c) is pixels[(k * rows + r) * cols + c], 0..255. */
export interface LabelledImages {
  count: number;
  rows: number;
  cols: number;
  pixels: Uint8Array;
  /** Fashion-MNIST classes 0..9 (the sequence label y is −1 for data.classes[0], +1 for [1]). */
  labels: Int32Array;
}

/** A training run: data, model, optimiser and history. Call delete() to free its wasm memory. */
export interface Session {
  /** Iterations run so far. */
  readonly iteration: number;
  /** Runs k iterations; throws an EngineError with `step` when the run diverges. */
  step(k?: number): this;
  /** Solves deferred SVM references and re-records the current row with them (no-op when solved). */
  solveReferences(): this;
  /** Whether the SVM references still wait for solveReferences() or the first step(). */
  readonly referencesDeferred: boolean;
  snapshot(options?: { history?: boolean }): Snapshot;
  solveSvm(options?: SolveSvmOptions): SvmSolution;
  /** The dataset JSON {X, y, z, v, X_test, y_test, z_test}. */
  dataset(): Record<string, unknown>;
  /** The config with defaults filled in. */
  config(): Config;
  /** {W, v, K/Q | k/q | p | heads: [{W, v}], step}. */
  params(): Record<string, unknown>;
  setParams(params: Record<string, unknown> | string): this;
  setLr(lr: number): this;
  metricNames(): string[];
  history(): History;
  /** fashion-mnist sessions: the images behind the train/test sequences (dataset order); else null. */
  images(): { train: LabelledImages; test: LabelledImages | null } | null;
  /** Per head: n_test×T softmax probabilities on the test split; null without a test split. */
  testAttention(): Matrix[] | null;
  /** The model's outputs f_i on the test split (their signs give test_acc); null without a test split. */
  testOutputs(): Float64Array | null;
  delete(): void;
}

export interface SessionOptions {
  /** Solve the SVM references later (solveReferences() or the first step()); meanwhile the SVM metrics
   * (corr_*, bregman_*, margin_*, svm_margin_*) are NaN and snapshots carry no references. */
  deferReferences?: boolean;
}

export interface SessionConstructor {
  /** Throws an EngineError naming the invalid field. */
  new (config: Config | string, options?: SessionOptions): Session;
}

/** The ensemble's statistics so far, per metric column and grid point (over members with a finite value). */
export interface EnsembleSummary {
  members: number;
  /** Members finished, diverged ones included. */
  done: number;
  /** The grid: 0 and log-spaced iterations up to the horizon. */
  steps: Float64Array;
  columns: string[];
  mean: Record<string, Float64Array>;
  /** Population standard deviation. */
  std: Record<string, Float64Array>;
  count: Record<string, Int32Array>;
  /** "member k (seed s): diverged at step …" */
  failures: string[];
}

export interface EnsembleOptions {
  /** Seeds: member k uses data.seed + k and model.init.seed + k. Default 100. */
  members?: number;
  /** The horizon in iterations. Default 1000. */
  iterations?: number;
  /** Log-spaced grid points. Default 60. */
  points?: number;
}

/** The same setting over many seeds. Call delete() to free its wasm memory. */
export interface Ensemble {
  /** Runs at most `budget` iterations over the members; true once all are done. */
  advance(budget: number): boolean;
  summary(): EnsembleSummary;
  delete(): void;
}

export interface EnsembleConstructor {
  /** Throws an EngineError naming the invalid field (config, ensemble.members/iterations/points). */
  new (config: Config | string, options?: EnsembleOptions): Ensemble;
}

export interface Engine {
  Session: SessionConstructor;
  Ensemble: EnsembleConstructor;
  /** Validates a config and returns it with defaults filled in. */
  normalizeConfig(config: Config | string): Config;
  /** Reads a dataset file's text as the CLI does: {X, y, z, v, X_test, ...}; throws an EngineError naming the problem. */
  parseDataset(text: string, format?: 'json' | 'csv' | 'auto', query?: 'cross' | 'self'): Record<string, unknown>;
  toyNames(): string[];
  heapStats(): { heapBytes: number; allocatedBytes: number; freeBytes: number };
  /**
   * Stores an IDX file's bytes under `name` (e.g. "fashion-mnist/train-images-idx3-ubyte"); a config
   * with data.kind "fashion-mnist" and data.path "fashion-mnist" then reads them. Throws an
   * EngineError naming `name` when the bytes are not a valid IDX file.
   */
  registerImages(name: string, bytes: Uint8Array | ArrayBuffer): void;
}

/** `module`: attnsvm.wasm already compiled (instantiated instead of fetched); the rest is passed to the
 * Emscripten factory (e.g. wasmBinary, locateFile). */
export interface LoadOptions {
  module?: WebAssembly.Module;
  wasmBinary?: ArrayBuffer | Uint8Array;
  locateFile?: (path: string, scriptDirectory: string) => string;
  [option: string]: unknown;
}

/** Loads the engine in a page, a Worker or Node. */
export function loadEngine(options?: LoadOptions): Promise<Engine>;
