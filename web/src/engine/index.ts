// The page's entry to the engine: the promise-based client of the worker and the protocol's types.
export { EngineClient, EngineError } from './client.js';
export type { EngineClientOptions, SnapshotListener, ErrorListener, EnsembleListener } from './client.js';
export type {
  Config,
  Configured,
  EnsembleProgress,
  EnsembleSummary,
  ErrorInfo,
  ErrorKind,
  History,
  LocalOptimality,
  Matrix,
  RunState,
  Snapshot,
  Speed,
  SvmSolution,
} from './protocol.js';
export { TIMING } from './protocol.js';
