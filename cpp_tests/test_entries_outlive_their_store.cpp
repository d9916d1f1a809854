// An Entry read before 10,000 writes, a compaction and the destruction of
// its Store still holds the same bytes at the same address; clones share
// them and outlive the original; entries kept from an iteration outlive
// both the range and the store.
#include <optional>
#include <string>
#include <vector>

#include "check.hpp"

static std::string pattern(std::size_t n) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; i++) s[i] = static_cast<char>(i * 7 + 1);
    return s;
}

int main() {
    TempDir dir;
    const std::string path = dir.file("life.rdrive");
    const std::string value = pattern(1000);

    std::optional<rdrive::Entry> pinned;
    std::optional<rdrive::Entry> pinned_clone;
    std::vector<rdrive::Entry> from_iteration;
    const std::byte *address = nullptr;
    {
        rdrive::Store s{path};
        s.write("pinned", value);
        pinned = s.read("pinned");
        CHECK(pinned.has_value());
        address = pinned->data();

        const std::string filler(200, '\xab');
        for (std::uint32_t i = 0; i < 10000; i++) s.write({&i, sizeof i}, filler);
        s.write("pinned", "replaced");
        s.compact();
        CHECK(s.read("pinned")->view() == "replaced");
        pinned_clone = pinned->clone();

        for (const rdrive::Entry &e : s.entries()) {
            if (e.view() == "replaced") from_iteration.push_back(e.clone());
        }
        // A range that outlives the store is also fine.
        rdrive::Entries late = s.entries();
        s.close();
        std::size_t count = 0;
        for (const rdrive::Entry &e : late) {
            (void)e;
            ++count;
        }
        CHECK(count == 10001);
    }  // the Store is gone

    CHECK(pinned->data() == address);
    CHECK(pinned->view() == value);
    CHECK(pinned->is_valid_checksum());
    // The clone shares the bytes and survives the original.
    CHECK(pinned_clone->data() == address);
    pinned.reset();
    CHECK(pinned_clone->view() == value);
    CHECK(pinned_clone->is_valid_checksum());
    CHECK(from_iteration.size() == 1 && from_iteration[0].view() == "replaced");
    CHECK(from_iteration.size() == 1 && from_iteration[0].is_valid_checksum());

    // Chunked reads of a kept entry after the store is gone.
    std::string chunks;
    char buf[300];
    std::uint64_t offset = 0;
    for (std::size_t n; (n = pinned_clone->read_at(offset, buf, sizeof buf)) > 0; offset += n) chunks.append(buf, n);
    CHECK(chunks == value);
    CHECK_THROWS_STATUS(pinned_clone->read_at(value.size() + 1, buf, sizeof buf), RDRIVE_ERR_INVALID_ARG);
    return finish("entries_outlive_their_store");
}
