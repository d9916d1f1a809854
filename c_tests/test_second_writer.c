/* A second process opening the store read-write gets RDRIVE_ERR_LOCKED
 * while the first holds it; read-only opens are not blocked. */
#include <sys/wait.h>

#include "check.h"

/* Child: 0 = locked as expected, 1 = opened, 2 = other error. */
static int try_open(const char *path, uint32_t flags) {
    rdrive_store *s = NULL;
    rdrive_status st = rdrive_store_open(path, flags, &s);
    rdrive_store_close(s);
    if (st == RDRIVE_ERR_LOCKED) return 0;
    return st == RDRIVE_OK ? 1 : 2;
}

static const char *self_path;

/* Runs try_open in a fresh process: this program re-executed in child mode,
 * so nothing (no open store) is inherited. */
static int in_child(const char *path, uint32_t flags) {
    char flag_text[16];
    snprintf(flag_text, sizeof flag_text, "%u", (unsigned)flags);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        execl(self_path, self_path, "--child", path, flag_text, (char *)NULL);
        _exit(3);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
    return WEXITSTATUS(status);
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "--child") == 0) return try_open(argv[2], (uint32_t)strtoul(argv[3], NULL, 10));
    self_path = argv[0];
    const char *dir = temp_dir();
    char path[256];
    path_in(path, sizeof path, dir, "lock.rdrive");
    rdrive_store *s = NULL;
    REQUIRE_OK(rdrive_store_open(path, 0, &s));
    REQUIRE_OK(rdrive_store_write(s, KEY("k"), (const uint8_t *)"v", 1));

    CHECK(in_child(path, 0) == 0);                     /* locked */
    CHECK(in_child(path, RDRIVE_OPEN_READ_ONLY) == 1); /* readers welcome */
    rdrive_store *again = NULL;
    CHECK_STATUS(rdrive_store_open(path, 0, &again), RDRIVE_ERR_LOCKED); /* this process too */
    CHECK(strstr(rdrive_last_error(), "lock.rdrive") != NULL);

    /* Compaction swaps in a new file; it is locked as well. */
    REQUIRE_OK(rdrive_store_compact(s));
    CHECK(in_child(path, 0) == 0);

    rdrive_store_close(s);
    CHECK(in_child(path, 0) == 1); /* free once closed */
    remove_tree(dir);
    return finish("second_writer");
}
