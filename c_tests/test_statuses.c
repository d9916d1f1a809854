/* Every documented status is reachable, has its own text, and failures
 * leave a detail message. */
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "check.h"

static intptr_t failing_source(void *ctx, uint8_t *buf, size_t cap) {
    (void)ctx;
    (void)buf;
    (void)cap;
    return -1;
}

static int32_t stop_now(void *ctx, uint64_t done, uint64_t total) {
    (void)ctx;
    (void)done;
    (void)total;
    return 1;
}

/* Child process: a 64 KiB file-size limit makes a write fail (I/O error);
 * the handle is then poisoned. Exit status 0 when both were observed. */
static int poisoned_child(const char *path) {
    struct rlimit limit = {64 * 1024, RLIM_INFINITY};
    signal(SIGXFSZ, SIG_IGN);
    if (setrlimit(RLIMIT_FSIZE, &limit) != 0) return 10;
    rdrive_store *s = NULL;
    if (rdrive_store_open(path, 0, &s) != RDRIVE_OK) return 11;
    uint8_t value[1000];
    memset(value, 7, sizeof value);
    rdrive_status st = RDRIVE_OK;
    for (uint32_t i = 0; i < 1000 && st == RDRIVE_OK; i++) {
        st = rdrive_store_write(s, (const uint8_t *)&i, sizeof i, value, sizeof value);
    }
    if (st != RDRIVE_ERR_IO) return 12;
    if (rdrive_store_write(s, KEY("x"), value, 1) != RDRIVE_ERR_POISONED) return 13;
    if (rdrive_store_sync(s) != RDRIVE_ERR_POISONED) return 14;
    rdrive_store_close(s);
    return 0;
}

int main(void) {
    const char *dir = temp_dir();
    char path[256], text[256], missing[256], poison[256];
    path_in(path, sizeof path, dir, "s.rdrive");
    path_in(text, sizeof text, dir, "notes.txt");
    path_in(missing, sizeof missing, dir, "missing.rdrive");
    path_in(poison, sizeof poison, dir, "poison.rdrive");

    rdrive_store *s = NULL, *second = NULL, *ro = NULL;
    /* RDRIVE_OK */
    CHECK_STATUS(rdrive_store_open(path, 0, &s), RDRIVE_OK);
    CHECK_STATUS(rdrive_store_write(s, KEY("k"), (const uint8_t *)"value", 5), RDRIVE_OK);
    /* RDRIVE_NOT_FOUND */
    rdrive_entry *e = NULL;
    CHECK_STATUS(rdrive_store_read(s, KEY("nope"), &e), RDRIVE_NOT_FOUND);
    /* RDRIVE_ERR_INVALID_ARG: empty value, lone zero byte, bad flags */
    CHECK_STATUS(rdrive_store_write(s, KEY("k"), (const uint8_t *)"", 0), RDRIVE_ERR_INVALID_ARG);
    CHECK(strlen(rdrive_last_error()) > 0);
    CHECK_STATUS(rdrive_store_write(s, KEY("k"), (const uint8_t *)"\0", 1), RDRIVE_ERR_INVALID_ARG);
    CHECK_STATUS(rdrive_store_open(path, 0x100, &second), RDRIVE_ERR_INVALID_ARG);
    /* RDRIVE_ERR_IO: a missing file that must exist */
    CHECK_STATUS(rdrive_store_open(missing, RDRIVE_OPEN_MUST_EXIST, &second), RDRIVE_ERR_IO);
    CHECK(strstr(rdrive_last_error(), "missing.rdrive") != NULL);
    CHECK(second == NULL);
    /* RDRIVE_ERR_CORRUPT: not a store */
    FILE *f = fopen(text, "w");
    CHECK(f != NULL);
    fputs("This is a note, not a key/value store.\n", f);
    fclose(f);
    CHECK_STATUS(rdrive_store_open(text, 0, &second), RDRIVE_ERR_CORRUPT);
    /* RDRIVE_ERR_LOCKED: a second read-write handle */
    CHECK_STATUS(rdrive_store_open(path, 0, &second), RDRIVE_ERR_LOCKED);
    CHECK(second == NULL);
    /* RDRIVE_ERR_READ_ONLY */
    REQUIRE_OK(rdrive_store_open(path, RDRIVE_OPEN_READ_ONLY, &ro));
    CHECK_STATUS(rdrive_store_write(ro, KEY("k"), (const uint8_t *)"v", 1), RDRIVE_ERR_READ_ONLY);
    CHECK_STATUS(rdrive_store_compact(ro), RDRIVE_ERR_READ_ONLY);
    rdrive_store_close(ro);
    /* RDRIVE_ERR_ABORTED: a stream source and a progress callback */
    CHECK_STATUS(rdrive_store_write_stream(s, KEY("k2"), failing_source, NULL), RDRIVE_ERR_ABORTED);
    CHECK_STATUS(rdrive_store_compact_with_progress(s, stop_now, NULL), RDRIVE_ERR_ABORTED);
    /* RDRIVE_ERR_PANIC */
    CHECK_STATUS(rdrive_debug_panic(), RDRIVE_ERR_PANIC);
    CHECK(strstr(rdrive_last_error(), "internal error") != NULL);
    /* RDRIVE_ERR_BUFFER_TOO_SMALL */
    uint8_t small[2];
    size_t len = 0;
    CHECK_STATUS(rdrive_store_read_into(s, KEY("k"), small, sizeof small, &len),
                 RDRIVE_ERR_BUFFER_TOO_SMALL);
    CHECK(len == 5);
    /* The store still works after all of that. */
    CHECK_STATUS(rdrive_store_read(s, KEY("k"), &e), RDRIVE_OK);
    CHECK(entry_equals(e, "value", 5));
    rdrive_entry_free(e);
    rdrive_store_close(s);

    /* RDRIVE_ERR_POISONED, in a child process under a file-size limit. */
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) _exit(poisoned_child(poison));
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* Reopening recovers what was committed. */
    rdrive_store *again = NULL;
    CHECK_STATUS(rdrive_store_open(poison, 0, &again), RDRIVE_OK);
    uint64_t n = 0;
    CHECK_STATUS(rdrive_store_len(again, &n), RDRIVE_OK);
    CHECK(n > 10);
    rdrive_store_close(again);

    /* Each code has its own text, "NAME: what it means"; unknown codes are
     * named as such. */
