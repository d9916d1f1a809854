/* Tiny test harness shared by the C tests: checks that report and count,
 * and temporary directories. */
#ifndef RDRIVE_CHECK_H
#define RDRIVE_CHECK_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rdrive.h"

static int check_failures;

#define CHECK(cond)                                                               \
    do {                                                                          \
        if (!(cond)) {                                                            \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            check_failures++;                                                     \
        }                                                                         \
    } while (0)

#define CHECK_STATUS(expr, want)                                                    \
    do {                                                                            \
        rdrive_status st_ = (expr);                                                 \
        if (st_ != (want)) {                                                        \
            fprintf(stderr, "%s:%d: %s returned %d (%s), expected %d (%s); %s\n",   \
                    __FILE__, __LINE__, #expr, (int)st_, rdrive_status_str(st_),    \
                    (int)(want), rdrive_status_str(want), rdrive_last_error());     \
            check_failures++;                                                       \
        }                                                                           \
    } while (0)

/* For setup steps: stop the test when they fail. */
#define REQUIRE_OK(expr)                                                            \
    do {                                                                            \
        rdrive_status st_ = (expr);                                                 \
        if (st_ != RDRIVE_OK) {                                                     \
            fprintf(stderr, "%s:%d: %s failed: %s; %s\n", __FILE__, __LINE__, #expr, \
                    rdrive_status_str(st_), rdrive_last_error());                   \
            exit(1);                                                                \
        }                                                                           \
    } while (0)

/* A new empty directory under /tmp; the returned string is static. */
static inline const char *temp_dir(void) {
    static char dir[64];
    strcpy(dir, "/tmp/rdrive-ctest-XXXXXX");
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        exit(1);
    }
    return dir;
}

static inline void path_in(char *out, size_t cap, const char *dir, const char *name) {
    if ((size_t)snprintf(out, cap, "%s/%s", dir, name) >= cap) {
        fprintf(stderr, "path too long\n");
        exit(1);
    }
}

/* Removes `dir` and the files directly in it. */
static inline void remove_tree(const char *dir) {
    DIR *d = opendir(dir);
    if (d != NULL) {
        struct dirent *e;
        char path[512];
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
            path_in(path, sizeof path, dir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
}

/* Reads a whole file into a malloc'd buffer; *len receives its size. */
static inline unsigned char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf != NULL && n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static inline long file_size_of(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* True when the entry's bytes equal `want`. */
static inline int entry_equals(const rdrive_entry *e, const void *want, size_t len) {
    rdrive_bytes b = rdrive_entry_address_range(e);
    return b.len == len && (len == 0 || memcmp(b.ptr, want, len) == 0);
}

#define KEY(s) (const uint8_t *)(s), strlen(s)

static inline int finish(const char *name) {
    if (check_failures != 0) {
        fprintf(stderr, "%s: %d check(s) failed\n", name, check_failures);
        return 1;
    }
    printf("%s: ok\n", name);
    return 0;
}

#endif
