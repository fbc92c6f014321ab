// A small static file server for the built page (npm start) and the browser tests: correct MIME types
// (application/wasm), the page's Content-Security-Policy as a header, loopback only. With `gzip` it
// compresses what common static hosts compress (text, JSON, SVG and wasm; gzip -9, cached per file) for
// clients that accept it, as bench/page_bench.mjs's throttled measurement needs.
// usage: node scripts/serve.mjs [ROOT] [--port N] [--gzip]   (port 0 picks a free one; prints the URL)
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { gzipSync } from 'node:zlib';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.bin': 'application/octet-stream',
};

/** The Content-Security-Policy the page ships with: self only, wasm compilation, no eval, no inline script. */
export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "style-src 'self' 'unsafe-inline'", // KaTeX and uPlot set inline style attributes; scripts stay strict
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  'frame-ancestors *',
].join('; ');

/** The types a gzip-serving host compresses (images other than SVG and raw data are sent as they are). */
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.wasm', '.svg', '.txt']);

/**
 * Starts serving `root` on 127.0.0.1:`port`; resolves to { server, url }. `options.gzip`: compressible
 * files go out gzipped (Content-Encoding: gzip) to clients that accept it.
 */
export function serve(root, port = 0, options = {}) {
  const base = resolve(root);
  const gzipped = new Map(); // file → { mtimeMs, body }
  const server = createServer(async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
      let file = normalize(join(base, path));
      if (file !== base && !file.startsWith(base + sep)) throw Object.assign(new Error('outside root'), { code: 'ENOENT' });
      let info = await stat(file);
      if (info.isDirectory()) {
        file = join(file, 'index.html');
        info = await stat(file);
      }
      let body = await readFile(file);
      const headers = {
        'Content-Type': MIME[extname(file)] ?? 'application/octet-stream',
        'Content-Security-Policy': CSP,
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'no-cache',
      };
      if (options.gzip && COMPRESSIBLE.has(extname(file)) && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
        let cached = gzipped.get(file);
        if (cached?.mtimeMs !== info.mtimeMs) gzipped.set(file, (cached = { mtimeMs: info.mtimeMs, body: gzipSync(body, { level: 9 }) }));
        body = cached.body;
        headers['Content-Encoding'] = 'gzip';
        headers['Vary'] = 'Accept-Encoding';
      }
      headers['Content-Length'] = body.length;
      res.writeHead(200, headers);
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (e) {
      res.writeHead(e.code === 'ENOENT' || e.code === 'EISDIR' ? 404 : 500, { 'Content-Type': 'text/plain' });
      res.end(e.code === 'ENOENT' ? 'not found' : 'error');
    }
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => ok({ server, url: `http://127.0.0.1:${server.address().port}/` }));
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const portAt = args.indexOf('--port');
  const port = portAt >= 0 ? Number(args.splice(portAt, 2)[1]) : Number(process.env.PORT ?? 8080);
  const gzip = args.includes('--gzip');
  const root = args.filter((a) => a !== '--gzip')[0] ?? 'dist';
  const { url } = await serve(root, port, { gzip });
  console.log(`Attention SVM Playground: ${url}  (serving ${root}; Ctrl-C to stop)`);
}
