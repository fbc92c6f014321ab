#!/usr/bin/env bash
# npm run bench: every benchmark that prints a table. Timing lives here, never in the tests.
#   native training throughput, FLOP/s against the measured peak and growth (bench/train_bench.cpp);
#   the wasm module under Node beside the native numbers (bench/wasm_bench.mjs);
#   the peers: PyTorch (the papers' way) and NumPy on the same model and update (bench/peers.py);
#   the wasm module in a Worker in headless Chromium, and the page's metrics (bench/browser_bench.mjs,
#   bench/page_bench.mjs: first heatmap, fps, steps/s while rendering, long tasks, bytes shipped);
#   the SVM solvers against cvxopt on the same problems (bench/svm_compare.sh).
# QUICK=1 shortens every run. Not run here (minutes each): the page's soak (bench/soak.mjs), the size profile
# of a --profiling-funcs build (bench/wasm_size.mjs) and A/Bs of two builds (bench/wasm_ab.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --bench
bash scripts/build-native.sh
bash scripts/build-wasm.sh

json=$(mktemp /tmp/attnsvm-train-bench-XXXXXX.json)
wasm_json=$(mktemp /tmp/attnsvm-wasm-bench-XXXXXX.json)
trap 'rm -f "$json" "$wasm_json"' EXIT
quick=()
[ "${QUICK:-0}" = 1 ] && quick=(--quick)

echo "== native training throughput"
build/native/train_bench "${quick[@]}" --json "$json"
echo
echo "== wasm under Node"
node bench/wasm_bench.mjs --seconds "$([ "${QUICK:-0}" = 1 ] && echo 0.3 || echo 1)" --native "$json" --json "$wasm_json"
# paired ratios: native and wasm in alternation, each ratio taken within a round
node bench/wasm_bench.mjs --seconds "$([ "${QUICK:-0}" = 1 ] && echo 0.3 || echo 1)" --train-bench build/native/train_bench
echo
echo "== peers: PyTorch and NumPy"
# Debian's python3 (python3-torch, python3-numpy), whatever python3 comes first on PATH.
python=python3
[ -x /usr/bin/python3 ] && python=/usr/bin/python3
if "$python" -c 'import numpy' 2>/dev/null; then
  "$python" bench/peers.py "${quick[@]}" --ours "$json" --wasm "$wasm_json" --cli build/native/attnsvm
  # paired ratios: ours and the peers in alternation, each ratio taken within a round
  "$python" bench/peers.py "${quick[@]}" --train-bench build/native/train_bench
else
  echo "peers: skipped (no numpy for $python; bash scripts/setup.sh --bench installs python3-numpy and python3-torch)"
fi
echo
echo "== in the browser (headless Chromium)"
bash scripts/build-web.sh >/dev/null
node bench/browser_bench.mjs --seconds "$([ "${QUICK:-0}" = 1 ] && echo 0.3 || echo 1)" --repeats "$([ "${QUICK:-0}" = 1 ] && echo 1 || echo 3)" --native "$json"
# the page's metrics, then its first view on a throttled 1.6 Mbit/s link from a gzipping server
node bench/page_bench.mjs --seconds "$([ "${QUICK:-0}" = 1 ] && echo 2 || echo 5)" --repeats "$([ "${QUICK:-0}" = 1 ] && echo 1 || echo 3)" \
  --throttle-repeats "$([ "${QUICK:-0}" = 1 ] && echo 1 || echo 5)"
echo
echo "== SVM solvers vs cvxopt"
bash bench/svm_compare.sh build/native
