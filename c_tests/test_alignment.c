/* Every value starts on a 64-byte boundary, in the file and in memory. */
#include "check.h"

int main(void) {
    const char *dir = temp_dir();
    char path[256];
    path_in(path, sizeof path, dir, "align.rdrive");
    rdrive_store *s = NULL;
    REQUIRE_OK(rdrive_store_open(path, 0, &s));
    uint8_t value[300];
    memset(value, 0x5A, sizeof value);
    for (uint32_t n = 1; n <= 200; n++) {
        REQUIRE_OK(rdrive_store_write(s, (const uint8_t *)&n, sizeof n, value, n));
        if (n % 9 == 0) {
            uint32_t gone = n - 1;
            REQUIRE_OK(rdrive_store_delete(s, (const uint8_t *)&gone, sizeof gone));
        }
    }
    size_t seen = 0;
    rdrive_iter *it = NULL;
    REQUIRE_OK(rdrive_store_iter(s, &it));
    rdrive_entry *e = NULL;
    while (rdrive_iter_next(it, &e) == RDRIVE_OK) {
        rdrive_bytes b = rdrive_entry_address_range(e);
        CHECK((uintptr_t)b.ptr % RDRIVE_PAYLOAD_ALIGNMENT == 0);
        CHECK(rdrive_entry_start_offset(e) % RDRIVE_PAYLOAD_ALIGNMENT == 0);
        CHECK(rdrive_entry_end_offset(e) - rdrive_entry_start_offset(e) == b.len);
        rdrive_entry_free(e);
        seen++;
    }
    rdrive_iter_free(it);
    CHECK(seen == 200 - 200 / 9);
    rdrive_store_close(s);
    remove_tree(dir);
    return finish("alignment");
}
