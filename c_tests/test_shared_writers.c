/* Three processes write one store through RDRIVE_OPEN_SHARED handles: each
 * its own keys, all of them the same common keys, with deletions. When they
 * are done, every process and a fresh exclusive open agree on the final
 * state, and every acknowledged write is in it. */
#include "procs.h"

enum { ROUNDS = 300, COMMON = 10 };

/* A digest of the whole final state, as one process sees it. */
static uint64_t digest(rdrive_store *s, int writers) {
    uint64_t h = 1469598103934665603ULL, len = 0;
    char key[64];
    for (int w = 1; w <= writers; w++)
        for (int i = 0; i < ROUNDS + COMMON; i++) {
            if (i < ROUNDS)
                snprintf(key, sizeof key, "own-%d-%d", w, i);
            else
                snprintf(key, sizeof key, "common-%d", i - ROUNDS);
            rdrive_entry *e = NULL;
            rdrive_status st = rdrive_store_read(s, KEY(key), &e);
            h = (h ^ (uint64_t)(st + 3)) * 1099511628211ULL;
            if (st == RDRIVE_OK) {
                rdrive_bytes b = rdrive_entry_address_range(e);
                for (size_t k = 0; k < b.len; k++) h = (h ^ b.ptr[k]) * 1099511628211ULL;
            }
            rdrive_entry_free(e);
        }
    if (rdrive_store_len(s, &len) == RDRIVE_OK) h ^= len;
    return h;
}

/* Child: write, say "done", wait for "go", report the digest. */
static int writer(const char *arg) {
    int me = atoi(arg + 1); /* "wN:path" */
    const char *path = strchr(arg, ':') + 1;
    rdrive_store *s = NULL;
    if (rdrive_store_open(path, RDRIVE_OPEN_SHARED | RDRIVE_OPEN_WAIT, &s) != RDRIVE_OK) return 2;
    char key[64], value[64];
    for (int i = 0; i < ROUNDS; i++) {
        snprintf(key, sizeof key, "own-%d-%d", me, i);
        if (rdrive_store_write(s, KEY(key), (const uint8_t *)value, (size_t)snprintf(value, sizeof value, "%d", i)) != RDRIVE_OK) return 3;
        snprintf(key, sizeof key, "common-%d", i % COMMON);
        snprintf(value, sizeof value, "%d:%d", me, i);
        if (rdrive_store_write(s, KEY(key), (const uint8_t *)value, strlen(value)) != RDRIVE_OK) return 3;
        if (i % 25 == 24) {
            snprintf(key, sizeof key, "own-%d-%d", me, i - 1);
            if (rdrive_store_delete(s, KEY(key)) != RDRIVE_OK) return 4;
        }
    }
    tell_parent("%s", "done");
    if (strcmp(hear_parent(), "go") != 0) return 5;
    char text[32];
    snprintf(text, sizeof text, "%llu", (unsigned long long)digest(s, 3));
    tell_parent("%s", text);
    rdrive_store_close(s);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "--role") == 0) return writer(argv[3]);
    const char *dir = temp_dir();
    char path[256], arg[300];
    path_in(path, sizeof path, dir, "shared.rdrive");
    child kids[3];
    for (int w = 1; w <= 3; w++) {
        snprintf(arg, sizeof arg, "w%d:%s", w, path);
        kids[w - 1] = spawn_role(argv[0], "writer", arg);
    }
    for (int w = 0; w < 3; w++) CHECK(strcmp(hear(&kids[w]), "done") == 0);
    for (int w = 0; w < 3; w++) tell(&kids[w], "go");
    char seen[3][512];
    for (int w = 0; w < 3; w++) snprintf(seen[w], sizeof seen[w], "%s", hear(&kids[w]));
    for (int w = 0; w < 3; w++) CHECK(reap(&kids[w]) == 0);

    rdrive_store *s = NULL;
    REQUIRE_OK(rdrive_store_open(path, RDRIVE_OPEN_MUST_EXIST, &s));
    char mine[512];
    snprintf(mine, sizeof mine, "%llu", (unsigned long long)digest(s, 3));
    for (int w = 0; w < 3; w++) CHECK(strcmp(seen[w], mine) == 0);
    /* Every acknowledged write is there; deleted keys are gone. */
    char key[64];
    for (int w = 1; w <= 3; w++)
        for (int i = 0; i < ROUNDS; i++) {
            bool there = false;
            snprintf(key, sizeof key, "own-%d-%d", w, i);
            REQUIRE_OK(rdrive_store_exists(s, KEY(key), &there));
            CHECK(there == (i % 25 != 23));
        }
    uint64_t len = 0;
    REQUIRE_OK(rdrive_store_len(s, &len));
    CHECK(len == 3 * (ROUNDS - ROUNDS / 25) + COMMON);
    rdrive_store_close(s);
    remove_tree(dir);
    return finish("shared_writers");
}
