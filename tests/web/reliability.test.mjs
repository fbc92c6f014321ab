// Reliability of the page in headless Chromium: dataset upload (JSON and CSV, validated by the engine,
// previewed, small ones carried by the URL, large ones by the tab), a table of >= 40 bad inputs through
// the page's user paths (URL parameters, typed control values, uploaded files from tests/bad_inputs.json,
// each with its specific message while the previous run keeps going), a diverging step size stopped and
// resumed from the last finite state, recovery from a killed worker,
// and markup injected through a URL, a file and a postMessage staying text. Every page is watched for
// CSP violations and requests outside its origin (helpers.mjs assertClean).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { engine } from '../wasm/helpers.mjs';
import { assertClean, isPlaying, metricsStep, root, servedPage, waitForMetricsStep, watch } from './helpers.mjs';

const env = servedPage();
const TABLE = JSON.parse(readFileSync(join(root, 'tests', 'bad_inputs.json'), 'utf8'));
const BAD_FILES = TABLE.filter((entry) => 'dataset' in entry);

/** Opens the page with a query in a fresh context; waits until the first run shows a step. */
async function open(query = '') {
  const context = await env.browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  page.setDefaultTimeout(90000); // the machine running the tests may be busy
  const problems = await watch(page);
  await page.goto(env.origin + query);
  await waitForMetricsStep(page, (s) => s >= 0);
  return { page, context, problems, close: async () => (await assertClean(page), await context.close()) };
}

/** Asserts the run advances by at least `by` steps (the previous run keeps going). */
async function advances(page, by = 10, what = '') {
  const s = await metricsStep(page);
  await waitForMetricsStep(page, (x) => x >= s + by || (s > x && x > 0)).catch((e) => assert.fail(`${what}: ${e.message}`));
}

/** Uploads a file through the page's upload input. */
function upload(page, name, text) {
  const mimeType = name.endsWith('.csv') ? 'text/csv' : 'application/json';
  return page.setInputFiles('#upload-dataset', { name, mimeType, buffer: Buffer.from(text) });
}

/** The elements a script could have injected. */
const injected = (page) =>
  page.evaluate(() => {
    const docs = [document, ...[...document.querySelectorAll('iframe')].map((f) => f.contentDocument).filter(Boolean)];
    return { elements: docs.reduce((n, d) => n + d.querySelectorAll('img, script:not([src])').length, 0), pwned: window.pwned ?? null };
  });

/** Bad URL parameters: unparsable or wrong enums fall back (the parameter is dropped), out of range ones are named. */
const BAD_URLS = [
  { query: '?n=abc', fallback: 'n' },
  { query: '?lr=fast', fallback: 'lr' },
  { query: '?opt=adam', fallback: 'opt' },
  { query: '?data=images', fallback: 'data' },
  { query: '?svm=fro,operator', fallback: 'svm' },
  { query: '?q=both', fallback: 'q' },
  { query: '?istd=NaN', fallback: 'istd' },
  { query: '?data=toy&toy=nope', fallback: 'toy' },
  { query: '?speed=7', fallback: 'speed' },
  { query: '?n=0', banner: /data\.n: must be between 1/ },
  { query: '?n=1000000000', banner: /data\.n: must be between 1 and 100000/ },
  { query: '?lr=-1', banner: /optimizer\.lr: must be > 0/ },
  { query: '?T=1', banner: /data\.T: must be between 2/ },
  { query: '?d=5000', banner: /data\.d: must be between 1 and 1024/ },
  { query: '?opt=md&p=1', banner: /optimizer\.p: must be > 1/ },
  { query: '?param=multihead&H=0', banner: /model\.heads/ },
  { query: '?data=inline&ds=notjson', banner: /data\.X/ },
  { query: '?data=inline&ds=upload:deadbeef', banner: /ds: the uploaded dataset upload:deadbeef is not in this browser tab/ },
  { query: '?seeds=500', banner: /seeds: at most 200/ },
];

/** Bad values typed into controls: the message shows next to the control and names the field. */
const BAD_TYPED = [
  { field: 'n', value: '0', error: /data\.n: must be between 1/ },
  { field: 'n', value: '2.5', error: /n \(sequences\): “2\.5” is not a valid integer/ },
  { field: 'T', value: '1', error: /data\.T: must be between 2/ },
  { field: 'd', value: '5000', error: /data\.d: must be between 1 and 1024/ },
  { field: 'seed', value: '-1', error: /data\.seed: must be between 0/ },
  { field: 'initStd', value: '-1', error: /model\.init\.std/ },
  { field: 'lr', value: '-1', error: /lr: must be > 0/ },
  { field: 'lr', value: '0', error: /lr: must be > 0/ },
  { field: 'seeds', value: '500', error: /seeds: at most 200/ },
];

