/* A compaction through one shared handle while two other processes keep
 * writing and reading through their own: it holds the lock while it runs,
 * the others move to the new file at their next call, every acknowledged
 * write survives, and entries held from the old file stay valid. */
#include "procs.h"

/* Child: writes and reads in turns until told to stop; reports how many
 * of its writes were acknowledged and whether every read was right. */
static int worker(const char *arg) {
    int me = atoi(arg);
    const char *path = strchr(arg, ':') + 1;
    rdrive_store *s = NULL;
    if (rdrive_store_open(path, RDRIVE_OPEN_SHARED | RDRIVE_OPEN_WAIT, &s) != RDRIVE_OK) return 2;
    tell_parent("%s", "ready");
    int i = 0, bad = 0;
    char key[64], value[64];
    for (;;) {
        const char *line = hear_parent();
        if (strcmp(line, "stop") == 0 || *line == '\0') break;
        for (int k = 0; k < 50; k++, i++) {
            snprintf(key, sizeof key, "w%d-%d", me, i);
            snprintf(value, sizeof value, "%d/%d", me, i);
            if (rdrive_store_write(s, KEY(key), (const uint8_t *)value, strlen(value)) != RDRIVE_OK) return 3;
            rdrive_entry *e = NULL;
            if (rdrive_store_read(s, KEY(key), &e) != RDRIVE_OK || !entry_equals(e, value, strlen(value))) bad++;
            rdrive_entry_free(e);
        }
        tell_parent("%s", "round");
    }
    snprintf(value, sizeof value, "%d %d", i, bad);
    tell_parent("%s", value);
    rdrive_store_close(s);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "--role") == 0) return worker(argv[3]);
    const char *dir = temp_dir();
    char path[256], arg[300];
    path_in(path, sizeof path, dir, "compact.rdrive");
    rdrive_store *s = NULL;
    REQUIRE_OK(rdrive_store_open(path, RDRIVE_OPEN_SHARED, &s));
    for (int i = 0; i < 200; i++) REQUIRE_OK(rdrive_store_write(s, KEY("churn"), (const uint8_t *)"old value", 9));
    rdrive_entry *held = NULL;
    REQUIRE_OK(rdrive_store_read(s, KEY("churn"), &held));

    child kids[2];
    for (int w = 0; w < 2; w++) {
        snprintf(arg, sizeof arg, "%d:%s", w, path);
        kids[w] = spawn_role(argv[0], "worker", arg);
        CHECK(strcmp(hear(&kids[w]), "ready") == 0);
    }
    uint64_t before = 0, after = 0;
    for (int round = 0; round < 6; round++) {
        for (int w = 0; w < 2; w++) tell(&kids[w], "go");
        REQUIRE_OK(rdrive_store_file_size(s, &before));
        REQUIRE_OK(rdrive_store_compact(s));
        REQUIRE_OK(rdrive_store_file_size(s, &after));
        for (int w = 0; w < 2; w++) CHECK(strcmp(hear(&kids[w]), "round") == 0);
    }
    int written[2] = {0, 0};
    for (int w = 0; w < 2; w++) {
        tell(&kids[w], "stop");
        int bad = -1;
        CHECK(sscanf(hear(&kids[w]), "%d %d", &written[w], &bad) == 2);
        CHECK(bad == 0);
        CHECK(reap(&kids[w]) == 0);
    }
    CHECK(written[0] == 300 && written[1] == 300);
    CHECK(entry_equals(held, "old value", 9));
    rdrive_entry_free(held);
    rdrive_store_close(s);

    REQUIRE_OK(rdrive_store_open(path, RDRIVE_OPEN_MUST_EXIST, &s));
    char key[64];
    bool there = false;
    for (int w = 0; w < 2; w++)
        for (int i = 0; i < written[w]; i++) {
            snprintf(key, sizeof key, "w%d-%d", w, i);
            REQUIRE_OK(rdrive_store_exists(s, KEY(key), &there));
            CHECK(there);
        }
    uint64_t len = 0;
    REQUIRE_OK(rdrive_store_len(s, &len));
    CHECK(len == 601);
    rdrive_store_close(s);
    remove_tree(dir);
    return finish("shared_compaction");
}
