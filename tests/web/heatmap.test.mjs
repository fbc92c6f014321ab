// The attention heatmap's scales and layout: `attn=log` round-trips through the URL and its control (in the
// heatmap panel), and recolours a trained run's heatmap so that the off-selection attention, one colour on
// the linear scale, spreads over many colours on the log scale; a run with n ≫ T (200 images × 16 patches)
// wraps its rows into blocks that use the panel instead of a thin, tall strip.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { assertClean, canvasStats, servedPage, stepBy, waitForMetricsStep, waitForValue, watch } from './helpers.mjs';

const env = servedPage();

async function open(query) {
  const context = await env.browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  const problems = await watch(page);
  await page.goto(env.origin + query);
  await waitForMetricsStep(page, (s) => s >= 0, 60000);
  return { page, problems, close: async () => (await assertClean(page), await context.close()) };
}

/** Distinct colours that fill at least 100 pixels of the heatmap canvas: the cells' colours (the legend's are 1 px columns). */
async function distinctColours(page) {
  return (await canvasStats(page, '.view-heatmap canvas', { fill: 100 }))[0].colours;
}

describe('attention heatmap', () => {
  test('attn=log round-trips through the URL and the control, and shows the sparsification the linear map hides', async () => {
    const { page, problems, close } = await open('?attn=log&autoplay=0');
    assert.equal(await page.inputValue('#ctl-attn'), 'log', 'the URL sets the control');
    // the control sits in the heatmap panel
    assert.equal(await page.locator('.view-heatmap #ctl-attn').count(), 1);
    assert.match(await page.evaluate(() => location.search), /attn=log/);
    await page.selectOption('#ctl-attn', 's');
    await page.waitForFunction(() => !location.search.includes('attn='));
    // train until the linear map is saturated (normalised GD: s of the selected tokens ≈ 1 long before step 1,000)
    await stepBy(page, 1000);
    const heatmap = async () => (await canvasStats(page, '.view-heatmap canvas'))[0];
    const linear = await waitForValue(page, heatmap, (h) => h.nonBlank > 0, 10000);
    const linearColours = await distinctColours(page);
    await page.selectOption('#ctl-attn', 'log');
    await page.waitForFunction(() => location.search.includes('attn=log'));
    const log = await waitForValue(page, heatmap, (h) => h.sum !== linear.sum, 10000);
    const logColours = await distinctColours(page);
    assert.ok(log.nonBlank > 0);
    // linear: the selected tokens' colour (s ≈ 1) and the others' (s ≈ 0); log: the others spread over the scale
    assert.ok(linearColours <= 4 && logColours >= linearColours + 6, `log scale: ${logColours} colours, linear: ${linearColours}`);
    assert.match(await page.evaluate(() => location.search), /attn=log/);
    // the step did not change: a view setting, not a new run
    assert.equal(Number(await page.getAttribute('#metrics', 'data-step')), 1000);
    // reload: the URL brings the log scale back
    await page.reload();
    await waitForMetricsStep(page, (s) => s >= 0, 60000);
    assert.equal(await page.inputValue('#ctl-attn'), 'log');
    assert.deepEqual(problems, []);
    await close();
  });

  test('n ≫ T: 200 sequences of 16 tokens wrap into blocks that fit the panel', async () => {
    const { page, problems, close } = await open('?preset=md-fashion&autoplay=0');
    const box = await waitForValue(
      page,
      async () =>
        page.evaluate(() => {
          const c = document.querySelector('.view-heatmap canvas');
          return { w: c.clientWidth, h: c.clientHeight, n: Number(new URLSearchParams(location.search).get('n') ?? 200) };
        }),
      (b) => b.h > 0,
      60000,
    );
    // one block would be 16 columns × 200 rows: at least 3 px a row (≥ 600 px tall) and under 70 px of cells wide
    assert.ok(box.h <= 460, `heatmap ${box.w}×${box.h} px: the rows did not wrap`);
    assert.ok(box.w >= 250, `heatmap ${box.w}×${box.h} px: narrower than the panel allows`);
    assert.deepEqual(problems, []);
    await close();
  });
});
