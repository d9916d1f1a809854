/* RDRIVE_OPEN_WAIT: a read-write open in another process waits for the
 * writer lock instead of failing, and gets the store once its holder
 * closes; rdrive_store_open_wait() gives up with LOCKED after its timeout,
 * and does not wait at all with 0. */
#include <time.h>

#include "procs.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Child: open with WAIT (blocks while the parent holds the store), write,
 * report. */
static int waiter(const char *path) {
    tell_parent("%s", "waiting");
    rdrive_store *s = NULL;
    rdrive_status st = rdrive_store_open(path, RDRIVE_OPEN_WAIT, &s);
    if (st != RDRIVE_OK) return 2;
    st = rdrive_store_write(s, KEY("waiter"), (const uint8_t *)"got it", 6);
    rdrive_store_close(s);
    tell_parent("%s", st == RDRIVE_OK ? "wrote" : "failed");
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "--role") == 0) return waiter(argv[3]);
    const char *dir = temp_dir();
    char path[256];
    path_in(path, sizeof path, dir, "wait.rdrive");
    rdrive_store *holder = NULL;
    REQUIRE_OK(rdrive_store_open(path, 0, &holder));

    /* Bounded waits in this process. */
    rdrive_store *other = NULL;
    double t0 = now();
    CHECK_STATUS(rdrive_store_open_wait(path, 0, 150, &other), RDRIVE_ERR_LOCKED);
    CHECK(now() - t0 >= 0.14);
    CHECK(other == NULL);
    t0 = now();
    CHECK_STATUS(rdrive_store_open_wait(path, 0, 0, &other), RDRIVE_ERR_LOCKED);
    CHECK(now() - t0 < 5.0);
    CHECK_STATUS(rdrive_store_open(path, 0, &other), RDRIVE_ERR_LOCKED);

    /* A process that waits. */
    child c = spawn_role(argv[0], "waiter", path);
    CHECK(strcmp(hear(&c), "waiting") == 0);
    usleep(200 * 1000);
    uint64_t len = 1;
    REQUIRE_OK(rdrive_store_len(holder, &len));
    CHECK(len == 0); /* it has not got the store */
    rdrive_store_close(holder);
    CHECK(strcmp(hear(&c), "wrote") == 0);
    CHECK(reap(&c) == 0);

    REQUIRE_OK(rdrive_store_open(path, RDRIVE_OPEN_READ_ONLY, &other));
    rdrive_entry *e = NULL;
    CHECK_STATUS(rdrive_store_read(other, KEY("waiter"), &e), RDRIVE_OK);
    CHECK(e != NULL && entry_equals(e, "got it", 6));
    rdrive_entry_free(e);
    rdrive_store_close(other);
    remove_tree(dir);
    return finish("wait_open");
}
