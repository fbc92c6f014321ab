// The engine worker (a module Worker): wires the runner to the worker's message port. Yields between
// time slices through a MessageChannel, which (unlike nested setTimeout) is not clamped to 4 ms.
import type { Engine, LoadOptions } from '../../../wasm/index';
import type { Request, WasmModuleMessage, WorkerMessage } from './protocol.js';
import { TIMING } from './protocol.js';
import { EngineRunner } from './runner.js';

const yielder = new MessageChannel();
const queue: Array<() => void> = [];
yielder.port1.onmessage = () => queue.shift()?.();

// The page's compiled engine (WasmModuleMessage): it may arrive while init is being handled.
let receiveModule: (module: WebAssembly.Module | null) => void = () => {};
const pageModule = new Promise<WebAssembly.Module | null>((resolve) => (receiveModule = resolve));

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
  async load(url: string, pageCompiles: boolean): Promise<Engine> {
    // the engine's JavaScript loads while the page may still be compiling its wasm
    const [module, wasmModule] = await Promise.all([
      import(/* @vite-ignore */ url) as Promise<{ loadEngine(options?: LoadOptions): Promise<Engine> }>,
      pageCompiles ? pageModule : null,
    ]);
    if (wasmModule) {
      try {
        return await module.loadEngine({ module: wasmModule });
      } catch (e) {
        // the page's compiled module is an optimisation: without it the worker loads as it always did
        console.warn('engine: the compiled module did not instantiate, fetching attnsvm.wasm', e);
      }
    }
    return module.loadEngine();
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
  if (message.type === 'wasmModule') return receiveModule(message.module);
  chain = chain.then(() => runner.handle(message));
});
