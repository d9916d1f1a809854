#!/usr/bin/env bash
# Runs every test of the project:
#   1. Rust unit, integration and doc tests (default and all features);
#   2. the C tests, the command-line tool test and the package/consumer test
#      (CMake + CTest);
#   3. the C tests again under valgrind (leaks are errors);
#   4. the C tests again under AddressSanitizer + UndefinedBehaviorSanitizer.
# Needs: Rust, a C compiler, cmake, pkg-config and valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

for tool in cargo cc cmake pkg-config valgrind; do
    command -v "$tool" >/dev/null || { echo "test-all: '$tool' is required (see README)" >&2; exit 1; }
done

echo "== Rust tests (default features)"
cargo test --quiet
echo "== Rust tests (all features)"
cargo test --quiet --all-features

run_ctest() { # build-dir cmake-options... -- ctest-options...
    local dir=$1
    shift
    local cmake_opts=()
    while [ "$1" != "--" ]; do cmake_opts+=("$1"); shift; done
    shift
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release "${cmake_opts[@]}" >/dev/null
    cmake --build "$dir" -j"$jobs" >/dev/null
    (cd "$dir" && ctest --output-on-failure -j"$jobs" "$@")
}

echo "== C tests, tool and package"
run_ctest build --
echo "== C tests under valgrind"
run_ctest build-valgrind -DRDRIVE_VALGRIND=ON -- -E '^(cli|package_consumers|header_standalone)$'
echo "== C tests under AddressSanitizer + UBSan"
run_ctest build-asan -DRDRIVE_SANITIZE=ON --
# The Python package: pytest and mypy --strict under python3 and 3.9-3.13.
echo "== Python package"
./scripts/test-python.sh
echo "== all tests passed"
