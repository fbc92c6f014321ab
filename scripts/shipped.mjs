// What the page ships: the dist/ files a page actually loaded (its responses, the worker's included),
// each gzipped at level 9, without the real-data subset under dist/data/. Used by the page budget test
// (tests/web/budget.test.mjs) and the page benchmark (bench/page_bench.mjs).
import { readFileSync, statSync } from 'node:fs';
import { join, normalize, sep } from 'node:path';
import { gzipSync } from 'node:zlib';

/** The byte budget ("300 KB"; bytes, not KiB): everything the page loads for its first view, gzipped, without the real-data subset. */
export const SHIPPED_BUDGET_BYTES = 300_000;

/** Records the same-origin responses of every page of a browser context; `paths()` lists the dist paths. */
export function recordResponses(context, origin) {
  const seen = new Set();
  context.on('response', (response) => {
    const url = response.url();
    if (url.startsWith(origin) && response.status() === 200) seen.add(decodeURIComponent(new URL(url).pathname));
  });
  return { paths: () => [...seen] };
}

/**
 * Sizes of the loaded files under `distRoot`: one row per file (path, raw and gzip -9 bytes), sorted by
 * gzipped size, and the total. A directory request counts as its index.html; dist/data/ is left out.
 */
export function shippedBytes(distRoot, paths) {
  const files = new Map();
  for (const path of paths) {
    if (path === '/data' || path.startsWith('/data/')) continue;
    let file = normalize(join(distRoot, path));
    if (!file.startsWith(normalize(distRoot) + sep) && file !== normalize(distRoot)) continue;
    if (statSync(file).isDirectory()) file = join(file, 'index.html');
    if (files.has(file)) continue;
    const body = readFileSync(file);
    files.set(file, { path: file.slice(normalize(distRoot).length), raw: body.length, gzipped: gzipSync(body, { level: 9 }).length });
  }
  const rows = [...files.values()].sort((a, b) => b.gzipped - a.gzipped);
  return { rows, raw: rows.reduce((s, r) => s + r.raw, 0), gzipped: rows.reduce((s, r) => s + r.gzipped, 0) };
}
