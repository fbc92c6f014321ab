#!/usr/bin/env bash
# Style: C++ as clang-format writes it (.clang-format), TypeScript and JavaScript as Prettier writes them
# (.prettierrc.json). Fails naming every file that differs; with --fix (`npm run format`) formats them.
set -euo pipefail
cd "$(dirname "$0")/.."
fix=false
[ "${1:-}" = --fix ] && fix=true

# The files each formatter owns: the one list of them (tracked files).
mapfile -t cpp < <(git ls-files -- core tests bench wasm fuzz | grep -E '\.(cpp|hpp)$')
mapfile -t ts < <(git ls-files -- web tests bench scripts wasm fuzz | grep -E '\.(ts|mts|js|mjs)$')

status=0
for f in "${cpp[@]}"; do
  if $fix; then
    clang-format -i "$f"
  elif ! diff -q <(clang-format "$f") "$f" >/dev/null; then
    echo "not formatted: $f (run npm run format)"
    status=1
  fi
done

if $fix; then
  npx --no-install prettier --write --log-level warn "${ts[@]}"
elif ! unformatted=$(npx --no-install prettier --list-different "${ts[@]}"); then
  # exit 1 lists the files that differ; anything else (a syntax error) lists none and is reported by prettier
  [ -n "$unformatted" ] || exit 2
  for f in $unformatted; do echo "not formatted: $f (run npm run format)"; done
  status=1
fi
exit $status
