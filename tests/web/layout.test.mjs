// The page's layout at a phone, a tablet and a desktop width: nothing overflows the page sideways, every
// control group fits its column, and on a phone the views come first (a drawn heatmap on the first screen)
// with the controls folded behind a "settings" button that the keyboard opens.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { assertClean, canvasStats, servedPage, waitForMetricsStep, waitForValue, watch } from './helpers.mjs';

const env = servedPage();

/** The page's width against the viewport's, and each shown control group against its column. */
function measure(page) {
  return page.evaluate(() => {
    const column = document.getElementById('controls').getBoundingClientRect();
    const groups = [...document.querySelectorAll('#controls fieldset.group')]
      .filter((g) => g.offsetParent !== null)
      .map((g) => {
        const box = g.getBoundingClientRect();
        return {
          name: g.className,
          scrollWidth: g.scrollWidth,
          clientWidth: g.clientWidth,
          left: box.left,
          right: box.right,
          columnLeft: column.left,
          columnRight: column.right,
        };
      });
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth, groups };
  });
}

function assertFits(m, what) {
  assert.ok(m.scrollWidth <= m.innerWidth, `${what}: the page is ${m.scrollWidth} px wide in a ${m.innerWidth} px window`);
  assert.ok(m.groups.length >= 5, `${what}: only ${m.groups.length} control groups shown`);
  for (const g of m.groups) {
    assert.ok(g.scrollWidth <= g.clientWidth, `${what}: ${g.name} overflows itself (${g.scrollWidth} > ${g.clientWidth})`);
    assert.ok(
      g.left >= g.columnLeft - 0.5 && g.right <= g.columnRight + 0.5,
      `${what}: ${g.name} [${g.left}, ${g.right}] leaves its column [${g.columnLeft}, ${g.columnRight}]`,
    );
  }
}

describe('layout', () => {
  for (const [width, height] of [
    [390, 800],
    [768, 1000],
    [1400, 1000],
  ]) {
    test(`${width} px: no sideways overflow, every control group fits its column`, async (t) => {
      const context = await env.browser.newContext({ viewport: { width, height } });
      const page = await context.newPage();
      const problems = await watch(page);
      // a generator with many data controls (noise, centres) besides the default one
      for (const query of ['?autoplay=0', '?autoplay=0&data=clusters&cmp=1']) {
        await page.goto(env.origin + query);
        await waitForMetricsStep(page, (s) => s === 0);
        const phone = width < 700;
        if (phone) {
          // the views first: a drawn heatmap on the first screen, the controls folded
          const heatmap = await page.locator('.view-heatmap canvas').boundingBox();
          t.diagnostic(
            `${query}: heatmap top ${Math.round(heatmap.y)} px, page ${await page.evaluate(() => document.documentElement.scrollWidth)} px wide`,
          );
          assert.ok(heatmap.y + 50 < height, `the heatmap starts at ${heatmap.y} px, below the first screen (${height} px)`);
          const drawn = await waitForValue(
            page,
            async () => (await canvasStats(page, '.view-heatmap canvas'))[0],
            (c) => c.nonBlank > 1000,
            10000,
          );
          assert.ok(drawn.nonBlank > 1000);
          assert.equal(await page.isVisible('#ctl-kind'), false, 'the controls are folded');
          assert.equal(await page.getAttribute('#controls-toggle', 'aria-expanded'), 'false');
          // the keyboard opens them
          await page.focus('#controls-toggle');
          await page.keyboard.press('Enter');
          await page.waitForSelector('#ctl-kind', { state: 'visible' });
          assert.equal(await page.getAttribute('#controls-toggle', 'aria-expanded'), 'true');
        } else {
          assert.equal(await page.isVisible('#controls-toggle'), false, 'no fold on a wide screen');
          assert.ok(await page.isVisible('#ctl-kind'));
        }
        assertFits(await measure(page), `${width} px ${query}`);
        if (phone) {
          await page.click('#controls-toggle');
          assert.equal(await page.isVisible('#ctl-kind'), false, 'folded again');
        }
      }
      assert.deepEqual(problems, []);
      await assertClean(page);
      await context.close();
    });
  }
});
