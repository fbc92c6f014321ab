// Exports: every view's export button produces a non-empty file of its type that holds the state URL, and
// "export all" downloads one ZIP archive holding every one of those files and the URL. The per-button
// files are taken from the page's download links themselves (the test cancels the browser's download),
// so the suite does not depend on how many downloads in a row a Chromium version allows; the archive and
// one single export go through the browser's real download.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { assertClean, servedPage, stepBy, waitForMetricsStep, watch } from './helpers.mjs';

const env = servedPage();

async function open(query) {
  const context = await env.browser.newContext({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
  const page = await context.newPage();
  const problems = await watch(page);
  await page.goto(env.origin + query);
  await waitForMetricsStep(page, (s) => s >= 0);
  return { page, problems, close: async () => (await assertClean(page), await context.close()) };
}

/** Asserts that an exported file is of its type, non-empty, and records `url`. */
function checkExport(name, bytes, url) {
  assert.ok(bytes.length > 100, `${name}: ${bytes.length} bytes`);
  const text = bytes.toString('latin1');
  const ext = name.split('.').pop();
  if (ext === 'png') {
    assert.deepEqual([...bytes.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], `${name}: PNG signature`);
    assert.ok(text.includes(`tEXtURL\0${url}`), `${name}: tEXt chunk with the URL`);
  } else if (ext === 'svg') {
    assert.match(text, /^<\?xml[^>]*>\s*<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.ok(text.includes(`<metadata>`) && text.includes(url.replace(/&/g, '&amp;')), `${name}: URL in metadata`);
    assert.match(text, /<polyline/);
  } else if (ext === 'csv') {
    const lines = text.split('\n');
    assert.equal(lines[0], `# url=${url}`);
    assert.ok(lines[1].startsWith('step,'), `${name}: header ${lines[1]}`);
    assert.ok(lines.length > 10);
  } else if (ext === 'json') {
    const json = JSON.parse(bytes.toString('utf8'));
    assert.equal(json.url, url);
  } else assert.fail(`unexpected file ${name}`);
  return ext;
}

/**
 * From now on (while window.capturedExports is set), the page's download links hand their file to the
 * test: the blob behind each link is kept when the page makes its URL (the page's CSP lets no one fetch a
 * blob: URL), and the link's click is cancelled.
 */
function captureDownloads(page) {
  return page.evaluate(() => {
    window.capturedExports = [];
    const blobs = new Map();
    const createObjectURL = URL.createObjectURL;
    URL.createObjectURL = (blob) => {
      const url = createObjectURL(blob);
      blobs.set(url, blob);
      return url;
    };
    document.addEventListener(
      'click',
      (e) => {
        const a = e.target;
        if (!window.capturedExports || !(a instanceof HTMLAnchorElement) || !a.download) return;
        e.preventDefault();
        const name = a.download;
        window.capturedExports.push(
          blobs
            .get(a.href)
            .arrayBuffer()
            .then((b) => ({ name, bytes: btoa(Array.from(new Uint8Array(b), (x) => String.fromCharCode(x)).join('')) })),
        );
      },
      true,
    );
  });
}

/** The files captured so far: [{name, bytes: Buffer}]. */
async function capturedFiles(page) {
  const files = await page.evaluate(() => Promise.all(window.capturedExports));
  return files.map((f) => ({ name: f.name, bytes: Buffer.from(f.bytes, 'base64') }));
}

describe('exports', () => {
  test('every export button gives a non-empty file of its type that holds the state URL; export all gives them in one ZIP', async () => {
    const { page, problems, close } = await open('?data=toy&toy=tfsvm-2d&svm=fro%2Cnuc&autoplay=0&lr=0.2');
    await waitForMetricsStep(page, (s) => s === 0);
    await stepBy(page, 120);
    await page.waitForTimeout(400);
    await page.click('#share');
    const url = await page.inputValue('#share-link');
    assert.match(url, /\?data=toy&lr=0\.2$/);

    const buttons = await page.$$eval('.export-bar button', (bs) =>
      bs.map((b) => ({ view: b.closest('.panel').className, format: b.dataset.export })),
    );
    assert.ok(buttons.length >= 11, `${buttons.length} export buttons`);
    // one button through the browser's own download
    const [first] = await Promise.all([page.waitForEvent('download'), page.click(':nth-match(.export-bar button, 1)')]);
    checkExport(first.suggestedFilename(), readFileSync(await first.path()), url);

    // every button, its file taken from the link the page clicks
    await captureDownloads(page);
    for (const k of buttons.keys()) await page.click(`:nth-match(.export-bar button, ${k + 1})`);
    await page.waitForFunction((n) => window.capturedExports.length >= n, buttons.length, { timeout: 20000 });
    const files = await capturedFiles(page);
    assert.equal(files.length, buttons.length);
    const seen = new Set(files.map((f) => checkExport(f.name, f.bytes, url)));
    assert.deepEqual([...seen].sort(), ['csv', 'json', 'png', 'svg']);
    assert.equal(new Set(files.map((f) => f.name)).size, files.length, 'one name per file');

    // export all: one real download, a ZIP that an independent reader (Python's zipfile) tests and unpacks
    await page.evaluate(() => document.querySelector('#share').scrollIntoView());
    await page.evaluate(() => (window.capturedExports = null)); // the capture stands aside: a real download again
    const [archive] = await Promise.all([page.waitForEvent('download'), page.click('#export-all')]);
    assert.match(archive.suggestedFilename(), /^attention-svm-step\d+\.zip$/);
    const dir = mkdtempSync(join(tmpdir(), 'attnsvm-export-'));
    try {
      const zip = join(dir, 'all.zip');
      await archive.saveAs(zip);
      execFileSync('python3', ['-m', 'zipfile', '-t', zip]); // CRCs and structure; throws on a bad archive
      execFileSync('python3', ['-m', 'zipfile', '-e', zip, join(dir, 'out')]);
      const names = readdirSync(join(dir, 'out')).sort();
      // the same files as the buttons give (the step may have moved on by a few, the views are the same)
      const stem = (name) => name.replace(/-step\d+\./, '.');
      assert.deepEqual(
        names
          .filter((n) => n !== 'README.txt')
          .map(stem)
          .sort(),
        files.map((f) => stem(f.name)).sort(),
      );
      for (const name of names) {
        const bytes = readFileSync(join(dir, 'out', name));
        if (name === 'README.txt') assert.ok(bytes.toString('utf8').includes(`Recreate this run: ${url}\n`), 'README names the URL');
        else checkExport(name, bytes, url);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    // the recorded URL recreates the run
    await page.goto(url);
    await waitForMetricsStep(page, (s) => s >= 0);
    assert.equal(await page.inputValue('#ctl-lr'), '0.2');
    assert.deepEqual(problems, []);
    await close();
  });
});
