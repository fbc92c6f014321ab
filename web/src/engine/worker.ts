// The engine worker (a module Worker): wires the runner to the worker's message port. Yields between
// time slices through a MessageChannel, which (unlike nested setTimeout) is not clamped to 4 ms.
import type { Engine } from '../../../wasm/index';
import type { Request, WorkerMessage } from './protocol.js';
import { TIMING } from './protocol.js';
import { EngineRunner } from './runner.js';

const yielder = new MessageChannel();
const queue: Array<() => void> = [];
yielder.port1.onmessage = () => queue.shift()?.();

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
  async load(url: string): Promise<Engine> {
    const module = (await import(/* @vite-ignore */ url)) as { loadEngine(): Promise<Engine> };
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
self.addEventListener('message', (event: MessageEvent<Request>) => {
  chain = chain.then(() => runner.handle(event.data));
});
