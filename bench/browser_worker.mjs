// The Worker side of bench/browser_bench.mjs: loads the wasm engine the page ships (dist/wasm/) in a
// dedicated module Worker and measures steps/s with bench/throughput.mjs, as the Node column does.
// Request: { engineUrl, seconds, repeats, engines }: engines lists 'split' (the page's: the parts of
// wasm/parts.mjs, every part compiled and provided up front) and/or 'whole' (attnsvm.wasm), measured in
// turn per config. Posts one 'result' per config, repeat and engine, then 'done'.
import { MODELS, SIZES, stepsPerSecond } from './throughput.mjs';

/** The engine on its parts, as the page's worker loads it (the rest part provided too: no synchronous fetch). */
async function splitEngine(engineUrl, loadEngine) {
  const { EngineParts, PARTS, partFile } = await import(new URL('parts.mjs', engineUrl).href);
  const compile = (name) => WebAssembly.compileStreaming(fetch(new URL(partFile(name), engineUrl)));
  const parts = new EngineParts(await compile('start'), () => {
    throw new Error('every part was provided');
  });
  for (const name of PARTS) parts.provide(name, await compile(name));
  return Promise.race([loadEngine({ instantiateWasm: parts.instantiateWasm }), parts.failed]);
}

self.onmessage = async (event) => {
  const { engineUrl, seconds, repeats, engines: which } = event.data;
  try {
    const { loadEngine } = await import(engineUrl);
    const engines = {};
    for (const name of which) engines[name] = name === 'split' ? await splitEngine(engineUrl, loadEngine) : await loadEngine();
    for (let r = 0; r < repeats; ++r)
      for (const size of SIZES)
        for (const model of MODELS)
          for (const name of which)
            self.postMessage({
              type: 'result',
              engine: name,
              size: size.name,
              model: model.name,
              stepsPerSecond: stepsPerSecond(engines[name], size, model, seconds),
            });
    self.postMessage({ type: 'done' });
  } catch (e) {
    self.postMessage({ type: 'error', message: String(e?.message ?? e) });
  }
};
