// The engine's wasm in three parts, for the page's first view on a slow link (scripts/split-wasm.mjs cuts
// attnsvm.wasm with binaryen's wasm-split; docs/design.md §8):
//   attnsvm.start.wasm  every function the page's first heatmap of its default run calls (instantiated first);
//   attnsvm.view.wasm   what the rest of that first view calls: training, the Frobenius and nuclear SVMs;
//   attnsvm.rest.wasm   everything else (other solvers, optimisers and data, ensembles, error paths).
// The start part imports a placeholder for each function of the other two; the first call of one loads
// the part that has it (compiled beforehand and handed over by provide(), else fetched and compiled
// synchronously by `loadSync`) and continues the call. Every part
// shares the start part's memory, table and globals, so a split engine computes what attnsvm.wasm does,
// bit for bit (tests/wasm/split.test.mjs). Use: loadEngine({ instantiateWasm: parts.instantiateWasm }).

/** The parts after the start part. */
export const PARTS = ['view', 'rest'];

/** The custom section of the start part that lists the table slots each other part fills (scripts/split-wasm.mjs). */
const SLOTS_SECTION = 'attnsvm.parts';

/** The file of a part next to attnsvm.mjs. */
export const partFile = (name) => `attnsvm.${name}.wasm`;

export class EngineParts {
  #start;
  #loadSync;
  #compiled = new Map();
  #loaded = new Map(); // name → how: 'provided' | 'fetched'
  #instance = null;
  #table = null;
  #slots = null;
  #failed;
  #fail = () => {};

  /**
   * `start`: the compiled start part. `loadSync(name)`: a part's compiled WebAssembly.Module when it is
   * needed before provide() gave it (a synchronous fetch: XMLHttpRequest in a worker, a file read in Node).
   */
  constructor(start, loadSync) {
    if (!(start instanceof WebAssembly.Module)) throw new TypeError('EngineParts: start must be a WebAssembly.Module');
    this.#start = start;
    this.#loadSync = loadSync;
    this.#failed = new Promise((_, reject) => (this.#fail = reject));
    this.#failed.catch(() => {}); // observed by whoever races it
  }

  /** Rejects when the start part did not instantiate (Emscripten's factory then never settles: race it). */
  get failed() {
    return this.#failed;
  }

  /** A compiled part, used when first needed (a part already loaded keeps its instance). */
  provide(name, module) {
    if (!PARTS.includes(name)) throw new TypeError(`EngineParts: no part "${name}"`);
    if (module instanceof WebAssembly.Module && !this.#compiled.has(name)) this.#compiled.set(name, module);
  }

  /** Whether a part was given (provide) or loaded. */
  has(name) {
    return this.#compiled.has(name) || this.#loaded.has(name);
  }

  /** The parts instantiated so far and how each arrived: { view: 'provided', rest: 'fetched' }. */
  loaded() {
    return Object.fromEntries(this.#loaded);
  }

  /** Emscripten's instantiateWasm hook: the start part with the placeholder imports. */
  instantiateWasm = (imports, receiveInstance) => {
    const placeholder = new Proxy(
      {},
      { get: (_, index) => (typeof index === 'string' ? (...args) => this.#call(Number(index), args) : undefined) },
    );
    WebAssembly.instantiate(this.#start, { ...imports, placeholder }).then((instance) => {
      this.#instance = instance;
      this.#table = Object.values(instance.exports).find((value) => value instanceof WebAssembly.Table);
      receiveInstance(instance, this.#start);
    }, this.#fail);
    return {}; // "asynchronously", in Emscripten's terms
  };

  /** Loads every part that is not loaded yet (tests; a page may prefer to let calls load them). */
  loadAll() {
    for (const name of PARTS) if (!this.#loaded.has(name)) this.#instantiate(name);
  }

  /** A placeholder was called: load the next missing part, then call what is now in the table. */
  /**
   * A placeholder was called: load the part that has the function, then call what is now in the table.
   * (Emscripten's embind looks some function pointers up once, while they are placeholders: those keep
   * calling here after their part loaded, and go straight to the table.)
   */
  #call(index, args) {
    const name = this.#partOf(index);
    if (!this.#loaded.has(name)) this.#instantiate(name);
    return this.#table.get(index)(...args);
  }

  /** The part that fills a table slot, from the start part's custom section SLOTS_SECTION. */
  #partOf(index) {
    this.#slots ??= JSON.parse(new TextDecoder().decode(WebAssembly.Module.customSections(this.#start, SLOTS_SECTION)[0]));
    const name = PARTS.find((part) => this.#slots[part].some(([first, last]) => index >= first && index <= last));
    if (name === undefined) throw new Error(`engine: no part fills table slot ${index}`);
    return name;
  }

  #instantiate(name) {
    let module = this.#compiled.get(name);
    const how = module ? 'provided' : 'fetched';
    module ??= this.#loadSync(name);
    // its element segment writes the part's functions into the shared table, over the placeholders
    new WebAssembly.Instance(module, { primary: this.#instance.exports });
    this.#compiled.delete(name);
    this.#loaded.set(name, how);
  }
}

/** loadSync for a worker: a synchronous XMLHttpRequest of the part next to `baseUrl` (attnsvm.start.wasm's URL). */
export function fetchPartSync(baseUrl) {
  return (name) => {
    const url = new URL(partFile(name), baseUrl).href;
    const request = new XMLHttpRequest();
    request.open('GET', url, false);
    request.responseType = 'arraybuffer';
    request.send();
    if (request.status !== 200) throw new Error(`engine: ${url} could not be loaded (HTTP ${request.status})`);
    return new WebAssembly.Module(request.response);
  };
}
