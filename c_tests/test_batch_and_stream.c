/* Batch writes are all-or-nothing; stream writes pull chunks from a
 * callback, and an aborting callback commits nothing. */
#include "check.h"

struct source {
    const uint8_t *data;
    size_t len, pos, chunk;
    int fail_at_end;
};

static intptr_t pull(void *ctx, uint8_t *buf, size_t cap) {
    struct source *src = ctx;
    if (src->pos == src->len) return src->fail_at_end ? -1 : 0;
    size_t n = src->len - src->pos;
    if (n > cap) n = cap;
    if (n > src->chunk) n = src->chunk;
    memcpy(buf, src->data + src->pos, n);
    src->pos += n;
    return (intptr_t)n;
}

int main(void) {
    const char *dir = temp_dir();
    char path[256];
    path_in(path, sizeof path, dir, "bs.rdrive");
    rdrive_store *s = NULL;
    REQUIRE_OK(rdrive_store_open(path, 0, &s));

    rdrive_kv good[] = {{KEY("x"), (const uint8_t *)"1", 1},
                        {KEY("y"), (const uint8_t *)"22", 2},
                        {KEY("x"), (const uint8_t *)"333", 3}};
    CHECK_STATUS(rdrive_store_batch_write(s, good, 3), RDRIVE_OK);
    rdrive_entry *e = NULL;
    CHECK_STATUS(rdrive_store_read(s, KEY("x"), &e), RDRIVE_OK);
    CHECK(entry_equals(e, "333", 3)); /* the last write of a key wins */
    rdrive_entry_free(e);

    uint64_t size = 0, now = 0;
    REQUIRE_OK(rdrive_store_file_size(s, &size));
    rdrive_kv bad[] = {{KEY("p"), (const uint8_t *)"ok", 2}, {KEY("q"), (const uint8_t *)"", 0}};
    CHECK_STATUS(rdrive_store_batch_write(s, bad, 2), RDRIVE_ERR_INVALID_ARG);
    REQUIRE_OK(rdrive_store_file_size(s, &now));
    CHECK(now == size && file_size_of(path) == (long)size);
    CHECK_STATUS(rdrive_store_read(s, KEY("p"), &e), RDRIVE_NOT_FOUND);

    /* A 300 KB stream in 1000-byte pieces. */
    size_t big_len = 300 * 1000;
    uint8_t *big = malloc(big_len);
    for (size_t i = 0; i < big_len; i++) big[i] = (uint8_t)(i % 251);
    struct source src = {big, big_len, 0, 1000, 0};
    CHECK_STATUS(rdrive_store_write_stream(s, KEY("big"), pull, &src), RDRIVE_OK);
    CHECK_STATUS(rdrive_store_read(s, KEY("big"), &e), RDRIVE_OK);
    CHECK(entry_equals(e, big, big_len));
    rdrive_entry_free(e);

    /* The same stream failing at its end: nothing committed, file as before. */
    REQUIRE_OK(rdrive_store_file_size(s, &size));
    unsigned char *before_bytes = NULL, *after_bytes = NULL;
    size_t before_len = 0, after_len = 0;
    before_bytes = read_file(path, &before_len);
    struct source failing = {big, big_len, 0, 1000, 1};
    CHECK_STATUS(rdrive_store_write_stream(s, KEY("broken"), pull, &failing), RDRIVE_ERR_ABORTED);
    after_bytes = read_file(path, &after_len);
    CHECK(before_len == after_len && memcmp(before_bytes, after_bytes, before_len) == 0);
    CHECK_STATUS(rdrive_store_read(s, KEY("broken"), &e), RDRIVE_NOT_FOUND);
    free(before_bytes);
    free(after_bytes);
    /* The next write is unaffected. */
    CHECK_STATUS(rdrive_store_write(s, KEY("after"), (const uint8_t *)"fine", 4), RDRIVE_OK);

    /* Batch read and batch delete. */
    rdrive_bytes keys[] = {{KEY("x")}, {KEY("nope")}, {KEY("y")}};
    rdrive_entry *got[3];
    size_t found = 0;
    CHECK_STATUS(rdrive_store_batch_read(s, keys, 3, got, &found), RDRIVE_OK);
    CHECK(found == 2 && got[1] == NULL);
    CHECK(got[0] != NULL && entry_equals(got[0], "333", 3));
    CHECK(got[2] != NULL && entry_equals(got[2], "22", 2));
    rdrive_entry_free(got[0]);
    rdrive_entry_free(got[2]);
    size_t deleted = 0;
    CHECK_STATUS(rdrive_store_batch_delete(s, keys, 3, &deleted), RDRIVE_OK);
    CHECK(deleted == 2);
    uint64_t live = 0;
    REQUIRE_OK(rdrive_store_len(s, &live));
    CHECK(live == 2); /* big, after */

    free(big);
    rdrive_store_close(s);
    /* Reopen: no torn bytes were left by the aborted stream. */
    uint64_t recovered = 1;
    REQUIRE_OK(rdrive_store_open_with_report(path, 0, &s, &recovered));
    CHECK(recovered == 0);
    rdrive_store_close(s);
    remove_tree(dir);
    return finish("batch_and_stream");
}
