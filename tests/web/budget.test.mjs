// The page's byte budget: everything the default page loads for its first view (document, bundle, styles,
// the worker, uPlot's chunk and the engine's start and view parts), each file gzipped at level 9, without the
// real-data subset under dist/data/, stays within 300 KB (300,000 bytes); so does an embed's. The engine's
// rest part is not among them (loaded when a run first needs it). Counts bytes, never time. Needs dist/
// (scripts/build-web.sh).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { recordResponses, shippedBytes, SHIPPED_BUDGET_BYTES } from '../../scripts/shipped.mjs';
import { root, servedPage, waitForMetricsStep } from './helpers.mjs';

const env = servedPage();

for (const [name, path] of [
  ['the default page', ''],
  ['an embed of a heatmap and a chart', 'embed.html?views=heatmap,corr'],
])
  test(`${name} ships at most 300 KB gzipped for its first view (without dist/data/)`, () => firstView(path));

async function firstView(path) {
  const context = await env.browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const responses = recordResponses(context, env.origin);
  const page = await context.newPage();
  await page.goto(env.origin + path);
  // trained and drawn: the worker, the engine and the fonts of the typeset text have been fetched
  await waitForMetricsStep(page, (s) => s > 0);
  await page.waitForLoadState('networkidle');
  await context.close();
  const shipped = shippedBytes(`${root}/dist`, responses.paths());
  const paths = shipped.rows.map((r) => r.path);
  // the count covers what the page really runs on (the worker's requests included)
  for (const needed of [path ? '/embed.html' : '/index.html', '/wasm/attnsvm.start.wasm', '/wasm/attnsvm.view.wasm'])
    assert.ok(paths.includes(needed), `${needed} not among the loaded files: ${paths.join(', ')}`);
  for (const pattern of [/^\/assets\/worker-.*\.js$/, /^\/assets\/uPlot.*\.js$/])
    assert.ok(
      paths.some((p) => pattern.test(p)),
      `nothing like ${pattern} among ${paths.join(', ')}`,
    );
  assert.ok(
    !paths.includes('/wasm/attnsvm.rest.wasm') && !paths.includes('/wasm/attnsvm.wasm'),
    'the first view loads no more of the engine',
  );
  const table = shipped.rows.map((r) => `${r.path} ${r.gzipped} B`).join('; ');
  console.log(`${path || '/'}: ${shipped.gzipped} B gzipped: ${table}`);
  assert.ok(shipped.gzipped <= SHIPPED_BUDGET_BYTES, `${shipped.gzipped} bytes gzipped > ${SHIPPED_BUDGET_BYTES}: ${table}`);
}
