/* A shared writer process killed (SIGKILL) in the middle of a stream loses
 * only that call: another shared writer keeps going (it waits while the
 * stream holds the lock, then continues), every acknowledged write of both
 * survives, the dead process holds no lock, and a value shaped like an
 * entry inside the unfinished stream never becomes one. */
#include <pthread.h>

#include "procs.h"

static const char *FORGED = "never written";

static uint32_t crc32_of(const uint8_t *p, size_t n) {
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return ~c;
}

static void put_le(uint8_t *out, uint64_t v, int n) {
    for (int i = 0; i < n; i++) out[i] = (uint8_t)(v >> (8 * i));
}

typedef struct source {
    uint8_t forged[120];
    size_t sent;
} source;

/* Hands out the forged entry, then filler; after 600 KB it tells the
 * parent and waits to be killed. */
static intptr_t read_cb(void *ctx, uint8_t *buf, size_t cap) {
    source *s = ctx;
    if (s->sent == 0) {
        size_t n = sizeof s->forged < cap ? sizeof s->forged : cap;
        memcpy(buf, s->forged, n);
        s->sent = n;
        return (intptr_t)n;
    }
    if (s->sent >= 600 * 1024) {
        tell_parent("%s", "streaming");
        for (;;) pause();
    }
    size_t n = cap < 65536 ? cap : 65536;
    memset(buf, 0x42, n);
    s->sent += n;
    return (intptr_t)n;
}

static int victim(const char *path) {
    rdrive_store *s = NULL;
    if (rdrive_store_open(path, RDRIVE_OPEN_SHARED | RDRIVE_OPEN_WAIT, &s) != RDRIVE_OK) return 2;
    char key[64];
    for (int i = 0; i < 200; i++) {
        snprintf(key, sizeof key, "child-%d", i);
        if (rdrive_store_write(s, KEY(key), (const uint8_t *)"c", 1) != RDRIVE_OK) return 3;
        tell_parent("acked %s", key);
    }
    uint64_t tail = 0;
    rdrive_store_file_size(s, &tail);
    /* Bytes that form a valid entry for FORGED if read as one: 100 bytes
     * of payload, then a trailer pointing back at the stream's start. */
    source src = {{0}, 0};
    for (int i = 0; i < 100; i++) src.forged[i] = (uint8_t)(i * 7 + 3);
    put_le(src.forged + 100, rdrive_hash_key(KEY(FORGED)), 8);
    put_le(src.forged + 108, tail, 8);
    put_le(src.forged + 116, crc32_of(src.forged, 100), 4);
    rdrive_store_write_stream(s, KEY("streamed"), read_cb, &src);
    return 4; /* not reached: killed first */
}

typedef struct beside {
    rdrive_store *s;
    volatile int stop;
    int written;
    int failed;
} beside;

static void *keep_writing(void *arg) {
    beside *b = arg;
    char key[64];
    while (!b->stop || b->written < 10) {
        snprintf(key, sizeof key, "parent-%d", b->written);
        if (rdrive_store_write(b->s, KEY(key), (const uint8_t *)"p", 1) != RDRIVE_OK) {
            b->failed++;
            break;
        }
        b->written++;
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "--role") == 0) return victim(argv[3]);
    const char *dir = temp_dir();
    char path[256];
    path_in(path, sizeof path, dir, "killed.rdrive");
    beside b = {NULL, 0, 0, 0};
    REQUIRE_OK(rdrive_store_open(path, RDRIVE_OPEN_SHARED, &b.s));
    pthread_t t;
    CHECK(pthread_create(&t, NULL, keep_writing, &b) == 0);

    child c = spawn_role(argv[0], "victim", path);
    int acked = 0;
    for (;;) {
        const char *line = hear(&c);
        if (strncmp(line, "acked ", 6) == 0) acked++;
        else break; /* "streaming" */
    }
    kill(c.pid, SIGKILL);
    CHECK(reap(&c) == 128 + SIGKILL);
    b.stop = 1;
    CHECK(pthread_join(t, NULL) == 0);
    CHECK(b.failed == 0);
    CHECK(acked == 200);

    rdrive_entry *e = NULL;
    CHECK_STATUS(rdrive_store_read(b.s, KEY(FORGED), &e), RDRIVE_NOT_FOUND);
    rdrive_store_close(b.s);

    /* No lock left behind; nothing acknowledged lost; nothing forged. */
    rdrive_store *s = NULL;
    REQUIRE_OK(rdrive_store_open(path, 0, &s));
    CHECK_STATUS(rdrive_store_read(s, KEY(FORGED), &e), RDRIVE_NOT_FOUND);
    CHECK_STATUS(rdrive_store_read(s, KEY("streamed"), &e), RDRIVE_NOT_FOUND);
    char key[64];
    bool there = false;
    for (int i = 0; i < 200; i++) {
        snprintf(key, sizeof key, "child-%d", i);
        REQUIRE_OK(rdrive_store_exists(s, KEY(key), &there));
        CHECK(there);
    }
    for (int i = 0; i < b.written; i++) {
        snprintf(key, sizeof key, "parent-%d", i);
        REQUIRE_OK(rdrive_store_exists(s, KEY(key), &there));
        CHECK(there);
    }
    uint64_t len = 0;
    REQUIRE_OK(rdrive_store_len(s, &len));
    CHECK(len == (uint64_t)(200 + b.written));
    rdrive_store_close(s);
    remove_tree(dir);
    return finish("killed_writer");
}
