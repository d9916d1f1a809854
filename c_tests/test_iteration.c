/* Iteration: live entries only, newest first, one per key, as a snapshot
 * that may outlive the store. */
#include "check.h"

int main(void) {
    const char *dir = temp_dir();
    char path[256];
    path_in(path, sizeof path, dir, "iter.rdrive");
    rdrive_store *s = NULL;
    REQUIRE_OK(rdrive_store_open(path, 0, &s));
    REQUIRE_OK(rdrive_store_write(s, KEY("a"), (const uint8_t *)"a1", 2));
    REQUIRE_OK(rdrive_store_write(s, KEY("b"), (const uint8_t *)"b1", 2));
    REQUIRE_OK(rdrive_store_write(s, KEY("c"), (const uint8_t *)"c1", 2));
    REQUIRE_OK(rdrive_store_write(s, KEY("a"), (const uint8_t *)"a2", 2));
    REQUIRE_OK(rdrive_store_delete(s, KEY("b")));

    rdrive_iter *it = NULL;
    REQUIRE_OK(rdrive_store_iter(s, &it));
    /* Written after the snapshot: must not appear. */
    REQUIRE_OK(rdrive_store_write(s, KEY("d"), (const uint8_t *)"d1", 2));
    rdrive_store_close(s);

    const char *expect[] = {"a2", "c1"};
    size_t n = 0;
    rdrive_entry *e = NULL;
    rdrive_status st;
    while ((st = rdrive_iter_next(it, &e)) == RDRIVE_OK) {
        CHECK(n < 2 && entry_equals(e, expect[n], 2));
        rdrive_entry_free(e);
        n++;
    }
    CHECK_STATUS(st, RDRIVE_NOT_FOUND);
    CHECK(e == NULL);
    CHECK(n == 2);
    /* Exhausted stays exhausted. */
    CHECK_STATUS(rdrive_iter_next(it, &e), RDRIVE_NOT_FOUND);
    rdrive_iter_free(it);

    /* The allocation-free form: views stay valid until the iterator is freed,
     * also after the store is closed. */
    REQUIRE_OK(rdrive_store_open(path, RDRIVE_OPEN_READ_ONLY, &s));
    REQUIRE_OK(rdrive_store_iter(s, &it));
    rdrive_store_close(s);
    rdrive_bytes views[3];
    uint64_t hashes[3];
    size_t count = 0;
    while (count < 3 && (st = rdrive_iter_next_view(it, &views[count], &hashes[count])) == RDRIVE_OK) count++;
    CHECK(count == 3); /* d1, a2, c1 */
    CHECK_STATUS(rdrive_iter_next_view(it, &views[0], NULL), RDRIVE_NOT_FOUND);
    CHECK(views[0].ptr == NULL && views[0].len == 0);
    CHECK(views[1].len == 2 && memcmp(views[1].ptr, "a2", 2) == 0);
    CHECK(hashes[1] == rdrive_hash_key(KEY("a")));
    CHECK(views[2].len == 2 && memcmp(views[2].ptr, "c1", 2) == 0);
    rdrive_iter_free(it);

    /* Batched: the same entries, two per call. */
    REQUIRE_OK(rdrive_store_open(path, RDRIVE_OPEN_READ_ONLY, &s));
    REQUIRE_OK(rdrive_store_iter(s, &it));
    rdrive_store_close(s);
    rdrive_bytes batch[2];
    uint64_t batch_hashes[2];
    size_t got = 99;
    CHECK_STATUS(rdrive_iter_next_batch(it, batch, batch_hashes, 2, &got), RDRIVE_OK);
    CHECK(got == 2);
    CHECK(batch[1].len == 2 && memcmp(batch[1].ptr, "a2", 2) == 0);
    CHECK(batch_hashes[1] == rdrive_hash_key(KEY("a")));
    CHECK_STATUS(rdrive_iter_next_batch(it, batch, NULL, 2, &got), RDRIVE_OK);
    CHECK(got == 1 && memcmp(batch[0].ptr, "c1", 2) == 0);
    CHECK_STATUS(rdrive_iter_next_batch(it, batch, NULL, 2, &got), RDRIVE_NOT_FOUND);
    CHECK(got == 0);
    CHECK_STATUS(rdrive_iter_next_batch(it, batch, NULL, 0, &got), RDRIVE_ERR_INVALID_ARG);
    rdrive_iter_free(it);
    remove_tree(dir);
    return finish("iteration");
}
