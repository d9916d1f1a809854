/* What an open found is queryable: a torn tail that was cut, a watermark
 * that did not match the file (a backup restored over it), a leftover
 * compaction file (removed by a read-write open). A clean open has no
 * notes. */
#include "check.h"

static uint32_t notes_of(rdrive_store *s) {
    uint32_t bits = 0xFFFFFFFFu;
    CHECK_STATUS(rdrive_store_recovery_notes(s, &bits), RDRIVE_OK);
    return bits;
}

static void append(const char *path, const void *bytes, size_t len) {
    FILE *f = fopen(path, "ab");
    if (f == NULL || fwrite(bytes, 1, len, f) != len || fclose(f) != 0) {
        perror("append");
        exit(1);
    }
}

static long file_size(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

int main(void) {
    const char *dir = temp_dir();
    char path[256], temp[300];
    path_in(path, sizeof path, dir, "notes.rdrive");
    snprintf(temp, sizeof temp, "%s.rdrive-compact", path);

    rdrive_store *s = NULL;
    REQUIRE_OK(rdrive_store_open(path, 0, &s));
    CHECK(notes_of(s) == 0);
    CHECK(strcmp(rdrive_store_recovery_detail(s), "") == 0);
    REQUIRE_OK(rdrive_store_write(s, KEY("a"), (const uint8_t *)"one", 3));
    rdrive_store_close(s);

    /* A torn tail. */
    static const uint8_t junk[100] = {1, 2, 3};
    append(path, junk, sizeof junk);
    REQUIRE_OK(rdrive_store_open(path, RDRIVE_OPEN_READ_ONLY, &s));
    CHECK(notes_of(s) == RDRIVE_NOTE_TAIL_DISCARDED);
    CHECK(strstr(rdrive_store_recovery_detail(s), "100 bytes") != NULL);
    rdrive_store_close(s);
    uint64_t cut = 0;
    REQUIRE_OK(rdrive_store_open_with_report(path, 0, &s, &cut));
    CHECK(cut == 100);
    CHECK(notes_of(s) == RDRIVE_NOTE_TAIL_DISCARDED);
    rdrive_store_close(s);

    /* A leftover compaction file: noted, and removed by a writer. */
    append(temp, junk, 50);
    REQUIRE_OK(rdrive_store_open(path, RDRIVE_OPEN_READ_ONLY, &s));
    CHECK(notes_of(s) == RDRIVE_NOTE_STALE_TEMP_FILE);
    rdrive_store_close(s);
    CHECK(file_size(temp) == 50);
    REQUIRE_OK(rdrive_store_open(path, 0, &s));
    CHECK(notes_of(s) == RDRIVE_NOTE_STALE_TEMP_FILE);
    CHECK(strstr(rdrive_store_recovery_detail(s), "compaction") != NULL);
    rdrive_store_close(s);
    CHECK(file_size(temp) == -1);

    /* A backup restored over the file: the newer watermark is discarded. */
    FILE *in = fopen(path, "rb");
    uint8_t saved[4096];
    size_t n = in ? fread(saved, 1, sizeof saved, in) : 0;
    if (in) fclose(in);
    REQUIRE_OK(rdrive_store_open(path, 0, &s));
    REQUIRE_OK(rdrive_store_write(s, KEY("b"), (const uint8_t *)"two", 3));
    rdrive_store_close(s);
    FILE *out = fopen(path, "r+b");
    if (out == NULL || fwrite(saved, 1, n, out) != n || fclose(out) != 0 || truncate(path, (off_t)n) != 0) {
        perror("restore");
        return 1;
    }
    REQUIRE_OK(rdrive_store_open(path, 0, &s));
    CHECK(notes_of(s) == RDRIVE_NOTE_WATERMARK_DISCARDED);
    CHECK(strstr(rdrive_store_recovery_detail(s), "watermark") != NULL);
    uint64_t len = 0;
    REQUIRE_OK(rdrive_store_len(s, &len));
    CHECK(len == 1);
    rdrive_store_close(s);
    REQUIRE_OK(rdrive_store_open(path, 0, &s));
    CHECK(notes_of(s) == 0);
    rdrive_store_close(s);

    /* NULL arguments. */
    uint32_t bits = 7;
    CHECK_STATUS(rdrive_store_recovery_notes(NULL, &bits), RDRIVE_ERR_INVALID_ARG);
    CHECK(bits == 0);
    CHECK(strcmp(rdrive_store_recovery_detail(NULL), "") == 0);
    remove_tree(dir);
    return finish("recovery_notes");
}
