// The engine worker's runner (web/src/engine/runner.ts, compiled by scripts/build-engine-ts.sh into
// build/web-engine/) under Node with a fake clock: the host's now() and schedule() are the test's, and
// the built engine's sessions (and ensembles) cost fake time per step, so every slice and every snapshot
// lands at a known time. Properties: a slice stays within its time budget, snapshots come at the steady
// cadence, a numeric speed runs that many steps per frame, pause stops the training, step(k) runs exactly
// k, a wake-up while one is pending schedules nothing more, and an ensemble takes turns with the live run.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { pathToFileURL } from 'node:url';

import { ROOT, engine } from './helpers.mjs';

const ENGINE_DIR = process.env.ATTNSVM_WEB_ENGINE_DIR ?? join(ROOT, 'build', 'web-engine');
/** Fake milliseconds per training step (the runner's first guess, so its batches are right from the start). */
const MS_PER_STEP = 0.05;
const CONFIG = { data: { n: 6, T: 8, d: 10 }, optimizer: { kind: 'ngd', lr: 0.05 }, svm: { norms: ['fro'] } };

let EngineRunner, TIMING, real;
before(async () => {
  ({ EngineRunner } = await import(pathToFileURL(join(ENGINE_DIR, 'runner.js')).href));
  ({ TIMING } = await import(pathToFileURL(join(ENGINE_DIR, 'protocol.js')).href));
  real = await engine();
});

/**
 * A runner on a fake host: `now` only moves when a session or an ensemble works (MS_PER_STEP per step) or
 * when run() waits for a delayed tick. Records every posted message with its time, every tick (its start,
 * end and the steps it ran) and the most ticks ever pending at once.
 */
async function fakeHost() {
  let now = 0;
  let seq = 0;
  const tasks = [];
  const h = { posted: [], ticks: [], schedules: [], maxPending: 0, now: () => now };
  class TimedSession extends real.Session {
    step(k) {
      now += k * MS_PER_STEP;
      return super.step(k);
    }
  }
  class TimedEnsemble extends real.Ensemble {
    advance(budget) {
      now += budget * MS_PER_STEP;
      return super.advance(budget);
    }
  }
  const runner = new EngineRunner({
    post: (message, transfer) => h.posted.push({ at: now, message, transfer }),
    now: () => now,
    schedule(fn, delayMs) {
      h.schedules.push({ at: now, delayMs });
      tasks.push({ at: now + delayMs, seq: seq++, fn });
      h.maxPending = Math.max(h.maxPending, tasks.length);
    },
    load: async () => ({ ...real, Session: TimedSession, Ensemble: TimedEnsemble }),
  });
  let id = 0;
  /** Handles a request; returns its answer (the message posted with its id). */
  h.send = async (request) => {
    const ask = { ...request, id: ++id };
    await runner.handle(ask);
    return h.posted.findLast((p) => p.message.id === ask.id)?.message;
  };
  /** Runs the scheduled ticks in time order until the clock passes `ms` more (or nothing is scheduled). */
  h.run = (ms) => {
    const end = now + ms;
    for (let guard = 0; tasks.length > 0; ++guard) {
      assert.ok(guard < 100000, 'the runner keeps scheduling without time passing');
      tasks.sort((a, b) => a.at - b.at || a.seq - b.seq);
      if (tasks[0].at > end) break;
      const { at, fn } = tasks.shift();
      now = Math.max(now, at);
      const start = now;
      const before = runner.state().step;
      fn();
      h.ticks.push({ start, end: now, steps: runner.state().step - before });
    }
    now = Math.max(now, end);
  };
  /** Unsolicited snapshots posted since `from` (ms). */
  h.snapshots = (from = 0) => h.posted.filter((p) => p.message.type === 'snapshot' && p.message.id === undefined && p.at >= from);
  h.step = () => runner.state().step;
  await h.send({ type: 'init', engineUrl: 'engine' });
  const configured = await h.send({ type: 'configure', config: CONFIG });
  assert.equal(configured.type, 'done', configured.message);
  h.run(0); // the first tick solves the deferred SVM references
  return h;
}

test('a slice at max speed uses its time budget and no more (the check comes after each ~2 ms batch)', async () => {
  const h = await fakeHost();
  await h.send({ type: 'play', speed: 'max' });
  const from = h.ticks.length;
  h.run(300);
  const slices = h.ticks.slice(from).filter((t) => t.steps > 0);
  assert.ok(slices.length >= 25, `${slices.length} slices in 300 ms`);
  for (const { start, end, steps } of slices) {
    assert.ok(end - start >= TIMING.sliceMs, `a slice of ${end - start} ms ends early`);
    assert.ok(end - start <= TIMING.sliceMs + TIMING.batchMs, `a slice of ${end - start} ms overruns`);
    assert.equal(steps, Math.round((end - start) / MS_PER_STEP));
  }
  assert.equal(h.maxPending, 1, 'one tick pending at a time');
});

