#!/bin/sh
# Installs the build into a temporary prefix, moves the prefix elsewhere
# (the package must be relocatable), then builds and runs the example
# programs, C and C++, through find_package(rdrive) (shared and static) and
# through pkg-config, and runs the installed tool. The C++ part is skipped
# when no C++ compiler is given.
set -eu
build=$1 example=$2 cmake=$3 cc=$4 example_cpp=${5:-} cxx=${6:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$cmake" --install "$build" --prefix "$work/first" >/dev/null
mv "$work/first" "$work/moved"
prefix=$work/moved
pc=$(find "$prefix" -name rdrive.pc)
libdir=$(dirname "$(dirname "$pc")")

# The shared library is installed with its SONAME chain.
soname=$(readelf -d "$libdir/librdrive.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ -L "$libdir/librdrive.so" ] && [ -L "$libdir/$soname" ] || { echo "missing SONAME links" >&2; exit 1; }
# Only rdrive_* symbols are exported.
others=$(nm -D --defined-only "$libdir/librdrive.so" | awk '{print $3}' | grep -v '^rdrive_' || true)
[ -z "$others" ] || { echo "unexpected exports: $others" >&2; exit 1; }

# find_package(rdrive CONFIG REQUIRED)
"$cmake" -S "$example" -B "$work/build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" >/dev/null
"$cmake" --build "$work/build" >/dev/null
"$work/build/hello" "$work/a.rdrive" | grep -q "greeting = hello, rdrive"
"$work/build/hello_static" "$work/b.rdrive" | grep -q "greeting = hello, rdrive"

# pkg-config --cflags --libs rdrive
flags=$(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --cflags --libs rdrive)
# shellcheck disable=SC2086
"$cc" -std=c11 -Wall -Wextra -Wpedantic -Werror "$example/hello.c" -o "$work/hello_pc" $flags \
  -Wl,-rpath,"$libdir"
"$work/hello_pc" "$work/c.rdrive" | grep -q "greeting = hello, rdrive"

# The C++ wrapper is installed beside the C header and reached the same ways.
if [ -n "$cxx" ] && [ -n "$example_cpp" ]; then
    includedir=$(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --variable=includedir rdrive)
    [ -f "$includedir/rdrive.hpp" ] || { echo "rdrive.hpp is not installed beside rdrive.h" >&2; exit 1; }
    "$cmake" -S "$example_cpp" -B "$work/build-cpp" -DCMAKE_PREFIX_PATH="$prefix" \
        -DCMAKE_CXX_COMPILER="$cxx" >/dev/null
    "$cmake" --build "$work/build-cpp" >/dev/null
    "$work/build-cpp/hello_cpp" "$work/d.rdrive" | grep -q "greeting = hello, rdrive"
    "$work/build-cpp/hello_cpp_static" "$work/e.rdrive" | grep -q "greeting = hello, rdrive"
    # shellcheck disable=SC2086
    "$cxx" -std=c++20 -Wall -Wextra -Wpedantic -Werror "$example_cpp/hello.cpp" -o "$work/hello_cpp_pc" \
        $flags -Wl,-rpath,"$libdir"
    "$work/hello_cpp_pc" "$work/f.rdrive" | grep -q "greeting = hello, rdrive"
else
    echo "package_consumers: no C++ compiler, C++ consumers skipped"
fi

# The installed tool runs from the moved prefix.
"$prefix/bin/rdrive" get "$work/a.rdrive" greeting | grep -q "hello, rdrive"
[ -f "$prefix/share/man/man1/rdrive.1" ] || { echo "the man page rdrive.1 is not installed" >&2; exit 1; }
echo "package_consumers: ok"
