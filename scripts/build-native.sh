#!/usr/bin/env bash
# Native build: the core library, the attnsvm CLI, the doctest suites and the benchmarks (Release).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build/native -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/native -j"$(nproc)"
