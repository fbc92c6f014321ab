// The engine's share of the page's byte budget (everything the page loads ≤ 500 KB gzipped,
// tests/web/budget.test.mjs): attnsvm.wasm + attnsvm.mjs ≤ 430 KB gzipped, leaving 70 KB for the page's
// own document, bundle, styles and worker. The wasm is all -O3 (wasm/CMakeLists.txt says why).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { constants, gzipSync } from 'node:zlib';

import { ROOT } from './helpers.mjs';

const BUDGET = 430_000;

test('attnsvm.wasm + attnsvm.mjs ≤ 430 KB gzipped', () => {
  const gz = (file) => gzipSync(readFileSync(join(ROOT, 'build', 'wasm', file)), { level: constants.Z_BEST_COMPRESSION }).length;
  const wasm = gz('attnsvm.wasm'),
    glue = gz('attnsvm.mjs');
  console.log(
    `gzipped: attnsvm.wasm ${(wasm / 1000).toFixed(1)} KB + attnsvm.mjs ${(glue / 1000).toFixed(1)} KB = ${((wasm + glue) / 1000).toFixed(1)} KB (budget ${BUDGET / 1000})`,
  );
  assert.ok(wasm + glue <= BUDGET, `${wasm + glue} B > ${BUDGET} B`);
});
