// Vite build of the page: root web/, relative URLs (base './'), output in dist/ at the repo root.
// scripts/build-web.sh copies the wasm engine (build/wasm/) into dist/wasm/ after this build.
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { buildTour } from './src/tour/build.js';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The worker instantiates the engine's wasm parts itself (wasm/parts.mjs): the default URLs of the whole
 * attnsvm.wasm in the engine's JavaScript (Emscripten's glue; index.mjs's Node branch) are never fetched,
 * and must not make Vite copy that file into assets/. The same URL, written so that Vite leaves it alone.
 */
function glueWithoutWasmUrl(): Plugin {
  return {
    name: 'attnsvm-engine-without-wasm-url',
    transform(code, id) {
      if (!/\/build\/wasm\/(attnsvm|index)\.mjs$/.test(id)) return null;
      const url = /new URL\((["'])(\.\/)?attnsvm\.wasm\1, ?import\.meta\.url\)/g;
      if (!url.test(code)) throw new Error(`${id}: no URL of attnsvm.wasm any more; update web/vite.config.ts`);
      return code.replace(url, (_, quote, dot) => `new URL(${quote}${dot ?? ''}attnsvm.wasm${quote}, String(import.meta.url))`);
    },
  };
}

/**
 * dist/embed.html: the page itself, marked as the embed entry (data-embed on <html>: page.ts starts in embed
 * mode), so that an embed loads as fast as the page — no redirect to index.html?embed=1 first.
 */
function embedEntry(): Plugin {
  return {
    name: 'attnsvm-embed-entry',
    apply: 'build',
    enforce: 'post', // after Vite wrote index.html into the bundle
    generateBundle(_, bundle) {
      const index = bundle['index.html'];
      if (!index || index.type !== 'asset') throw new Error('attnsvm-embed-entry: no index.html in the bundle');
      const html = String(index.source);
      const embed = html
        .replace('<html lang="en">', '<html lang="en" data-embed="">')
        .replace('<title>Attention SVM Playground</title>', '<title>Attention SVM Playground (embed)</title>');
      if (!embed.includes('data-embed')) throw new Error('attnsvm-embed-entry: index.html has no <html lang="en">');
      this.emitFile({ type: 'asset', fileName: 'embed.html', source: embed });
    },
  };
}

/**
 * dist/tour.html, the guided tour: its $…$ typeset as MathML and its {<preset>/<claim>} placeholders replaced by the
 * measured claims when the page is built (src/tour/build.ts), so the article's first screen needs no script at all.
 * Claims not written or measured yet read "n/a" and are listed as build warnings.
 */
function tourPage(): Plugin {
  return {
    name: 'attnsvm-tour-page',
    transformIndexHtml: {
      order: 'pre',
      handler(html, ctx) {
        if (!ctx.filename.endsWith('tour.html')) return html;
        const built = buildTour(html);
        for (const warning of built.warnings) console.warn(`tour.html: ${warning}`);
        return built.html;
      },
    },
  };
}

export default defineConfig({
  root,
  base: './',
  plugins: [embedEntry(), tourPage()],
  publicDir: 'public',
  build: {
    outDir: fileURLToPath(new URL('../dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 800,
    // fonts and images as files: the CSP allows no data: fonts
    assetsInlineLimit: 0,
    // the playground and the guided tour (an article built from the playground's embeds)
    rollupOptions: {
      input: { index: fileURLToPath(new URL('index.html', import.meta.url)), tour: fileURLToPath(new URL('tour.html', import.meta.url)) },
    },
  },
  // the page's worker (src/worker.ts) bundles the engine's JavaScript as scripts/build-wasm.sh built it
  resolve: { alias: { 'attnsvm-engine': fileURLToPath(new URL('../build/wasm/index.mjs', import.meta.url)) } },
  worker: { format: 'es', plugins: () => [glueWithoutWasmUrl()] },
  server: { fs: { allow: ['..'] } },
});
