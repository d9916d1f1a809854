#!/usr/bin/env bash
# Mutation testing of the engine core: cargo-mutants makes small changes to
# the files listed in .cargo/mutants.toml (a comparison flipped, a function
# body replaced by a default, ...) and runs the Rust tests against each; a
# mutant the tests do not notice is behaviour nothing checks.
#
# Two passes, so that a run fits in an afternoon on 2 cores:
#   1. every mutant against the in-crate tests (`cargo test --lib`: unit
#      tests and the generative suites in src/tests/; about 9 s a mutant);
#   2. the mutants that pass 1 missed against the integration tests in
#      tests/ (`cargo test --test NAME` for each; about 12 s a mutant).
# A mutant is caught if either pass catches it: the score is the one of
# `cargo test`, doc tests aside (test targets that need a feature are left
# out, as plain `cargo test` leaves them out). Timeouts count as caught;
# mutants that do not build are left out of the score.
#
# Usage: [JOBS=N] ./scripts/mutants.sh [FILE...]
# Default: the whole core, one job (on 2 cores two jobs are slower); about
# 2 hours for pass 1 and 12 s per survivor for pass 2. Naming files narrows
# the run: ./scripts/mutants.sh src/store/recovery.rs
# Builds use the `mutants` profile of Cargo.toml (no debug info, opt-level
# 1): a rebuild takes seconds instead of a minute.
# Results: mutants.out/ (pass 1's in mutants.out.old/); the last recorded
# score is in docs/mutation.md.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! cargo mutants --version >/dev/null 2>&1; then
    cargo install cargo-mutants --locked
fi
# The power-loss test at a tenth of its size: still thousands of images.
export RDRIVE_CRASH_IMAGES=${RDRIVE_CRASH_IMAGES:-3000}
filter=()
if [ $# -gt 0 ]; then
    # The config's file list stays in force (and its exclusions); a regex
    # on the mutants' names narrows it to the named files.
    re=$(printf '%s|' "$@" | sed 's/\./\\./g; s/|$//')
    filter=(--re "^($re):")
fi
jobs=(-j "${JOBS:-1}" --no-shuffle --profile mutants)
rm -rf mutants.out mutants.out.old
echo "== pass 1: in-crate tests (cargo test --lib)"
cargo mutants "${jobs[@]}" "${filter[@]}" --cargo-arg=--lib || true
echo "== pass 2: what pass 1 missed, against the integration tests"
first=mutants.out
if [ -s mutants.out/missed.txt ]; then
    # Every file of tests/ that plain `cargo test` runs (a [[test]] target
    # with required-features is not among them).
    gated=$(awk '/^\[\[test\]\]/ { t = 1; next } /^\[/ { t = 0 }
        t && /^name/ { gsub(/[" ]/, "", $0); split($0, a, "="); n = a[2] }
        t && /^required-features/ { print n }' Cargo.toml)
    targets=()
    for f in tests/*.rs; do
        name=$(basename "$f" .rs)
        grep -qx "$name" <<<"$gated" || targets+=("--cargo-arg=--test=$name")
    done
    # --iterate skips what pass 1 caught or could not build, and moves
    # pass 1's results to mutants.out.old.
    cargo mutants "${jobs[@]}" "${filter[@]}" --iterate "${targets[@]}" || true
    first=mutants.out.old
fi
last=mutants.out
names() { cat "$@" 2>/dev/null | sort -u; }
caught=$(names "$first/caught.txt" "$last/caught.txt" | grep -c . || true)
unviable=$(names "$first/unviable.txt" "$last/unviable.txt" | grep -c . || true)
timeout=$(names "$last/timeout.txt" | grep -c . || true)
missed=$(names "$last/missed.txt" | grep -c . || true)
total=$((caught + missed + timeout))
echo "mutants: $((total + unviable)) made, $unviable did not build"
echo "caught $caught, timed out $timeout, missed $missed"
if [ "$total" -gt 0 ]; then
    awk -v c="$caught" -v t="$timeout" -v n="$total" \
        'BEGIN { printf "score: %.1f%% of %d viable mutants caught\n", 100 * (c + t) / n, n }'
fi
if [ "$missed" -gt 0 ]; then
    echo "missed:"
    sed 's/^/  /' "$last/missed.txt"
fi
