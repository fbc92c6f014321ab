#!/usr/bin/env bash
# WebAssembly build (docs/design.md §8): the core and its embind bindings → build/wasm/attnsvm.{mjs,wasm},
# the JS wrapper and its types next to them, and the module cut into the three parts the page loads.
# (The worker protocol's TypeScript: scripts/build-engine-ts.sh.)
# Incremental: when nothing changed it only asks make and compares a few timestamps.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian's emcc runs its JS optimiser with the system node, which must find Debian's acorn.
export NODE_PATH=/usr/share/nodejs

if [ ! -f build/wasm-cmake/CMakeCache.txt ]; then
  emcmake cmake -S . -B build/wasm-cmake -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_FIND_ROOT_PATH_MODE_PACKAGE=BOTH \
    -DEigen3_DIR=/usr/share/eigen3/cmake \
    -Dnlohmann_json_DIR=/usr/share/cmake/nlohmann_json >/dev/null
fi
# Progress lines hidden; warnings, errors and the exit status kept.
cmake --build build/wasm-cmake -j2 2>&1 | { grep -v -E '^\[ *[0-9]+%\] (Built target|Building|Linking)|^Consolidate' || true; }
test -f build/wasm/attnsvm.mjs -a -f build/wasm/attnsvm.wasm || { echo "build-wasm: the module was not built" >&2; exit 1; }

# The wrapper imports ./attnsvm.mjs, so it lives next to the module; so does the loader of its parts.
for f in index.mjs index.d.ts parts.mjs parts.d.mts; do
  cmp -s "wasm/$f" "build/wasm/$f" || cp "wasm/$f" "build/wasm/$f"
done

# The parts the page loads (attnsvm.{start,view,rest}.wasm; scripts/split-wasm.mjs checks them), redone when
# the module or the splitting changed. Needs binaryen's wasm-split and wasm-opt.
if [ ! -f build/wasm/attnsvm.rest.wasm ] || [ -n "$(find build/wasm/attnsvm.wasm build/wasm/index.mjs wasm/parts.mjs scripts/split-wasm.mjs -newer build/wasm/attnsvm.rest.wasm -print -quit)" ]; then
  node scripts/split-wasm.mjs build/wasm
fi
