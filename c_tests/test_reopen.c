/* Values survive close and reopen, across several rounds of appends. */
#include "check.h"

int main(void) {
    const char *dir = temp_dir();
    char path[256];
    path_in(path, sizeof path, dir, "reopen.rdrive");
    for (uint32_t round = 0; round < 4; round++) {
        rdrive_store *s = NULL;
        uint64_t recovered = 99;
        REQUIRE_OK(rdrive_store_open_with_report(path, 0, &s, &recovered));
        CHECK(recovered == 0);
        uint64_t n = 0;
        REQUIRE_OK(rdrive_store_len(s, &n));
        CHECK(n == round * 100);
        for (uint32_t i = 0; i < round * 100; i++) {
            uint32_t key = i, want = i * 3;
            rdrive_entry *e = NULL;
            CHECK_STATUS(rdrive_store_read(s, (const uint8_t *)&key, sizeof key, &e), RDRIVE_OK);
            CHECK(entry_equals(e, &want, sizeof want));
            rdrive_entry_free(e);
        }
        for (uint32_t i = round * 100; i < (round + 1) * 100; i++) {
            uint32_t value = i * 3;
            REQUIRE_OK(rdrive_store_write(s, (const uint8_t *)&i, sizeof i, (const uint8_t *)&value,
                                          sizeof value));
        }
        rdrive_store_close(s);
    }
    remove_tree(dir);
    return finish("reopen");
}
