#!/usr/bin/env bash
# Fails when a C++ file differs from clang-format's output (fix with `npm run format`).
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for f in $(git ls-files -- core tests bench wasm | grep -E '\.(cpp|hpp)$'); do
  if ! diff -q <(clang-format "$f") "$f" >/dev/null; then
    echo "not formatted: $f (run npm run format)"
    status=1
  fi
done
exit $status
