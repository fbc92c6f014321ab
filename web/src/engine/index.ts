// The page's entry to the engine: the promise-based client of the worker and the protocol's types.
export { EngineClient, EngineError } from './client.js';
export { compileEngine } from './compile.js';
export type { EngineClientOptions, SnapshotListener, ErrorListener, EnsembleListener, TestAttentionListener } from './client.js';
export type {
  Config,
  Configured,
  EnsembleProgress,
  EnsembleSummary,
  ErrorInfo,
  ErrorKind,
  History,
  LabelledImages,
  LocalOptimality,
  Matrix,
  RunState,
  Snapshot,
  Speed,
  SvmSolution,
  TestAttention,
} from './protocol.js';
export { TIMING } from './protocol.js';
