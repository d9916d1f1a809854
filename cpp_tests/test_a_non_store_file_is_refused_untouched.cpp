// A file that is not a store is refused with RDRIVE_ERR_CORRUPT, by every
// way of opening it, and left byte for byte as it was; only
// RDRIVE_OPEN_REPAIR discards it.
#include <string>

#include "check.hpp"

int main() {
    TempDir dir;
    const std::string path = dir.file("config.ini");
    std::string text;
    for (int i = 0; i < 40; i++) text += numbered("[section ", i) + "]\nname = value\n";
    write_file(path, text);
    CHECK(read_file(path) == text);

    CHECK_THROWS_STATUS(rdrive::Store(path), RDRIVE_ERR_CORRUPT);
    CHECK(read_file(path) == text);
    CHECK_THROWS_STATUS(rdrive::Store(path, rdrive::read_only), RDRIVE_ERR_CORRUPT);
    CHECK(read_file(path) == text);
    CHECK_THROWS_STATUS(rdrive::Store(path.c_str(), RDRIVE_OPEN_MUST_EXIST | RDRIVE_OPEN_SYNC), RDRIVE_ERR_CORRUPT);
    CHECK(read_file(path) == text);
    try {
        rdrive::Store s{path};
        CHECK(false);
    } catch (const rdrive::Error &e) {
        CHECK(e.status() == RDRIVE_ERR_CORRUPT);
        CHECK(std::string(e.what()).find("config.ini") != std::string::npos);
    }
    rdrive::Store out;
    CHECK(rdrive::Store::try_open(path.c_str(), 0, out) == RDRIVE_ERR_CORRUPT);
    CHECK(!out.is_open());
    CHECK(read_file(path) == text);

    // With the repair flag the text is discarded: an empty store.
    {
        rdrive::Store repaired{path, RDRIVE_OPEN_REPAIR};
        CHECK(repaired.recovered_bytes() == text.size());
        CHECK(repaired.size() == 0);
        repaired.write("now", "a store");
    }
    rdrive::Store reopened{path, rdrive::read_only};
    CHECK(reopened.read("now")->view() == "a store");
    CHECK(read_file(path).find("[section") == std::string::npos);
    return finish("a_non_store_file_is_refused_untouched");
}
