#!/bin/sh
# Our SVM solvers against cvxopt on the same problems: runs svm_bench (printing our table), dumps the
# problems, and solves them with bench/svm_cvxopt.py.
#   bench/svm_compare.sh [BUILD_DIR]    (default: build)
set -e
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
dir=$(mktemp -d /tmp/attnsvm-svm-compare-XXXXXX)
trap 'rm -rf "$dir"' EXIT
"$build/svm_bench" --dump "$dir"
echo
# cvxopt and numpy come from Debian's python3 (python3-cvxopt, python3-numpy)
python=python3
if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import numpy, cvxopt' 2>/dev/null; then python=/usr/bin/python3; fi
"$python" "$here/svm_cvxopt.py" "$dir"
