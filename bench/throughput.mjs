// The training-throughput measurement shared by the browser benchmark's Worker and its Node column: the
// configs of bench/wasm_bench.mjs and bench/train_bench.cpp (logistic loss, NGD, no recording; W, KQ,
// multihead H = 4 at the sizes S, M, L) and the same timing loop (batches of ~10 ms of wall time).
// Plain ES module without Node or DOM globals, so a Worker can import it as it is.

export const SIZES = [
  { name: 'S', n: 6, T: 8, d: 10 },
  { name: 'M', n: 64, T: 32, d: 32 },
  { name: 'L', n: 512, T: 64, d: 64 },
];
export const MODELS = [
  { name: 'W', model: { param: 'W' } },
  { name: 'KQ', model: { param: 'KQ' } },
  { name: 'multihead', model: { param: 'multihead', heads: 4 } },
];

/** The benchmark's session for one size and model: logistic loss, NGD, no SVM references, no recording. */
export function benchSession(engine, size, model) {
  return new engine.Session({
    data: { n: size.n, T: size.T, d: size.d },
    model: model.model,
    loss: 'logistic',
    optimizer: { kind: 'ngd', lr: 0.1 },
    svm: { norms: [] },
    run: { record_every: 1_000_000_000 },
  });
}

/** Steps per call of session.step that take about 10 ms (doubling from 1; the session trains meanwhile). */
export function calibratedBatch(session) {
  let batch = 1;
  for (;;) {
    const t0 = performance.now();
    session.step(batch);
    if (performance.now() - t0 > 10) return batch;
    batch *= 2;
  }
}

/** Steps per second of wall time over >= `seconds` for one size and model of an engine (loadEngine()). */
export function stepsPerSecond(engine, size, model, seconds) {
  const session = benchSession(engine, size, model);
  try {
    const batch = calibratedBatch(session);
    let steps = 0;
    const start = performance.now();
    while (performance.now() - start < seconds * 1000) {
      session.step(batch);
      steps += batch;
    }
    return steps / ((performance.now() - start) / 1000);
  } finally {
    session.delete();
  }
}
