// Keys and values round-trip in every accepted form (C strings, string
// views, pointer + length, byte containers, arrays, spans), the design's
// C++ example works as written, and the store's counters follow.
#include <array>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "check.hpp"

static bool holds(const std::optional<rdrive::Entry> &entry, std::string_view want) {
    return entry.has_value() && entry->view() == want;
}

// The example of the design's C++ section, run as written.
static void contract_example(const std::string &path) {
    {
        rdrive::Store s{path};
        s.write("key", "value");
        std::optional<rdrive::Entry> e = s.read("key");
        CHECK(e.has_value());
        std::string_view v = e->view();
        const std::byte *p = e->data();
        std::size_t n = e->size();
        CHECK(v == "value");
        CHECK(n == 5 && std::memcmp(p, "value", 5) == 0);
        CHECK(static_cast<const void *>(p) == static_cast<const void *>(v.data()));
        CHECK(s.contains("key"));
        CHECK(s.size() == 1);
        std::size_t seen = 0;
        for (const rdrive::Entry &x : s.entries()) {
            CHECK(x.view() == "value");
            ++seen;
        }
        CHECK(seen == 1);
        s.sync();
        s.compact();
        bool gone = s.erase("key");
        bool has = s.contains("key");
        std::uint64_t count = s.size();
        CHECK(gone && !has && count == 0);
        CHECK(!s.erase("key"));  // already gone
        CHECK(!s.read("key").has_value());
        s.write("key", "again");
    }
    rdrive::Store r{path.c_str(), RDRIVE_OPEN_READ_ONLY};
    CHECK(holds(r.read("key"), "again"));
}

int main() {
    TempDir dir;
    contract_example(dir.file("contract.rdrive"));

    rdrive::Store s{dir.file("forms.rdrive")};
    CHECK(s.empty());

    // C strings and string views.
    s.write("c-string", "plain");
    CHECK(holds(s.read("c-string"), "plain"));
    s.write(std::string_view("view"), std::string_view("viewed"));
    CHECK(holds(s.read(std::string("view")), "viewed"));
    // Embedded NUL bytes survive through std::string and pointer + length.
    const std::string binary_key("a\0b", 3), binary_value("x\0\0y", 4);
    s.write(binary_key, binary_value);
    CHECK(holds(s.read(binary_key), binary_value));
    CHECK(!s.read("a").has_value());  // "a\0b" is not "a"
    const char raw[] = {'r', '\0', 'w'};
    s.write({raw, sizeof raw}, raw, sizeof raw);
    CHECK(holds(s.read({raw, 3}), std::string_view(raw, 3)));

    // Byte containers and arrays.
    const std::vector<std::byte> bytes{std::byte{1}, std::byte{2}, std::byte{3}};
    s.write("bytes", bytes);
    const std::array<std::uint8_t, 4> key4{{9, 0, 9, 0}};
    const std::vector<unsigned char> uchars{250, 251};
    s.write(key4, uchars);
    auto entry = s.read("bytes");
    CHECK(entry && entry->size() == 3 && entry->data()[2] == std::byte{3});
    CHECK(holds(s.read(key4), "\xfa\xfb"));
    // An unsigned char array counts all its bytes, a char array is a C string.
    const unsigned char ukey[3] = {'k', 0, 'k'};
    s.write(ukey, "array key");
    CHECK(holds(s.read(std::string("k\0k", 3)), "array key"));
    char ckey[16] = "short";
    s.write(ckey, "char array");
    CHECK(holds(s.read("short"), "char array"));
    // The empty key is a key.
    s.write("", "empty key");
    CHECK(holds(s.read(std::string()), "empty key"));
    CHECK(s.contains(nullptr));  // a null C string is the empty key

#if RDRIVE_HPP_HAS_SPAN
    const std::span<const std::byte> span_value(bytes);
    s.write("span", span_value);
    auto spanned = s.read(std::span<const std::uint8_t>(key4));
    CHECK(spanned && spanned->bytes().size() == 2 && spanned->bytes()[1] == std::byte{0xfb});
    auto from_span = s.read("span");
    CHECK(from_span && from_span->bytes().data() == from_span->data());
    CHECK(from_span && std::equal(from_span->bytes().begin(), from_span->bytes().end(), bytes.begin(), bytes.end()));
#endif

    // An Entry is itself a value: written elsewhere straight from the mapping.
    s.write("copy of bytes", *entry);
    CHECK(holds(s.read("copy of bytes"), std::string("\x01\x02\x03")));

    // Entry accessors agree with each other and with the C API.
    auto plain = s.read("c-string");
    CHECK(plain.has_value());
    if (plain) {
        CHECK(plain->key_hash() == rdrive::hash_key("c-string"));
        CHECK(plain->start_offset() % RDRIVE_PAYLOAD_ALIGNMENT == 0);
        CHECK(plain->end_offset() == plain->start_offset() + 5);
        CHECK(plain->size_with_metadata() == 5 + RDRIVE_METADATA_SIZE);
        CHECK(plain->is_valid_checksum());
        CHECK(plain->checksum() == plain->metadata().checksum);
        CHECK(plain->metadata().key_hash == plain->key_hash());
        std::string copied;
        for (std::byte b : *plain) copied.push_back(static_cast<char>(b));  // an Entry is a byte range
        CHECK(copied == "plain");
        const rdrive_bytes c = rdrive_entry_address_range(plain->get());
        CHECK(static_cast<const void *>(c.ptr) == static_cast<const void *>(plain->data()) && c.len == 5);
    }

    // Hashes: the format's published vectors, and hash-keyed reads and writes.
    CHECK(rdrive::hash_key("alice") == 0x4da10dd61a0116b0ULL);
    CHECK(rdrive::hash_key("") == 0x2d06800538d394c2ULL);
    const auto ns = rdrive::namespace_key("namespace1", "key1");
    const std::array<std::uint8_t, 16> want_ns{
        {0x7c, 0x06, 0x6c, 0x9d, 0xf2, 0xe6, 0xec, 0xcb, 0xe2, 0x29, 0xd8, 0xd5, 0x0c, 0x07, 0x4d, 0x38}};
    CHECK(ns == want_ns);
    s.write(ns, "namespaced");
    CHECK(holds(s.read_hashed(rdrive::hash_key(ns)), "namespaced"));
    s.write_hashed(rdrive::hash_key("by-hash"), "hashed write");
    CHECK(holds(s.read("by-hash"), "hashed write"));
    CHECK(!s.read_hashed(rdrive::hash_key("never written")).has_value());

    // Overwrites, counters, the newest live entry.
    const std::uint64_t live = s.size();
    s.write("c-string", "replaced");
    CHECK(holds(s.read("c-string"), "replaced"));
    CHECK(s.size() == live);
    CHECK(holds(s.read_last(), "replaced"));
    CHECK(s.erase("c-string"));
    CHECK(s.size() == live - 1);
    CHECK(holds(s.read_last(), "hashed write"));  // never a deletion marker
    CHECK(s.reclaimable_bytes() > 0);
    CHECK(s.recovered_bytes() == 0);
    const std::uint64_t before = s.file_size();
    CHECK(before == read_file(dir.file("forms.rdrive")).size());
    s.compact();
    CHECK(s.file_size() < before);
    CHECK(s.reclaimable_bytes() == 0);
    CHECK(s.size() == live - 1);
    CHECK(holds(s.read(binary_key), binary_value));

    rdrive::Store empty_store{dir.file("empty.rdrive")};
    CHECK(empty_store.empty() && !empty_store.read_last().has_value());
    return finish("values_round_trip_in_every_form");
}
