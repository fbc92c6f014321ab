// Compiles pure page modules (web/src/*.ts without DOM work at import) with tsc for Node: scripts/reproduce.mjs
// reads the claims through them and the page suites (tests/web/) test them directly.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Compiles `names` (paths under web/src without `.ts`, e.g. 'compare/derive') into a temporary folder and
 * imports them. `copy` lists files under web/src the modules import as they are (e.g. 'reproductions.json').
 * Returns the modules in the order named and a cleanup that removes the folder.
 */
export async function compilePageModules(names, { copy = [] } = {}) {
  const out = mkdtempSync(join(tmpdir(), 'attnsvm-modules-'));
  const src = join(root, 'web/src');
  // --noCheck: web/tsconfig.json type-checks the page; this only strips types
  const flags = [
    '--target',
    'es2022',
    '--module',
    'esnext',
    '--moduleResolution',
    'bundler',
    '--skipLibCheck',
    '--noCheck',
    '--lib',
    'es2022,dom',
  ];
  execFileSync(
    join(root, 'node_modules/.bin/tsc'),
    ['--outDir', out, '--rootDir', src, ...flags, ...names.map((n) => join(src, `${n}.ts`))],
    {
      cwd: root,
      stdio: 'pipe',
    },
  );
  for (const file of copy) copyFileSync(join(src, file), join(out, file));
  const modules = await Promise.all(names.map((n) => import(pathToFileURL(join(out, `${n}.js`)).href)));
  return { modules, cleanup: () => rmSync(out, { recursive: true, force: true }) };
}
