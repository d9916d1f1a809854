/* NULL in every pointer position of every export: RDRIVE_ERR_INVALID_ARG
 * (or a documented neutral value), never a crash, nothing written. */
#include "check.h"

#define INVALID(expr) CHECK_STATUS(expr, RDRIVE_ERR_INVALID_ARG)

static intptr_t source(void *ctx, uint8_t *buf, size_t cap) {
    (void)ctx;
    (void)buf;
    (void)cap;
    return 0;
}

static void view(void *ctx, const uint8_t *ptr, size_t len) {
    (void)ctx;
    (void)ptr;
    (void)len;
}

static void batch_view(void *ctx, size_t index, const uint8_t *ptr, size_t len) {
    (void)ctx;
    (void)index;
    (void)ptr;
    (void)len;
}

int main(void) {
    const char *dir = temp_dir();
    char path[256], other[256];
    path_in(path, sizeof path, dir, "n.rdrive");
    path_in(other, sizeof other, dir, "o.rdrive");
    rdrive_store *s = NULL, *t = NULL;
    REQUIRE_OK(rdrive_store_open(path, 0, &s));
    REQUIRE_OK(rdrive_store_open(other, 0, &t));
    REQUIRE_OK(rdrive_store_write(s, KEY("k"), (const uint8_t *)"value", 5));
    uint64_t size_before = 0;
    REQUIRE_OK(rdrive_store_file_size(s, &size_before));

    const uint8_t *k = (const uint8_t *)"k";
    const uint8_t *v = (const uint8_t *)"v";
    uint8_t buf[16], ns[16];
    uint64_t u64 = 0;
    size_t sz = 0;
    bool flag = false;
    rdrive_entry *e = NULL;
    rdrive_iter *it = NULL;
    rdrive_store *out = NULL;

    /* Hashing: NULL with length 0 is the empty key; with a length it is 0. */
    CHECK(rdrive_hash_key(NULL, 0) == UINT64_C(0x2d06800538d394c2));
    CHECK(rdrive_hash_key(NULL, 3) == 0);
    INVALID(rdrive_namespace_key(NULL, 1, k, 1, ns));
    INVALID(rdrive_namespace_key(k, 1, NULL, 1, ns));
    INVALID(rdrive_namespace_key(k, 1, k, 1, NULL));

    /* Open. */
    INVALID(rdrive_store_open(NULL, 0, &out));
    INVALID(rdrive_store_open("", 0, &out));
    INVALID(rdrive_store_open(other, 0, NULL));
    INVALID(rdrive_store_open_with_report(NULL, 0, &out, &u64));
    INVALID(rdrive_store_open_with_report(other, 0, NULL, &u64));
    CHECK(out == NULL);
    INVALID(rdrive_store_recovered_bytes(NULL, &u64));
    INVALID(rdrive_store_recovered_bytes(s, NULL));

    /* Writes. */
    INVALID(rdrive_store_write(NULL, k, 1, v, 1));
    INVALID(rdrive_store_write(s, NULL, 1, v, 1));
    INVALID(rdrive_store_write(s, k, 1, NULL, 1));
    INVALID(rdrive_store_write_hashed(NULL, 1, v, 1));
    INVALID(rdrive_store_write_hashed(s, 1, NULL, 1));
    rdrive_kv items[1] = {{k, 1, v, 1}};
    INVALID(rdrive_store_batch_write(NULL, items, 1));
    INVALID(rdrive_store_batch_write(s, NULL, 1));
    items[0].key = NULL;
    INVALID(rdrive_store_batch_write(s, items, 1));
    items[0].key = k;
    items[0].value = NULL;
    INVALID(rdrive_store_batch_write(s, items, 1));
    INVALID(rdrive_store_write_stream(NULL, k, 1, source, NULL));
    INVALID(rdrive_store_write_stream(s, NULL, 1, source, NULL));
    INVALID(rdrive_store_write_stream(s, k, 1, NULL, NULL));
    INVALID(rdrive_store_delete(NULL, k, 1));
    INVALID(rdrive_store_delete(s, NULL, 1));
    rdrive_bytes keys[1] = {{k, 1}};
    INVALID(rdrive_store_batch_delete(NULL, keys, 1, &sz));
    INVALID(rdrive_store_batch_delete(s, NULL, 1, &sz));
    keys[0].ptr = NULL;
    INVALID(rdrive_store_batch_delete(s, keys, 1, &sz));
    keys[0].ptr = k;
    INVALID(rdrive_store_rename(NULL, k, 1, v, 1));
    INVALID(rdrive_store_rename(s, NULL, 1, v, 1));
    INVALID(rdrive_store_rename(s, k, 1, NULL, 1));
    INVALID(rdrive_store_copy(NULL, k, 1, t));
    INVALID(rdrive_store_copy(s, NULL, 1, t));
    INVALID(rdrive_store_copy(s, k, 1, NULL));
    INVALID(rdrive_store_transfer(NULL, k, 1, t));
    INVALID(rdrive_store_transfer(s, NULL, 1, t));
    INVALID(rdrive_store_transfer(s, k, 1, NULL));
    INVALID(rdrive_store_sync(NULL));
    INVALID(rdrive_store_compact(NULL));
    INVALID(rdrive_store_compact_with_progress(NULL, NULL, NULL));

    /* Reads. */
    INVALID(rdrive_store_read(NULL, k, 1, &e));
    INVALID(rdrive_store_read(s, NULL, 1, &e));
    INVALID(rdrive_store_read(s, k, 1, NULL));
    INVALID(rdrive_store_read_hashed(NULL, 1, &e));
    INVALID(rdrive_store_read_hashed(s, 1, NULL));
    rdrive_entry *slots[1];
    INVALID(rdrive_store_batch_read(NULL, keys, 1, slots, &sz));
    INVALID(rdrive_store_batch_read(s, NULL, 1, slots, &sz));
    INVALID(rdrive_store_batch_read(s, keys, 1, NULL, &sz));
    INVALID(rdrive_store_peek(NULL, k, 1, view, NULL));
    INVALID(rdrive_store_peek(s, NULL, 1, view, NULL));
    INVALID(rdrive_store_peek(s, k, 1, NULL, NULL));
    INVALID(rdrive_store_get(NULL, k, 1, &e, NULL));
    INVALID(rdrive_store_get(s, NULL, 1, &e, NULL));
    INVALID(rdrive_store_get(s, k, 1, NULL, NULL));
    INVALID(rdrive_store_batch_peek(NULL, NULL, 0, batch_view, NULL, NULL));
    INVALID(rdrive_store_batch_peek(s, NULL, 1, batch_view, NULL, NULL));
    INVALID(rdrive_store_batch_peek(s, NULL, 0, NULL, NULL, NULL));
    INVALID(rdrive_store_read_into(NULL, k, 1, buf, sizeof buf, &sz));
    INVALID(rdrive_store_read_into(s, NULL, 1, buf, sizeof buf, &sz));
    INVALID(rdrive_store_read_into(s, k, 1, NULL, sizeof buf, &sz));
    INVALID(rdrive_store_read_into(s, k, 1, buf, sizeof buf, NULL));
    size_t one_len = 1;
    INVALID(rdrive_store_batch_read_into(NULL, k, &one_len, 1, buf, sizeof buf, &sz, NULL));
    INVALID(rdrive_store_batch_read_into(s, NULL, &one_len, 1, buf, sizeof buf, &sz, NULL));
    INVALID(rdrive_store_batch_read_into(s, k, NULL, 1, buf, sizeof buf, &sz, NULL));
    INVALID(rdrive_store_batch_read_into(s, k, &one_len, 1, NULL, sizeof buf, &sz, NULL));
    INVALID(rdrive_store_batch_read_into(s, k, &one_len, 1, buf, sizeof buf, NULL, NULL));
    INVALID(rdrive_store_batch_write_packed(NULL, k, &one_len, k, &one_len, 1));
    INVALID(rdrive_store_batch_write_packed(s, NULL, &one_len, k, &one_len, 1));
    INVALID(rdrive_store_batch_write_packed(s, k, NULL, k, &one_len, 1));
    INVALID(rdrive_store_batch_write_packed(s, k, &one_len, NULL, &one_len, 1));
    INVALID(rdrive_store_batch_write_packed(s, k, &one_len, k, NULL, 1));
    INVALID(rdrive_store_read_last(NULL, &e));
    INVALID(rdrive_store_read_last(s, NULL));
    INVALID(rdrive_store_exists(NULL, k, 1, &flag));
    INVALID(rdrive_store_exists(s, NULL, 1, &flag));
    INVALID(rdrive_store_exists(s, k, 1, NULL));
    INVALID(rdrive_store_len(NULL, &u64));
    INVALID(rdrive_store_len(s, NULL));
    INVALID(rdrive_store_file_size(NULL, &u64));
    INVALID(rdrive_store_file_size(s, NULL));
    INVALID(rdrive_store_reclaimable_bytes(NULL, &u64));
    INVALID(rdrive_store_reclaimable_bytes(s, NULL));
    INVALID(rdrive_store_iter(NULL, &it));
    INVALID(rdrive_store_iter(s, NULL));
    INVALID(rdrive_iter_next(NULL, &e));
    rdrive_bytes view;
    INVALID(rdrive_iter_next_view(NULL, &view, &u64));
    REQUIRE_OK(rdrive_store_iter(s, &it));
    INVALID(rdrive_iter_next(it, NULL));
    INVALID(rdrive_iter_next_view(it, NULL, &u64));
    INVALID(rdrive_iter_next_batch(NULL, &view, &u64, 1, &sz));
    INVALID(rdrive_iter_next_batch(it, NULL, &u64, 1, &sz));
    INVALID(rdrive_iter_next_batch(it, &view, &u64, 1, NULL));
    rdrive_iter_free(it);

    /* Entries. */
    INVALID(rdrive_entry_read_at(NULL, 0, buf, sizeof buf, &sz));
    REQUIRE_OK(rdrive_store_read(s, KEY("k"), &e));
    INVALID(rdrive_entry_read_at(e, 0, NULL, sizeof buf, &sz));
    INVALID(rdrive_entry_read_at(e, 0, buf, sizeof buf, NULL));
    rdrive_entry_free(e);
    rdrive_bytes none = rdrive_entry_address_range(NULL);
    CHECK(none.ptr == NULL && none.len == 0);
    CHECK(rdrive_entry_size(NULL) == 0);
    CHECK(rdrive_entry_size_with_metadata(NULL) == 0);
    CHECK(rdrive_entry_key_hash(NULL) == 0);
    CHECK(rdrive_entry_checksum(NULL) == 0);
    CHECK(!rdrive_entry_is_valid_checksum(NULL));
    CHECK(rdrive_entry_start_offset(NULL) == 0);
    CHECK(rdrive_entry_end_offset(NULL) == 0);
    rdrive_metadata m = rdrive_entry_metadata(NULL);
    CHECK(m.key_hash == 0 && m.prev_offset == 0 && m.checksum == 0);
    CHECK(rdrive_entry_clone(NULL) == NULL);

    /* NULL with length 0 is the empty key: a valid key. */
    CHECK_STATUS(rdrive_store_write(s, NULL, 0, v, 1), RDRIVE_OK);
    CHECK_STATUS(rdrive_store_read(s, NULL, 0, &e), RDRIVE_OK);
    CHECK(entry_equals(e, "v", 1));
    CHECK(rdrive_entry_key_hash(e) == UINT64_C(0x2d06800538d394c2));
    rdrive_entry_free(e);
    /* Empty batches with NULL arrays are no-ops. */
    CHECK_STATUS(rdrive_store_batch_write(s, NULL, 0), RDRIVE_OK);
    CHECK_STATUS(rdrive_store_batch_delete(s, NULL, 0, NULL), RDRIVE_OK);

    /* None of the rejected calls wrote anything. */
    uint64_t size_after = 0;
    REQUIRE_OK(rdrive_store_file_size(s, &size_after));
    CHECK(size_before == 25); /* "value" + trailer */
    CHECK(size_after == 85);  /* + pre-pad to 64, "v", trailer: only the valid write */
    rdrive_store_close(s);
    rdrive_store_close(t);
    remove_tree(dir);
    return finish("null_args");
}
