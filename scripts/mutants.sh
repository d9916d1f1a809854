#!/usr/bin/env bash
# Mutation testing of the engine core: cargo-mutants makes small changes to
# the files listed in .cargo/mutants.toml (a comparison flipped, a function
# body replaced by a default, ...) and runs the in-crate tests against each;
# a mutant the tests do not notice is behaviour nothing checks. Prints the
# score: caught / (caught + missed), timeouts counted as caught, mutants
# that do not build left out. Takes hours on 2 cores for the whole core;
# name files to narrow it (./scripts/mutants.sh src/store/recovery.rs ...).
# The last recorded score is in docs/mutation.md.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! cargo mutants --version >/dev/null 2>&1; then
    cargo install cargo-mutants --locked
fi
# The power-loss test at a tenth of its size: still thousands of images.
export RDRIVE_CRASH_IMAGES=${RDRIVE_CRASH_IMAGES:-3000}
if [ $# -gt 0 ]; then
    # Only the named files: the config's file list would override --file,
    # so it is left out and its test arguments given here.
    files=()
    for f in "$@"; do files+=(--file "$f"); done
    # TEST_ARGS picks the tests (cargo test arguments), e.g.
    # TEST_ARGS="--lib --test index_cache" for the cache's own test file.
    read -r -a test_args <<<"${TEST_ARGS:---lib}"
    cargo mutants --no-config --no-shuffle -j "${JOBS:-2}" "${files[@]}" -- "${test_args[@]}" || true
else
    cargo mutants --no-shuffle -j "${JOBS:-2}" || true
fi
out=mutants.out
caught=$(wc -l <"$out/caught.txt")
missed=$(wc -l <"$out/missed.txt")
timeout=$(wc -l <"$out/timeout.txt")
unviable=$(wc -l <"$out/unviable.txt")
total=$((caught + missed + timeout))
echo "mutants: $((total + unviable)) made, $unviable did not build"
echo "caught $caught, timed out $timeout, missed $missed"
if [ "$total" -gt 0 ]; then
    awk -v c="$caught" -v t="$timeout" -v n="$total" \
        'BEGIN { printf "score: %.1f%% of %d viable mutants caught\n", 100 * (c + t) / n, n }'
fi
if [ "$missed" -gt 0 ]; then
    echo "missed:"
    sed 's/^/  /' "$out/missed.txt"
fi
