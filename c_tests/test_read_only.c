/* A read-only open never creates or modifies the file, refuses writes, and
 * reads normally. */
#include <sys/stat.h>

#include "check.h"

int main(void) {
    const char *dir = temp_dir();
    char path[256], missing[256];
    path_in(path, sizeof path, dir, "ro.rdrive");
    path_in(missing, sizeof missing, dir, "absent.rdrive");
    rdrive_store *s = NULL;
    CHECK_STATUS(rdrive_store_open(missing, RDRIVE_OPEN_READ_ONLY, &s), RDRIVE_ERR_IO);
    CHECK(file_size_of(missing) == -1);

    REQUIRE_OK(rdrive_store_open(path, 0, &s));
    REQUIRE_OK(rdrive_store_write(s, KEY("k"), (const uint8_t *)"v1", 2));
    rdrive_store_close(s);
    struct stat before, after;
    CHECK(stat(path, &before) == 0);
    size_t len = 0, len2 = 0;
    unsigned char *bytes = read_file(path, &len);

    REQUIRE_OK(rdrive_store_open(path, RDRIVE_OPEN_READ_ONLY, &s));
    rdrive_store *target = NULL;
    char other[256];
    path_in(other, sizeof other, dir, "target.rdrive");
    REQUIRE_OK(rdrive_store_open(other, 0, &target));
    CHECK_STATUS(rdrive_store_write(s, KEY("k"), (const uint8_t *)"v2", 2), RDRIVE_ERR_READ_ONLY);
    CHECK_STATUS(rdrive_store_delete(s, KEY("k")), RDRIVE_ERR_READ_ONLY);
    CHECK_STATUS(rdrive_store_rename(s, KEY("k"), KEY("j")), RDRIVE_ERR_READ_ONLY);
    CHECK_STATUS(rdrive_store_transfer(s, KEY("k"), target), RDRIVE_ERR_READ_ONLY);
    CHECK_STATUS(rdrive_store_copy(target, KEY("k"), s), RDRIVE_NOT_FOUND);
    REQUIRE_OK(rdrive_store_write(target, KEY("t"), (const uint8_t *)"x", 1));
    CHECK_STATUS(rdrive_store_copy(target, KEY("t"), s), RDRIVE_ERR_READ_ONLY);
    CHECK_STATUS(rdrive_store_compact(s), RDRIVE_ERR_READ_ONLY);
    CHECK_STATUS(rdrive_store_sync(s), RDRIVE_OK);
    /* Copying out of a read-only store is fine. */
    CHECK_STATUS(rdrive_store_copy(s, KEY("k"), target), RDRIVE_OK);
    rdrive_entry *e = NULL;
    CHECK_STATUS(rdrive_store_read(s, KEY("k"), &e), RDRIVE_OK);
    CHECK(entry_equals(e, "v1", 2));
    rdrive_entry_free(e);
    rdrive_store_close(s);
    rdrive_store_close(target);

    CHECK(stat(path, &after) == 0);
    CHECK(before.st_mtim.tv_sec == after.st_mtim.tv_sec && before.st_mtim.tv_nsec == after.st_mtim.tv_nsec);
    unsigned char *bytes2 = read_file(path, &len2);
    CHECK(len == len2 && memcmp(bytes, bytes2, len) == 0);
    free(bytes);
    free(bytes2);
    remove_tree(dir);
    return finish("read_only");
}
