#!/usr/bin/env bash
# The static page: type-checks web/, bundles it with Vite (root web/, base './') into dist/, and copies
# the wasm engine built by scripts/build-wasm.sh (build/wasm/) into dist/wasm/, where the worker loads its parts,
# and the Fashion-MNIST files of scripts/build-data.sh (needs build/native) into dist/data/fashion-mnist/.
set -euo pipefail
cd "$(dirname "$0")/.."

for f in build/wasm/index.mjs build/wasm/attnsvm.mjs build/wasm/attnsvm.wasm build/wasm/attnsvm.start.wasm; do
  test -f "$f" || { echo "build-web: $f is missing; run scripts/build-wasm.sh first" >&2; exit 1; }
done

npx --no-install tsc -p web/tsconfig.json
npx --no-install vite build --config web/vite.config.ts --logLevel warn

# The page's worker bundles the engine's JavaScript and loads its wasm in parts; dist/wasm/ also keeps the
# whole engine (index.mjs, parts.mjs, attnsvm.mjs, attnsvm.wasm) for anyone loading it from the built site.
mkdir -p dist/wasm
cp build/wasm/index.mjs build/wasm/parts.mjs build/wasm/attnsvm.mjs build/wasm/attnsvm.wasm \
  build/wasm/attnsvm.start.wasm build/wasm/attnsvm.view.wasm build/wasm/attnsvm.rest.wasm dist/wasm/

# The Fashion-MNIST subset, fetched by the engine worker for data.kind "fashion-mnist" runs.
# Not part of the page's code budget (tests/web/fashion.test.mjs).
bash scripts/build-data.sh
mkdir -p dist/data/fashion-mnist
cp build/data/fashion-mnist/*-ubyte dist/data/fashion-mnist/
echo "build-web: dist/ ($(du -sh dist | cut -f1))"
