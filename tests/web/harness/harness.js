// The worker-protocol harness: one EngineClient, every snapshot and unsolicited error recorded with
// its arrival time, so the browser test can check steps, cadence and error handling from outside.
import { EngineClient } from '/build/web-engine/index.js';

const snapshots = [];
const errors = [];
const ensembles = [];
let client;

function connect() {
  client = new EngineClient();
  client.onSnapshot((snapshot, state) =>
    snapshots.push({
      at: performance.now(),
      step: snapshot.step,
      playing: state.playing,
      loss: snapshot.metrics.loss,
      attentionIsCopy: snapshot.attention[0].data instanceof Float64Array,
      attentionSize: snapshot.attention[0].data.length,
      historyRows: snapshot.history ? snapshot.history.step.length : -1,
      references: snapshot.references.length,
      corrFro: snapshot.metrics.corr_fro,
    }),
  );
  client.onError((error) => errors.push({ at: performance.now(), ...error }));
  client.onEnsemble(({ summary, seconds, finished }) =>
    ensembles.push({
      at: performance.now(),
      finished,
      seconds,
      done: summary.done,
      members: summary.members,
      steps: Array.from(summary.steps),
      corrFro: Array.from(summary.mean.corr_fro),
      corrFroStd: Array.from(summary.std.corr_fro),
      count: Array.from(summary.count.corr_fro),
      typed: summary.mean.loss instanceof Float64Array,
    }),
  );
  return client.ready;
}

/** Runs a client call; resolves to {ok, value} or {ok: false, message, kind, step}. */
async function call(method, ...args) {
  try {
    const value = await client[method](...args);
    return { ok: true, value: JSON.parse(JSON.stringify(value ?? null)) };
  } catch (e) {
    return { ok: false, message: e.message, kind: e.kind, step: e.step, name: e.name };
  }
}

window.harness = {
  connect,
  call,
  snapshots,
  errors,
  ensembles,
  state: () => client.state,
  /** A requested snapshot, summarised (typed arrays do not survive page.evaluate). */
  snapshot: async () => {
    const s = await client.snapshot();
    return { step: s.step, columns: s.columns, loss: s.metrics.loss, typed: s.W[0].data instanceof Float64Array };
  },
  latestStep: () => client.latest?.step ?? -1,
  terminate: () => client.terminate(),
  restart: async () => JSON.parse(JSON.stringify(await client.restart())),
  clear: () => {
    snapshots.length = 0;
    errors.length = 0;
    ensembles.length = 0;
  },
};
document.getElementById('status').textContent = 'ready';
