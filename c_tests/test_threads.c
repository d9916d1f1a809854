/* Reader threads verify every value they see while a writer thread appends,
 * deletes and compacts: zero wrong reads. */
#include <pthread.h>
#include <stdatomic.h>

#include "check.h"

#define KEYS 200u

static rdrive_store *store;
static atomic_int done;
static atomic_long wrong, reads;

/* Value for version v of key k: [k, v, filler...], self-checking. */
static size_t make_value(uint32_t k, uint32_t v, uint8_t *out) {
    size_t len = 8 + (k * 7 + v * 13) % 300;
    memcpy(out, &k, 4);
    memcpy(out + 4, &v, 4);
    for (size_t i = 8; i < len; i++) out[i] = (uint8_t)(k ^ v ^ i);
    return len;
}

static int value_ok(uint32_t k, const uint8_t *p, size_t len) {
    uint8_t expect[320];
    uint32_t v;
    if (len < 8) return 0;
    memcpy(&v, p + 4, 4);
    size_t want = make_value(k, v, expect);
    return want == len && memcmp(expect, p, len) == 0;
}

static void *reader(void *arg) {
    uint64_t x = 0x9E3779B97F4A7C15u ^ (uintptr_t)arg;
    while (!atomic_load(&done)) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        uint32_t k = (uint32_t)(x % KEYS);
        rdrive_entry *e = NULL;
        rdrive_status st = rdrive_store_read(store, (const uint8_t *)&k, sizeof k, &e);
        if (st == RDRIVE_OK) {
            rdrive_bytes b = rdrive_entry_address_range(e);
            if (!value_ok(k, b.ptr, b.len)) atomic_fetch_add(&wrong, 1);
            rdrive_entry_free(e);
        } else if (st != RDRIVE_NOT_FOUND) {
            atomic_fetch_add(&wrong, 1);
        }
        atomic_fetch_add(&reads, 1);
    }
    return NULL;
}

int main(void) {
    const char *dir = temp_dir();
    char path[256];
    path_in(path, sizeof path, dir, "threads.rdrive");
    REQUIRE_OK(rdrive_store_open(path, 0, &store));
    uint8_t value[320];
    for (uint32_t k = 0; k < KEYS; k++) {
        size_t len = make_value(k, 0, value);
        REQUIRE_OK(rdrive_store_write(store, (const uint8_t *)&k, sizeof k, value, len));
    }
    pthread_t threads[4];
    for (uintptr_t i = 0; i < 4; i++) pthread_create(&threads[i], NULL, reader, (void *)i);
    for (uint32_t round = 1; round <= 3000; round++) {
        uint32_t k = (round * 7919u) % KEYS;
        if (round % 97 == 0) {
            rdrive_store_delete(store, (const uint8_t *)&k, sizeof k);
        } else {
            size_t len = make_value(k, round, value);
            CHECK_STATUS(rdrive_store_write(store, (const uint8_t *)&k, sizeof k, value, len), RDRIVE_OK);
        }
        if (round % 1000 == 0) CHECK_STATUS(rdrive_store_compact(store), RDRIVE_OK);
    }
    atomic_store(&done, 1);
    for (int i = 0; i < 4; i++) pthread_join(threads[i], NULL);
    CHECK(atomic_load(&wrong) == 0);
    CHECK(atomic_load(&reads) > 0);
    printf("threads: %ld reads, %ld wrong\n", (long)atomic_load(&reads), (long)atomic_load(&wrong));
    rdrive_store_close(store);
    remove_tree(dir);
    return finish("threads");
}
