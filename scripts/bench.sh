#!/usr/bin/env bash
# Runs the side-by-side benchmark (rdrive through its C ABI, simd-r-drive,
# LMDB) and writes the results table to docs/benchmarks.md. Takes a few
# minutes and about 4 GB of disk under $TMPDIR (or --dir DIR).
# Extra arguments go to the benchmark: --quick, --runs N, --only W1,R1,...
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --release --manifest-path bench/Cargo.toml -- --out docs/benchmarks.md "$@"
