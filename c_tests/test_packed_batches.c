/* The packed batch calls, made for bindings. rdrive_store_batch_write_packed():
 * keys and values packed back to back, written as one batch (the last write
 * of a key wins; one bad value refuses all). rdrive_store_batch_read_into():
 * packed keys in, values back to back out, absent keys marked SIZE_MAX, a
 * buffer too small reported with the size needed (and enough after a
 * retry), the empty key. Every bad argument refused before anything is
 * written. */
#include <stdbool.h>
#include <stdint.h>

#include "check.h"

int main(void) {
    const char *dir = temp_dir();
    char path[256];
    path_in(path, sizeof path, dir, "packed.rdrive");
    rdrive_store *s = NULL;
    REQUIRE_OK(rdrive_store_open(path, 0, &s));
    /* alpha twice in one batch: the last write wins. */
    const uint8_t wkeys[] = "alpha" "b" "gone" "" "nothing" "alpha";
    const size_t wkey_lens[] = {5, 1, 4, 0, 7, 5};
    const uint8_t wvalues[] = "one" "second value" "x" "empty key" "zz" "ONE!";
    const size_t wvalue_lens[] = {3, 12, 1, 9, 2, 4};
    REQUIRE_OK(rdrive_store_batch_write_packed(s, wkeys, wkey_lens, wvalues, wvalue_lens, 6));
    REQUIRE_OK(rdrive_store_delete(s, KEY("gone")));
    uint64_t live = 0;
    REQUIRE_OK(rdrive_store_len(s, &live));
    CHECK(live == 4);

    /* One empty value refuses the whole batch, naming the item. */
    uint64_t size_before = 0;
    REQUIRE_OK(rdrive_store_file_size(s, &size_before));
    const size_t bad_value_lens[] = {3, 0};
    CHECK_STATUS(rdrive_store_batch_write_packed(s, (const uint8_t *)"newx", (const size_t[]){3, 1},
                                                 (const uint8_t *)"abc", bad_value_lens, 2),
                 RDRIVE_ERR_INVALID_ARG);
    CHECK(strstr(rdrive_last_error(), "item 1") != NULL);
    uint64_t size_after = 0;
    REQUIRE_OK(rdrive_store_file_size(s, &size_after));
    CHECK(size_after == size_before);
    bool there = true;
    REQUIRE_OK(rdrive_store_exists(s, KEY("new"), &there));
    CHECK(!there);
    /* Bad arguments of the packed write. */
    size_t one = 5;
    CHECK_STATUS(rdrive_store_batch_write_packed(NULL, wkeys, &one, wvalues, &one, 1), RDRIVE_ERR_INVALID_ARG);
    CHECK_STATUS(rdrive_store_batch_write_packed(s, NULL, &one, wvalues, &one, 1), RDRIVE_ERR_INVALID_ARG);
    CHECK_STATUS(rdrive_store_batch_write_packed(s, wkeys, NULL, wvalues, &one, 1), RDRIVE_ERR_INVALID_ARG);
    CHECK_STATUS(rdrive_store_batch_write_packed(s, wkeys, &one, NULL, &one, 1), RDRIVE_ERR_INVALID_ARG);
    CHECK_STATUS(rdrive_store_batch_write_packed(s, wkeys, &one, wvalues, NULL, 1), RDRIVE_ERR_INVALID_ARG);
    size_t huge[] = {SIZE_MAX, 2};
    CHECK_STATUS(rdrive_store_batch_write_packed(s, wkeys, huge, wvalues, wvalue_lens, 2),
                 RDRIVE_ERR_INVALID_ARG);
    REQUIRE_OK(rdrive_store_file_size(s, &size_after));
    CHECK(size_after == size_before);

    /* alpha, b, gone (deleted), never (absent), "" (the empty key), nothing, b again */
    const uint8_t keys[] = "alpha" "b" "gone" "never" "nothing" "b";
    size_t key_lens[] = {5, 1, 4, 5, 0, 7, 1};
    /* key 4 is the empty key: 0 bytes between "never" and "nothing" */
    size_t lens[7];
    size_t needed = 0;
    uint8_t buf[64];
    memset(buf, 0xAA, sizeof buf);
    CHECK_STATUS(rdrive_store_batch_read_into(s, keys, key_lens, 7, buf, sizeof buf, lens, &needed),
                 RDRIVE_OK);
    const size_t want_lens[] = {4, 12, SIZE_MAX, SIZE_MAX, 9, 2, 12};
    for (size_t i = 0; i < 7; i++) CHECK(lens[i] == want_lens[i]);
    const char want[] = "ONE!" "second value" "empty key" "zz" "second value";
    CHECK(needed == sizeof want - 1);
    CHECK(memcmp(buf, want, sizeof want - 1) == 0);
    CHECK(buf[sizeof want - 1] == 0xAA); /* nothing written past the values */

    /* Too small: nothing usable, but the lengths and the total are given. */
    uint8_t small[10];
    CHECK_STATUS(rdrive_store_batch_read_into(s, keys, key_lens, 7, small, sizeof small, lens, &needed),
                 RDRIVE_ERR_BUFFER_TOO_SMALL);
    CHECK(needed == sizeof want - 1);
    for (size_t i = 0; i < 7; i++) CHECK(lens[i] == want_lens[i]);
    CHECK(strstr(rdrive_last_error(), "39 bytes") != NULL);
    /* Asking with no buffer at all gives the size too. */
    CHECK_STATUS(rdrive_store_batch_read_into(s, keys, key_lens, 7, NULL, 0, lens, &needed),
                 RDRIVE_ERR_BUFFER_TOO_SMALL);
    CHECK(needed == sizeof want - 1);
    uint8_t *exact = malloc(needed);
    CHECK_STATUS(rdrive_store_batch_read_into(s, keys, key_lens, 7, exact, needed, lens, NULL),
                 RDRIVE_OK);
    CHECK(memcmp(exact, want, needed) == 0);
    free(exact);

    /* No keys: nothing to do. Only absent keys: no buffer needed. */
    CHECK_STATUS(rdrive_store_batch_read_into(s, NULL, NULL, 0, NULL, 0, NULL, &needed), RDRIVE_OK);
    CHECK(needed == 0);
    size_t absent_lens[] = {4, 5};
    CHECK_STATUS(rdrive_store_batch_read_into(s, (const uint8_t *)"gonenever", absent_lens, 2, NULL, 0,
                                              lens, &needed),
                 RDRIVE_OK);
    CHECK(lens[0] == SIZE_MAX && lens[1] == SIZE_MAX && needed == 0);

    /* Bad arguments: refused, the outputs cleared. */
    lens[0] = 7;
    needed = 7;
    CHECK_STATUS(rdrive_store_batch_read_into(NULL, keys, &one, 1, buf, sizeof buf, lens, &needed),
                 RDRIVE_ERR_INVALID_ARG);
    CHECK(lens[0] == SIZE_MAX && needed == 0);
    CHECK_STATUS(rdrive_store_batch_read_into(s, NULL, &one, 1, buf, sizeof buf, lens, NULL),
                 RDRIVE_ERR_INVALID_ARG);
    CHECK_STATUS(rdrive_store_batch_read_into(s, keys, NULL, 1, buf, sizeof buf, lens, NULL),
                 RDRIVE_ERR_INVALID_ARG);
    CHECK_STATUS(rdrive_store_batch_read_into(s, keys, &one, 1, buf, sizeof buf, NULL, NULL),
                 RDRIVE_ERR_INVALID_ARG);
    CHECK_STATUS(rdrive_store_batch_read_into(s, keys, &one, 1, NULL, 8, lens, NULL),
                 RDRIVE_ERR_INVALID_ARG);
    CHECK_STATUS(rdrive_store_batch_read_into(s, keys, &one, 1, buf, (size_t)PTRDIFF_MAX + 1, lens,
                                              NULL),
                 RDRIVE_ERR_INVALID_ARG);
    size_t overflowing[] = {SIZE_MAX, 2};
    CHECK_STATUS(rdrive_store_batch_read_into(s, keys, overflowing, 2, buf, sizeof buf, lens, NULL),
                 RDRIVE_ERR_INVALID_ARG);
    CHECK(strstr(rdrive_last_error(), "key_lens") != NULL);

    rdrive_store_close(s);
    remove_tree(dir);
    return finish("packed_batches");
}
