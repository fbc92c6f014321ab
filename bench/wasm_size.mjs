// Where the bytes of attnsvm.wasm go (twiggy-style): every function's body size from the code section,
// named by the name section of a build linked with --profiling-funcs, demangled (llvm-cxxfilt) and
// attributed to a component by its name; each component's bodies are also gzipped on their own
// (an estimate of its share of the shipped, gzipped module: bodies compress together a little better).
//
//   node bench/wasm_size.mjs MODULE.wasm [--top N] [--match REGEX] [--json FILE]
// Build a named copy without touching the shipped one, e.g.
//   emcmake cmake -S . -B build/wasm-prof … -DATTNSVM_WASM_OUT=/tmp/prof -DCMAKE_EXE_LINKER_FLAGS=--profiling-funcs
// (the names add a section; the code section is the shipped build's, give or take wasm-opt's choices).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const file = args.find((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--')));
if (!file) {
  console.error('usage: node bench/wasm_size.mjs MODULE.wasm [--top N] [--match REGEX] [--json FILE]');
  process.exit(2);
}
const top = Number(option('--top', '40'));
const match = option('--match', '');
const jsonFile = option('--json', '');

const bytes = readFileSync(file);
let at = 8;
const u32 = () => {
  let result = 0,
    shift = 0,
    b;
  do {
    b = bytes[at++];
    result += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return result;
};
const str = () => {
  const n = u32();
  const s = bytes.toString('utf8', at, at + n);
  at += n;
  return s;
};

const sections = [];
let importedFunctions = 0;
const bodies = []; // [start, end) per defined function
const names = new Map();
while (at < bytes.length) {
  const id = bytes[at++];
  const size = u32();
  const start = at;
  const end = at + size;
  let label =
    ['custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export', 'start', 'element', 'code', 'data', 'datacount', 'tag'][
      id
    ] ?? `#${id}`;
  if (id === 0) {
    const name = str();
    label = `custom "${name}"`;
    if (name === 'name') {
      while (at < end) {
        const sub = bytes[at++];
        const subSize = u32();
        const subEnd = at + subSize;
        if (sub === 1) for (let k = u32(); k > 0; --k) names.set(u32(), str());
        at = subEnd;
      }
    }
  } else if (id === 2) {
    for (let k = u32(); k > 0; --k) {
      str();
      str();
      const kind = bytes[at++];
      if (kind === 0) {
        u32();
        ++importedFunctions;
      } else if (kind === 1) {
        at++;
        const flags = u32();
        u32();
        if (flags & 1) u32();
      } else if (kind === 2) {
        const flags = u32();
        u32();
        if (flags & 1) u32();
      } else if (kind === 3) at += 2;
      else if (kind === 4) {
        at++;
        u32();
      }
    }
  } else if (id === 10) {
    for (let k = u32(); k > 0; --k) {
      const n = u32();
      bodies.push([at, at + n]);
      at += n;
    }
  }
  sections.push({ label, size: end - start });
  at = end;
}

// demangle all names in one call
const raw = bodies.map((_, k) => names.get(importedFunctions + k) ?? `func${importedFunctions + k}`);
const demangled = execFileSync('llvm-cxxfilt', { input: raw.join('\n'), maxBuffer: 1 << 28 })
  .toString()
  .split('\n');

/**
 * The component of a demangled function, by its qualified name (what precedes its parameter list; a
 * function of the core instantiating Eigen counts as the core's): the first rule that matches wins.
 */
const RULES = [
  ['embind', /emscripten::|_embind_|embind|EmscriptenBindingInitializer|attnsvm::wasm::/],
  ['SVM solvers', /attnsvm::svm_detail::|attnsvm::solve_svm|attnsvm::SvmSolution|attnsvm::certif/],
  [
    'data files (JSON, CSV readers)',
    /attnsvm::.*(CsvReader|dataset_from_json|sequences_from|read_dataset|parse_dataset|dataset_to_json|json_eigen|from_json|to_json\(attnsvm::Dataset)/,
  ],
  ['Fashion-MNIST, IDX', /attnsvm::.*(fashion|Fashion|idx|Idx|labelled_images|tokenize|pick)/],
  ['config', /attnsvm::.*(parse_|Config|config|to_json)/],
  ['nlohmann json', /nlohmann::/],
  [
    'iostream/locale (libc++)',
    /std::__2::(basic_(i|o)?stringstream|basic_(i|o|io)stream|basic_(i|o)fstream|basic_filebuf|basic_streambuf|basic_stringbuf|locale|ctype|num_put|num_get|codecvt|ios_base|basic_ios|__num_|moneypunct|money_|time_put|time_get|messages|numpunct|collate|__time|__stdinbuf|__stdoutbuf)/,
  ],
  [
    'Eigen decompositions',
    /Eigen::(BDCSVD|JacobiSVD|internal::(upperbidiag|householder|apply_block_householder|real_2x2_jacobi|partial_lu|ldlt|llt|triangular_solve|trmv|make_block_householder|tridiagonal|svd_precondition)|HouseholderSequence|ColPivHouseholderQR|FullPivLU|PartialPivLU|LDLT|LLT|HouseholderQR|SelfAdjointEigenSolver|JacobiRotation)/,
  ],
  ['Eigen other', /Eigen::/],
  ['attnsvm core', /attnsvm::/],
  ['libc++', /std::|__cxa|__cxxabiv1|operator new|operator delete|__gxx/],
  ['libc / runtime', /.*/],
];
/** A demangled name without its parameter list (templates kept). */
function qualified(name) {
  let depth = 0;
  for (let k = 0; k < name.length; ++k) {
    const c = name[k];
    if (c === '<') depth++;
    else if (c === '>') depth--;
    else if (c === '(' && depth === 0 && k > 0 && !name.startsWith('(anonymous', k)) return name.slice(0, k);
  }
  return name;
}
const groups = new Map();
const rows = bodies.map(([s, e], k) => {
  const name = demangled[k] || raw[k];
  const rule = RULES.find(([, re]) => re.test(qualified(name)));
  const row = { name, size: e - s, group: rule[0], body: bytes.subarray(s, e) };
  const g = groups.get(row.group) ?? { size: 0, count: 0, parts: [] };
  g.size += row.size;
  g.count++;
  g.parts.push(row.body);
  groups.set(row.group, g);
  return row;
});

const total = bytes.length;
const gz = (buf) => gzipSync(buf, { level: 9 }).length;
console.log(`${file}: ${total} bytes, ${gz(bytes)} gzipped; ${bodies.length} functions (${importedFunctions} imported)`);
console.log('sections:');
for (const s of sections)
  console.log(`  ${s.label.padEnd(28)}${String(s.size).padStart(10)}  ${((100 * s.size) / total).toFixed(1).padStart(5)} %`);
const code = rows.reduce((s, r) => s + r.size, 0);
console.log(`\ncode by component (bodies; gzipped alone):`);
for (const [name, g] of [...groups].sort((a, b) => b[1].size - a[1].size)) {
  const z = gz(Buffer.concat(g.parts));
  console.log(
    `  ${name.padEnd(28)}${String(g.size).padStart(10)}  ${((100 * g.size) / code).toFixed(1).padStart(5)} %  ${String(z).padStart(8)} gz  ${String(g.count).padStart(5)} functions`,
  );
}
const shown = match ? rows.filter((r) => new RegExp(match).test(r.name)) : rows;
console.log(`\nlargest functions${match ? ` matching /${match}/` : ''}:`);
for (const r of [...shown].sort((a, b) => b.size - a.size).slice(0, top))
  console.log(`  ${String(r.size).padStart(8)}  ${r.group.padEnd(24)} ${r.name.length > 150 ? r.name.slice(0, 147) + '...' : r.name}`);
if (jsonFile)
  writeFileSync(
    jsonFile,
    JSON.stringify({ file, total, sections, functions: rows.map(({ name, size, group }) => ({ name, size, group })) }, null, 1),
  );
