#!/usr/bin/env bash
# Long runs of the generative tests, beyond what the normal test run does:
#   - simulated power loss: RDRIVE_CRASH_IMAGES crash images (default
#     1,000,000) over RDRIVE_CRASH_SEEDS workloads (default 40);
#   - read-only opens in other processes beside a writer that shortens the
#     file: RDRIVE_STRESS_SECS seconds (default 300);
#   - the multi-process C tests (a writer killed mid-stream, shared writers,
#     read-your-others'-writes, followers, shared compaction, waiting opens)
#     KILL_ROUNDS times each (default 200);
#   - each fuzz target for FUZZ_RUNS executions (default 10,000,000), with
#     cargo-fuzz (`cargo install cargo-fuzz`; stable Rust, no sanitizer).
# Prints the counts each step reports. Takes hours with the defaults;
# smaller numbers make a quick check (FUZZ_RUNS=100000 RDRIVE_CRASH_IMAGES=100000).
set -euo pipefail
cd "$(dirname "$0")/.."
export RDRIVE_CRASH_IMAGES=${RDRIVE_CRASH_IMAGES:-1000000}
export RDRIVE_CRASH_SEEDS=${RDRIVE_CRASH_SEEDS:-40}
export RDRIVE_STRESS_SECS=${RDRIVE_STRESS_SECS:-300}
fuzz_runs=${FUZZ_RUNS:-10000000}
export KILL_ROUNDS=${KILL_ROUNDS:-200}

echo "== simulated power loss: $RDRIVE_CRASH_IMAGES images, $RDRIVE_CRASH_SEEDS workloads"
cargo test --release --lib power_loss -- --nocapture 2>&1 | grep -E "power loss:|violations|test result"

echo "== I/O-error loop"
cargo test --release --lib io_errors -- --nocapture 2>&1 | grep -E "I/O errors:|test result"

echo "== read-only opens beside a shortening writer: $RDRIVE_STRESS_SECS s"
cargo test --release --test read_only_opens_beside_a_writer -- --nocapture 2>&1 |
    grep -E "writer rounds|test result"

echo "== processes killed and racing: the multi-process C tests, $KILL_ROUNDS rounds each"
cmake -S . -B build-soak -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-soak -j"$(nproc)" >/dev/null
(cd build-soak && ctest --output-on-failure -j"$(nproc)" --repeat until-fail:"$KILL_ROUNDS" \
    -R '^c_(killed_writer|shared_writers|read_others_writes|follower_refresh|shared_compaction|wait_open)_shared$' |
    tail -n 3)

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "soak: cargo-fuzz is not installed (cargo install cargo-fuzz); fuzzing skipped" >&2
    exit 0
fi
for target in recovery trailer watermark index_cache c_api; do
    echo "== fuzz $target: $fuzz_runs executions"
    cargo fuzz run -s none "$target" -- -runs="$fuzz_runs" -print_final_stats=1 2>&1 |
        grep -E "stat::number_of_executed_units|stat::peak_rss|ERROR|panicked" || true
done
echo "== soak passed"
