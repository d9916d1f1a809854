#!/usr/bin/env bash
# Runs the side-by-side benchmark (rdrive through its shared library, as a
# C program loads it; simd-r-drive; LMDB) and writes the report to
# docs/benchmarks.md. Builds librdrive.so first (release) and hands its
# path to the benchmark. A full run takes 20-30 minutes and about 5 GB of
# disk under $TMPDIR (or --dir DIR).
# Extra arguments go to the benchmark: --quick, --runs N, --sizes N,N,
# --only W1,W2,W1s,Ws,R1,R2,S1,Rs,O1,O2,L1,M1,Wp, --engines NAMES, --dir DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --lib --locked --target-dir "$PWD/target"
exec cargo run --release --manifest-path bench/Cargo.toml -- \
    --lib "$PWD/target/release/librdrive.so" --out docs/benchmarks.md "$@"
