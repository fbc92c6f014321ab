#!/usr/bin/env bash
# The page's engine client and worker (web/src/engine/, TypeScript) compiled by tsc, un-bundled, into
# build/web-engine/: what the engine's browser test (tests/web/engine.test.mjs, harness page) and the
# runner's Node test (tests/wasm/runner.test.mjs) import. The page itself bundles the same sources with Vite
# (scripts/build-web.sh). Skipped when no source changed since the last compile.
set -euo pipefail
cd "$(dirname "$0")/.."

stamp=build/web-engine/.stamp
if [ ! -f "$stamp" ] || [ -n "$(find web/src/engine wasm/index.d.ts -newer "$stamp" -print -quit)" ]; then
  node_modules/.bin/tsc -p web/src/engine/tsconfig.json
  touch "$stamp"
fi
