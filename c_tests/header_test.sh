#!/bin/sh
# rdrive.h compiles on its own (no other includes first) as C11 and as
# C++17 with all warnings as errors, and its extern "C" guards give C
# linkage in C++. rdrive.hpp compiles on its own as C++17 and C++20, with
# the given C++ compiler and with clang++ when it is installed, every
# template of it instantiated, warnings as errors.
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
if [ -z "$cxx" ] || ! command -v "$cxx" >/dev/null; then
    echo "header_standalone: no C++ compiler, C++ checks skipped"
    echo "header_standalone: ok"
    exit 0
fi
cp "$work/use.c" "$work/use.cpp"
"$cxx" -std=c++17 -Wall -Wextra -Wpedantic -Werror -I"$include" -c "$work/use.cpp" -o "$work/cxx.o"
# C linkage: the reference to rdrive_store_open is not name-mangled.
nm "$work/cxx.o" | grep -q ' U rdrive_store_open$'

# The C++ wrapper: included first, then used in every form it offers.
if grep -n 'using namespace' "$include/rdrive.hpp"; then
    echo "rdrive.hpp must not contain using-directives" >&2
    exit 1
fi
cat >"$work/wrapper.cpp" <<'EOT'
#include "rdrive.hpp"

#include <array>
#include <map>
#include <sstream>
#include <string>
#include <vector>

template <class... T>
void keep(const T &...) {}

void use(rdrive::Store &s, rdrive::Store &other, std::istream &in) {
    rdrive::Store r{"data.rdrive", rdrive::read_only};
    std::vector<std::byte> bytes(4);
    const std::array<unsigned char, 2> array{{1, 2}};
    s.write("key", "value");
    s.write(bytes, array);
    s.write("key", bytes.data(), bytes.size());
    s.write_hashed(rdrive::hash_key("key"), std::string("value"));
    s.batch_write({{"a", "1"}, {"b", "2"}});
    s.batch_write(std::map<std::string, std::string>{{"c", "3"}});
    s.write_stream("s", [](char *, std::size_t) { return 0; });
    s.write_stream("t", [](std::byte *, std::size_t) -> long { return 0; });
    s.write_stream("u", in);
    keep(s.erase("key"), s.batch_erase({"a"}), s.batch_erase(std::vector<std::string>{"b"}));
    keep(s.rename("c", "d"), s.copy("d", other), s.transfer("d", other));
    if (std::optional<rdrive::Entry> e = s.read("key")) {
        rdrive::Entry c = e->clone();
        char byte = 0;
        keep(e->view(), e->size(), e->data(), e->begin(), e->end(), c.key_hash(), c.checksum());
        keep(c.start_offset(), c.end_offset(), c.is_valid_checksum(), c.size_with_metadata(), c.metadata());
        keep(c.read_at(0, &byte, 1), c.get());
#if RDRIVE_HPP_HAS_SPAN
        keep(c.bytes());
#endif
    }
    keep(s.read_hashed(1), s.read_last(), s.contains("x"), s.empty());
    keep(s.batch_read({"a", "b"}), s.batch_read(std::vector<std::string_view>{"a"}));
    keep(s.peek("key", [](std::string_view) {}));
    s.scan([](std::uint64_t, std::string_view) {});
    s.scan([](std::uint64_t, std::string_view) { return false; });
    char buf[8];
    std::string text(8, ' ');
    std::size_t size = 0;
    keep(s.read_into("key", buf, sizeof buf), s.read_into("key", text));
    keep(s.try_read_into("key", buf, sizeof buf, size), s.try_write("k", "v"), s.try_erase("k"));
    std::optional<rdrive::Entry> out;
    keep(s.try_read("k", out), s.try_sync(), s.try_compact());
    for (const rdrive::Entry &e : s.entries()) keep(e);
    keep(s.size(), s.file_size(), s.reclaimable_bytes(), s.recovered_bytes());
    s.sync();
    s.compact();
    keep(s.compact([](std::uint64_t, std::uint64_t) {}), s.compact([](std::uint64_t d, std::uint64_t t) { return d < t; }));
    keep(rdrive::namespace_key("ns", "key"), rdrive::Store::try_open("x", 0, r), r.try_close());
    try {
        r.close();
    } catch (const rdrive::Error &e) {
        keep(e.status(), e.what(), e.status_name());
    }
}
EOT
compilers=$cxx
if command -v clang++ >/dev/null && [ "$(command -v clang++)" != "$(command -v "$cxx")" ]; then
    compilers="$compilers clang++"
else
    echo "header_standalone: clang++ not found, rdrive.hpp checked with $cxx only"
fi
for compiler in $compilers; do
    for std in 17 20; do
        if [ "$std" = 20 ] && ! echo 'int x;' | "$compiler" -std=c++20 -x c++ -fsyntax-only - 2>/dev/null; then
            echo "header_standalone: $compiler has no C++20, skipped"
            continue
        fi
        "$compiler" -std=c++$std -Wall -Wextra -Wpedantic -Werror -Wconversion -Wsign-conversion -Wshadow \
            -Wold-style-cast -Wcast-qual -Wnon-virtual-dtor -I"$include" -c "$work/wrapper.cpp" -o "$work/wrapper.o"
        nm "$work/wrapper.o" | grep -q ' U rdrive_store_write_stream$'
        echo "header_standalone: rdrive.hpp as C++$std with $compiler: ok"
    done
done
echo "header_standalone: ok"
