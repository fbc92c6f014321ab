// Compare mode in headless Chromium, as a visitor uses it: the compare control starts run B in
// a second worker; the run bar drives both runs; B's curves are drawn over A's; the same config gives the
// same numbers in both runs and an override gives other numbers; a compare URL restores both runs; a
// rejected override of B is shown inline while both runs go on; a diverging B is named in the banner; a
// killed B worker is restarted from its settings;
// turning compare off ends B's worker. Plus the state derivation (web/src/compare/derive.ts) under Node.
// Needs dist/ (scripts/build-web.sh).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { assertClean, compilePageModules, requestedUrls, root, servedPage, watch } from './helpers.mjs';

const env = servedPage();

/** Opens the page with a query in a fresh context; waits until run A shows a snapshot. */
async function open(query = '') {
  const context = await env.browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  const problems = await watch(page);
  await page.goto(env.origin + query);
  await page.waitForSelector('#metrics[data-step]', { timeout: 30000 });
  // closing checks what every page test checks: no CSP violation, no request outside the page's origin
  const close = async () => {
    await assertClean(page);
    await context.close();
  };
  return { page, problems, close };
}

const stepA = async (page) => Number((await page.getAttribute('#metrics', 'data-step')) ?? -1);
const stepB = async (page) => Number((await page.getAttribute('.metrics-b', 'data-step')) ?? -1);
/** Run B's metrics line without its "step N · " prefix: the same format as run A's. */
const metricsB = async (page) => (await page.textContent('.metrics-b')).replace(/^step \d+ · /, '');

async function waitFor(page, predicate, what, timeout = 30000) {
  const t0 = Date.now();
  for (;;) {
    if (await predicate()) return;
    if (Date.now() - t0 > timeout) throw new Error(`${what}: not within ${timeout} ms`);
    await page.waitForTimeout(50);
  }
}

async function pause(page) {
  if ((await page.textContent('#play')).includes('pause')) await page.click('#play');
  await page.waitForFunction(() => document.querySelector('#play').textContent.includes('play'));
}

/** Pauses, resets both runs and runs exactly `count` iterations with the run bar; waits for both runs and the curves. */
async function runBoth(page, count) {
  await pause(page);
  await page.click('#reset');
  await waitFor(page, async () => (await stepA(page)) === 0 && (await stepB(page)) === 0, 'both runs reset');
  for (let k = 0; k < Math.floor(count / 100); ++k) await page.click('#step100');
  for (let k = 0; k < count % 100; ++k) await page.click('#step');
  await waitFor(page, async () => (await stepA(page)) === count && (await stepB(page)) === count, `both runs at step ${count}`);
  await page.waitForSelector(`.view-curves[data-step="${count}"][data-step-b="${count}"]`);
}

/** The legend labels and the latest values of each line of one chart. */
async function chart(page, id) {
  const sel = `.view-curves [data-chart="${id}"]`;
  const labels = await page.$$eval(`${sel} .u-legend .u-label`, (ls) => ls.map((l) => l.textContent));
  const last = JSON.parse((await page.getAttribute(sel, 'data-last')) ?? '{}');
  return { labels, last };
}

/** Pairs of (A line, B line) values of a chart, matched by their label after the run's name. */
function pairs(last) {
  const strip = (label) => label.replace(/^[AB](: [^·]*)?( · )?/, '');
  const a = Object.entries(last).filter(([l]) => l.startsWith('A'));
  const b = Object.entries(last).filter(([l]) => l.startsWith('B'));
  return a.map(([label, value]) => [label, value, b.find(([l]) => strip(l) === strip(label))?.[1]]);
}

