// Types of parts.mjs: the engine's wasm in three parts (scripts/split-wasm.mjs).

export type PartName = 'view' | 'rest';

/** The parts after the start part, in the order a missing function loads them. */
export const PARTS: readonly PartName[];

/** The file of a part next to attnsvm.mjs: attnsvm.view.wasm, attnsvm.rest.wasm. */
export function partFile(name: PartName | 'start'): string;

export class EngineParts {
  /** `start`: the compiled start part; `loadSync(name)`: a part needed before provide() gave it. */
  constructor(start: WebAssembly.Module, loadSync: (name: PartName) => WebAssembly.Module);
  /** Rejects when the start part did not instantiate (race it with loadEngine). */
  readonly failed: Promise<never>;
  /** A compiled part, used when first needed. */
  provide(name: PartName, module: WebAssembly.Module): void;
  /** Whether a part was given or loaded. */
  has(name: PartName): boolean;
  /** The parts instantiated so far and how each arrived. */
  loaded(): Partial<Record<PartName, 'provided' | 'fetched'>>;
  /** Emscripten's instantiateWasm hook, for loadEngine({ instantiateWasm }). */
  readonly instantiateWasm: (
    imports: WebAssembly.Imports,
    receiveInstance: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
  ) => object;
  /** Loads every part not loaded yet. */
  loadAll(): void;
}

/** loadSync for a worker: a synchronous XMLHttpRequest of the part next to `baseUrl`. */
export function fetchPartSync(baseUrl: string | URL): (name: PartName) => WebAssembly.Module;
