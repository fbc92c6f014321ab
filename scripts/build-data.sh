#!/usr/bin/env bash
# The Fashion-MNIST subset used by the page, the tests and experiments/: Debian's
# dataset-fashion-mnist ships gzipped IDX files; they are decompressed into a scratch directory and
# `attnsvm fashion-subset` (the core's own IDX reader) writes a deterministic subset into
# build/data/fashion-mnist/ (four uncompressed IDX files, same names as the original). Cached: skipped
# when the inputs, the options and the subset code are unchanged. Needs the native CLI
# (scripts/build-native.sh, or $ATTNSVM_CLI).
set -euo pipefail
cd "$(dirname "$0")/.."

cli=${ATTNSVM_CLI:-build/native/attnsvm}
src=${FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}
out=build/data/fashion-mnist
# T-shirt/top, trouser, sneaker, bag: 1000 training and 500 test images each (3.5 MB).
options=(--classes 0,1,7,8 --train-per-class 1000 --test-per-class 500 --seed 1)
files=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)

test -x "$cli" || { echo "build-data: $cli is missing; run scripts/build-native.sh first" >&2; exit 1; }
for f in "${files[@]}"; do
  test -f "$src/$f.gz" || test -f "$src/$f" || {
    echo "build-data: $src/$f(.gz) is missing; install Debian's dataset-fashion-mnist (scripts/setup.sh)" >&2
    exit 1
  }
done

mkdir -p "$out"
exec 9>"$out/.lock"
flock 9

key=$( {
  echo "${options[*]}"
  for f in "${files[@]}"; do stat -c '%n %s %Y' "$src/$f"* ; done
  cat core/idx.cpp core/fashion.cpp core/cli/fashion_command.cpp
} | sha256sum | cut -d' ' -f1)
up_to_date=1
[ -f "$out/.stamp" ] && [ "$(cat "$out/.stamp")" = "$key" ] || up_to_date=0
for f in "${files[@]}"; do [ -f "$out/$f" ] || up_to_date=0; done
[ $up_to_date = 1 ] && exit 0

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for f in "${files[@]}"; do
  if [ -f "$src/$f.gz" ]; then gzip -dc "$src/$f.gz" > "$scratch/$f"; else cp "$src/$f" "$scratch/$f"; fi
done
"$cli" fashion-subset "$scratch" --out-dir "$out" "${options[@]}"
echo "$key" > "$out/.stamp"
