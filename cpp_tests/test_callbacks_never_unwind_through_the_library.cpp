// An exception thrown by a peek visitor, a stream source or a compaction
// progress callable is caught before it reaches the library, the C call
// stops, and the same exception is rethrown after it returns: the store is
// left as it was and keeps working.
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>

#include "check.hpp"

struct Custom {
    int code;
};

int main() {
    TempDir dir;
    const std::string path = dir.file("cb.rdrive");
    rdrive::Store s{path};
    for (int i = 0; i < 50; i++) s.write(numbered("key", i), numbered("value ", i));
    s.write("key0", "overwritten");  // something for compaction to reclaim
    const std::string bytes_before = read_file(path);

    // peek: the visitor's exception, unchanged, after the read finished.
    int visits = 0;
    try {
        s.peek("key1", [&](std::string_view v) {
            ++visits;
            if (v == "value 1") throw std::runtime_error("visitor says no");
        });
        CHECK(false);
    } catch (const std::runtime_error &e) {
        CHECK(std::string(e.what()) == "visitor says no");
        CHECK(dynamic_cast<const rdrive::Error *>(&e) == nullptr);
    }
    CHECK(visits == 1);
    // Any type of exception, not only std::exception.
    try {
        s.peek("key2", [](std::string_view) { throw Custom{42}; });
        CHECK(false);
    } catch (const Custom &c) {
        CHECK(c.code == 42);
    }
    // A visitor may read the store (and not throw): the value is seen in place.
    std::string seen;
    CHECK(s.peek("key3", [&](std::string_view v) {
        seen = v;
        CHECK(s.contains("key4"));
    }));
    CHECK(seen == "value 3");

    // write_stream: the source throws after some chunks; nothing is committed.
    int chunks = 0;
    CHECK_THROWS_AS(s.write_stream("streamed",
                                   [&](char *buf, std::size_t cap) -> std::size_t {
                                       if (++chunks == 3) throw std::length_error("source failed");
                                       for (std::size_t i = 0; i < cap; i++) buf[i] = 'x';
                                       return cap;
                                   }),
                    std::length_error);
    CHECK(chunks == 3);
    CHECK(!s.contains("streamed"));
    CHECK(read_file(path) == bytes_before);
    // A stream whose exceptions are enabled and that fails mid-way.
    std::istringstream broken("partial data");
    broken.exceptions(std::ios::badbit);
    int pulls = 0;
    CHECK_THROWS_AS(s.write_stream("streamed", [&](std::byte *buf, std::size_t cap) -> std::ptrdiff_t {
        if (++pulls == 2) broken.setstate(std::ios::badbit);  // throws std::ios_base::failure
        broken.read(reinterpret_cast<char *>(buf), static_cast<std::streamsize>(cap));
        return broken.gcount();
    }),
                    std::ios_base::failure);
    CHECK(!s.contains("streamed") && read_file(path) == bytes_before);
    // Returning more than asked is refused as an abort, too.
    CHECK_THROWS_STATUS(s.write_stream("streamed", [](std::byte *, std::size_t cap) { return cap + 1; }),
                        RDRIVE_ERR_ABORTED);
    CHECK(read_file(path) == bytes_before);

    // compact: the progress callable throws; the file is left as it was.
    std::uint64_t last_done = 0, last_total = 0;
    try {
        s.compact([&](std::uint64_t done, std::uint64_t total) {
            last_done = done;
            last_total = total;
            if (done >= 10) throw std::out_of_range("progress gave up");
        });
        CHECK(false);
    } catch (const std::out_of_range &e) {
        CHECK(std::string(e.what()) == "progress gave up");
    }
    // Progress counts bytes of the new file.
    CHECK(last_done >= 10 && last_total >= last_done);
    CHECK(read_file(path) == bytes_before);
    // Returning false stops it the same way, without an exception.
    std::uint64_t calls = 0;
    CHECK(!s.compact([&](std::uint64_t done, std::uint64_t) {
        ++calls;
        return done == 0;  // go on from the first report, stop at the next
    }));
    CHECK(calls == 2);
    CHECK(read_file(path) == bytes_before);

    // The store works normally afterwards: a stream, a compaction to the end.
    std::string source(5000, 'z');
    std::size_t offset = 0;
    s.write_stream("streamed", [&](char *buf, std::size_t cap) {
        std::size_t n = 0;
        while (n < cap && offset < source.size()) buf[n++] = source[offset++];
        return n;
    });
    CHECK(s.read("streamed")->view() == source);
    std::uint64_t final_done = 0;
    CHECK(s.compact([&](std::uint64_t done, std::uint64_t total) {
        final_done = done;
        CHECK(done <= total);
    }));
    CHECK(final_done == s.file_size());
    CHECK(s.read("key0")->view() == "overwritten");
    CHECK(s.size() == 51 && s.reclaimable_bytes() == 0);
    CHECK(read_file(path).size() < bytes_before.size() + 5000);
    return finish("callbacks_never_unwind_through_the_library");
}
