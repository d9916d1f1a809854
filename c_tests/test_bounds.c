/* Impossible counts and lengths are refused before anything is read or
 * written through the caller's pointers: a batch read with a count no
 * array can hold leaves the output alone and returns INVALID_ARG. */
#include <stdint.h>

#include "check.h"

int main(void) {
    const char *dir = temp_dir();
    char path[256];
    path_in(path, sizeof path, dir, "bounds.rdrive");
    rdrive_store *s = NULL;
    REQUIRE_OK(rdrive_store_open(path, 0, &s));
    REQUIRE_OK(rdrive_store_write(s, KEY("k"), (const uint8_t *)"v1", 2));

    rdrive_bytes keys[2] = {{(const uint8_t *)"k", 1}, {(const uint8_t *)"x", 1}};
    rdrive_entry *out[2] = {(rdrive_entry *)0x1, (rdrive_entry *)0x2};
    size_t found = 99;
    /* More slots than memory can hold: refused, nothing written. */
    CHECK_STATUS(rdrive_store_batch_read(s, keys, SIZE_MAX / 2, out, &found), RDRIVE_ERR_INVALID_ARG);
    CHECK(out[0] == (rdrive_entry *)0x1 && out[1] == (rdrive_entry *)0x2);
    CHECK(found == 0);
    CHECK_STATUS(rdrive_store_batch_read(s, keys, 2, NULL, &found), RDRIVE_ERR_INVALID_ARG);
    /* A sane call fills both slots. */
    CHECK_STATUS(rdrive_store_batch_read(s, keys, 2, out, &found), RDRIVE_OK);
    CHECK(found == 1 && out[0] != NULL && out[1] == NULL);
    rdrive_entry_free(out[0]);
    /* A byte length beyond what a pointer can address. */
    CHECK_STATUS(rdrive_store_write(s, KEY("k"), (const uint8_t *)"v", SIZE_MAX), RDRIVE_ERR_INVALID_ARG);
    rdrive_store_close(s);
    remove_tree(dir);
    return finish("bounds");
}
