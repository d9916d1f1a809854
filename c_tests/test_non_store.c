/* A file that is not a store is refused with RDRIVE_ERR_CORRUPT and left
 * byte-identical; only RDRIVE_OPEN_REPAIR discards it. */
#include "check.h"

int main(void) {
    const char *dir = temp_dir();
    char path[256];
    path_in(path, sizeof path, dir, "config.ini");
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    for (int i = 0; i < 40; i++) fprintf(f, "[section %d]\nname = value %d\n", i, i);
    fclose(f);
    size_t len = 0, len_after = 0;
    unsigned char *before = read_file(path, &len);

    rdrive_store *s = NULL;
    CHECK_STATUS(rdrive_store_open(path, 0, &s), RDRIVE_ERR_CORRUPT);
    CHECK(s == NULL);
    CHECK(strlen(rdrive_last_error()) > 0);
    CHECK_STATUS(rdrive_store_open(path, RDRIVE_OPEN_READ_ONLY, &s), RDRIVE_ERR_CORRUPT);
    unsigned char *after = read_file(path, &len_after);
    CHECK(len == len_after && memcmp(before, after, len) == 0);
    free(after);

    uint64_t recovered = 0;
    CHECK_STATUS(rdrive_store_open_with_report(path, RDRIVE_OPEN_REPAIR, &s, &recovered), RDRIVE_OK);
    CHECK(recovered == len);
    uint64_t n = 1;
    REQUIRE_OK(rdrive_store_len(s, &n));
    CHECK(n == 0);
    rdrive_store_close(s);
    CHECK(file_size_of(path) == 0);
    free(before);
    remove_tree(dir);
    return finish("non_store");
}
