#!/usr/bin/env bash
# Benchmarks the Python package as users run it: a fresh venv, `pip install
# ./python` (which builds librdrive and bundles it) and py-lmdb from PyPI,
# then scripts/bench_python.py side by side. Writes
# docs/benchmarks-python.md. A run takes a few minutes.
# Extra arguments go to the benchmark: --keys N, --runs N, --dir DIR, --out FILE.
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1
python=${PYTHON:-python3}
venv=$(mktemp -d)
trap 'rm -rf "$venv"' EXIT
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet ./python lmdb
# Run from outside the source tree so the installed package is the one imported.
out=$PWD/docs/benchmarks-python.md
script=$PWD/scripts/bench_python.py
(cd "$venv" && "$venv/bin/python" "$script" --out "$out" "$@")
