/* rdrive: command-line access to an rdrive store, built on the public C API.
 *
 * Exit codes (stable, for scripts):
 *   0  success
 *   1  the key was not found (get, del, exists)
 *   2  usage error
 *   3  the store could not be opened, read or written
 *   4  check found damaged entries
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rdrive.h"

enum { EXIT_NOT_FOUND = 1, EXIT_USAGE = 2, EXIT_STORE = 3, EXIT_DAMAGED = 4 };

static const char *command = "rdrive";

static void usage(FILE *to) {
    fputs("usage: rdrive <command> <store> [arguments]\n"
          "\n"
          "commands:\n"
          "  put <store> <key> <value>    write <value> (an argument) under <key>\n"
          "  import <store> <key> [file]  write the contents of <file> (default: stdin,\n"
          "                               also \"-\") under <key>, streamed\n"
          "  get <store> <key>            write the value of <key> to stdout, as is\n"
          "  del <store> <key>            delete <key>\n"
          "  exists <store> <key>         print yes or no; exit 0 if present, 1 if not\n"
          "  list <store>                 one line per live entry: key hash, size,\n"
          "                               file offset, checksum (ok or BAD), newest first\n"
          "  info <store>                 file size, live entries, reclaimable bytes\n"
          "  check <store>                verify every live entry's checksum\n"
          "  compact <store>              rewrite the store with only live entries\n"
          "\n"
          "exit codes: 0 ok, 1 key not found, 2 usage error, 3 store error,\n"
          "            4 check found damaged entries\n",
          to);
}

static int fail(rdrive_status st) {
    fprintf(stderr, "rdrive %s: %s", command, rdrive_status_str(st));
    const char *detail = rdrive_last_error();
    if (detail[0] != '\0') fprintf(stderr, " (%s)", detail);
    fputc('\n', stderr);
    return EXIT_STORE;
}

static int open_store(const char *path, uint32_t flags, rdrive_store **out) {
    rdrive_status st = rdrive_store_open(path, flags, out);
    return st == RDRIVE_OK ? 0 : fail(st);
}

static int cmd_put(const char *path, const char *key, const char *value) {
    rdrive_store *s = NULL;
    int rc = open_store(path, 0, &s);
    if (rc != 0) return rc;
    rdrive_status st =
        rdrive_store_write(s, (const uint8_t *)key, strlen(key), (const uint8_t *)value, strlen(value));
    if (st == RDRIVE_OK) st = rdrive_store_sync(s);
    rdrive_store_close(s);
    return st == RDRIVE_OK ? 0 : fail(st);
}

static intptr_t read_file_chunk(void *ctx, uint8_t *buf, size_t cap) {
    FILE *f = ctx;
    size_t n = fread(buf, 1, cap, f);
    if (n == 0 && ferror(f)) return -1;
    return (intptr_t)n;
}

static int cmd_import(const char *path, const char *key, const char *file) {
    FILE *in = stdin;
    if (file != NULL && strcmp(file, "-") != 0) {
        in = fopen(file, "rb");
        if (in == NULL) {
            fprintf(stderr, "rdrive import: %s: %s\n", file, strerror(errno));
            return EXIT_STORE;
        }
    }
    rdrive_store *s = NULL;
    int rc = open_store(path, 0, &s);
    if (rc == 0) {
        rdrive_status st = rdrive_store_write_stream(s, (const uint8_t *)key, strlen(key), read_file_chunk, in);
        if (st == RDRIVE_OK) st = rdrive_store_sync(s);
        if (st == RDRIVE_ERR_ABORTED) {
            fprintf(stderr, "rdrive import: reading the input failed; nothing was written\n");
            rc = EXIT_STORE;
        } else if (st != RDRIVE_OK) {
            rc = fail(st);
        }
        rdrive_store_close(s);
    }
    if (in != stdin) fclose(in);
    return rc;
}

static int cmd_get(const char *path, const char *key) {
    rdrive_store *s = NULL;
    int rc = open_store(path, RDRIVE_OPEN_READ_ONLY, &s);
    if (rc != 0) return rc;
    rdrive_entry *e = NULL;
    rdrive_status st = rdrive_store_read(s, (const uint8_t *)key, strlen(key), &e);
    if (st == RDRIVE_OK) {
        rdrive_bytes b = rdrive_entry_address_range(e);
        if (fwrite(b.ptr, 1, b.len, stdout) != b.len || fflush(stdout) != 0) {
            fprintf(stderr, "rdrive get: writing to stdout failed: %s\n", strerror(errno));
            rc = EXIT_STORE;
        }
        rdrive_entry_free(e);
    } else if (st == RDRIVE_NOT_FOUND) {
        fprintf(stderr, "rdrive get: %s: not found\n", key);
        rc = EXIT_NOT_FOUND;
    } else {
        rc = fail(st);
    }
    rdrive_store_close(s);
    return rc;
}

static int cmd_del(const char *path, const char *key) {
    rdrive_store *s = NULL;
    int rc = open_store(path, RDRIVE_OPEN_MUST_EXIST, &s);
    if (rc != 0) return rc;
    rdrive_status st = rdrive_store_delete(s, (const uint8_t *)key, strlen(key));
    if (st == RDRIVE_OK) st = rdrive_store_sync(s);
    if (st == RDRIVE_NOT_FOUND) {
        fprintf(stderr, "rdrive del: %s: not found\n", key);
        rc = EXIT_NOT_FOUND;
    } else if (st != RDRIVE_OK) {
        rc = fail(st);
    }
    rdrive_store_close(s);
    return rc;
}

static int cmd_exists(const char *path, const char *key) {
    rdrive_store *s = NULL;
    int rc = open_store(path, RDRIVE_OPEN_READ_ONLY, &s);
    if (rc != 0) return rc;
    bool yes = false;
    rdrive_status st = rdrive_store_exists(s, (const uint8_t *)key, strlen(key), &yes);
    rdrive_store_close(s);
    if (st != RDRIVE_OK) return fail(st);
    puts(yes ? "yes" : "no");
    return yes ? 0 : EXIT_NOT_FOUND;
}

/* Calls visit() on every live entry, newest first. Returns 0 or an exit
 * code; *damaged counts entries whose checksum fails. */
