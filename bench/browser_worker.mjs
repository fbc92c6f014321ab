// The Worker side of bench/browser_bench.mjs: loads the wasm engine the page ships (dist/wasm/) in a
// dedicated module Worker and measures steps/s with bench/throughput.mjs, as the Node column does.
// Request: { engineUrl, seconds, repeats }; posts one 'result' per config and repeat, then 'done'.
import { MODELS, SIZES, stepsPerSecond } from './throughput.mjs';

self.onmessage = async (event) => {
  const { engineUrl, seconds, repeats } = event.data;
  try {
    const { loadEngine } = await import(engineUrl);
    const engine = await loadEngine();
    for (let r = 0; r < repeats; ++r)
      for (const size of SIZES)
        for (const model of MODELS)
          self.postMessage({
            type: 'result',
            size: size.name,
            model: model.name,
            stepsPerSecond: stepsPerSecond(engine, size, model, seconds),
          });
    self.postMessage({ type: 'done' });
  } catch (e) {
    self.postMessage({ type: 'error', message: String(e?.message ?? e) });
  }
};
