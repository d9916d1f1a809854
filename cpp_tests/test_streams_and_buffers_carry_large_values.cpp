// Large values go in from a callable or an input stream and come out whole,
// into caller buffers or in chunks; a failing stream commits nothing.
#include <array>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "check.hpp"

static std::string pattern(std::size_t n, unsigned seed) {
    std::string s(n, '\0');
    std::uint32_t x = seed;
    for (std::size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        s[i] = static_cast<char>(x >> 24);
    }
    return s;
}

int main() {
    TempDir dir;
    rdrive::Store s{dir.file("big.rdrive")};
    const std::string value = pattern(3 * 1024 * 1024 + 17, 1);

    // From a callable filling std::byte buffers.
    std::size_t offset = 0, calls = 0;
    s.write_stream("callable", [&](std::byte *buf, std::size_t cap) {
        ++calls;
        std::size_t n = 0;
        for (; n < cap && offset < value.size(); ++n) buf[n] = static_cast<std::byte>(value[offset++]);
        return n;
    });
    CHECK(calls > 1);  // more than one chunk
    auto e = s.read("callable");
    CHECK(e && e->size() == value.size() && e->view() == value && e->is_valid_checksum());

    // From an input stream: a string stream and a file.
    std::istringstream text(value);
    s.write_stream("istream", text);
    CHECK(s.read("istream")->view() == value);
    const std::string file = dir.file("input.bin");
    const std::string file_value = pattern(100000, 2);
    write_file(file, file_value);
    std::ifstream in(file, std::ios::binary);
    s.write_stream("ifstream", in);
    CHECK(s.read("ifstream")->view() == file_value);

#if RDRIVE_HPP_HAS_SPAN
    // From a callable taking a span.
    std::size_t spanned = 0;
    s.write_stream("span", [&](std::span<std::byte> buf) {
        std::size_t n = 0;
        for (; n < buf.size() && spanned < 1000; ++n, ++spanned) buf[n] = std::byte{0x5a};
        return n;
    });
    CHECK(s.read("span")->view() == std::string(1000, '\x5a'));
#endif

    // A stream that never opened aborts; an empty stream is an invalid value.
    const std::uint64_t size_before = s.file_size();
    std::ifstream missing(dir.file("no-such-file"));
    CHECK_THROWS_STATUS(s.write_stream("missing", missing), RDRIVE_ERR_ABORTED);
    std::istringstream empty;
    CHECK_THROWS_STATUS(s.write_stream("empty", empty), RDRIVE_ERR_INVALID_ARG);
    CHECK(s.file_size() == size_before);
    CHECK(!s.contains("missing") && !s.contains("empty"));

    // read_into: raw buffers and byte containers of exactly the right size.
    std::vector<std::byte> exact(value.size());
    CHECK(s.read_into("callable", exact) == std::optional<std::size_t>(value.size()));
    CHECK(std::string(reinterpret_cast<const char *>(exact.data()), exact.size()) == value);
    std::string as_text(file_value.size(), '\0');
    CHECK(s.read_into("ifstream", as_text) == std::optional<std::size_t>(file_value.size()));
    CHECK(as_text == file_value);
    std::array<char, 8> small{};
    CHECK_THROWS_STATUS(s.read_into("ifstream", small), RDRIVE_ERR_BUFFER_TOO_SMALL);
    std::size_t needed = 0;
    CHECK(s.try_read_into("ifstream", small.data(), small.size(), needed) == RDRIVE_ERR_BUFFER_TOO_SMALL);
    CHECK(needed == file_value.size());
    CHECK(!s.read_into("absent", small).has_value());
#if RDRIVE_HPP_HAS_SPAN
    std::vector<unsigned char> backing(2000);
    CHECK(s.read_into("span", std::span<unsigned char>(backing)) == std::optional<std::size_t>(1000));
    CHECK(backing[999] == 0x5a && backing[1000] == 0);
#endif

    // Entry::read_at in chunks of an awkward size.
    std::string chunks;
    std::vector<char> buf(65537);
    for (std::size_t n; (n = e->read_at(chunks.size(), buf.data(), buf.size())) > 0;) chunks.append(buf.data(), n);
    CHECK(chunks == value);

    // Everything is still there after a reopen.
    s.close();
    rdrive::Store r{dir.file("big.rdrive"), rdrive::read_only};
    CHECK(r.read("callable")->view() == value && r.read("istream")->view() == value);
    return finish("streams_and_buffers_carry_large_values");
}
