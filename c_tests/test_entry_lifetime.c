/* An entry read before 10,000 writes, a compaction and rdrive_store_close
 * still holds the same bytes at the same address. */
#include "check.h"

int main(void) {
    const char *dir = temp_dir();
    char path[256];
    path_in(path, sizeof path, dir, "life.rdrive");
    rdrive_store *s = NULL;
    REQUIRE_OK(rdrive_store_open(path, 0, &s));

    uint8_t value[1000];
    for (size_t i = 0; i < sizeof value; i++) value[i] = (uint8_t)(i * 7 + 1);
    REQUIRE_OK(rdrive_store_write(s, KEY("pinned"), value, sizeof value));
    rdrive_entry *e = NULL;
    REQUIRE_OK(rdrive_store_read(s, KEY("pinned"), &e));
    rdrive_bytes before = rdrive_entry_address_range(e);

    uint8_t filler[200];
    memset(filler, 0xAB, sizeof filler);
    for (uint32_t i = 0; i < 10000; i++) {
        REQUIRE_OK(rdrive_store_write(s, (const uint8_t *)&i, sizeof i, filler, sizeof filler));
    }
    REQUIRE_OK(rdrive_store_write(s, KEY("pinned"), (const uint8_t *)"replaced", 8));
    REQUIRE_OK(rdrive_store_compact(s));
    rdrive_entry *copy = rdrive_entry_clone(e);
    rdrive_store_close(s);

    rdrive_bytes after = rdrive_entry_address_range(e);
    CHECK(after.ptr == before.ptr && after.len == before.len);
    CHECK(entry_equals(e, value, sizeof value));
    CHECK(rdrive_entry_is_valid_checksum(e));
    rdrive_entry_free(e);
    /* The clone is independent of the original. */
    CHECK(entry_equals(copy, value, sizeof value));
    rdrive_entry_free(copy);

    remove_tree(dir);
    return finish("entry_lifetime");
}
