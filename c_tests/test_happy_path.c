/* Open, write, read in place, delete, sync, close, reopen. */
#include "check.h"

int main(void) {
    const char *dir = temp_dir();
    char path[256];
    path_in(path, sizeof path, dir, "happy.rdrive");

    rdrive_store *store = NULL;
    REQUIRE_OK(rdrive_store_open(path, 0, &store));
    CHECK(store != NULL);
    CHECK_STATUS(rdrive_store_write(store, KEY("alice"), (const uint8_t *)"hello", 5), RDRIVE_OK);
    CHECK_STATUS(rdrive_store_write(store, KEY("bob"), (const uint8_t *)"hi", 2), RDRIVE_OK);

    rdrive_entry *e = NULL;
    CHECK_STATUS(rdrive_store_read(store, KEY("alice"), &e), RDRIVE_OK);
    CHECK(e != NULL && entry_equals(e, "hello", 5));
    CHECK(rdrive_entry_key_hash(e) == rdrive_hash_key(KEY("alice")));
    CHECK(rdrive_entry_key_hash(e) == UINT64_C(0x4da10dd61a0116b0));
    CHECK(rdrive_entry_checksum(e) == UINT32_C(0x3610a686));
    CHECK(rdrive_entry_is_valid_checksum(e));
    CHECK(rdrive_entry_size(e) == 5);
    CHECK(rdrive_entry_size_with_metadata(e) == 25);
    rdrive_entry_free(e);

    bool exists = false;
    CHECK_STATUS(rdrive_store_exists(store, KEY("bob"), &exists), RDRIVE_OK);
    CHECK(exists);
    uint64_t n = 0;
    CHECK_STATUS(rdrive_store_len(store, &n), RDRIVE_OK);
    CHECK(n == 2);
    CHECK_STATUS(rdrive_store_delete(store, KEY("bob")), RDRIVE_OK);
    CHECK_STATUS(rdrive_store_len(store, &n), RDRIVE_OK);
    CHECK(n == 1);
    uint64_t size = 0;
    CHECK_STATUS(rdrive_store_file_size(store, &size), RDRIVE_OK);
    CHECK(size == (uint64_t)file_size_of(path));
    CHECK_STATUS(rdrive_store_sync(store), RDRIVE_OK);
    rdrive_store_close(store);

    REQUIRE_OK(rdrive_store_open(path, RDRIVE_OPEN_READ_ONLY, &store));
    CHECK_STATUS(rdrive_store_read(store, KEY("alice"), &e), RDRIVE_OK);
    CHECK(entry_equals(e, "hello", 5));
    rdrive_entry_free(e);
    CHECK_STATUS(rdrive_store_read(store, KEY("bob"), &e), RDRIVE_NOT_FOUND);
    CHECK_STATUS(rdrive_store_len(store, &n), RDRIVE_OK);
    CHECK(n == 1);
    rdrive_store_close(store);

    remove_tree(dir);
    return finish("happy_path");
}
