// The engine worker (a module Worker) that imports the engine's JavaScript from init's engineUrl (and, for
// a split engine, parts.mjs next to it): what EngineClient starts by default (build/web-engine/worker.js).
// The page starts web/src/worker.ts instead, which bundles the same JavaScript.
import type { EngineModules } from './host.js';
import { serveWorker } from './host.js';

serveWorker(async (url, split) => {
  const [engine, parts] = await Promise.all([
    import(/* @vite-ignore */ url) as Promise<EngineModules>,
    split ? (import(/* @vite-ignore */ new URL('parts.mjs', url).href) as Promise<EngineModules['parts']>) : undefined,
  ]);
  return { loadEngine: engine.loadEngine, parts };
});
