/* A read-only handle in another process is a snapshot until
 * rdrive_store_refresh(), which reads the writer's new entries (and
 * reports how many), follows a compaction to the new file, and leaves the
 * entries taken before it readable. */
#include "procs.h"

/* Child: a follower answering "len", "get K", "refresh", "held". */
static int follower(const char *path) {
    rdrive_store *s = NULL;
    if (rdrive_store_open(path, RDRIVE_OPEN_READ_ONLY, &s) != RDRIVE_OK) return 2;
    rdrive_entry *held = NULL;
    tell_parent("%s", "ready");
    for (;;) {
        const char *line = hear_parent();
        char answer[128] = "?";
        if (*line == '\0' || strcmp(line, "end") == 0) break;
        if (strcmp(line, "len") == 0) {
            uint64_t n = 0;
            rdrive_store_len(s, &n);
            snprintf(answer, sizeof answer, "%llu", (unsigned long long)n);
        } else if (strncmp(line, "get ", 4) == 0) {
            rdrive_entry *e = NULL;
            snprintf(answer, sizeof answer, "missing");
            if (rdrive_store_read(s, KEY(line + 4), &e) == RDRIVE_OK) {
                rdrive_bytes b = rdrive_entry_address_range(e);
                snprintf(answer, sizeof answer, "%.*s", (int)b.len, (const char *)b.ptr);
                if (held == NULL) held = rdrive_entry_clone(e);
            }
            rdrive_entry_free(e);
        } else if (strcmp(line, "refresh") == 0) {
            uint64_t n = 99;
            rdrive_status st = rdrive_store_refresh(s, &n);
            snprintf(answer, sizeof answer, "%d %llu", (int)st, (unsigned long long)n);
        } else if (strcmp(line, "held") == 0 && held != NULL) {
            rdrive_bytes b = rdrive_entry_address_range(held);
            snprintf(answer, sizeof answer, "%.*s", (int)b.len, (const char *)b.ptr);
        }
        tell_parent("%s", answer);
    }
    rdrive_entry_free(held);
    rdrive_store_close(s);
    return 0;
}

static const char *ask(child *c, const char *q) {
    tell(c, q);
    return hear(c);
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "--role") == 0) return follower(argv[3]);
    const char *dir = temp_dir();
    char path[256];
    path_in(path, sizeof path, dir, "follow.rdrive");
    rdrive_store *w = NULL;
    REQUIRE_OK(rdrive_store_open(path, 0, &w));
    REQUIRE_OK(rdrive_store_write(w, KEY("a"), (const uint8_t *)"first", 5));
    child f = spawn_role(argv[0], "follower", path);
    CHECK(strcmp(hear(&f), "ready") == 0);
    CHECK(strcmp(ask(&f, "get a"), "first") == 0); /* also held from now on */

    REQUIRE_OK(rdrive_store_write(w, KEY("a"), (const uint8_t *)"second", 6));
    REQUIRE_OK(rdrive_store_write(w, KEY("b"), (const uint8_t *)"new", 3));
    REQUIRE_OK(rdrive_store_delete(w, KEY("b")));
    CHECK(strcmp(ask(&f, "get a"), "first") == 0); /* a snapshot */
    CHECK(strcmp(ask(&f, "refresh"), "0 3") == 0);
    CHECK(strcmp(ask(&f, "get a"), "second") == 0);
    CHECK(strcmp(ask(&f, "get b"), "missing") == 0);
    CHECK(strcmp(ask(&f, "refresh"), "0 0") == 0);

    /* Across a compaction: the new file's entries. */
    for (int i = 0; i < 20; i++) REQUIRE_OK(rdrive_store_write(w, KEY("c"), (const uint8_t *)"x", 1));
    REQUIRE_OK(rdrive_store_compact(w));
    REQUIRE_OK(rdrive_store_write(w, KEY("d"), (const uint8_t *)"after", 5));
    CHECK(strcmp(ask(&f, "refresh"), "0 3") == 0); /* a, c, then d */
    CHECK(strcmp(ask(&f, "len"), "3") == 0);
    CHECK(strcmp(ask(&f, "get d"), "after") == 0);
    CHECK(strcmp(ask(&f, "held"), "first") == 0); /* taken before, still readable */
    tell(&f, "end");
    CHECK(reap(&f) == 0);
    rdrive_store_close(w);
    remove_tree(dir);
    return finish("follower_refresh");
}
