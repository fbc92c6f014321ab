// The page's byte budget: everything the default page loads (document, bundle, styles, fonts,
// the worker and the wasm engine it fetches), each file gzipped at level 9, without the real-data subset
// under dist/data/, stays within 500 KB (500,000 bytes). Counts bytes, never time. Needs dist/ (scripts/build-web.sh).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { recordResponses, shippedBytes, SHIPPED_BUDGET_BYTES } from '../../scripts/shipped.mjs';
import { root, servedPage, waitForMetricsStep } from './helpers.mjs';

const env = servedPage();

test('the default page ships at most 500 KB gzipped (without dist/data/)', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const responses = recordResponses(context, env.origin);
  const page = await context.newPage();
  await page.goto(env.origin);
  // trained and drawn: the worker, the engine and the fonts of the typeset text have been fetched
  await waitForMetricsStep(page, (s) => s > 0);
  await page.waitForLoadState('networkidle');
  await context.close();
  const shipped = shippedBytes(`${root}/dist`, responses.paths());
  const paths = shipped.rows.map((r) => r.path);
  // the count covers what the page really runs on (the worker's requests included)
  for (const needed of ['/index.html', '/wasm/attnsvm.wasm', '/wasm/attnsvm.mjs', '/wasm/index.mjs'])
    assert.ok(paths.includes(needed), `${needed} not among the loaded files: ${paths.join(', ')}`);
  assert.ok(
    paths.some((p) => /^\/assets\/worker-.*\.js$/.test(p)),
    `no worker bundle among ${paths.join(', ')}`,
  );
  const table = shipped.rows.map((r) => `${r.path} ${r.gzipped} B`).join('; ');
  assert.ok(shipped.gzipped <= SHIPPED_BUDGET_BYTES, `${shipped.gzipped} bytes gzipped > ${SHIPPED_BUDGET_BYTES}: ${table}`);
});
