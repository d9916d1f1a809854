/* Read your others' writes: process A writes a key through a shared handle
 * and tells process B, which reads it at once through its own shared
 * handle — 1,000 rounds, every one seen. */
#include "procs.h"

/* Child (B): for each number heard, read key-N and answer what it holds. */
static int reader(const char *path) {
    rdrive_store *s = NULL;
    if (rdrive_store_open(path, RDRIVE_OPEN_SHARED | RDRIVE_OPEN_WAIT, &s) != RDRIVE_OK) return 2;
    tell_parent("%s", "ready");
    for (;;) {
        const char *line = hear_parent();
        if (*line == '\0' || strcmp(line, "end") == 0) break;
        char key[64];
        snprintf(key, sizeof key, "key-%.40s", line);
        rdrive_entry *e = NULL;
        char answer[64] = "missing";
        if (rdrive_store_read(s, KEY(key), &e) == RDRIVE_OK) {
            rdrive_bytes b = rdrive_entry_address_range(e);
            snprintf(answer, sizeof answer, "%.*s", (int)b.len, (const char *)b.ptr);
        }
        rdrive_entry_free(e);
        tell_parent("%s", answer);
    }
    rdrive_store_close(s);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "--role") == 0) return reader(argv[3]);
    const char *dir = temp_dir();
    char path[256];
    path_in(path, sizeof path, dir, "others.rdrive");
    rdrive_store *a = NULL;
    REQUIRE_OK(rdrive_store_open(path, RDRIVE_OPEN_SHARED, &a));
    child b = spawn_role(argv[0], "reader", path);
    CHECK(strcmp(hear(&b), "ready") == 0);
    int seen = 0;
    for (int i = 0; i < 1000; i++) {
        char key[64], value[64], n[16];
        snprintf(key, sizeof key, "key-%d", i);
        snprintf(value, sizeof value, "value %d", i * 7);
        REQUIRE_OK(rdrive_store_write(a, KEY(key), (const uint8_t *)value, strlen(value)));
        snprintf(n, sizeof n, "%d", i);
        tell(&b, n);
        seen += strcmp(hear(&b), value) == 0;
    }
    tell(&b, "end");
    CHECK(reap(&b) == 0);
    CHECK(seen == 1000);
    rdrive_store_close(a);
    remove_tree(dir);
    return finish("read_others_writes");
}