describe('compare mode on the page', () => {
  test('the compare control starts run B in a second worker; same settings give the same numbers, an override other numbers', async () => {
    const { page, problems, close } = await open();
    assert.equal(page.workers().length, 1, 'run A alone: one worker');
    assert.equal(await page.isVisible('#ctl-bOptimizer'), false, "run B's controls show only in compare mode");
    assert.equal(await page.isVisible('.view-heatmap-b'), false);

    await page.check('#ctl-compare');
    await page.waitForSelector('.metrics-b[data-step]');
    await waitFor(page, async () => page.workers().length === 2, 'a second worker');
    assert.deepEqual(
      requestedUrls(page)
        .filter((u) => u.endsWith('.wasm'))
        .sort(),
      [`${env.origin}wasm/attnsvm.start.wasm`, `${env.origin}wasm/attnsvm.view.wasm`],
      "run B's worker reuses the page's compiled engine (its start and view parts)",
    );
    assert.match(page.url(), /[?&]cmp=1/);
    assert.ok(await page.isVisible('#ctl-bOptimizer'));
    assert.equal(await page.inputValue('#ctl-bOptimizer'), 'ngd', 'run B starts as a copy of run A');
    assert.match(await page.textContent('.view-heatmap h2'), /run A/);
    assert.match(await page.textContent('.view-heatmap-b h2'), /run B/);
    assert.match(await page.textContent('.compare-note'), /show run A/);
    // playing: both runs advance
    const a0 = await stepA(page),
      b0 = await stepB(page);
    await waitFor(page, async () => (await stepA(page)) > a0 + 20 && (await stepB(page)) > b0 + 20, 'both runs advance while playing');

    await runBoth(page, 300);
    assert.equal(await metricsB(page), await page.textContent('#metrics'), 'same config, same numbers');
    const corr = await chart(page, 'corr');
    assert.deepEqual(corr.labels, ['A · Frobenius', 'A · nuclear', 'B · Frobenius', 'B · nuclear']);
    for (const id of ['margin', 'corr', 'bregman', 'loss', 'norm', 'sparsity']) {
      const { last } = await chart(page, id);
      const matched = pairs(last);
      assert.ok(matched.length > 0, `${id}: no lines`);
      for (const [label, a, b] of matched) assert.equal(b, a, `${id}: ${label}: B's last value equals A's`);
    }

    await page.selectOption('#ctl-bOptimizer', 'gd');
    await page.waitForFunction(() => location.search.includes('b_opt=gd'));
    await page.fill('#ctl-bLr', '1');
    await page.press('#ctl-bLr', 'Enter');
    await page.waitForFunction(() => location.search.includes('b_lr=1'));
    await runBoth(page, 300);
    assert.notEqual(await metricsB(page), await page.textContent('#metrics'));
    const loss = await chart(page, 'loss');
    assert.deepEqual(loss.labels, ['A: ngd η=0.1', 'B: gd η=1']);
    assert.notEqual(loss.last['A: ngd η=0.1'], loss.last['B: gd η=1']);
    const norm = await chart(page, 'norm');
    assert.ok(norm.last['A: ngd η=0.1 · Frobenius'] > norm.last['B: gd η=1 · Frobenius'], 'normalised GD grows ‖W‖ faster than GD');
    await page.screenshot({ path: `${root}/test-results/compare-gd-ngd.png`, fullPage: true });

    // a rejected override of B: inline at B's control, both runs keep going, the URL keeps the last good state
    const url = page.url();
    await page.fill('#ctl-bLr', '-1');
    await page.press('#ctl-bLr', 'Enter');
    const error = page.locator('.row[data-field="bLr"] .error');
    await error.waitFor({ state: 'visible' });
    assert.match(await error.textContent(), /run B: optimizer\.lr/);
    await page.click('#play');
    const a1 = await stepA(page),
      b1 = await stepB(page);
    await waitFor(page, async () => (await stepA(page)) > a1 + 20 && (await stepB(page)) > b1 + 20, 'both runs keep going');
    assert.equal(page.url(), url);
    assert.equal(await page.isVisible('#banner'), false);

    // off: run B's worker ends and its curves go
    await page.uncheck('#ctl-compare');
    await waitFor(page, async () => page.workers().length === 1, 'one worker left');
    assert.doesNotMatch(page.url(), /cmp=/);
    assert.equal(await page.isVisible('.view-heatmap-b'), false);
    await page.waitForFunction(() => !document.querySelector('.view-curves').dataset.stepB);
    await page.waitForFunction(() => document.querySelectorAll('.view-curves [data-chart="loss"] .u-legend .u-label').length === 1);
    assert.deepEqual(problems, []);
    await close();
  });

  test('a W-vs-KQ compare URL restores the same numbers for both runs', async () => {
    const { page, problems, close } = await open();
    await page.selectOption('#preset', 'cmp-w-kq');
    // the link names the preset only; compare mode and run B's fields are the preset's
    await page.waitForFunction(() => location.search === '?preset=cmp-w-kq');
    assert.ok(await page.isChecked('#ctl-compare'));
    assert.equal(await page.inputValue('#ctl-bParam'), 'KQ');
    await page.waitForSelector('.metrics-b[data-step]');
    await runBoth(page, 300);
    const url = page.url();
    const a = await page.textContent('#metrics');
    const b = await metricsB(page);
    assert.notEqual(a, b);
    const corr = (await chart(page, 'corr')).last;
    // the paper's point: W correlates best with the Frobenius SVM, KQ with the nuclear-norm SVM
    assert.ok(corr['A: W · Frobenius'] > corr['A: W · nuclear'], JSON.stringify(corr));
    assert.ok(corr['B: KQ · nuclear'] > corr['B: KQ · Frobenius'], JSON.stringify(corr));
    await close();

    const again = await open(url.slice(env.origin.length));
    await again.page.waitForSelector('.metrics-b[data-step]');
    await runBoth(again.page, 300);
    assert.equal(again.page.url(), url);
    assert.equal(await again.page.textContent('#metrics'), a);
    assert.equal(await metricsB(again.page), b);
    assert.equal(await again.page.inputValue('#ctl-bParam'), 'KQ');
    assert.equal(again.page.workers().length, 2);
    assert.deepEqual([...problems, ...again.problems], []);
    await again.close();
  });

  test('Fashion-MNIST, GD vs ℓ1.1 MD: GD is ahead at step 100, both classify test images well at step 1,000', async () => {
    const { page, problems, close } = await open();
    await page.selectOption('#preset', 'cmp-fashion-gd-md');
    await page.waitForFunction(() => location.search.includes('preset=cmp-fashion-gd-md'), null, { timeout: 60000 });
    await page.waitForSelector('.metrics-b[data-step]', { timeout: 60000 });
    assert.equal(await page.inputValue('#ctl-bOptimizer'), 'gd');
    const acc = (text) => {
      const m = text.match(/train acc ([\d.]+) · test acc ([\d.]+)/);
      assert.ok(m, `no accuracy in ${text}`);
      return { train: Number(m[1]), test: Number(m[2]) };
    };
    await runBoth(page, 100);
    const md100 = acc(await page.textContent('#metrics'));
    const gd100 = acc(await metricsB(page));
    // attnsvm run (seed 1, same config): GD test 0.826 at step 100, ℓ1.1 MD still at chance (0.5) near W = 0
    assert.ok(gd100.test > md100.test + 0.2, `step 100: MD ${JSON.stringify(md100)}, GD ${JSON.stringify(gd100)}`);
    const { labels } = await chart(page, 'accuracy');
    assert.ok(
      labels.some((l) => l.startsWith('B') && l.includes('test')),
      `run B's test accuracy is overlaid: ${labels.join(', ')}`,
    );
    await runBoth(page, 1000);
    const md = acc(await page.textContent('#metrics'));
    const gd = acc(await metricsB(page));
    assert.ok(md.test >= 0.8 && gd.test >= 0.8, `step 1000: MD ${JSON.stringify(md)}, GD ${JSON.stringify(gd)}`);
    assert.ok(await page.isVisible('.view-images'), "run A's test images with their attention");
    assert.deepEqual(problems, []);
    await close();
  });

  test("run B's worker killed mid-run is restarted from B's settings while run A goes on", async () => {
    // one iteration per frame, so that the restarted B's small steps are seen before they pass the old ones
    const { page, problems, close } = await open('?cmp=1&b_opt=gd&b_lr=1&speed=1');
    await waitFor(page, async () => (await stepB(page)) > 150, 'run B trains');
    const killedAt = await stepB(page);
    const a0 = await stepA(page);
    await page.evaluate(() => window.attnsvmDebug.killWorkerB());
    await page.waitForSelector('#banner:not([hidden])', { timeout: 40000 });
    assert.match(
      await page.textContent('#banner'),
      /^Run B: The engine stopped \(stopped answering for \d+ s\) and was restarted; the run restarted from its settings\.$/,
    );
    await waitFor(
      page,
      async () => {
        const b = await stepB(page);
        return b > 0 && b < killedAt;
      },
      'run B restarted from step 0',
      20000,
    );
    await waitFor(page, async () => (await stepB(page)) > 20, 'run B trains again');
    assert.ok((await stepA(page)) > a0, 'run A went on');
    assert.equal(page.workers().length, 2, "run A's worker and B's new one");
    assert.equal(await page.inputValue('#ctl-bOptimizer'), 'gd');
    assert.deepEqual(problems, []);
    await close();
  });

  test('a diverging run B is named in the banner while run A goes on', async () => {
    // ℓ1.01 mirror descent with a huge step overflows |U|^100 within a few steps (as in engine.test.mjs)
    const { page, problems, close } = await open('?cmp=1&b_opt=md&b_p=1.01&b_lr=10000&b_nmd=0');
    await page.waitForSelector('#banner:not([hidden])');
    assert.match(await page.textContent('#banner'), /^Run B stopped: diverged at step \d+/);
    const a = await stepA(page);
    await waitFor(page, async () => (await stepA(page)) > a + 20, 'run A goes on');
    assert.deepEqual(problems, []);
    await close();
  });
});

