// Real data on the page: the Fashion-MNIST preset, picked as a visitor does, trains on the
// shipped images (dist/data/fashion-mnist/, fetched once by the engine worker, same origin), draws test
// images with attention overlays that change as training goes on, reaches a test accuracy ≥ 0.8 (seed 1:
// 0.838 at step 1,000, as the native CLI computes it), and restores from its URL. The page also works
// from a sub-path, and a missing data file gives an error that names it instead of a hang.
// Needs dist/ (scripts/build-web.sh).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { constants, gzipSync } from 'node:zlib';

import { serve } from '../../scripts/serve.mjs';
import { assertClean, canvasStats, root, servedPage, waitForValue, watch } from './helpers.mjs';

const DIST = join(root, 'dist');
const FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

const env = servedPage();

/** Opens the page at path (relative to origin) and records every request. */
async function open(origin, path = '') {
  const context = await env.browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  const problems = await watch(page);
  const requests = [];
  // worker requests (the data files) included: they are the context's
  context.on('request', (r) => requests.push(r.url()));
  await page.goto(origin + path);
  // closing checks what every page test checks: no CSP violation, no request outside the page's origin
  const close = async () => {
    await assertClean(page);
    await context.close();
  };
  return { page, problems, requests, close };
}

const statusStep = async (page) => Number((await page.getAttribute('#status', 'data-step')) ?? -1);

/** Pauses, resets and runs exactly `count` iterations with the run bar; waits until the metrics and the test images show them. */
async function runExactly(page, count) {
  if ((await page.textContent('#play')).includes('pause')) await page.click('#play');
  await page.waitForFunction(() => document.querySelector('#play').textContent.includes('play'));
  await page.click('#reset');
  await waitForValue(
    page,
    () => statusStep(page),
    (s) => s === 0,
    60000,
  );
  for (let k = 0; k < Math.floor(count / 100); ++k) await page.click('#step100');
  for (let k = 0; k < count % 100; ++k) await page.click('#step');
  await page.waitForFunction((n) => document.querySelector('#metrics').dataset.step === String(n), count, { timeout: 120000 });
  await page.waitForFunction((n) => document.querySelector('.view-images canvas').dataset.drawnStep === String(n), count);
}

/** The images canvas: pixels tinted by the overlay (not grey), a checksum of all pixels, and the count it shows correct. */
async function overlayStats(page) {
  const [{ tinted, sum }] = await canvasStats(page, '.view-images canvas');
  return { tinted, sum, correct: await page.getAttribute('.view-images canvas', 'data-correct') };
}

/** Train and test accuracy from the metrics line. */
async function accuracy(page) {
  const text = await page.textContent('#metrics');
  const m = text.match(/train acc ([\d.]+) · test acc ([\d.]+)/);
  assert.ok(m, `no accuracy in the metrics line: ${text}`);
  return { train: Number(m[1]), test: Number(m[2]) };
}

const controls = (page) =>
  page.$$eval('.controls select, .controls input', (es) => es.map((e) => (e.type === 'checkbox' ? e.checked : e.value)));
const dataRequests = (requests) => requests.filter((u) => u.includes('/data/fashion-mnist/'));