test('snapshots come at the steady cadence while the run plays, each a transferred copy', async () => {
  const h = await fakeHost();
  const start = h.now();
  await h.send({ type: 'play', speed: 'max' });
  h.run(1000);
  const snaps = h.snapshots(start + 1);
  assert.ok(snaps.length >= 20 && snaps.length <= 1000 / TIMING.snapshotMs, `${snaps.length} snapshots in 1 s`);
  for (let k = 1; k < snaps.length; ++k) {
    const gap = snaps[k].at - snaps[k - 1].at;
    assert.ok(gap >= TIMING.snapshotMs, `snapshots ${gap} ms apart: at most one per ${TIMING.snapshotMs} ms`);
    assert.ok(gap <= TIMING.snapshotMs + TIMING.sliceMs + TIMING.batchMs, `a gap of ${gap} ms: the cadence holds`);
    assert.ok(snaps[k].message.snapshot.step > snaps[k - 1].message.snapshot.step, 'steps increase');
    assert.equal(snaps[k].message.snapshot.step, snaps[k].message.state.step);
  }
  for (const { message, transfer } of snaps) assert.ok(transfer.includes(message.snapshot.attention[0].data.buffer), 'arrays transferred');
});

test('a numeric speed runs that many steps per frame, one frame apart', async () => {
  const h = await fakeHost();
  const at = h.step();
  const from = h.ticks.length;
  await h.send({ type: 'play', speed: 5 });
  h.run(20 * TIMING.frameMs);
  const frames = h.ticks.slice(from);
  assert.ok(frames.length >= 19 && frames.length <= 21, `${frames.length} frames in 20 frame times`);
  assert.ok(frames.every((t) => t.steps === 5));
  for (let k = 1; k < frames.length; ++k)
    assert.ok(Math.abs(frames[k].start - frames[k - 1].start - TIMING.frameMs) < 1e-9, 'one frame apart');
  assert.equal(h.step(), at + 5 * frames.length);
});

test('pause stops the training: no step and no snapshot after its answer', async () => {
  const h = await fakeHost();
  await h.send({ type: 'play', speed: 'max' });
  h.run(100);
  const paused = await h.send({ type: 'pause' });
  assert.equal(paused.type, 'done');
  assert.equal(paused.state.playing, false);
  const at = h.step();
  assert.equal(paused.state.step, at);
  const since = h.now();
  const posted = h.posted.length;
  h.run(1000);
  assert.equal(h.step(), at, 'no step after pause');
  assert.deepEqual(h.posted.slice(posted), [], 'nothing posted after pause');
  assert.equal(h.snapshots(since + 1).length, 0);
});

test('step(k) runs exactly k iterations in budgeted slices and answers once, with a snapshot', async () => {
  const h = await fakeHost();
  const at = h.step();
  const from = h.ticks.length;
  const ask = h.send({ type: 'step', count: 1000 });
  assert.equal(await ask, undefined, 'no answer before the steps ran');
  h.run(1000);
  const answers = h.posted.filter((p) => p.message.type === 'done' && p.message.id === 3);
  assert.equal(answers.length, 1);
  assert.equal(answers[0].message.state.step, at + 1000);
  assert.equal(h.step(), at + 1000);
  const slices = h.ticks.slice(from).filter((t) => t.steps > 0);
  assert.ok(slices.length >= (1000 * MS_PER_STEP) / (TIMING.sliceMs + TIMING.batchMs), `${slices.length} slices`);
  assert.ok(slices.every((t) => t.end - t.start <= TIMING.sliceMs + TIMING.batchMs));
  assert.equal(h.snapshots().at(-1).message.snapshot.step, at + 1000, 'the last snapshot shows the final step');
});

test('a wake-up while one is pending schedules nothing more', async () => {
  const h = await fakeHost();
  const before = h.schedules.length;
  await h.send({ type: 'play', speed: 'max' });
  await h.send({ type: 'step', count: 10 });
  await h.send({ type: 'reset' });
  await h.send({ type: 'play' });
  assert.equal(h.schedules.length, before + 1, 'four requests that wake the runner: one tick scheduled');
  h.run(50);
  assert.equal(h.maxPending, 1, 'one tick pending at a time');
  // paused at a numeric speed, the next frame's tick is pending: a step request waits for it
  await h.send({ type: 'speed', speed: 2 });
  h.run(TIMING.frameMs);
  const pending = h.schedules.length;
  await h.send({ type: 'step', count: 1 });
  assert.equal(h.schedules.length, pending, 'the step rides on the pending frame tick');
  h.run(TIMING.frameMs);
  assert.equal(h.maxPending, 1);
});

test('an ensemble takes turns with the live run, and both progress', async () => {
  const h = await fakeHost();
  await h.send({ type: 'play', speed: 'max' });
  const at = h.step();
  const since = h.now();
  const started = await h.send({ type: 'ensemble', config: CONFIG, members: 4, iterations: 4000 });
  assert.equal(started.type, 'done');
  h.run(400);
  const progress = h.posted.filter((p) => p.message.type === 'ensemble' && p.at >= since);
  assert.ok(progress.length >= 3, `${progress.length} ensemble reports`);
  for (let k = 1; k < progress.length; ++k) {
    if (!progress[k].message.finished)
      assert.ok(progress[k].at - progress[k - 1].at >= TIMING.ensembleMs, 'reports at most every ensembleMs');
  }
  assert.ok(h.step() > at, 'the live run trained meanwhile');
  const slices = h.ticks.filter((t) => t.start >= since && t.end > t.start);
  for (let k = 1; k < slices.length; ++k)
    assert.ok(slices[k].steps > 0 || slices[k - 1].steps > 0, 'no two ensemble slices in a row while the run plays');
  assert.equal(h.maxPending, 1);
});