describe('compare state (web/src/compare/derive.ts under Node)', () => {
  let state, derive, api, cleanup;
  before(async () => {
    ({
      modules: [state, derive, api],
      cleanup,
    } = await compilePageModules(['state', 'compare/derive', 'embed/api']));
  });
  after(() => cleanup?.());

  test("run B is run A with B's fields in place; the defaults override nothing", () => {
    const a = state.withChanges(state.DEFAULTS, {
      compare: true,
      seed: 7,
      initSeed: 3,
      norms: ['fro', 'lp'],
      svmP: 1.5,
      bParam: 'KQ',
      bOptimizer: 'md',
      bLr: 0.2,
      bP: 3,
      bNormalized: false,
    });
    const b = derive.runB(a);
    assert.deepEqual([b.param, b.optimizer, b.lr, b.p, b.normalized], ['KQ', 'md', 0.2, 3, false]);
    const configA = state.toConfig(a),
      configB = state.toConfig(b);
    assert.deepEqual(configB.data, configA.data, 'same data and seed');
    assert.deepEqual(configB.svm, configA.svm, 'same SVM references');
    assert.deepEqual(configB.model.init, configA.model.init, 'same init seed');
    assert.deepEqual(configB.optimizer, { kind: 'md', lr: 0.2, p: 3, normalized: false });
    const plain = state.withChanges(state.DEFAULTS, { compare: true });
    assert.deepEqual(state.toConfig(derive.runB(plain)), state.toConfig(plain));
    assert.deepEqual(derive.runNames(plain), { a: 'A', b: 'B' });
    assert.deepEqual(derive.runNames(a), { a: 'A: W ngd η=0.1', b: 'B: KQ md p=3 unnormalised η=0.2' });
  });

  test('the compare fields round-trip through the URL and pass the message API', () => {
    const s = state.withChanges(state.DEFAULTS, { compare: true, bParam: 'KQ', bOptimizer: 'md', bLr: 0.5, bP: 1.75, bNormalized: false });
    const query = state.toQuery(s);
    assert.equal(query, 'cmp=1&b_param=KQ&b_opt=md&b_lr=0.5&b_p=1.75&b_nmd=0');
    assert.deepEqual(state.fromQuery(query), s);
    const msg = (st) => ({ source: 'attention-svm-playground', version: 1, type: 'setState', state: st });
    assert.equal(api.parseCommand(msg({ cmp: true, b_opt: 'gd', b_lr: 2 })).query, 'cmp=1&b_opt=gd&b_lr=2');
    assert.equal(api.parseCommand(msg({ b_opt: 'adam' })), null);
    assert.equal(api.parseCommand(msg({ b_lr: 'fast' })), null);
  });

  test('turning compare on copies run A into B; B follows only the changes that concern it', () => {
    const a = state.withChanges(state.DEFAULTS, { optimizer: 'md', p: 1.75, lr: 0.3, seeds: 20 });
    const on = state.withChanges(a, derive.completeChanges(a, { compare: true }));
    assert.deepEqual(state.toConfig(derive.runB(on)), state.toConfig(on), 'B starts as a copy of A');
    assert.equal(on.seeds, 0, 'the ensemble stops');
    assert.equal(derive.bUpdate(a, on, false), 'start');
    assert.equal(derive.bUpdate(on, a, false), 'stop');
    assert.equal(derive.bUpdate(on, state.withChanges(on, { bLr: 0.5 }), false), 'lr');
    assert.equal(derive.bUpdate(on, state.withChanges(on, { bOptimizer: 'gd' }), false), 'restart');
    assert.equal(derive.bUpdate(on, state.withChanges(on, { n: 9 }), true), 'restart', 'shared data: both restart');
    assert.equal(derive.bUpdate(on, state.withChanges(on, { speed: '50' }), false), 'none');
    assert.equal(derive.bUpdate(on, state.withChanges(on, { lr: 0.5 }), false), 'none', "A's step size is not B's");
    const explicit = derive.completeChanges(a, { compare: true, bOptimizer: 'gd' });
    assert.equal(explicit.bOptimizer, 'gd', 'named B fields win over the copy');
  });
});