describe('Fashion-MNIST on the page', () => {
  test('the preset trains on the shipped images: overlays change, test accuracy ≥ 0.8, one fetch per file, the URL restores it', async () => {
    const { page, problems, requests, close } = await open(env.origin);
    await waitForValue(
      page,
      () => statusStep(page),
      (s) => s > 0,
      60000,
    );
    assert.equal(await page.isVisible('.view-images'), false, 'no image panel for synthetic data');
    assert.deepEqual(dataRequests(requests), [], 'the data are fetched only when a run needs them');

    await page.selectOption('#preset', 'md-fashion');
    // the link names the preset only (its fields are the preset's)
    await page.waitForFunction(() => location.search === '?preset=md-fashion', null, { timeout: 60000 });
    assert.match(await page.textContent('#about-title'), /Fashion-MNIST/);
    assert.equal(await page.inputValue('#ctl-kind'), 'fashion-mnist');
    for (const name of ['classNeg', 'classPos', 'testN', 'grid', 'positional'])
      assert.ok(await page.isVisible(`.row[data-field="${name}"]`), name);
    assert.equal(await page.isVisible('.row[data-field="T"]'), false, 'T = grid² is not a control of its own');
    assert.ok(await page.isVisible('.view-images'));

    await runExactly(page, 100);
    const early = await overlayStats(page);
    const at100 = await accuracy(page);
    await runExactly(page, 1000);
    const late = await overlayStats(page);
    const at1000 = await accuracy(page);
    assert.ok(early.tinted > 500 && late.tinted > 500, `overlay pixels: ${early.tinted}, ${late.tinted}`);
    assert.notEqual(late.sum, early.sum, 'the overlays change as training goes on');
    assert.match(late.correct, /^[0-6]\/6$/);
    // ℓ1.1 MD from near 0 is slow to start, then T-shirt vs bag is easy
    assert.ok(at1000.test >= 0.8, `test accuracy ${at1000.test} at step 1000`);
    assert.ok(at1000.test > at100.test && at1000.train > at100.train, `${JSON.stringify(at100)} → ${JSON.stringify(at1000)}`);
    const legend = await page.$$eval('.view-curves [data-chart="accuracy"] .u-legend .u-label', (ls) => ls.map((l) => l.textContent));
    assert.ok(legend.includes('train') && legend.includes('test'), legend.join(', '));
    await page.screenshot({ path: join(root, 'test-results', 'page-fashion.png'), fullPage: true });

    // another pair of classes: a new run on the same files (no second fetch); equal classes are refused inline
    await page.selectOption('#ctl-classPos', 'trouser');
    await page.waitForFunction(() => location.search.includes('cpos=trouser'));
    await page.selectOption('#ctl-classPos', 't-shirt');
    const error = page.locator('.row[data-field="classPos"] .error');
    await error.waitFor({ state: 'visible' });
    assert.match(await error.textContent(), /data\.classes/);
    await page.selectOption('#ctl-classPos', 'bag');
    await page.waitForFunction(() => location.search.includes('cpos=') === false && location.search.includes('preset=md-fashion'));
    const fetched = dataRequests(requests)
      .map((u) => u.slice(u.lastIndexOf('/') + 1))
      .sort();
    assert.deepEqual(fetched, [...FILES].sort(), 'each data file is fetched once');
    assert.deepEqual(
      requests.filter((u) => !u.startsWith(env.origin) && !u.startsWith('data:') && !u.startsWith('blob:')),
      [],
    );

    const url = page.url();
    await runExactly(page, 100);
    const metrics = await page.textContent('#metrics');
    const values = await controls(page);
    const again = await open(url);
    await waitForValue(
      again.page,
      () => statusStep(again.page),
      (s) => s > 0,
      60000,
    );
    await runExactly(again.page, 100);
    assert.equal(again.page.url(), url);
    assert.equal(await again.page.textContent('#metrics'), metrics);
    assert.deepEqual(await controls(again.page), values);
    assert.deepEqual([...problems, ...again.problems], []);
    await again.close();
    await close();
  });

  describe('served from a sub-path', () => {
    let tmp, server, origin;
    before(async () => {
      // full/: the whole dist; broken/: the same without one data file
      tmp = mkdtempSync(join(tmpdir(), 'attnsvm-fashion-'));
      symlinkSync(DIST, join(tmp, 'full'));
      const broken = join(tmp, 'broken');
      mkdirSync(join(broken, 'data', 'fashion-mnist'), { recursive: true });
      for (const entry of readdirSync(DIST)) if (entry !== 'data') symlinkSync(join(DIST, entry), join(broken, entry));
      for (const f of FILES.slice(0, 3)) symlinkSync(join(DIST, 'data', 'fashion-mnist', f), join(broken, 'data', 'fashion-mnist', f));
      ({ server, url: origin } = await serve(tmp, 0));
    });
    after(() => {
      server?.close();
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    });

    const LINK = '?data=fashion-mnist&n=40&tn=20&d=8&dec=trained&istd=0.1';

    test('a fashion-mnist link loads its images relative to the page', async () => {
      const { page, problems, requests, close } = await open(origin, `full/${LINK}`);
      await waitForValue(
        page,
        () => statusStep(page),
        (s) => s > 0,
        60000,
      );
      assert.equal(await page.isVisible('#banner'), false);
      await page.waitForFunction(() => document.querySelector('.view-images canvas').dataset.correct?.endsWith('/6'));
      assert.deepEqual(dataRequests(requests).sort(), FILES.map((f) => `${origin}full/data/fashion-mnist/${f}`).sort());
      assert.deepEqual(problems, []);
      await close();
    });

    test('a missing data file is reported by name, and the page falls back to the default run', async () => {
      const { page, close } = await open(origin, `broken/${LINK}`);
      await page.waitForSelector('#banner', { state: 'visible', timeout: 60000 });
      assert.match(await page.textContent('#banner'), /t10k-labels-idx1-ubyte could not be loaded \(HTTP 404/);
      await waitForValue(
        page,
        () => statusStep(page),
        (s) => s > 0,
        60000,
      );
      assert.equal(await page.inputValue('#ctl-kind'), 'gaussian-unit');
      await close();
    });
  });

  test('the data files ship beside the page, byte for byte the subset of scripts/build-data.sh', () => {
    // they are not part of the page's code (the wasm budget is tests/wasm/size.test.mjs): the worker
    // fetches them only for a fashion-mnist run (the first test sees no request before the preset)
    let bytes = 0;
    for (const f of FILES) {
      const shipped = readFileSync(join(DIST, 'data', 'fashion-mnist', f));
      assert.ok(shipped.equals(readFileSync(join(root, 'build', 'data', 'fashion-mnist', f))), f);
      bytes += gzipSync(shipped, { level: constants.Z_BEST_COMPRESSION }).length;
    }
    console.log(`dist/data/fashion-mnist: ${(bytes / 1024).toFixed(0)} KiB gzipped`);
  });
});
