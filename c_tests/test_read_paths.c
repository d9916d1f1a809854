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

typedef struct visits {
    size_t n;
    size_t index[8];
    size_t len[8];
} visits;

static void record_visit(void *ctx, size_t index, const uint8_t *ptr, size_t len) {
    visits *v = ctx;
    if (v->n < 8 && (ptr != NULL || len == 0)) {
        v->index[v->n] = index;
        v->len[v->n] = len;
    }
    v->n++;
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

    /* get: the entry and its bytes in one call. */
    rdrive_bytes got_bytes = {NULL, 7};
    CHECK_STATUS(rdrive_store_get(s, KEY("first"), &e, &got_bytes), RDRIVE_OK);
    CHECK(e != NULL && got_bytes.len == 3 && memcmp(got_bytes.ptr, "abc", 3) == 0);
    CHECK(got_bytes.ptr == rdrive_entry_address_range(e).ptr);
    rdrive_entry_free(e);
    CHECK_STATUS(rdrive_store_get(s, KEY("big"), &e, &got_bytes), RDRIVE_NOT_FOUND);
    CHECK(e == NULL && got_bytes.ptr == NULL && got_bytes.len == 0);

    /* batch_peek: every key visited in order, absent ones as NULL. */
    rdrive_bytes keys[3] = {{(const uint8_t *)"first", 5}, {(const uint8_t *)"big", 3},
                            {(const uint8_t *)"first", 5}};
    visits v = {0, {0}, {0}};
    size_t present = 99;
    CHECK_STATUS(rdrive_store_batch_peek(s, keys, 3, record_visit, &v, &present), RDRIVE_OK);
    CHECK(present == 2 && v.n == 3);
    CHECK(v.index[0] == 0 && v.len[0] == 3 && v.index[1] == 1 && v.len[1] == 0 && v.index[2] == 2);

    uint64_t reclaim = 0;
    CHECK_STATUS(rdrive_store_reclaimable_bytes(s, &reclaim), RDRIVE_OK);
    CHECK(reclaim > sizeof value);
    rdrive_store_close(s);
    remove_tree(dir);
    return finish("read_paths");
}
