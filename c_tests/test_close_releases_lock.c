/* Closing a store releases its writer lock at once, whatever entries and
 * iterators from it still live: the store reopens read-write in this
 * process and in another, and the old entries still read their bytes. Also
 * after a compaction (the lock follows the path, never an old file an
 * entry still maps). */
#include <sys/wait.h>

#include "check.h"

/* Child mode: open read-write and write one key. Exit 0 if that worked,
 * 1 if the store was locked, 2 on any other error. */
static int child_writes(const char *path) {
    rdrive_store *s = NULL;
    rdrive_status st = rdrive_store_open(path, 0, &s);
    if (st == RDRIVE_ERR_LOCKED) return 1;
    if (st != RDRIVE_OK) return 2;
    st = rdrive_store_write(s, KEY("child"), (const uint8_t *)"was here", 8);
    rdrive_store_close(s);
    return st == RDRIVE_OK ? 0 : 2;
}

static const char *self_path;

static int in_child(const char *path) {
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        execl(self_path, self_path, "--child", path, (char *)NULL);
        _exit(3);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
    return WEXITSTATUS(status);
}

static int bytes_are(const rdrive_entry *e, const char *want) {
    rdrive_bytes b = rdrive_entry_address_range(e);
    return b.len == strlen(want) && memcmp(b.ptr, want, b.len) == 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "--child") == 0) return child_writes(argv[2]);
    self_path = argv[0];
    const char *dir = temp_dir();
    char path[256];
    path_in(path, sizeof path, dir, "release.rdrive");

    rdrive_store *s = NULL;
    REQUIRE_OK(rdrive_store_open(path, 0, &s));
    REQUIRE_OK(rdrive_store_write(s, KEY("k"), (const uint8_t *)"first", 5));
    rdrive_entry *entry = NULL;
    REQUIRE_OK(rdrive_store_read(s, KEY("k"), &entry));
    rdrive_iter *iter = NULL;
    REQUIRE_OK(rdrive_store_iter(s, &iter));
    rdrive_store_close(s);

    /* The entry and the iterator live on; the lock does not. */
    rdrive_store *again = NULL;
    CHECK_STATUS(rdrive_store_open(path, 0, &again), RDRIVE_OK);
    CHECK_STATUS(rdrive_store_write(again, KEY("k"), (const uint8_t *)"second", 6), RDRIVE_OK);
    rdrive_store_close(again);
    CHECK(in_child(path) == 0);
    CHECK(bytes_are(entry, "first"));
    rdrive_entry *next = NULL;
    CHECK_STATUS(rdrive_iter_next(iter, &next), RDRIVE_OK);
    CHECK(next != NULL && bytes_are(next, "first"));
    rdrive_entry_free(next);
    rdrive_iter_free(iter);

    /* After a compaction: locked while the handle lives, free at close,
     * with entries from before and after the compaction alive. */
    REQUIRE_OK(rdrive_store_open(path, 0, &s));
    rdrive_entry *before = NULL;
    REQUIRE_OK(rdrive_store_read(s, KEY("k"), &before));
    REQUIRE_OK(rdrive_store_write(s, KEY("k"), (const uint8_t *)"third", 5));
    REQUIRE_OK(rdrive_store_compact(s));
    rdrive_entry *after = NULL;
    REQUIRE_OK(rdrive_store_read(s, KEY("k"), &after));
    CHECK(in_child(path) == 1);
    rdrive_store_close(s);
    CHECK(in_child(path) == 0);
    CHECK(bytes_are(before, "second"));
    CHECK(bytes_are(after, "third"));

    rdrive_entry_free(entry);
    rdrive_entry_free(before);
    rdrive_entry_free(after);
    remove_tree(dir);
    return finish("close_releases_lock");
}