#define STATUS_ROW(code) {code, #code}
    static const struct {
        rdrive_status code;
        const char *name;
    } all[] = {STATUS_ROW(RDRIVE_OK), STATUS_ROW(RDRIVE_NOT_FOUND),
               STATUS_ROW(RDRIVE_ERR_INVALID_ARG), STATUS_ROW(RDRIVE_ERR_IO),
               STATUS_ROW(RDRIVE_ERR_CORRUPT), STATUS_ROW(RDRIVE_ERR_LOCKED),
               STATUS_ROW(RDRIVE_ERR_READ_ONLY), STATUS_ROW(RDRIVE_ERR_POISONED),
               STATUS_ROW(RDRIVE_ERR_ABORTED), STATUS_ROW(RDRIVE_ERR_PANIC),
               STATUS_ROW(RDRIVE_ERR_BUFFER_TOO_SMALL)};
#undef STATUS_ROW
    const size_t count = sizeof all / sizeof all[0];
    for (size_t i = 0; i < count; i++) {
        const char *s_text = rdrive_status_str(all[i].code);
        const size_t n = strlen(all[i].name);
        CHECK(s_text != NULL);
        CHECK(strncmp(s_text, all[i].name, n) == 0);
        CHECK(strncmp(s_text + n, ": ", 2) == 0 && s_text[n + 2] != '\0');
        for (size_t j = 0; j < i; j++) CHECK(strcmp(s_text, rdrive_status_str(all[j].code)) != 0);
    }
    CHECK(strcmp(rdrive_status_str(RDRIVE_OK), "RDRIVE_OK: ok") == 0);
    CHECK(strcmp(rdrive_status_str(RDRIVE_ERR_IO), "RDRIVE_ERR_IO: I/O error") == 0);
    CHECK(strcmp(rdrive_status_str(-1000), "unknown status") == 0);

    remove_tree(dir);
    return finish("statuses");
}
