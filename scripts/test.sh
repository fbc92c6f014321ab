#!/usr/bin/env bash
# Every test suite: style, native doctest (ctest), the wasm module under Node, the page in Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== style: clang-format"
bash scripts/check-format.sh

echo "== native: build and ctest"
bash scripts/build-native.sh
(cd build/native && ctest --output-on-failure -j2)

if [ -f scripts/build-wasm.sh ]; then
  echo "== wasm: build and Node tests"
  bash scripts/build-wasm.sh
  node --test --test-reporter=spec tests/wasm/
fi

if [ -d tests/web ]; then
  echo "== page: build, then Playwright in headless Chromium"
  [ -f scripts/build-web.sh ] && bash scripts/build-web.sh
  node --test --test-reporter=spec tests/web/
fi
