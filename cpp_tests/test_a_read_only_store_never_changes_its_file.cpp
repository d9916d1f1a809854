// A Store opened read-only (the tag or the flag) never changes or creates
// its file, refuses every write, and sees the store as it was at the open.
#include <filesystem>
#include <string>

#include "check.hpp"

int main() {
    TempDir dir;
    const std::string path = dir.file("ro.rdrive");
    {
        rdrive::Store w{path};
        w.write("k", "v1");
        w.write("gone", "soon");
        w.erase("gone");
    }
    const std::string bytes = read_file(path);
    CHECK(!bytes.empty());

    rdrive::Store tag{path, rdrive::read_only};
    rdrive::Store flag{path.c_str(), RDRIVE_OPEN_READ_ONLY};
    rdrive::Store both{path, rdrive::read_only, RDRIVE_OPEN_NO_INDEX_CACHE};
    for (rdrive::Store *s : {&tag, &flag, &both}) {
        CHECK(s->read("k")->view() == "v1");
        CHECK(!s->contains("gone") && s->size() == 1);
        CHECK_THROWS_STATUS(s->write("k", "v2"), RDRIVE_ERR_READ_ONLY);
        CHECK_THROWS_STATUS(s->write_hashed(rdrive::hash_key("k"), "v2"), RDRIVE_ERR_READ_ONLY);
        CHECK_THROWS_STATUS(s->erase("k"), RDRIVE_ERR_READ_ONLY);
        CHECK_THROWS_STATUS(s->rename("k", "k2"), RDRIVE_ERR_READ_ONLY);
        CHECK_THROWS_STATUS(s->batch_erase({"k"}), RDRIVE_ERR_READ_ONLY);
        CHECK_THROWS_STATUS(s->write_stream("k", [](char *, std::size_t) { return 0; }), RDRIVE_ERR_READ_ONLY);
        CHECK_THROWS_STATUS(s->compact(), RDRIVE_ERR_READ_ONLY);
        s->sync();  // a no-op when read-only
    }
    CHECK(read_file(path) == bytes);

    // A writer's later changes are not seen by the read-only handles opened
    // before them.
    {
        rdrive::Store w{path};
        w.write("k", "v2");
        w.write("new", "n");
    }
    CHECK(tag.read("k")->view() == "v1" && !tag.contains("new"));
    rdrive::Store fresh{path, rdrive::read_only};
    CHECK(fresh.read("k")->view() == "v2" && fresh.contains("new"));

    // A read-only open never creates the file.
    const std::string missing = dir.file("missing.rdrive");
    CHECK_THROWS_STATUS(rdrive::Store(missing, rdrive::read_only), RDRIVE_ERR_IO);
    CHECK(!std::filesystem::exists(missing));
    tag.close();
    flag.close();
    both.close();
    CHECK(read_file(path).size() == fresh.file_size());
    return finish("a_read_only_store_never_changes_its_file");
}
