// rename moves a value within a store, copy and transfer between stores;
// each reports an absent key as false and refuses the same key or the same
// file.
#include <filesystem>
#include <string>

#include "check.hpp"

int main() {
    TempDir dir;
    rdrive::Store a{dir.file("a.rdrive")};
    rdrive::Store b{std::filesystem::path(dir.file("b.rdrive"))};  // a path converts to the string form
    a.write("old", "moving value");
    a.write("shared", "copied value");
    a.write("leaving", "transferred value");

    CHECK(a.rename("old", "new"));
    CHECK(!a.contains("old") && a.read("new")->view() == "moving value");
    CHECK(!a.rename("old", "newer"));
    CHECK_THROWS_STATUS(a.rename("new", "new"), RDRIVE_ERR_INVALID_ARG);

    CHECK(a.copy("shared", b));
    CHECK(a.read("shared")->view() == "copied value");
    CHECK(b.read("shared")->view() == "copied value");
    // The copy keeps the stored checksum.
    CHECK(b.read("shared")->checksum() == a.read("shared")->checksum());
    CHECK(!a.copy("absent", b));

    CHECK(a.transfer("leaving", b));
    CHECK(!a.contains("leaving") && b.read("leaving")->view() == "transferred value");
    CHECK(!a.transfer("leaving", b));

    // The same store is refused, also through another handle on the file.
    CHECK_THROWS_STATUS(a.copy("new", a), RDRIVE_ERR_INVALID_ARG);
    CHECK_THROWS_STATUS(a.transfer("new", a), RDRIVE_ERR_INVALID_ARG);
    rdrive::Store a_again{dir.file("a.rdrive"), rdrive::read_only};
    CHECK_THROWS_STATUS(a_again.copy("new", a), RDRIVE_ERR_INVALID_ARG);
    CHECK(a.read("new")->view() == "moving value");

    // A read-only target refuses the write.
    b.close();
    rdrive::Store ro{dir.file("b.rdrive"), rdrive::read_only};
    CHECK_THROWS_STATUS(a.copy("new", ro), RDRIVE_ERR_READ_ONLY);
    CHECK(!ro.contains("new") && ro.size() == 2);
    CHECK(a.size() == 2);
    return finish("rename_copy_and_transfer_move_values");
}