static int each_entry(const char *path, int (*visit)(const rdrive_entry *, bool ok), size_t *count,
                      size_t *damaged) {
    rdrive_store *s = NULL;
    int rc = open_store(path, RDRIVE_OPEN_READ_ONLY, &s);
    if (rc != 0) return rc;
    rdrive_iter *it = NULL;
    rdrive_status st = rdrive_store_iter(s, &it);
    if (st != RDRIVE_OK) {
        rdrive_store_close(s);
        return fail(st);
    }
    rdrive_entry *e = NULL;
    while (rc == 0 && (st = rdrive_iter_next(it, &e)) == RDRIVE_OK) {
        bool ok = rdrive_entry_is_valid_checksum(e);
        (*count)++;
        if (!ok) (*damaged)++;
        rc = visit(e, ok);
        rdrive_entry_free(e);
    }
    if (rc == 0 && st != RDRIVE_NOT_FOUND) rc = fail(st);
    rdrive_iter_free(it);
    rdrive_store_close(s);
    return rc;
}

static int print_entry(const rdrive_entry *e, bool ok) {
    if (printf("%016" PRIx64 " %12zu %14" PRIu64 " %s\n", rdrive_entry_key_hash(e), rdrive_entry_size(e),
               rdrive_entry_start_offset(e), ok ? "ok" : "BAD") < 0)
        return EXIT_STORE;
    return 0;
}

static int report_damage(const rdrive_entry *e, bool ok) {
    if (!ok)
        fprintf(stderr, "damaged: key hash %016" PRIx64 ", %zu bytes at offset %" PRIu64 "\n",
                rdrive_entry_key_hash(e), rdrive_entry_size(e), rdrive_entry_start_offset(e));
    return 0;
}

static int cmd_list(const char *path) {
    size_t count = 0, damaged = 0;
    return each_entry(path, print_entry, &count, &damaged);
}

