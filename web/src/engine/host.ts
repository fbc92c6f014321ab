// The engine worker's body, shared by the page's worker (web/src/worker.ts, which bundles the engine's
// JavaScript) and the plain one (worker.ts, which imports it from init's engineUrl): wires the runner to
// the worker's message port and loads the engine, whole or in parts (wasm/parts.mjs). Yields between time
// slices through a MessageChannel, which (unlike nested setTimeout) is not clamped to 4 ms.
import type { Engine, LoadOptions } from '../../../wasm/index';
import type { EngineParts, PartName } from '../../../wasm/parts.mjs';
import type * as PartsModule from '../../../wasm/parts.mjs';
import type { Request, WasmModuleMessage, WorkerMessage } from './protocol.js';
import { TIMING } from './protocol.js';
import { EngineRunner } from './runner.js';

/** The engine's JavaScript: its loader, and the parts' loader for a split engine. */
export interface EngineModules {
  loadEngine(options?: LoadOptions): Promise<Engine>;
  parts?: typeof PartsModule;
}

/** Fetches and compiles a wasm file (streaming when served as application/wasm). */
async function compileUrl(url: URL): Promise<WebAssembly.Module> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url.href}: HTTP ${response.status}`);
  const streamable = response.headers.get('Content-Type')?.split(';')[0]?.trim() === 'application/wasm';
  return streamable ? WebAssembly.compileStreaming(response) : WebAssembly.compile(await response.arrayBuffer());
}

/** Runs the engine worker; `modules(engineUrl, split)` gives the engine's JavaScript (with the parts' loader when split). */
export function serveWorker(modules: (engineUrl: string, split: boolean) => Promise<EngineModules>): void {
  const yielder = new MessageChannel();
  const queue: Array<() => void> = [];
  yielder.port1.onmessage = () => queue.shift()?.();

  // The page's compiled wasm (WasmModuleMessage), by part ('whole' for attnsvm.wasm): it may arrive while
  // init is being handled, or (the view part) long after.
  const received = new Map<string, Promise<WebAssembly.Module | null>>();
  const receivers = new Map<string, (module: WebAssembly.Module | null) => void>();
  const fromPage = (part: string) => {
    if (!received.has(part)) received.set(part, new Promise((resolve) => receivers.set(part, resolve)));
    return received.get(part)!;
  };
  // A debug hook for benchmarks (bench/soak.mjs reads it over the DevTools protocol): the engine's wasm heap.
  let engine: Engine | null = null;
  Object.assign(self, { attnsvmDebug: { heapStats: () => engine?.heapStats() ?? null } });

  let parts: EngineParts | null = null;
  let partsBase: URL | null = null;
  let pageCompiles = false;
  const arriving = new Map<PartName, Promise<void>>();

  /** The part at hand: given by the page (when it compiles them) or fetched here; a failure leaves the
   * synchronous fetch of a first call to try again. */
  const partReady = (name: PartName): Promise<void> => {
    if (!arriving.has(name)) {
      const fromHere = () => compileUrl(new URL(`attnsvm.${name}.wasm`, partsBase!));
      const module = pageCompiles && name === 'view' ? fromPage(name).then((m) => m ?? fromHere()) : fromHere();
      arriving.set(
        name,
        module.then(
          (m) => parts!.provide(name, m),
          (e: unknown) => console.warn(`engine: the ${name} part did not load ahead of its first call`, e),
        ),
      );
    }
    return arriving.get(name)!;
  };

  /** Loads the engine: whole, or on its start part (split), with the page's compiled wasm when it compiles it. */
  const loadWith = async (url: string, compiles: boolean, split: boolean): Promise<Engine> => {
    pageCompiles = compiles;
    // the engine's JavaScript loads while the page may still be compiling its wasm
    const [js, start] = await Promise.all([modules(url, split), compiles ? fromPage(split ? 'start' : 'whole') : null]);
    if (split && js.parts) {
      const P = js.parts;
      partsBase = new URL(P.partFile('start'), url);
      const module = start ?? (await compileUrl(partsBase));
      parts = new P.EngineParts(module, P.fetchPartSync(partsBase));
      return Promise.race([js.loadEngine({ instantiateWasm: parts.instantiateWasm }), parts.failed]);
    }
    if (start && !split) {
      try {
        return await js.loadEngine({ module: start });
      } catch (e) {
        // the page's compiled module is an optimisation: without it the worker loads as it always did
        console.warn('engine: the compiled module did not instantiate, fetching attnsvm.wasm', e);
      }
    }
    return js.loadEngine();
  };

  const runner = new EngineRunner({
    post: (message: WorkerMessage, transfer: Transferable[]) => self.postMessage(message, { transfer }),
    now: () => performance.now(),
    schedule(fn, delayMs) {
      if (delayMs > 0) {
        setTimeout(fn, delayMs);
      } else {
        queue.push(fn);
        yielder.port2.postMessage(null);
      }
    },
    async load(url: string, compiles: boolean, split: boolean): Promise<Engine> {
      engine = await loadWith(url, compiles, split);
      return engine;
    },
    partsReady(names) {
      if (!parts) return null;
      const waiting = names.filter((name) => !parts!.has(name));
      return waiting.length === 0 ? null : Promise.all(waiting.map(partReady)).then(() => {});
    },
    async fetchBytes(url: string): Promise<ArrayBuffer> {
      const response = await fetch(url, { signal: AbortSignal.timeout(TIMING.fetchTimeoutMs) });
      if (!response.ok) throw new Error(`HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
      return response.arrayBuffer();
    },
  });

  // Requests are handled one at a time, in order (configure may await nothing, but init awaits the load).
  let chain: Promise<void> = Promise.resolve();
  self.addEventListener('message', (event: MessageEvent<Request | WasmModuleMessage>) => {
    const message = event.data;
    if (message.type === 'wasmModule') {
      const part = message.part ?? 'whole';
      fromPage(part);
      return receivers.get(part)!(message.module);
    }
    chain = chain.then(() => runner.handle(message));
  });
}