describe('reliability of the page', () => {
  test(`a table of ${BAD_URLS.length + BAD_TYPED.length + BAD_FILES.length} bad inputs through the page: each named, the run keeps going`, async () => {
    assert.ok(BAD_URLS.length + BAD_TYPED.length + BAD_FILES.length >= 40);
    const { page, problems, close } = await open();

    // URL parameters
    for (const entry of BAD_URLS) {
      await page.goto(env.origin + entry.query);
      await waitForMetricsStep(page, (s) => s > 0);
      await advances(page, 10, entry.query);
      const banner = (await page.isVisible('#banner')) ? await page.textContent('#banner') : '';
      if (entry.banner) {
        assert.match(banner, entry.banner, entry.query);
      } else {
        assert.equal(banner, '', `${entry.query}: falls back without a message`);
        assert.doesNotMatch(
          new URL(page.url()).search,
          new RegExp(`[?&]${entry.fallback}=`),
          `${entry.query}: the bad parameter is dropped`,
        );
      }
    }

    // typed control values
    await page.goto(env.origin);
    await waitForMetricsStep(page, (s) => s > 0);
    const url = page.url();
    for (const entry of BAD_TYPED) {
      // an earlier entry's message must not pass for this one's
      await page.$eval(`.row[data-field="${entry.field}"] .error`, (e) => (e.textContent = ''));
      await page.fill(`#ctl-${entry.field}`, entry.value);
      await page.press(`#ctl-${entry.field}`, 'Enter');
      const error = page.locator(`.row[data-field="${entry.field}"] .error`);
      await page.waitForFunction(
        ([f, source]) => new RegExp(source).test(document.querySelector(`.row[data-field="${f}"] .error`)?.textContent ?? ''),
        [entry.field, entry.error.source],
      );
      assert.ok(await error.isVisible(), `${entry.field}=${entry.value}: the error shows`);
      await advances(page, 10, `${entry.field}=${entry.value}`);
      assert.equal(page.url(), url, `${entry.field}=${entry.value}: a rejected value does not reach the URL`);
    }

    // uploaded files: the message of the wasm module (and the CLI, tests/native/test_robustness.cpp), next to the upload
    const wasm = await engine();
    for (const query of ['cross', 'self']) {
      if (query === 'self') {
        await page.selectOption('#ctl-query', 'self');
        await page.waitForFunction(() => location.search.includes('q=self'));
      }
      const before = page.url();
      for (const [k, entry] of BAD_FILES.entries()) {
        if ((entry.query ?? 'cross') !== query) continue;
        let expected;
        try {
          wasm.parseDataset(entry.dataset, entry.format, query);
        } catch (e) {
          expected = e.message;
        }
        assert.ok(expected?.includes(entry.error), `${entry.name}: the wasm module says "${expected}"`);
        const name = `bad-${k}.${entry.format}`;
        await upload(page, name, entry.dataset);
        await page.waitForFunction((prefix) => document.querySelector('#upload-error').textContent.startsWith(prefix), `${name}: `);
        assert.equal(await page.textContent('#upload-error'), `${name}: ${expected}`, entry.name);
        assert.ok(await page.isVisible('#upload-error'));
        assert.equal(await page.isVisible('#upload-preview'), false, `${entry.name}: no preview`);
        await advances(page, 5, entry.name);
        assert.equal(page.url(), before, `${entry.name}: the run's state is unchanged`);
      }
    }
    assert.ok(await isPlaying(page));
    assert.deepEqual(problems, []);
    await close();
  });

  test('an uploaded JSON dataset is previewed, then run; it travels in the URL', async () => {
    const { page, problems, close } = await open();
    const dataset = {
      X: [
        [
          [1, 0],
          [0, 1],
          [0.5, 0.5],
        ],
        [
          [0, 1],
          [1, 0],
          [-1, 0],
        ],
        [
          [2, 1],
          [0, 0],
          [1, 1],
        ],
        [
          [-1, -1],
          [1, 2],
          [0, 3],
        ],
      ],
      y: [1, -1, 1, -1],
      z: [
        [1, 0],
        [0, 1],
        [1, 1],
        [0, -1],
      ],
      v: [1, -1],
    };
    await upload(page, 'four.json', JSON.stringify(dataset));
    await page.waitForSelector('#upload-preview', { state: 'visible' });
    assert.equal(await page.textContent('#upload-summary'), 'four.json: n = 4, T = 3, d = 2 · labels +1: 2, −1: 2 · decoder v given');
    const cells = await page.$$eval('#upload-preview tr', (rows) => rows.map((r) => [...r.children].map((c) => c.textContent)));
    assert.deepEqual(cells, [
      ['t', 'x1', 'x2'],
      ['0', '1', '0'],
      ['1', '0', '1'],
      ['2', '0.5', '0.5'],
    ]);
    await page.click('#upload-use');
    await page.waitForFunction(() => location.search.includes('data=inline'));
    const ds = JSON.parse(new URL(page.url()).searchParams.get('ds'));
    assert.deepEqual(ds, dataset, "the dataset is the URL's");
    assert.equal(await page.inputValue('#ctl-kind'), 'inline');
    await waitForMetricsStep(page, (s) => s > 10);
    assert.equal(await page.isVisible('#upload-note'), false, 'a small dataset needs no note');
    assert.equal(await page.isVisible('#banner'), false);
    assert.deepEqual(problems, []);
    await close();
  });

  test('a large uploaded CSV dataset is kept in the tab (across a reload), and a copied link says it is missing', async () => {
    const { page, context, problems, close } = await open();
    const [n, T, d] = [40, 8, 4];
    const lines = [
      'seq,token,y,' +
        [...Array(d).keys()].map((j) => `x${j + 1}`).join(',') +
        ',' +
        [...Array(d).keys()].map((j) => `z${j + 1}`).join(','),
    ];
    for (let i = 0; i < n; ++i)
      for (let t = 0; t < T; ++t) {
        const x = [...Array(d).keys()].map((j) => (Math.sin(1 + i * 7 + t * 3 + j) * (t === 0 ? 2 : 1)).toFixed(4));
        const z = [...Array(d).keys()].map((j) => (j === i % d ? 1 : 0));
        lines.push([i, t, i % 2 ? -1 : 1, ...x, ...z].join(','));
      }
    await upload(page, 'large.csv', lines.join('\n') + '\n');
    await page.waitForSelector('#upload-preview', { state: 'visible' });
    assert.equal(
      await page.textContent('#upload-summary'),
      `large.csv: n = ${n}, T = ${T}, d = ${d} · labels +1: 20, −1: 20 · no decoder v: it is trained from zero`,
    );
    await page.click('#upload-use');
    await page.waitForFunction(() => location.search.includes('data=inline'));
    assert.equal(await page.inputValue('#ctl-decoder'), 'trained');
    const ref = new URL(page.url()).searchParams.get('ds');
    assert.match(ref, /^upload:[0-9a-f]{8}$/);
    assert.match(await page.textContent('#upload-note'), /large\.csv is too large for a link: .* a copied link does not carry the file/);
    await waitForMetricsStep(page, (s) => s > 10);

    await page.reload();
    await waitForMetricsStep(page, (s) => s > 10);
    assert.equal(await page.isVisible('#banner'), false, 'a reload of the tab keeps the dataset');
    assert.equal(new URL(page.url()).searchParams.get('ds'), ref);

    const other = await context.browser().newContext();
    const copied = await other.newPage();
    await copied.goto(page.url());
    await copied.waitForSelector('#banner', { state: 'visible' });
    assert.match(await copied.textContent('#banner'), new RegExp(`ds: the uploaded dataset ${ref} is not in this browser tab`));
    await waitForMetricsStep(copied, (s) => s > 10);
    await other.close();
    assert.deepEqual(problems, []);
    await close();
  });

  test('a killed worker is detected by the heartbeat and restarted; the run restarts from its settings', async () => {
    // one iteration per frame, so that the restarted run's small steps are seen before they grow past the old ones
    const { page, problems, close } = await open('?n=5&seed=3&speed=1');
    const killedAt = await waitForMetricsStep(page, (s) => s > 300);
    const url = page.url();
    await page.evaluate(() => window.attnsvmDebug.killWorker());
    await page.waitForSelector('#banner', { state: 'visible', timeout: 40000 });
    assert.match(
      await page.textContent('#banner'),
      /^The engine stopped \(stopped answering for \d+ s\) and was restarted; the run restarted from its settings\.$/,
    );
    await waitForMetricsStep(page, (s) => s > 0 && s < killedAt, 20000);
    await advances(page, 20, 'after the restart');
    assert.ok(await isPlaying(page), 'it plays again');
    assert.equal(page.url(), url);

    // paused: the next request goes unanswered, which the heartbeat notices too; the run stays paused
    await page.click('#play');
    await page.waitForFunction(() => document.querySelector('#play').textContent.includes('play'));
    await page.evaluate(() => window.attnsvmDebug.killWorker());
    await page.evaluate(() => (document.querySelector('#banner').hidden = true));
    await page.click('#step100');
    await page.waitForFunction(
      () => /and was restarted/.test(document.querySelector('#banner').textContent) && !document.querySelector('#banner').hidden,
      null,
      { timeout: 40000 },
    );
    await waitForMetricsStep(page, (s) => s === 0, 20000);
    await page.click('#step');
    await waitForMetricsStep(page, (s) => s === 1);
    assert.equal(await isPlaying(page), false);
    assert.equal(page.url(), url);
    // the console shows no error: the crash is reported in the banner
    assert.deepEqual(problems, []);
    await close();
  });

  test('a step size that diverges stops the run at its step with a suggestion; a smaller one resumes from the last finite state', async () => {
    // ℓ1.01 mirror descent trains at η = 1; η = 10^6 (a live change, the run is kept) overflows |U|^100 at once
    const { page, problems, close } = await open('?opt=md&p=1.01&nmd=0&lr=1&speed=1');
    await waitForMetricsStep(page, (s) => s > 50);
    await page.fill('#ctl-lr', '1000000');
    await page.press('#ctl-lr', 'Enter');
    await page.waitForSelector('#banner', { state: 'visible' });
    const banner = await page.textContent('#banner');
    const match = banner.match(/^The run stopped: diverged at step (\d+): .*try a smaller optimizer\.lr \(now 1e\+06\)/);
    assert.ok(match, banner);
    const diverged = Number(match[1]);
    assert.ok(diverged > 50, `diverged at step ${diverged}, after the change`);
    await page.waitForFunction(() => document.querySelector('#play').textContent.includes('play'));
    // the last finite state is shown: the step before the one that diverged, finite numbers
    await waitForMetricsStep(page, (s) => s === diverged - 1);
    assert.doesNotMatch(await page.textContent('#metrics'), /NaN|Infinity/);

    await page.fill('#ctl-lr', '1');
    await page.press('#ctl-lr', 'Enter');
    await page.waitForFunction(() => location.search.includes('lr=1') && !location.search.includes('lr=1000000'));
    await page.click('#play');
    const steps = [];
    await waitForMetricsStep(page, (s) => (steps.push(s), s > diverged + 20));
    assert.ok(Math.min(...steps) >= diverged - 1, `resumed from step ${diverged - 1}, not from the start: ${steps.slice(0, 5).join(', ')}`);
    assert.doesNotMatch(await page.textContent('#metrics'), /NaN|Infinity/);
    assert.deepEqual(problems, []);
    await close();
  });

  test('markup in a URL parameter, an uploaded file and a postMessage stays text', async () => {
    const payload = '<img src=x onerror=window.pwned=1><script>window.pwned=2</script>';
    const ds = JSON.stringify({ X: [[[payload]]], y: [1], z: [[1]] });
    const { page, problems, close } = await open(`?data=inline&ds=${encodeURIComponent(ds)}&preset=${encodeURIComponent(payload)}`);
    const baseline = { elements: 0, pwned: null };
    await page.waitForSelector('#banner', { state: 'visible' });
    assert.ok((await page.textContent('#banner')).includes(`got "${payload}"`), "the URL's value shows as text");
    assert.deepEqual(await injected(page), baseline);

    await upload(page, 'evil.json', JSON.stringify({ X: [[[1]]], y: [1], z: [[1]], [payload]: 1 }));
    await page.waitForSelector('#upload-error', { state: 'visible' });
    assert.equal(await page.textContent('#upload-error'), `evil.json: dataset.${payload}: unknown field`);
    assert.deepEqual(await injected(page), baseline);

    // a host page's setState with markup: the frame answers with an error whose message is plain text
    const reply = await page.evaluate(
      ([query, bad]) =>
        new Promise((resolve, reject) => {
          const frame = document.createElement('iframe');
          frame.src = `${location.pathname}?${query}`;
          window.addEventListener('message', (event) => {
            const m = event.data;
            if (m?.source !== 'attention-svm-playground') return;
            if (m.type === 'ready')
              frame.contentWindow.postMessage(
                { source: m.source, version: 1, type: 'setState', id: 7, state: { data: 'inline', ds: bad } },
                '*',
              );
            if (m.type === 'error') resolve(m);
          });
          setTimeout(() => reject(new Error('no reply from the frame')), 30000);
          document.body.append(frame);
        }),
      ['embed=1&autoplay=0', ds],
    );
    assert.equal(reply.id, 7);
    assert.ok(reply.message.includes(`got "${payload}"`), reply.message);
    assert.deepEqual(await injected(page), baseline);
    assert.deepEqual(problems, []);
    await close();
  });

  test('the watch every page test uses sees a CSP violation and a request outside the allowed origins', async () => {
    const { page, context } = await open();
    await assert.rejects(assertClean(page, ['http://other.example']), /requests outside the page's origin/);
    await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.pwned = 3';
      document.body.append(script);
    });
    await page.waitForFunction(() => document.readyState === 'complete');
    await assert.rejects(
      (async () => {
        for (let k = 0; k < 50; ++k, await page.waitForTimeout(100)) await assertClean(page);
      })(),
      /CSP violations/,
    );
    assert.equal(await page.evaluate(() => window.pwned ?? null), null, 'the inline script did not run');
    await context.close();
  });
});
