// Shared by the Node tests of the wasm module: the engine (built by scripts/build-wasm.sh), the native
// CLI (scripts/build-native.sh) and numeric comparison of nested JSON-like values.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The native CLI (build/native/attnsvm, or $ATTNSVM_CLI). */
export const CLI = process.env.ATTNSVM_CLI ?? join(ROOT, 'build', 'native', 'attnsvm');
/** glibc picks FMA variants of exp/log/pow on CPUs that have FMA; they round differently in the last
 * bit from the portable code that WebAssembly's libm (musl, same algorithms) runs. */
export const CLI_ENV = { GLIBC_TUNABLES: process.env.ATTNSVM_GLIBC_TUNABLES ?? 'glibc.cpu.hwcaps=-AVX2,-FMA' };

let enginePromise;
/** The engine (build/wasm/, or $ATTNSVM_WASM_DIR), loaded once per test file. */
export function engine() {
  const dir = process.env.ATTNSVM_WASM_DIR ?? join(ROOT, 'build', 'wasm');
  enginePromise ??= import(join(dir, 'index.mjs')).then((m) => m.loadEngine());
  return enginePromise;
}

/** A scratch directory, removed by the returned cleanup. */
export function scratch() {
  const dir = mkdtempSync(join(tmpdir(), 'attnsvm-wasm-'));
  return { dir, path: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs the native CLI; returns {code, stdout, stderr}. */
export function cli(args) {
  try {
    const stdout = execFileSync(CLI, args, {
      env: { ...process.env, ...CLI_ENV },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 1 << 28,
    });
    return { code: 0, stdout, stderr: '' };
  } catch (e) {
    if (typeof e.status !== 'number') throw e;
    return { code: e.status, stdout: e.stdout, stderr: e.stderr };
  }
}

export const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));
export const writeJson = (path, value) => writeFileSync(path, JSON.stringify(value));

/**
 * Largest differences between two nested values of the same structure (arrays, typed arrays, objects
 * with the same keys, numbers; null stands for a non-finite number in the CLI's JSON): `abs` = max
 * |a − b|, `scaled` = max |a − b| / max(1, |b|). Throws on a structural mismatch, a non-finite value
 * against a finite one, or unequal non-numbers, naming the path.
 */
export function diff(a, b, path = '$', out = { abs: 0, scaled: 0, where: '' }) {
  const isNum = (x) => typeof x === 'number' || x === null;
  if (isNum(a) && isNum(b)) {
    const fa = a !== null && Number.isFinite(a),
      fb = b !== null && Number.isFinite(b);
    if (fa && fb) {
      const d = Math.abs(a - b);
      if (d > out.abs) out.abs = d;
      if (d / Math.max(1, Math.abs(b)) > out.scaled) ((out.scaled = d / Math.max(1, Math.abs(b))), (out.where = path));
      return out;
    }
    // null (the CLI's JSON for a non-finite number) matches any non-finite value; else exact match.
    const same = a === null || b === null ? !fa && !fb : Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
    if (!same) throw new Error(`${path}: ${a} vs ${b}`);
    return out;
  }
  const arrayLike = (x) => Array.isArray(x) || ArrayBuffer.isView(x);
  if (arrayLike(a) && arrayLike(b)) {
    if (a.length !== b.length) throw new Error(`${path}: length ${a.length} vs ${b.length}`);
    for (let i = 0; i < a.length; ++i) diff(a[i], b[i], `${path}[${i}]`, out);
    return out;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).sort(),
      kb = Object.keys(b).sort();
    if (ka.join() !== kb.join()) throw new Error(`${path}: keys ${ka} vs ${kb}`);
    for (const k of ka) diff(a[k], b[k], `${path}.${k}`, out);
    return out;
  }
  if (a !== b) throw new Error(`${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  return out;
}

/** A row-major {rows, cols, data} matrix as nested rows (the CLI's JSON layout). */
export const rowsOf = (m) => Array.from({ length: m.rows }, (_, r) => Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols)));
