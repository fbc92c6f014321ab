#!/usr/bin/env bash
# Fuzzes every libFuzzer target of fuzz/ (fuzz_<name>.cpp) for a bounded time, then merges the inputs
# that raised coverage into its corpus fuzz/corpus/<name>/ (libFuzzer's -merge keeps a small set).
# A crash, sanitizer report or timeout leaves the input in fuzz/crashers/<name>/ and fails the script;
# fix the bug and keep the file: tests/native/test_robustness.cpp replays every corpus file and crasher.
#
#   FUZZ_SECONDS=60   seconds per target (default 60)
#   FUZZ_TARGETS="config dataset_csv"   a subset (default: all)
#   FUZZ_JOBS=1       parallel fuzzing processes per target (libFuzzer -fork)
#
# Build: clang++ -fsanitize=fuzzer,address,undefined in build/fuzz (CMake option ATTNSVM_FUZZ).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-1}

if [ ! -f build/fuzz/CMakeCache.txt ]; then
  CXX=${FUZZ_CXX:-clang++} cmake -S . -B build/fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DATTNSVM_FUZZ=ON >/dev/null
fi
cmake --build build/fuzz -j2 2>&1 | { grep -v -E '^\[ *[0-9]+%\] (Built target|Building|Linking)' || true; }

targets=${FUZZ_TARGETS:-$(cd fuzz && ls fuzz_*.cpp | sed -e 's/^fuzz_//' -e 's/\.cpp$//')}
status=0
for name in $targets; do
  bin=build/fuzz/fuzz_$name
  [ -x "$bin" ] || { echo "fuzz: no target $bin" >&2; status=1; continue; }
  corpus=fuzz/corpus/$name
  scratch=build/fuzz/scratch/$name
  crashers=fuzz/crashers/$name
  mkdir -p "$corpus" "$scratch" "$crashers"
  opts=(-max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$crashers/")
  [ -f "fuzz/$name.dict" ] && opts+=(-dict="fuzz/$name.dict")
  if [ "$jobs" -gt 1 ]; then opts+=(-fork="$jobs"); fi
  echo "== fuzz $name: ${seconds}s, corpus $corpus ($(ls "$corpus" | wc -l) files)"
  # New inputs go to the scratch directory; the committed corpus is only read.
  if ! "$bin" "${opts[@]}" "$scratch" "$corpus" 2>build/fuzz/$name.log; then
    echo "fuzz $name: FAILED — see build/fuzz/$name.log and $crashers/" >&2
    status=1
  fi
  grep -E '^#[0-9]+.*(DONE|pulse)|stat::number_of_executed_units|stat::peak_rss' build/fuzz/$name.log | tail -3 || true
  # Minimise: the hand-written seeds (descriptive names) stay; of the rest (hash names) and the new
  # inputs, keep those that add edge coverage (-use_counters=0: edges, not hit counts) — a small set.
  before=$(ls "$corpus" | wc -l)
  minimal=build/fuzz/minimal/$name
  rm -rf "$minimal" && mkdir -p "$minimal"
  find "$corpus" -maxdepth 1 -type f -regextype posix-extended ! -regex '.*/[0-9a-f]{40}' -exec cp {} "$minimal/" \;
  if "$bin" -merge=1 -use_counters=0 -max_len=4096 "$minimal" "$corpus" "$scratch" >build/fuzz/$name.merge.log 2>&1; then
    rm -f "$corpus"/*
    cp "$minimal"/* "$corpus/"
  fi
  echo "fuzz $name: corpus $before -> $(ls "$corpus" | wc -l) files"
  rm -rf "$scratch" "$minimal"
  rmdir "$crashers" 2>/dev/null || true
done
exit $status
