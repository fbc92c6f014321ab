// The page's entry to the engine: the promise-based client of the worker and the protocol's types.
export { EngineClient, EngineError } from './client.js';
export type { EngineClientOptions, SnapshotListener, ErrorListener } from './client.js';
export type {
  Config,
  Configured,
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
