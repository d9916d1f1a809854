/* The read paths agree: read, read by hash, peek (no allocation), read into
 * a caller buffer, chunked reads of an entry, metadata, read_last. */
#include "check.h"

struct seen {
    int calls;
    size_t len;
    uint8_t first;
};

static void look(void *ctx, const uint8_t *ptr, size_t len) {
    struct seen *s = ctx;
    s->calls++;
    s->len = len;
    s->first = len ? ptr[0] : 0;
}

int main(void) {
    const char *dir = temp_dir();
    char path[256];
    path_in(path, sizeof path, dir, "rp.rdrive");
    rdrive_store *s = NULL;
    REQUIRE_OK(rdrive_store_open(path, 0, &s));
    uint8_t value[5000];
    for (size_t i = 0; i < sizeof value; i++) value[i] = (uint8_t)(i * 13 + 5);
    REQUIRE_OK(rdrive_store_write(s, KEY("first"), (const uint8_t *)"abc", 3));
    uint64_t tail = 0;
    REQUIRE_OK(rdrive_store_file_size(s, &tail));
    REQUIRE_OK(rdrive_store_write(s, KEY("big"), value, sizeof value));

    rdrive_entry *e = NULL, *h = NULL;
    REQUIRE_OK(rdrive_store_read(s, KEY("big"), &e));
    CHECK_STATUS(rdrive_store_read_hashed(s, rdrive_hash_key(KEY("big")), &h), RDRIVE_OK);
    CHECK(rdrive_entry_address_range(e).ptr == rdrive_entry_address_range(h).ptr);
    rdrive_entry_free(h);

    rdrive_metadata m = rdrive_entry_metadata(e);
    CHECK(m.key_hash == rdrive_hash_key(KEY("big")));
    CHECK(m.prev_offset == tail);
    CHECK(m.checksum == rdrive_entry_checksum(e));
    CHECK(rdrive_entry_start_offset(e) == 64);
    CHECK(rdrive_entry_end_offset(e) == 64 + sizeof value);

    struct seen seen = {0, 0, 0};
    CHECK_STATUS(rdrive_store_peek(s, KEY("big"), look, &seen), RDRIVE_OK);
    CHECK(seen.calls == 1 && seen.len == sizeof value && seen.first == value[0]);

    uint8_t copy[6000];
    size_t len = 0;
    CHECK_STATUS(rdrive_store_read_into(s, KEY("big"), copy, sizeof copy, &len), RDRIVE_OK);
    CHECK(len == sizeof value && memcmp(copy, value, len) == 0);

    /* Chunked reads reassemble the value. */
    uint8_t chunk[777], whole[5000];
    size_t got = 0, n = 0;
    do {
        CHECK_STATUS(rdrive_entry_read_at(e, got, chunk, sizeof chunk, &n), RDRIVE_OK);
        memcpy(whole + got, chunk, n);
        got += n;
    } while (n > 0 && got < sizeof whole);
    CHECK(got == sizeof value && memcmp(whole, value, got) == 0);
    CHECK_STATUS(rdrive_entry_read_at(e, sizeof value, chunk, sizeof chunk, &n), RDRIVE_OK);
    CHECK(n == 0);
    CHECK_STATUS(rdrive_entry_read_at(e, sizeof value + 1, chunk, sizeof chunk, &n),
                 RDRIVE_ERR_INVALID_ARG);
    rdrive_entry_free(e);

    /* read_last skips deletion markers. */
    REQUIRE_OK(rdrive_store_delete(s, KEY("big")));
    CHECK_STATUS(rdrive_store_read_last(s, &e), RDRIVE_OK);
    CHECK(entry_equals(e, "abc", 3));
    rdrive_entry_free(e);

    uint64_t reclaim = 0;
    CHECK_STATUS(rdrive_store_reclaimable_bytes(s, &reclaim), RDRIVE_OK);
    CHECK(reclaim > sizeof value);
    rdrive_store_close(s);
    remove_tree(dir);
    return finish("read_paths");
}
