#!/bin/sh
# rdrive.h compiles on its own (no other includes first) as C11 and as
# C++17 with all warnings as errors, and its extern "C" guards give C
# linkage in C++.
set -eu
include=$1 cc=$2 cxx=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/use.c" <<'EOT'
#include "rdrive.h"
int main(void) {
    rdrive_store *s = 0;
    return rdrive_store_open(0, RDRIVE_OPEN_READ_ONLY, &s) == RDRIVE_ERR_INVALID_ARG ? 0 : 1;
}
EOT
"$cc" -std=c11 -Wall -Wextra -Wpedantic -Werror -I"$include" -c "$work/use.c" -o "$work/c.o"
if [ -n "$cxx" ] && command -v "$cxx" >/dev/null; then
    cp "$work/use.c" "$work/use.cpp"
    "$cxx" -std=c++17 -Wall -Wextra -Wpedantic -Werror -I"$include" -c "$work/use.cpp" -o "$work/cxx.o"
    # C linkage: the reference to rdrive_store_open is not name-mangled.
    nm "$work/cxx.o" | grep -q ' U rdrive_store_open$'
else
    echo "header_standalone: no C++ compiler, C++17 check skipped"
fi
echo "header_standalone: ok"
