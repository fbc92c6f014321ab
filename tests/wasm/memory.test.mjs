// 1,000 create/step/snapshot/delete cycles leave the wasm heap flat: the memory does not grow and
// malloc's bytes in use return to the same value.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { engine } from './helpers.mjs';

const CONFIGS = [
  { optimizer: { kind: 'ngd' }, svm: { norms: ['fro', 'nuc'] } },
  { model: { param: 'multihead', heads: 2 }, optimizer: { kind: 'gd', lr: 0.5 }, svm: { norms: ['fro'] } },
  { model: { param: 'KQ' }, optimizer: { kind: 'flow' } },
];

test('1,000 create/step/delete cycles leave wasm memory flat', async () => {
  const { Session, heapStats } = await engine();
  const cycle = (k) => {
    const session = new Session(CONFIGS[k % CONFIGS.length]);
    session.step(10);
    session.snapshot();
    session.solveSvm({ norm: 'fro', tokens: 'selected' });
    session.params();
    try {
      new Session({ optimizer: { lr: -1 } });
    } catch {}
    session.delete();
  };
  for (let k = 0; k < 30; ++k) cycle(k); // warm-up: the heap reaches its working size
  const warm = heapStats();
  for (let k = 0; k < 1000; ++k) cycle(k);
  const after = heapStats();
  console.log(
    `wasm heap: ${warm.heapBytes} B after warm-up, ${after.heapBytes} B after 1,000 cycles; ` +
      `malloc in use ${warm.allocatedBytes} B → ${after.allocatedBytes} B`,
  );
  assert.equal(after.heapBytes, warm.heapBytes, 'memory.buffer.byteLength');
  assert.equal(after.allocatedBytes, warm.allocatedBytes, 'bytes in use by malloc');
});
