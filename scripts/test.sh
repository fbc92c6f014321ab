#!/usr/bin/env bash
# Every test suite: style (scripts/check-format.sh), native doctest (ctest), the wasm module under Node, the page in Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each stage's wall time, printed as it ends and summed up at the exit (npm test must stay under 20 minutes).
stage_name="" stage_start=$SECONDS timings=""
stage() {
  if [ -n "$stage_name" ]; then
    timings+="  $(printf '%5d s' $((SECONDS - stage_start)))  $stage_name"$'\n'
  fi
  stage_name=$1 stage_start=$SECONDS
  [ -z "$1" ] || echo "== $1"
}
trap 'stage ""; printf "== wall time per stage\n%s  %5d s  in all\n" "$timings" "$SECONDS"' EXIT

stage "style: clang-format (C++) and Prettier (TypeScript, JavaScript)"
bash scripts/check-format.sh

stage "native: build and ctest"
bash scripts/build-native.sh
(cd build/native && ctest --output-on-failure -j2)

# The presets' and exercises' claims: the committed table (docs/reproductions.md) is current, and the quick
# claims re-measured with build/native/attnsvm give its numbers (npm run reproduce makes the table).
stage "claims: the committed reproductions table, quick claims re-measured"
node --test --test-reporter=spec tests/claims/

# The same doctest suites under AddressSanitizer + UndefinedBehaviorSanitizer (own build directory).
# Too slow there and so skipped: tests/native/test_long_runs.cpp (doctest::skip(ATTNSVM_SANITIZED)).
stage "sanitizers: ASan + UBSan build (build/asan) and ctest"
cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
  -DATTNSVM_SANITIZE=ON >/dev/null
cmake --build build/asan -j"$(nproc)" 2>&1 | { grep -v -E '^\[ *[0-9]+%\] (Built target|Building|Linking)' || true; }
(cd build/asan && ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --output-on-failure -j2)

stage "wasm: build and Node tests"
bash scripts/build-wasm.sh
bash scripts/build-engine-ts.sh
node --test --test-reporter=spec tests/wasm/

stage "page: build, then Playwright in headless Chromium"
bash scripts/build-web.sh
node --test --test-reporter=spec tests/web/
