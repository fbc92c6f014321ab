// The module fits the page's budget: attnsvm.wasm + attnsvm.mjs ≤ 400 KB gzipped.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { constants, gzipSync } from 'node:zlib';

import { ROOT } from './helpers.mjs';

const BUDGET = 400 * 1024;

test('attnsvm.wasm + attnsvm.mjs ≤ 400 KB gzipped', () => {
  const gz = (file) => gzipSync(readFileSync(join(ROOT, 'build', 'wasm', file)), { level: constants.Z_BEST_COMPRESSION }).length;
  const wasm = gz('attnsvm.wasm'), glue = gz('attnsvm.mjs');
  console.log(`gzipped: attnsvm.wasm ${(wasm / 1024).toFixed(1)} KiB + attnsvm.mjs ${(glue / 1024).toFixed(1)} KiB = ${((wasm + glue) / 1024).toFixed(1)} KiB (budget 400)`);
  assert.ok(wasm + glue <= BUDGET, `${wasm + glue} B > ${BUDGET} B`);
});
