/* A store with many keys leaves an index cache at close that the next open
 * loads; RDRIVE_OPEN_NO_INDEX_CACHE opens without it; deleting the cache is
 * always safe. */
#include "check.h"

#define N 20000u

static void verify(const char *path, uint32_t flags) {
    rdrive_store *s = NULL;
    REQUIRE_OK(rdrive_store_open(path, flags, &s));
    uint64_t n = 0;
    REQUIRE_OK(rdrive_store_len(s, &n));
    CHECK(n == N - 1);
    for (uint32_t i = 0; i < N; i++) {
        uint32_t want = i * 2;
        rdrive_entry *e = NULL;
        rdrive_status st = rdrive_store_read(s, (const uint8_t *)&i, sizeof i, &e);
        if (i == 77) {
            CHECK_STATUS(st, RDRIVE_NOT_FOUND);
        } else {
            CHECK_STATUS(st, RDRIVE_OK);
            CHECK(entry_equals(e, &want, sizeof want));
        }
        rdrive_entry_free(e);
    }
    rdrive_store_close(s);
}

int main(void) {
    const char *dir = temp_dir();
    char path[256], cache[300];
    path_in(path, sizeof path, dir, "big.rdrive");
    snprintf(cache, sizeof cache, "%s.rdrive-index", path);
    rdrive_store *s = NULL;
    REQUIRE_OK(rdrive_store_open(path, 0, &s));
    for (uint32_t i = 0; i < N; i++) {
        uint32_t value = i * 2;
        REQUIRE_OK(rdrive_store_write(s, (const uint8_t *)&i, sizeof i, (const uint8_t *)&value, sizeof value));
    }
    uint32_t gone = 77;
    REQUIRE_OK(rdrive_store_delete(s, (const uint8_t *)&gone, sizeof gone));
    rdrive_store_close(s);
    CHECK(file_size_of(cache) > 0);

    verify(path, 0);
    verify(path, RDRIVE_OPEN_READ_ONLY);
    verify(path, RDRIVE_OPEN_NO_INDEX_CACHE);
    CHECK(unlink(cache) == 0);
    verify(path, RDRIVE_OPEN_READ_ONLY);
    CHECK(file_size_of(cache) == -1); /* read-only handles never write it */
    verify(path, 0);
    CHECK(file_size_of(cache) > 0); /* rewritten by the read-write close */
    remove_tree(dir);
    return finish("index_cache");
}
