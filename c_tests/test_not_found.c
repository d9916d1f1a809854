/* Every lookup of an absent key reports RDRIVE_NOT_FOUND and clears its
 * outputs; nothing is written. */
#include "check.h"

static void never_called(void *ctx, const uint8_t *ptr, size_t len) {
    (void)ptr;
    (void)len;
    *(int *)ctx = 1;
}

int main(void) {
    const char *dir = temp_dir();
    char path[256], other[256];
    path_in(path, sizeof path, dir, "nf.rdrive");
    path_in(other, sizeof other, dir, "other.rdrive");
    rdrive_store *s = NULL, *t = NULL;
    REQUIRE_OK(rdrive_store_open(path, 0, &s));
    REQUIRE_OK(rdrive_store_open(other, 0, &t));

    rdrive_entry *e = (rdrive_entry *)&e; /* non-NULL garbage: must be cleared */
    CHECK_STATUS(rdrive_store_read(s, KEY("missing"), &e), RDRIVE_NOT_FOUND);
    CHECK(e == NULL);
    e = (rdrive_entry *)&e;
    CHECK_STATUS(rdrive_store_read_hashed(s, 12345, &e), RDRIVE_NOT_FOUND);
    CHECK(e == NULL);
    e = (rdrive_entry *)&e;
    CHECK_STATUS(rdrive_store_read_last(s, &e), RDRIVE_NOT_FOUND);
    CHECK(e == NULL);
    CHECK_STATUS(rdrive_store_delete(s, KEY("missing")), RDRIVE_NOT_FOUND);
    CHECK_STATUS(rdrive_store_rename(s, KEY("missing"), KEY("new")), RDRIVE_NOT_FOUND);
    CHECK_STATUS(rdrive_store_copy(s, KEY("missing"), t), RDRIVE_NOT_FOUND);
    CHECK_STATUS(rdrive_store_transfer(s, KEY("missing"), t), RDRIVE_NOT_FOUND);
    int called = 0;
    CHECK_STATUS(rdrive_store_peek(s, KEY("missing"), never_called, &called), RDRIVE_NOT_FOUND);
    CHECK(called == 0);
    uint8_t buf[8];
    size_t len = 99;
    CHECK_STATUS(rdrive_store_read_into(s, KEY("missing"), buf, sizeof buf, &len), RDRIVE_NOT_FOUND);
    CHECK(len == 0);
    bool exists = true;
    CHECK_STATUS(rdrive_store_exists(s, KEY("missing"), &exists), RDRIVE_OK);
    CHECK(!exists);

    rdrive_iter *it = NULL;
    REQUIRE_OK(rdrive_store_iter(s, &it));
    e = (rdrive_entry *)&e;
    CHECK_STATUS(rdrive_iter_next(it, &e), RDRIVE_NOT_FOUND);
    CHECK(e == NULL);
    rdrive_iter_free(it);

    /* A deleted key is absent too, and deleting it again writes nothing. */
    REQUIRE_OK(rdrive_store_write(s, KEY("k"), (const uint8_t *)"v", 1));
    REQUIRE_OK(rdrive_store_delete(s, KEY("k")));
    uint64_t size = 0, after = 0;
    CHECK_STATUS(rdrive_store_file_size(s, &size), RDRIVE_OK);
    CHECK_STATUS(rdrive_store_delete(s, KEY("k")), RDRIVE_NOT_FOUND);
    CHECK_STATUS(rdrive_store_read(s, KEY("k"), &e), RDRIVE_NOT_FOUND);
    CHECK_STATUS(rdrive_store_file_size(s, &after), RDRIVE_OK);
    CHECK(size == after);

    rdrive_store_close(s);
    rdrive_store_close(t);
    remove_tree(dir);
    return finish("not_found");
}
