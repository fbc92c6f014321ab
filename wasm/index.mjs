// The JavaScript face of the engine: loads the Emscripten module (attnsvm.mjs + attnsvm.wasm, next to
// this file once built) and wraps the embind classes in an idiomatic API whose failures are JS Errors
// carrying the core's messages. Works in a page, a module Worker and Node. Types: index.d.ts.
import createAttnsvm from './attnsvm.mjs';

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

/** An Error from the core: `kind` is "input", "diverged" or "internal"; diverged runs carry `step`. */
function engineError(native) {
  const e = new Error(native.message);
  e.kind = native.kind;
  if (native.step !== undefined) e.step = native.step;
  return e;
}

/** An argument the wrapper rejects before calling the core. */
const inputError = (message) => engineError({ kind: 'input', message });

/**
 * Loads the engine. `module`: an already compiled WebAssembly.Module of attnsvm.wasm (e.g. compiled by
 * the page while its worker started), instantiated instead of fetching the file. Other options are
 * passed to the Emscripten factory (e.g. `wasmBinary`, `locateFile`); in Node the .wasm is read from
 * disk next to attnsvm.mjs unless `wasmBinary` or `module` is given.
 */
export async function loadEngine({ module, ...options } = {}) {
  const moduleOptions = { ...options };
  // Emscripten's factory never settles when an instantiateWasm hook fails asynchronously: race it.
  let instantiationFailed = new Promise(() => {});
  if (module !== undefined) {
    if (!(module instanceof WebAssembly.Module)) throw inputError('module: must be a WebAssembly.Module');
    let fail;
    instantiationFailed = new Promise((_, reject) => (fail = reject));
    // Emscripten's hook: we instantiate, it receives the instance (returning {} says "asynchronously").
    moduleOptions.instantiateWasm = (imports, receiveInstance) => {
      WebAssembly.instantiate(module, imports).then((instance) => receiveInstance(instance, module), fail);
      return {};
    };
  } else if (isNode && !moduleOptions.wasmBinary) {
    const fs = await import(/* @vite-ignore */ 'node:' + 'fs/promises');
    moduleOptions.wasmBinary = await fs.readFile(new URL('./attnsvm.wasm', import.meta.url));
  }
  const native = await Promise.race([createAttnsvm(moduleOptions), instantiationFailed]);

  /** Throws the error parked by the last native call, if any; else returns `result`. */
  function check(result) {
    const error = native.takeError();
    if (error) throw engineError(error);
    return result;
  }

  const asJson = (value, what) => {
    if (typeof value === 'string') return value;
    if (value === null || typeof value !== 'object') throw inputError(`${what}: must be a JSON object or string`);
    return JSON.stringify(value);
  };

  /** A native object; one whose arguments the core rejected is freed and its error thrown. */
  function construct(NativeClass, ...args) {
    const object = new NativeClass(...args);
    const error = native.takeError();
    if (error) {
      object.delete();
      throw engineError(error);
    }
    return object;
  }

  /** One training run: data, model, optimiser and history (core/session.hpp). */
  class Session {
    #native;

    /**
     * Creates a session from the JSON config (docs/design.md §9.1); throws an Error naming an invalid field.
     * `deferReferences`: the SVM references are solved by solveReferences() or the first step(), not now;
     * meanwhile the SVM metrics are NaN and snapshots carry no references.
     */
    constructor(config, { deferReferences = false } = {}) {
      this.#native = construct(native.NativeSession, asJson(config, 'config'), Boolean(deferReferences));
    }

    #live() {
      if (!this.#native) throw inputError('session: already deleted');
      return this.#native;
    }

    /** The number of iterations run so far. */
    get iteration() {
      return this.#live().iteration();
    }

    /** Runs k iterations; a diverged run throws (with `step`) and keeps its last finite state. */
    step(k = 1) {
      if (!Number.isInteger(k) || k < 0 || k > 2 ** 31 - 1) throw inputError(`step: k must be an integer >= 0, got ${k}`);
      check(this.#live().step(k));
      return this;
    }

    /** Solves deferred SVM references and re-records the current row with them (no-op when solved). */
    solveReferences() {
      check(this.#live().solveReferences());
      return this;
    }

    /** Whether the SVM references still wait for solveReferences() or a step. */
    get referencesDeferred() {
      return this.#live().referencesDeferred();
    }

    /** The current state, copied out of wasm memory; `{history: false}` skips the metric history. */
    snapshot({ history = true } = {}) {
      return check(this.#live().snapshot(history));
    }

    /**
     * Solves an SVM request on the session's training data (docs/design.md §9.5): {problem, joint, norm, p,
     * tokens, head, tol, maxIterations}, every field optional (defaults: the session's model's problem, "fro",
     * the config's svm.p, "optimal", head 0). The core validates the request and picks the solver.
     */
    solveSvm(request = {}) {
      if (request !== null && typeof request === 'object' && ArrayBuffer.isView(request.tokens))
        request = { ...request, tokens: Array.from(request.tokens) };
      return check(this.#live().solveSvm(asJson(request, 'request')));
    }

    /** The dataset in the JSON dataset format {X, y, z, v, ...}. */
    dataset() {
      return JSON.parse(check(this.#live().datasetJson()));
    }

    /** The config with every default filled in. */
    config() {
      return JSON.parse(check(this.#live().configJson()));
    }

    /** The parameters as JSON {W, v, K/Q | k/q | p | heads, step}. */
    params() {
      return JSON.parse(check(this.#live().paramsJson()));
    }

    /** Replaces the parameters (a params() object or a subset naming trained blocks). */
    setParams(params) {
      check(this.#live().setParams(asJson(params, 'params')));
      return this;
    }

    /** Changes the step size without resetting the run. */
    setLr(lr) {
      if (typeof lr !== 'number') throw inputError(`optimizer.lr: must be a number, got ${lr}`);
      check(this.#live().setLr(lr));
      return this;
    }

    /** The metric columns, in history order (without "step"). */
    metricNames() {
      return check(this.#live().metricNames());
    }

    /** The recorded history as columns {step, <metric>...} of Float64Arrays. */
    history() {
      return check(this.#live().history());
    }

    /**
     * fashion-mnist sessions: the images behind the sequences, in dataset order, as
     * {train, test: {count, rows, cols, pixels: Uint8Array, labels: Int32Array} | null}; else null.
     */
    images() {
      return check(this.#live().images());
    }

    /** Per head: the n_test×T attention probabilities on the test split (null without one). */
    testAttention() {
      return check(this.#live().testAttention());
    }

    /** The model's outputs f_i on the test split, whose signs give test_acc (null without one). */
    testOutputs() {
      return check(this.#live().testOutputs());
    }

    /** Frees the wasm memory of this session; further calls throw. */
    delete() {
      if (this.#native) this.#native.delete();
      this.#native = null;
    }
  }

  /** The same setting over many seeds (core/ensemble.hpp): member k uses data.seed + k and init seed + k. */
  class Ensemble {
    #native;

    /** Validates the config and sizes ({members, iterations, points}); throws an Error naming the field. */
    constructor(config, { members = 100, iterations = 1000, points = 60 } = {}) {
      for (const [name, value] of Object.entries({ members, iterations, points }))
        if (!Number.isInteger(value)) throw inputError(`ensemble.${name}: must be an integer, got ${value}`);
      this.#native = construct(native.NativeEnsemble, asJson(config, 'config'), members, iterations, points);
    }

    #live() {
      if (!this.#native) throw inputError('ensemble: already deleted');
      return this.#native;
    }

    /** Runs at most `budget` iterations over the members; returns true once all are done. */
    advance(budget) {
      if (!Number.isInteger(budget) || budget < 0) throw inputError(`budget: must be an integer >= 0, got ${budget}`);
      return check(this.#live().advance(budget));
    }

    /** {members, done, steps, columns, mean, std, count (per column), failures}, copied out. */
    summary() {
      return check(this.#live().summary());
    }

    /** Frees the wasm memory of this ensemble; further calls throw. */
    delete() {
      if (this.#native) this.#native.delete();
      this.#native = null;
    }
  }

  return {
    Session,
    Ensemble,
    /** Validates a config and returns it with defaults filled in; throws an Error naming the field. */
    normalizeConfig: (config) => check(native.normalizeConfig(asJson(config, 'config'))),
    /** Reads a dataset file's text (JSON or CSV, docs/design.md §9.3) as the CLI does; throws an Error naming the problem. */
    parseDataset(text, format = 'auto', query = 'cross') {
      if (typeof text !== 'string') throw inputError('dataset: must be the text of a JSON or CSV file');
      if (typeof format !== 'string' || typeof query !== 'string') throw inputError('format, query: must be strings');
      return check(native.parseDataset(text, format, query));
    },
    /** Names accepted by data.kind = "toy". */
    toyNames: () => native.toyNames(),
    /**
     * Stores the bytes of an IDX file (Uint8Array or ArrayBuffer) under `name`, where data.kind
     * "fashion-mnist" looks for `<data.path>/<file>`; validated as IDX first (throws naming `name`).
     */
    registerImages: (name, bytes) => {
      if (typeof name !== 'string') throw inputError('registerImages: name must be a string');
      if (bytes instanceof ArrayBuffer) bytes = new Uint8Array(bytes);
      if (!(bytes instanceof Uint8Array)) throw inputError(`registerImages: ${name}: bytes must be a Uint8Array`);
      check(native.registerImages(name, bytes));
    },
    /** {heapBytes, allocatedBytes, freeBytes} of the wasm heap. */
    heapStats: () => native.heapStats(),
  };
}
