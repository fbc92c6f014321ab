#!/usr/bin/env bash
# Installs everything the project needs on a Debian 12 machine. Idempotent: a second run installs nothing.
#   scripts/setup.sh [--bench]    --bench: also the benchmark peers (python3-torch)
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: toolchains (native + Emscripten), header-only libraries, the browser for page tests,
# the benchmark peers and the Fashion-MNIST data.
packages=(
  cmake g++ make pkg-config
  libeigen3-dev doctest-dev nlohmann-json3-dev zlib1g-dev
  emscripten binaryen
  clang clang-format libclang-rt-14-dev
  python3-numpy python3-cvxopt
  dataset-fashion-mnist
  chromium
)

# `setup.sh --bench` (called by scripts/bench.sh): also the benchmark peers. PyTorch is large, so the
# normal path (npm test, npm start) does not install it.
if [ "${1:-}" = "--bench" ]; then
  packages+=(python3-torch python3-numpy python3-cvxopt)
fi

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages: reinstall only when package-lock.json changed since the last install.
if [ -L node_modules ]; then
  # A worktree sharing another tree's install: `npm ci` here would empty that tree's node_modules through
  # the link and leave this one a private copy. The tree that owns the install keeps it up to date.
  echo "setup: node_modules is a link to $(readlink node_modules); npm ci left to that tree"
elif [ -f package-lock.json ]; then
  stamp=node_modules/.setup-stamp
  want=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "setup: npm ci"
    npm ci --no-audit --no-fund --loglevel=error
    echo "$want" > "$stamp"
  fi
fi
