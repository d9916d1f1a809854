#!/bin/sh
# The README's code blocks are real: its C listing is examples/c/hello.c
# byte for byte, and it compiles and runs against the built library; its
# C++ excerpt compiles and runs inside a main(). (The Rust block is a doc
# test, the Python block runs in scripts/test-python.sh.)
# Usage: readme_test.sh README include-dir lib-dir examples-dir cc [c++]
set -eu
readme=$1 include=$2 examples=$4 cc=$5 cxx=${6:-}
lib=$(cd "$3" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The lines of the first ```<lang> block after the heading $2.
block() {
    awk -v lang="$1" -v heading="$2" '
        $0 == heading { in_section = 1; next }
        in_section && /^## / { exit }
        in_section && !open && $0 == "```" lang { open = 1; next }
        open && $0 == "```" { exit }
        open { print }
    ' "$readme"
}

block c "## Using it from C" >"$work/hello.c"
[ -s "$work/hello.c" ] || { echo "readme: no C block under 'Using it from C'"; exit 1; }
if ! diff -u "$examples/c/hello.c" "$work/hello.c"; then
    echo "readme: the C listing differs from examples/c/hello.c"
    exit 1
fi
"$cc" -std=c11 -Wall -Wextra -Wpedantic -Werror -I"$include" "$work/hello.c" \
    -L"$lib" -lrdrive -Wl,-rpath,"$lib" -o "$work/hello"
(cd "$work" && ./hello) | grep -qx "greeting = hello, rdrive"

if [ -z "$cxx" ] || ! command -v "$cxx" >/dev/null; then
    echo "readme: no C++ compiler, the C++ block is not checked"
    exit 0
fi
block cpp "## Using it from C++" >"$work/excerpt.cpp"
[ -s "$work/excerpt.cpp" ] || { echo "readme: no C++ block under 'Using it from C++'"; exit 1; }
{
    # The excerpt's first line is its #include; the rest goes in main().
    head -n 1 "$work/excerpt.cpp"
    printf '#include <iostream>\n#include <optional>\nint main() {\n'
    tail -n +2 "$work/excerpt.cpp"
    printf 'return kept && kept->view() == "hello, rdrive" ? 0 : 1;\n}\n'
} >"$work/hello.cpp"
"$cxx" -std=c++17 -Wall -Wextra -Werror -I"$include" "$work/hello.cpp" \
    -L"$lib" -lrdrive -Wl,-rpath,"$lib" -o "$work/hello_cpp"
(cd "$work" && ./hello_cpp) | grep -qx "hello, rdrive"
echo "readme: ok"
