#!/usr/bin/env bash
# Builds librdrive and the rdrive tool, installs them into a local prefix
# (./_install, or $PREFIX), and runs a short demo through the library: the
# command-line tool, then a small C program built against the installed
# package with pkg-config.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${PREFIX:-$PWD/_install}
jobs=$(nproc 2>/dev/null || echo 2)

echo "== build and install into $prefix"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" >/dev/null
cmake --build build -j"$jobs" >/dev/null
cmake --install build >/dev/null
rdrive=$prefix/bin/rdrive
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
store=$work/demo.rdrive

run() {
    echo "\$ $*"
    "$@"
}
echo "== the rdrive tool"
run "$rdrive" put "$store" greeting "hello, world"
run "$rdrive" get "$store" greeting && echo
seq 1 100000 >"$work/numbers.txt"
run "$rdrive" import "$store" numbers "$work/numbers.txt"
run "$rdrive" put "$store" greeting "hello again"
run "$rdrive" exists "$store" greeting
run "$rdrive" list "$store"
run "$rdrive" info "$store"
run "$rdrive" compact "$store"
run "$rdrive" check "$store"

echo "== a C program built with pkg-config against the installed library"
pc_dir=$(dirname "$(find "$prefix" -name rdrive.pc)")
flags=$(PKG_CONFIG_PATH=$pc_dir pkg-config --cflags --libs rdrive)
# shellcheck disable=SC2086
run cc -std=c11 -Wall -Wextra examples/c/hello.c -o "$work/hello" $flags -Wl,-rpath,"$(dirname "$pc_dir")"
run "$work/hello" "$store"
run "$rdrive" get "$store" greeting && echo
