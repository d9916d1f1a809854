/* A torn end (a crash mid-append) is discarded on open, reported, and
 * truncated; everything before it is intact. */
#include "check.h"

int main(void) {
    const char *dir = temp_dir();
    char path[256];
    path_in(path, sizeof path, dir, "torn.rdrive");
    rdrive_store *s = NULL;
    REQUIRE_OK(rdrive_store_open(path, 0, &s));
    for (uint32_t i = 0; i < 50; i++) {
        REQUIRE_OK(rdrive_store_write(s, (const uint8_t *)&i, sizeof i, (const uint8_t *)"payload", 7));
    }
    uint64_t good = 0;
    REQUIRE_OK(rdrive_store_file_size(s, &good));
    rdrive_store_close(s);

    /* Half of an entry, then garbage, as a crash could leave. */
    FILE *f = fopen(path, "ab");
    CHECK(f != NULL);
    unsigned char junk[333];
    memset(junk, 0, 40);
    for (size_t i = 40; i < sizeof junk; i++) junk[i] = (unsigned char)(i * 31);
    CHECK(fwrite(junk, 1, sizeof junk, f) == sizeof junk);
    fclose(f);

    /* A read-only open recovers in memory and leaves the file alone. */
    uint64_t recovered = 0, size = 0;
    REQUIRE_OK(rdrive_store_open_with_report(path, RDRIVE_OPEN_READ_ONLY, &s, &recovered));
    CHECK(recovered == sizeof junk);
    REQUIRE_OK(rdrive_store_file_size(s, &size));
    CHECK(size == good);
    rdrive_store_close(s);
    CHECK(file_size_of(path) == (long)(good + sizeof junk));

    REQUIRE_OK(rdrive_store_open_with_report(path, 0, &s, &recovered));
    CHECK(recovered == sizeof junk);
    uint64_t again = 0;
    REQUIRE_OK(rdrive_store_recovered_bytes(s, &again));
    CHECK(again == sizeof junk);
    CHECK(file_size_of(path) == (long)good);
    uint64_t n = 0;
    REQUIRE_OK(rdrive_store_len(s, &n));
    CHECK(n == 50);
    for (uint32_t i = 0; i < 50; i++) {
        rdrive_entry *e = NULL;
        CHECK_STATUS(rdrive_store_read(s, (const uint8_t *)&i, sizeof i, &e), RDRIVE_OK);
        CHECK(entry_equals(e, "payload", 7));
        rdrive_entry_free(e);
    }
    /* And it is writable again. */
    CHECK_STATUS(rdrive_store_write(s, KEY("after"), (const uint8_t *)"crash", 5), RDRIVE_OK);
    rdrive_store_close(s);
    remove_tree(dir);
    return finish("torn_tail");
}