static int cmd_check(const char *path) {
    size_t count = 0, damaged = 0;
    int rc = each_entry(path, report_damage, &count, &damaged);
    if (rc != 0) return rc;
    printf("%zu live entries checked, %zu damaged\n", count, damaged);
    return damaged == 0 ? 0 : EXIT_DAMAGED;
}

static int cmd_info(const char *path) {
    rdrive_store *s = NULL;
    uint64_t recovered = 0, size = 0, live = 0, reclaimable = 0;
    rdrive_status st = rdrive_store_open_with_report(path, RDRIVE_OPEN_READ_ONLY, &s, &recovered);
    if (st != RDRIVE_OK) return fail(st);
    if (st == RDRIVE_OK) st = rdrive_store_file_size(s, &size);
    if (st == RDRIVE_OK) st = rdrive_store_len(s, &live);
    if (st == RDRIVE_OK) st = rdrive_store_reclaimable_bytes(s, &reclaimable);
    rdrive_store_close(s);
    if (st != RDRIVE_OK) return fail(st);
    printf("file:         %s\n", path);
    printf("file size:    %" PRIu64 " bytes\n", size);
    printf("live entries: %" PRIu64 "\n", live);
    printf("reclaimable:  %" PRIu64 " bytes\n", reclaimable);
    if (recovered != 0) printf("torn tail:    %" PRIu64 " bytes (discarded at the next read-write open)\n", recovered);
    return 0;
}

static int32_t show_progress(void *ctx, uint64_t done, uint64_t total) {
    (void)ctx;
    fprintf(stderr, "\rcompacting: %" PRIu64 "/%" PRIu64 " bytes (%3d%%)", done, total,
            total == 0 ? 100 : (int)(done * 100 / total));
    return 0;
}

static int cmd_compact(const char *path) {
    rdrive_store *s = NULL;
    int rc = open_store(path, RDRIVE_OPEN_MUST_EXIST, &s);
    if (rc != 0) return rc;
    uint64_t before = 0, after = 0;
    rdrive_store_file_size(s, &before);
    rdrive_status st = rdrive_store_compact_with_progress(s, show_progress, NULL);
    fputc('\n', stderr);
    if (st == RDRIVE_OK) st = rdrive_store_file_size(s, &after);
    rdrive_store_close(s);
    if (st != RDRIVE_OK) return fail(st);
    printf("compacted: %" PRIu64 " -> %" PRIu64 " bytes\n", before, after);
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc < 3) {
        usage(stderr);
        return EXIT_USAGE;
    }
    command = argv[1];
    const char *store = argv[2];
    int extra = argc - 3;
    struct {
        const char *name;
        int min, max;
    } const shapes[] = {{"put", 2, 2},  {"import", 1, 2}, {"get", 1, 1},  {"del", 1, 1},    {"exists", 1, 1},
                        {"list", 0, 0}, {"info", 0, 0},   {"check", 0, 0}, {"compact", 0, 0}};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        if (strcmp(command, shapes[i].name) != 0) continue;
        if (extra < shapes[i].min || extra > shapes[i].max) {
            fprintf(stderr, "rdrive %s: wrong number of arguments\n\n", command);
            usage(stderr);
            return EXIT_USAGE;
        }
        if (strcmp(command, "put") == 0) return cmd_put(store, argv[3], argv[4]);
        if (strcmp(command, "import") == 0) return cmd_import(store, argv[3], extra == 2 ? argv[4] : NULL);
        if (strcmp(command, "get") == 0) return cmd_get(store, argv[3]);
        if (strcmp(command, "del") == 0) return cmd_del(store, argv[3]);
        if (strcmp(command, "exists") == 0) return cmd_exists(store, argv[3]);
        if (strcmp(command, "list") == 0) return cmd_list(store);
        if (strcmp(command, "info") == 0) return cmd_info(store);
        if (strcmp(command, "check") == 0) return cmd_check(store);
        return cmd_compact(store);
    }
    fprintf(stderr, "rdrive: unknown command '%s'\n\n", command);
    usage(stderr);
    return EXIT_USAGE;
}
