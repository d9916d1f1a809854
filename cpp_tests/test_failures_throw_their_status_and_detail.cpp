// Every failure the wrapper can meet throws rdrive::Error with the C status
// and the library's detail text, captured at the failing call; the try_
// forms return the same statuses without throwing; NOT_FOUND is never an
// error.
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "check.hpp"

static_assert(std::is_base_of_v<std::runtime_error, rdrive::Error>);
static_assert(std::is_nothrow_copy_constructible_v<rdrive::Error>);

static bool contains_text(const char *haystack, const std::string &needle) {
    return std::strstr(haystack, needle.c_str()) != nullptr;
}

int main() {
    TempDir dir;
    const std::string path = dir.file("s.rdrive");
    const std::string missing = dir.file("missing.rdrive");
    rdrive::Store s{path};
    s.write("k", "value");

    // INVALID_ARG: an empty value, the lone 0x00 byte, unknown flags, null
    // data with a length. Nothing is written.
    const std::uint64_t size_before = s.file_size();
    CHECK_THROWS_STATUS(s.write("k", ""), RDRIVE_ERR_INVALID_ARG);
    CHECK_THROWS_STATUS(s.write("k", std::string(1, '\0')), RDRIVE_ERR_INVALID_ARG);
    CHECK_THROWS_STATUS(s.write("k", nullptr, 3), RDRIVE_ERR_INVALID_ARG);
    CHECK_THROWS_STATUS(rdrive::Store(dir.file("flags.rdrive"), 0x100u), RDRIVE_ERR_INVALID_ARG);
    CHECK_THROWS_STATUS(rdrive::Store(""), RDRIVE_ERR_INVALID_ARG);
    CHECK_THROWS_STATUS(s.rename("k", "k"), RDRIVE_ERR_INVALID_ARG);
    CHECK(s.file_size() == size_before);
    try {
        s.write("k", "");
        CHECK(false);
    } catch (const rdrive::Error &e) {
        // what() is the library's detail, naming the function and the reason.
        CHECK(contains_text(e.what(), "rdrive_store_write"));
        CHECK(contains_text(e.what(), "empty"));
        CHECK(std::strcmp(e.status_name(), rdrive_status_str(RDRIVE_ERR_INVALID_ARG)) == 0);
    }

    // IO: a missing file that must exist; the detail names the file.
    try {
        rdrive::Store m{missing, RDRIVE_OPEN_MUST_EXIST};
        CHECK(false);
    } catch (const rdrive::Error &e) {
        CHECK(e.status() == RDRIVE_ERR_IO);
        CHECK(contains_text(e.what(), "missing.rdrive"));
        // Caught as its base class too.
        const std::runtime_error &base = e;
        CHECK(contains_text(base.what(), "missing.rdrive"));
    }
    CHECK(!std::filesystem::exists(missing));

    // The detail is captured at the failing call: a later failure on this
    // thread replaces rdrive_last_error() but not an Error already thrown.
    try {
        rdrive::Store m{missing, RDRIVE_OPEN_MUST_EXIST};
        CHECK(false);
    } catch (const rdrive::Error &first) {
        const std::string first_text = first.what();
        CHECK_THROWS_STATUS(s.write("k", ""), RDRIVE_ERR_INVALID_ARG);
        CHECK(!contains_text(rdrive_last_error(), "missing.rdrive"));
        CHECK(first_text == first.what());
        CHECK(contains_text(first.what(), "missing.rdrive"));
    }

    // LOCKED: a second read-write handle on the same file.
    try {
        rdrive::Store second{path};
        CHECK(false);
    } catch (const rdrive::Error &e) {
        CHECK(e.status() == RDRIVE_ERR_LOCKED);
        CHECK(contains_text(e.what(), "s.rdrive"));
    }

    // READ_ONLY: every write call of a read-only store.
    {
        rdrive::Store ro{path, rdrive::read_only};
        CHECK_THROWS_STATUS(ro.write("k", "v"), RDRIVE_ERR_READ_ONLY);
        CHECK_THROWS_STATUS(ro.erase("k"), RDRIVE_ERR_READ_ONLY);
        CHECK_THROWS_STATUS(ro.batch_write({{"a", "1"}}), RDRIVE_ERR_READ_ONLY);
        CHECK_THROWS_STATUS(ro.compact(), RDRIVE_ERR_READ_ONLY);
        CHECK(ro.read("k")->view() == "value");
    }

    // ABORTED: a stream source that gives up, a progress that stops.
    CHECK_THROWS_STATUS(s.write_stream("streamed", [](std::byte *, std::size_t) { return -1; }), RDRIVE_ERR_ABORTED);
    CHECK(!s.contains("streamed"));

    // BUFFER_TOO_SMALL: read_into throws; try_read_into reports the size needed.
    char small[2];
    CHECK_THROWS_STATUS(s.read_into("k", small, sizeof small), RDRIVE_ERR_BUFFER_TOO_SMALL);
    std::size_t needed = 0;
    CHECK(s.try_read_into("k", small, sizeof small, needed) == RDRIVE_ERR_BUFFER_TOO_SMALL);
    CHECK(needed == 5);

    // NOT_FOUND is an answer, not an error.
    CHECK(!s.read("absent").has_value());
    CHECK(!s.erase("absent"));
    CHECK(!s.rename("absent", "other"));
    CHECK(!s.read_into("absent", small, sizeof small).has_value());
    CHECK(!s.peek("absent", [](std::string_view) {}));

    // The try_ forms: statuses, no exceptions, same effects.
    static_assert(noexcept(s.try_write("k", "v")));
    static_assert(noexcept(rdrive::Store::try_open("p", 0, s)));
    CHECK(s.try_write("k", "") == RDRIVE_ERR_INVALID_ARG);
    CHECK(s.try_write("t", "tried") == RDRIVE_OK);
    std::optional<rdrive::Entry> out;
    CHECK(s.try_read("t", out) == RDRIVE_OK && out && out->view() == "tried");
    CHECK(s.try_read("absent", out) == RDRIVE_NOT_FOUND && !out);
    CHECK(s.try_erase("t") == RDRIVE_OK);
    CHECK(s.try_erase("t") == RDRIVE_NOT_FOUND);
    CHECK(s.try_sync() == RDRIVE_OK);
    CHECK(s.try_compact() == RDRIVE_OK);
    rdrive::Store opened;
    CHECK(rdrive::Store::try_open(path.c_str(), 0, opened) == RDRIVE_ERR_LOCKED);
    CHECK(!opened.is_open());
    CHECK(contains_text(rdrive_last_error(), "locked"));
    CHECK(rdrive::Store::try_open(path.c_str(), RDRIVE_OPEN_READ_ONLY, opened) == RDRIVE_OK);
    CHECK(opened.is_open() && opened.read("k")->view() == "value");
    CHECK(opened.try_write("k", "v") == RDRIVE_ERR_READ_ONLY);

    // A Store that owns nothing fails cleanly instead of crashing.
    rdrive::Store nothing;
    CHECK_THROWS_STATUS(nothing.size(), RDRIVE_ERR_INVALID_ARG);
    CHECK_THROWS_STATUS(nothing.read("k"), RDRIVE_ERR_INVALID_ARG);
    CHECK_THROWS_STATUS(nothing.write("k", "v"), RDRIVE_ERR_INVALID_ARG);
    CHECK_THROWS_STATUS(nothing.entries(), RDRIVE_ERR_INVALID_ARG);
    CHECK_THROWS_STATUS(s.copy("k", nothing), RDRIVE_ERR_INVALID_ARG);
    CHECK(nothing.try_close() == RDRIVE_OK);

    // The store still works after all of that.
    CHECK(s.read("k")->view() == "value");
    s.close();
    CHECK(!s.is_open());
    return finish("failures_throw_their_status_and_detail");
}
