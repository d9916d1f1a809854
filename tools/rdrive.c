/* rdrive: command-line access to an rdrive store, built on the public C API.
 *
 *   rdrive <command> [options] <store> [arguments]
 *   rdrive --version | --help
 *
 * Exit codes (stable, for scripts):
 *   0  success
 *   1  the key was not found (get, del, exists)
 *   2  usage error
 *   3  the store could not be opened, read or written; an output or input
 *      error; a damaged dump
 *   4  check found damaged entries
 *   5  the store is locked by a writer (try again, or use --wait)
 *
 * The manual is tools/rdrive.1; it also describes the dump format.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rdrive.h"

enum { EXIT_NOT_FOUND = 1, EXIT_USAGE = 2, EXIT_STORE = 3, EXIT_DAMAGED = 4, EXIT_LOCKED = 5 };

/* ------------------------------------------------------------------------
 * Command line
 * ------------------------------------------------------------------------ */

static const char *command = "rdrive";
static char who[32] = "rdrive"; /* "rdrive <command>": the start of every message */

static struct {
    bool hex;        /* key arguments are hexadecimal */
    bool hash;       /* get: the argument is a key hash */
    bool wait;       /* writing commands wait for the writer lock */
    int64_t wait_ms; /* with wait: longest wait, or -1 for no limit */
    bool shared;     /* writing commands open with RDRIVE_OPEN_SHARED */
    bool repair;     /* writing commands open with RDRIVE_OPEN_REPAIR */
} opt = {false, false, false, -1, false, false};

/* A key argument: its bytes (decoded with --hex) and the text as given. */
typedef struct {
    const uint8_t *ptr;
    size_t len;
    const char *text;
    uint8_t *owned;
} key_arg;

static void usage(FILE *to) {
    fputs("usage: rdrive <command> [options] <store> [arguments]\n"
          "       rdrive --version | --help\n"
          "\n"
          "commands:\n"
          "  put <store> <key> <value>    write <value> (an argument) under <key>\n"
          "  import <store> <key> [file]  write the contents of <file> (default: stdin,\n"
          "                               also \"-\") under <key>, streamed\n"
          "  get <store> <key>            write the value of <key> to stdout, as is\n"
          "  get --hash <store> <hash>    the same, by key hash (16 hex digits as list\n"
          "                               prints them, 0x optional)\n"
          "  del <store> <key>            delete <key>\n"
          "  exists <store> <key>         print yes or no; exit 0 if present, 1 if not\n"
          "  list <store>                 one line per live entry: key hash, size,\n"
          "                               file offset, checksum (ok or BAD), newest first\n"
          "  info <store>                 file size, live entries, reclaimable bytes, and\n"
          "                               what the open found (torn tail, live writer,\n"
          "                               discarded watermark, leftover compaction file)\n"
          "  check <store>                verify every live entry's checksum\n"
          "  compact <store>              rewrite the store with only live entries\n"
          "  dump <store> [file]          write a self-checking backup of the live entries\n"
          "                               to <file> (default: stdout)\n"
          "  load <store> [file]          verify a whole dump from <file> (default: stdin),\n"
          "                               then write its entries; creates the store\n"
          "\n"
          "options (between the command and the store):\n"
          "  --hex             key arguments are hexadecimal bytes (either case, no prefix)\n"
          "  --hash            get: the argument is a key hash, not a key\n"
          "  --wait[=SECONDS]  writing commands wait for the writer lock (at most SECONDS)\n"
          "                    instead of exit 5\n"
          "  --shared          writing commands share the store with other --shared\n"
          "                    writers and applications using RDRIVE_OPEN_SHARED\n"
          "  --repair          writing commands let recovery discard damage it would\n"
          "                    otherwise refuse (keeps the longest valid prefix)\n"
          "  --                end of options\n"
          "  Read-only commands (get, exists, list, info, check, dump) accept and ignore\n"
          "  --wait, --shared and --repair. Progress (compact, import, load) is shown\n"
          "  on stderr when it is a terminal.\n"
          "\n"
          "exit codes: 0 ok, 1 key not found, 2 usage error, 3 store or I/O error,\n"
          "            4 check found damaged entries, 5 the store is locked by a writer\n",
          to);
}

static int usage_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", who);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n(rdrive --help shows the usage)\n", stderr);
    return EXIT_USAGE;
}

static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Reads a key argument: as is, or with --hex as hexadecimal bytes. */
static bool parse_key(const char *text, key_arg *k) {
    k->text = text;
    k->owned = NULL;
    if (!opt.hex) {
        k->ptr = (const uint8_t *)text;
        k->len = strlen(text);
        return true;
    }
    size_t n = strlen(text);
    if (n % 2 != 0) return false;
    k->owned = malloc(n / 2 + 1);
    if (k->owned == NULL) return false;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hex_digit(text[2 * i]), lo = hex_digit(text[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            free(k->owned);
            k->owned = NULL;
            return false;
        }
        k->owned[i] = (uint8_t)(hi << 4 | lo);
    }
    k->ptr = k->owned;
    k->len = n / 2;
    return true;
}

/* Reads a key hash: up to 16 hex digits, "0x" optional. */
static bool parse_hash(const char *text, uint64_t *out) {
    if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) text += 2;
    size_t n = strlen(text);
    if (n == 0 || n > 16) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        int d = hex_digit(text[i]);
        if (d < 0) return false;
        v = v << 4 | (uint64_t)d;
    }
    *out = v;
    return true;
}

/* ------------------------------------------------------------------------
 * Output: every write to the output is checked; the first failure is kept
 * and reported once, with exit 3.
 * ------------------------------------------------------------------------ */

static FILE *out;                /* stdout, or the file dump writes */
static const char *out_name;     /* NULL for stdout */
static int out_errno;            /* first failure, 0 if none */
static bool out_reported;

static void out_failed(void) {
    if (out_errno == 0) out_errno = errno != 0 ? errno : EIO;
}

static bool out_bytes(const void *p, size_t n) {
    if (out_errno != 0) return false;
    errno = 0;
    if (n != 0 && fwrite(p, 1, n, out) != n) {
        out_failed();
        return false;
    }
    return true;
}

static bool outf(const char *fmt, ...) {
    if (out_errno != 0) return false;
    va_list ap;
    va_start(ap, fmt);
    errno = 0;
    int r = vfprintf(out, fmt, ap);
    va_end(ap);
    if (r < 0) out_failed();
    return r >= 0;
}

/* Flushes the output; returns 0, or reports the first write error and
 * returns EXIT_STORE. */
static int out_flush(void) {
    if (out_errno == 0) {
        errno = 0;
        if (fflush(out) != 0 || ferror(out)) out_failed();
    }
    if (out_errno == 0) return 0;
    if (!out_reported) {
        if (out_name != NULL)
            fprintf(stderr, "%s: %s: write error: %s\n", who, out_name, strerror(out_errno));
        else
            fprintf(stderr, "%s: write error: %s\n", who, strerror(out_errno));
        out_reported = true;
    }
    return EXIT_STORE;
}

/* ------------------------------------------------------------------------
 * Progress on stderr, only when it is a terminal; counts bytes.
 * ------------------------------------------------------------------------ */

typedef struct {
    const char *label;
    uint64_t total; /* 0: unknown */
    bool on, shown;
    struct timespec last;
    int width; /* of the last line, to blank it out */
} progress;

static void human(char *buf, size_t cap, uint64_t n) {
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
    if (n < 1024) {
        snprintf(buf, cap, "%" PRIu64 " B", n);
        return;
    }
    double v = (double)n / 1024.0;
    size_t u = 0;
    while (v >= 1024.0 && u + 1 < sizeof units / sizeof units[0]) {
        v /= 1024.0;
        u++;
    }
    snprintf(buf, cap, "%.1f %s", v, units[u]);
}

static void progress_start(progress *p, const char *label, uint64_t total) {
    p->label = label;
    p->total = total;
    p->on = isatty(STDERR_FILENO) == 1;
    p->shown = false;
    p->width = 0;
    clock_gettime(CLOCK_MONOTONIC, &p->last);
}

static void progress_show(progress *p, uint64_t done, bool last) {
    if (!p->on) return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long ms = (long)(now.tv_sec - p->last.tv_sec) * 1000 + (now.tv_nsec - p->last.tv_nsec) / 1000000;
    if (p->shown && !last && ms < 100) return;
    p->last = now;
    char d[32], t[32], line[128];
    human(d, sizeof d, done);
    int w;
    if (p->total != 0) {
        human(t, sizeof t, p->total);
        unsigned pct = done >= p->total ? 100u : (unsigned)((double)done * 100.0 / (double)p->total);
        w = snprintf(line, sizeof line, "%s: %s / %s (%3u%%)", p->label, d, t, pct);
    } else {
        w = snprintf(line, sizeof line, "%s: %s", p->label, d);
    }
    if (w < 0) return;
    fprintf(stderr, "\r%s%*s", line, p->width > w ? p->width - w : 0, "");
    fflush(stderr);
    p->width = w;
    p->shown = true;
}

static void progress_end(progress *p) {
    if (p->on && p->shown) {
        fputc('\n', stderr);
        p->shown = false;
    }
}

/* ------------------------------------------------------------------------
 * Opening stores, and reporting failures
 * ------------------------------------------------------------------------ */

static int exit_code_for(rdrive_status st) {
    if (st == RDRIVE_NOT_FOUND) return EXIT_NOT_FOUND;
    if (st == RDRIVE_ERR_LOCKED) return EXIT_LOCKED;
    return EXIT_STORE;
}

/* Reports a failed call; returns its exit code. */
static int fail(rdrive_status st) {
    fprintf(stderr, "%s: %s", who, rdrive_status_str(st));
    const char *detail = rdrive_last_error();
    if (detail[0] != '\0') fprintf(stderr, " (%s)", detail);
    fputc('\n', stderr);
    return exit_code_for(st);
}

static const char *file_kind(mode_t mode) {
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a regular file";
}

static int open_failed(const char *path, rdrive_status st) {
    struct stat sb;
    if (st == RDRIVE_ERR_LOCKED) {
        fprintf(stderr, "%s: %s: the store is locked by a writer (try again, or use --wait)\n", who, path);
        return EXIT_LOCKED;
    }
    if (st == RDRIVE_ERR_INVALID_ARG && stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
        fprintf(stderr, "%s: %s: not a regular file (%s); a store is a regular file\n", who, path,
                file_kind(sb.st_mode));
        return EXIT_STORE;
    }
    int rc = fail(st);
    if (st == RDRIVE_ERR_CORRUPT && !opt.repair)
        fprintf(stderr,
                "%s: if this is a damaged store (not some other file), a writing command with --repair"
                " (rdrive compact --repair %s) keeps its longest valid prefix and discards the rest\n",
                who, path);
    return rc;
}

static int open_read_only(const char *path, rdrive_store **s) {
    rdrive_status st = rdrive_store_open(path, RDRIVE_OPEN_READ_ONLY, s);
    return st == RDRIVE_OK ? 0 : open_failed(path, st);
}

/* Opens for writing with the --wait, --shared and --repair options, and
 * says on stderr what the open discarded or removed. */
static int open_read_write(const char *path, uint32_t flags, rdrive_store **s) {
    if (opt.shared) flags |= RDRIVE_OPEN_SHARED;
    if (opt.repair) flags |= RDRIVE_OPEN_REPAIR;
    rdrive_status st;
    if (opt.wait && opt.wait_ms >= 0)
        st = rdrive_store_open_wait(path, flags, opt.wait_ms, s);
    else
        st = rdrive_store_open(path, opt.wait ? flags | RDRIVE_OPEN_WAIT : flags, s);
    if (st != RDRIVE_OK) return open_failed(path, st);
    uint32_t notes = 0;
    const uint32_t told =
        RDRIVE_NOTE_TAIL_DISCARDED | RDRIVE_NOTE_WATERMARK_DISCARDED | RDRIVE_NOTE_STALE_TEMP_FILE;
    if (rdrive_store_recovery_notes(*s, &notes) == RDRIVE_OK && (notes & told) != 0)
        fprintf(stderr, "%s: %s: %s\n", who, path, rdrive_store_recovery_detail(*s));
    return 0;
}

/* Writes the notes of a read-only open (info, check) to the output. */
static void print_notes(const char *path, const rdrive_store *s) {
    uint32_t notes = 0;
    uint64_t torn = 0;
    if (rdrive_store_recovery_notes(s, &notes) != RDRIVE_OK) return;
    rdrive_store_recovered_bytes(s, &torn);
    if (notes & RDRIVE_NOTE_WRITER_ACTIVE) outf("writer:       a read-write handle holds the store\n");
    if (notes & RDRIVE_NOTE_TAIL_DISCARDED) {
        if ((notes & RDRIVE_NOTE_UNFINISHED_WRITE) && (notes & RDRIVE_NOTE_WRITER_ACTIVE))
            outf("torn tail:    %" PRIu64 " bytes of a write under way in a live writer (not part of the"
                 " store until it finishes; nothing is wrong)\n",
                 torn);
        else if (notes & RDRIVE_NOTE_UNFINISHED_WRITE)
            outf("torn tail:    %" PRIu64 " bytes of an unfinished write of a writer that died (left out;"
                 " discarded at the next read-write open)\n",
                 torn);
        else
            outf("torn tail:    %" PRIu64 " bytes of a torn or damaged end (left out; discarded at the"
                 " next read-write open)\n",
                 torn);
    }
    if (notes & RDRIVE_NOTE_WATERMARK_DISCARDED) {
        const char *why = "it did not match the file";
        size_t why_len = strlen(why);
        const char *detail = rdrive_store_recovery_detail(s);
        const char *p = strstr(detail, "watermark discarded: ");
        if (p != NULL) {
            why = p + strlen("watermark discarded: ");
            const char *end = strstr(why, "; ");
            why_len = end != NULL ? (size_t)(end - why) : strlen(why);
        }
        outf("watermark:    discarded: %.*s (every checksum was verified; the next read-write open"
             " writes a fresh one)\n",
             (int)why_len, why);
    }
    if (notes & RDRIVE_NOTE_STALE_TEMP_FILE) {
        char temp[4096];
        struct stat sb;
        snprintf(temp, sizeof temp, "%s.rdrive-compact", path);
        if (stat(temp, &sb) == 0)
            outf("compaction:   leftover file %s of %jd bytes from an interrupted compact (removed at"
                 " the next read-write open)\n",
                 temp, (intmax_t)sb.st_size);
        else
            outf("compaction:   leftover file %s from an interrupted compact (removed at the next"
                 " read-write open)\n",
                 temp);
    }
}

/* ------------------------------------------------------------------------
 * CRC-32 (IEEE, as zlib): the checksum of the store's entries and of dumps
 * ------------------------------------------------------------------------ */

static uint32_t crc_table[8][256];

static void crc_init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c & 1u) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
        crc_table[0][i] = c;
    }
    for (int i = 0; i < 256; i++)
        for (int t = 1; t < 8; t++)
            crc_table[t][i] = (crc_table[t - 1][i] >> 8) ^ crc_table[0][crc_table[t - 1][i] & 0xFFu];
}

static uint32_t load_u32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t load_u64(const uint8_t *p) { return (uint64_t)load_u32(p) | (uint64_t)load_u32(p + 4) << 32; }

static void store_u32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void store_u64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* Continues a CRC-32 over n more bytes (start with 0). */
static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n) {
    uint32_t c = ~crc;
    while (n >= 8) {
        uint32_t lo = c ^ load_u32(p), hi = load_u32(p + 4);
        c = crc_table[7][lo & 0xFFu] ^ crc_table[6][(lo >> 8) & 0xFFu] ^ crc_table[5][(lo >> 16) & 0xFFu] ^
            crc_table[4][lo >> 24] ^ crc_table[3][hi & 0xFFu] ^ crc_table[2][(hi >> 8) & 0xFFu] ^
            crc_table[1][(hi >> 16) & 0xFFu] ^ crc_table[0][hi >> 24];
        p += 8;
        n -= 8;
    }
    while (n-- > 0) c = crc_table[0][(c ^ *p++) & 0xFFu] ^ (c >> 8);
    return ~c;
}

/* ------------------------------------------------------------------------
 * Writing commands: put, import, del, compact
 * ------------------------------------------------------------------------ */

static int finish_write(rdrive_store *s, rdrive_status st) {
    if (st == RDRIVE_OK) st = rdrive_store_sync(s);
    rdrive_store_close(s);
    return st == RDRIVE_OK ? 0 : fail(st);
}

static int cmd_put(const char *path, const key_arg *key, const char *value) {
    rdrive_store *s = NULL;
    int rc = open_read_write(path, 0, &s);
    if (rc != 0) return rc;
    return finish_write(s, rdrive_store_write(s, key->ptr, key->len, (const uint8_t *)value, strlen(value)));
}

typedef struct {
    int fd;
    uint64_t done;
    int error; /* errno of a failed read */
    progress bar;
} import_source;

static intptr_t read_import_chunk(void *ctx, uint8_t *buf, size_t cap) {
    import_source *src = ctx;
    if (cap > (size_t)INTPTR_MAX) cap = (size_t)INTPTR_MAX;
    for (;;) {
        ssize_t n = read(src->fd, buf, cap);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            src->error = errno;
            return -1;
        }
        src->done += (uint64_t)n;
        progress_show(&src->bar, src->done, false);
        return (intptr_t)n;
    }
}

/* Opens an input file (NULL or "-": stdin); refuses a directory. */
static int open_input(const char *file, int *fd) {
    if (file == NULL || strcmp(file, "-") == 0) {
        *fd = STDIN_FILENO;
        return 0;
    }
    *fd = open(file, O_RDONLY);
    struct stat sb;
    if (*fd >= 0 && fstat(*fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        close(*fd);
        *fd = -1;
        errno = EISDIR;
    }
    if (*fd < 0) {
        fprintf(stderr, "%s: %s: %s\n", who, file, strerror(errno));
        return EXIT_STORE;
    }
    return 0;
}

/* Size of a regular input file, 0 when unknown. */
static uint64_t input_size(int fd) {
    struct stat sb;
    return fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0 ? (uint64_t)sb.st_size : 0;
}

static int cmd_import(const char *path, const key_arg *key, const char *file) {
    import_source src = {-1, 0, 0, {0}};
    int rc = open_input(file, &src.fd);
    if (rc != 0) return rc;
    rdrive_store *s = NULL;
    rc = open_read_write(path, 0, &s);
    if (rc == 0) {
        progress_start(&src.bar, "importing", input_size(src.fd));
        rdrive_status st = rdrive_store_write_stream(s, key->ptr, key->len, read_import_chunk, &src);
        progress_show(&src.bar, src.done, true);
        progress_end(&src.bar);
        if (st == RDRIVE_OK) st = rdrive_store_sync(s);
        if (st == RDRIVE_ERR_ABORTED) {
            fprintf(stderr, "rdrive import: reading %s failed: %s; nothing was written\n",
                    src.fd == STDIN_FILENO ? "stdin" : file, strerror(src.error));
            rc = EXIT_STORE;
        } else if (st != RDRIVE_OK) {
            rc = fail(st);
        }
        rdrive_store_close(s);
    }
    if (src.fd != STDIN_FILENO) close(src.fd);
    return rc;
}

static int cmd_del(const char *path, const key_arg *key) {
    rdrive_store *s = NULL;
    int rc = open_read_write(path, RDRIVE_OPEN_MUST_EXIST, &s);
    if (rc != 0) return rc;
    rdrive_status st = rdrive_store_delete(s, key->ptr, key->len);
    if (st == RDRIVE_NOT_FOUND) {
        rdrive_store_close(s);
        fprintf(stderr, "rdrive del: %s: not found\n", key->text);
        return EXIT_NOT_FOUND;
    }
    return finish_write(s, st);
}

static int32_t show_compaction(void *ctx, uint64_t done, uint64_t total) {
    progress *bar = ctx;
    bar->total = total;
    progress_show(bar, done, done >= total);
    return 0;
}

static int cmd_compact(const char *path) {
    rdrive_store *s = NULL;
    int rc = open_read_write(path, RDRIVE_OPEN_MUST_EXIST, &s);
    if (rc != 0) return rc;
    uint64_t before = 0, after = 0;
    rdrive_store_file_size(s, &before);
    progress bar;
    progress_start(&bar, "compacting", 0);
    rdrive_status st = rdrive_store_compact_with_progress(s, show_compaction, &bar);
    progress_end(&bar);
    if (st == RDRIVE_OK) st = rdrive_store_file_size(s, &after);
    rdrive_store_close(s);
    if (st != RDRIVE_OK) return fail(st);
    outf("compacted: %" PRIu64 " -> %" PRIu64 " bytes\n", before, after);
    return 0;
}

/* ------------------------------------------------------------------------
 * Reading commands: get, exists, list, info, check
 * ------------------------------------------------------------------------ */

static int cmd_get(const char *path, const key_arg *key, const char *hash_text) {
    uint64_t hash = 0;
    if (hash_text != NULL && !parse_hash(hash_text, &hash))
        return usage_error("%s: not a key hash (up to 16 hex digits, 0x optional)", hash_text);
    rdrive_store *s = NULL;
    int rc = open_read_only(path, &s);
    if (rc != 0) return rc;
    rdrive_entry *e = NULL;
    rdrive_status st = hash_text != NULL ? rdrive_store_read_hashed(s, hash, &e)
                                         : rdrive_store_read(s, key->ptr, key->len, &e);
    if (st == RDRIVE_OK) {
        rdrive_bytes b = rdrive_entry_address_range(e);
        out_bytes(b.ptr, b.len);
        rc = out_flush();
        rdrive_entry_free(e);
    } else if (st == RDRIVE_NOT_FOUND) {
        fprintf(stderr, "rdrive get: %s: not found\n", hash_text != NULL ? hash_text : key->text);
        rc = EXIT_NOT_FOUND;
    } else {
        rc = fail(st);
    }
    rdrive_store_close(s);
    return rc;
}

static int cmd_exists(const char *path, const key_arg *key) {
    rdrive_store *s = NULL;
    int rc = open_read_only(path, &s);
    if (rc != 0) return rc;
    bool yes = false;
    rdrive_status st = rdrive_store_exists(s, key->ptr, key->len, &yes);
    rdrive_store_close(s);
    if (st != RDRIVE_OK) return fail(st);
    outf("%s\n", yes ? "yes" : "no");
    if (out_flush() != 0) return EXIT_STORE;
    return yes ? 0 : EXIT_NOT_FOUND;
}

/* Calls visit() on every live entry, newest first, until it returns false
 * (an output error). Counts entries and damaged ones. The store stays open
 * in *s for the caller (to report what the open found). */
static int each_entry(const char *path, rdrive_store **s, bool (*visit)(const rdrive_entry *, bool ok),
                      uint64_t *count, uint64_t *damaged) {
    int rc = open_read_only(path, s);
    if (rc != 0) return rc;
    rdrive_iter *it = NULL;
    rdrive_status st = rdrive_store_iter(*s, &it);
    if (st != RDRIVE_OK) return fail(st);
    rdrive_entry *e = NULL;
    while ((st = rdrive_iter_next(it, &e)) == RDRIVE_OK) {
        bool ok = rdrive_entry_is_valid_checksum(e);
        (*count)++;
        if (!ok) (*damaged)++;
        bool go_on = visit(e, ok);
        rdrive_entry_free(e);
        if (!go_on) break;
    }
    rdrive_iter_free(it);
    if (st != RDRIVE_OK && st != RDRIVE_NOT_FOUND) return fail(st);
    return out_flush();
}

static bool print_entry(const rdrive_entry *e, bool ok) {
    return outf("%016" PRIx64 " %12zu %14" PRIu64 " %s\n", rdrive_entry_key_hash(e), rdrive_entry_size(e),
                rdrive_entry_start_offset(e), ok ? "ok" : "BAD");
}

static bool report_damage(const rdrive_entry *e, bool ok) {
    if (!ok)
        fprintf(stderr, "damaged: key hash %016" PRIx64 ", %zu bytes at offset %" PRIu64 "\n",
                rdrive_entry_key_hash(e), rdrive_entry_size(e), rdrive_entry_start_offset(e));
    return true;
}

static int cmd_list(const char *path) {
    uint64_t count = 0, damaged = 0;
    rdrive_store *s = NULL;
    int rc = each_entry(path, &s, print_entry, &count, &damaged);
    rdrive_store_close(s);
    return rc;
}

static int cmd_check(const char *path) {
    uint64_t count = 0, damaged = 0;
    rdrive_store *s = NULL;
    int rc = each_entry(path, &s, report_damage, &count, &damaged);
    if (rc == 0) {
        outf("%" PRIu64 " live entries checked, %" PRIu64 " damaged\n", count, damaged);
        print_notes(path, s);
        rc = out_flush();
    }
    rdrive_store_close(s);
    if (rc != 0) return rc;
    return damaged == 0 ? 0 : EXIT_DAMAGED;
}

static int cmd_info(const char *path) {
    rdrive_store *s = NULL;
    int rc = open_read_only(path, &s);
    if (rc != 0) return rc;
    uint64_t size = 0, live = 0, reclaimable = 0;
    rdrive_status st = rdrive_store_file_size(s, &size);
    if (st == RDRIVE_OK) st = rdrive_store_len(s, &live);
    if (st == RDRIVE_OK) st = rdrive_store_reclaimable_bytes(s, &reclaimable);
    if (st == RDRIVE_OK) {
        outf("file:         %s\n", path);
        outf("file size:    %" PRIu64 " bytes\n", size);
        outf("live entries: %" PRIu64 "\n", live);
        outf("reclaimable:  %" PRIu64 " bytes\n", reclaimable);
        print_notes(path, s);
        rc = out_flush();
    } else {
        rc = fail(st);
    }
    rdrive_store_close(s);
    return rc;
}

/* ------------------------------------------------------------------------
 * dump and load
 *
 * A dump is, all integers little-endian:
 *   header   32 bytes: "RDRVDUMP", version u32 (1), flags u32 (0),
 *                      entry count u64, CRC-32 of bytes 0..24 u32, zero u32
 *   entries  each: key hash u64, value length u64 (>= 1),
 *                  CRC-32 of the value u32, CRC-32 of these 20 bytes u32,
 *                  then the value
 *   trailer  32 bytes: "RDRVDEND", entry count u64, length of everything
 *                      before the trailer u64, CRC-32 of everything before
 *                      the trailer u32, CRC-32 of trailer bytes 0..28 u32
 * and nothing after. Entries come newest first (as list prints them).
 * ------------------------------------------------------------------------ */

#define DUMP_MAGIC "RDRVDUMP"
#define DUMP_END_MAGIC "RDRVDEND"
#define DUMP_VERSION 1u
enum { DUMP_HEADER = 32, DUMP_ENTRY_HEADER = 24, DUMP_TRAILER = 32 };

typedef struct {
    uint32_t crc; /* of everything written so far */
    uint64_t len;
} dump_sink;

static bool dump_put(dump_sink *d, const void *p, size_t n) {
    d->crc = crc32_update(d->crc, p, n);
    d->len += n;
    return out_bytes(p, n);
}

/* Writes the dump of the store to the output. */
static int write_dump(rdrive_store *s) {
    uint64_t live = 0;
    rdrive_status st = rdrive_store_len(s, &live);
    if (st != RDRIVE_OK) return fail(st);
    rdrive_iter *it = NULL;
    st = rdrive_store_iter(s, &it);
    if (st != RDRIVE_OK) return fail(st);

    dump_sink d = {0, 0};
    uint8_t head[DUMP_HEADER] = {0};
    memcpy(head, DUMP_MAGIC, 8);
    store_u32(head + 8, DUMP_VERSION);
    store_u32(head + 12, 0);
    store_u64(head + 16, live);
    store_u32(head + 24, crc32_update(0, head, 24));
    dump_put(&d, head, sizeof head);

    uint64_t count = 0;
    int rc = 0;
    rdrive_entry *e = NULL;
    while (rc == 0 && out_errno == 0 && (st = rdrive_iter_next(it, &e)) == RDRIVE_OK) {
        rdrive_bytes v = rdrive_entry_address_range(e);
        uint32_t crc = crc32_update(0, v.ptr, v.len);
        if (crc != rdrive_entry_checksum(e)) {
            fprintf(stderr,
                    "rdrive dump: the entry of key hash %016" PRIx64 " (%zu bytes at offset %" PRIu64
                    ") is damaged; the dump is incomplete (rdrive check lists the damage)\n",
                    rdrive_entry_key_hash(e), v.len, rdrive_entry_start_offset(e));
            rc = EXIT_STORE;
        } else {
            uint8_t eh[DUMP_ENTRY_HEADER];
            store_u64(eh, rdrive_entry_key_hash(e));
            store_u64(eh + 8, v.len);
            store_u32(eh + 16, crc);
            store_u32(eh + 20, crc32_update(0, eh, 20));
            dump_put(&d, eh, sizeof eh);
            dump_put(&d, v.ptr, v.len);
            count++;
        }
        rdrive_entry_free(e);
    }
    rdrive_iter_free(it);
    if (rc != 0) return rc;
    if (out_errno != 0) return out_flush();
    if (st != RDRIVE_NOT_FOUND) return fail(st);
    if (count != live) {
        fprintf(stderr,
                "rdrive dump: the store has %" PRIu64 " live keys but %" PRIu64
                " entries could be read (the file was changed by another program?); the dump is incomplete\n",
                live, count);
        return EXIT_STORE;
    }
    uint8_t tail[DUMP_TRAILER];
    memcpy(tail, DUMP_END_MAGIC, 8);
    store_u64(tail + 8, count);
    store_u64(tail + 16, d.len);
    store_u32(tail + 24, d.crc);
    store_u32(tail + 28, crc32_update(0, tail, 28));
    out_bytes(tail, sizeof tail);
    return out_flush();
}

/* Makes the directory holding `path` durable (after a rename into it). */
static void sync_parent(const char *path) {
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (slash == NULL) {
        strcpy(dir, ".");
    } else if (slash == path) {
        strcpy(dir, "/");
    } else {
        size_t n = (size_t)(slash - path);
        if (n >= sizeof dir) return;
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    int fd = open(dir, O_RDONLY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

static int cmd_dump(const char *path, const char *file) {
    bool to_stdout = file == NULL || strcmp(file, "-") == 0;
    if (to_stdout && isatty(STDOUT_FILENO))
        return usage_error("will not write a dump to a terminal: name a file or redirect stdout");
    rdrive_store *s = NULL;
    int rc = open_read_only(path, &s);
    if (rc != 0) return rc;
    if (to_stdout) {
        rc = write_dump(s);
        rdrive_store_close(s);
        return rc;
    }

    /* A regular file (or a new one) is written beside it and renamed into
     * place once complete and synced: a failed dump leaves no partial file
     * and an earlier dump of that name intact. Anything else (a FIFO, a
     * device) is written directly. */
    struct stat sb;
    bool direct = stat(file, &sb) == 0 && !S_ISREG(sb.st_mode);
    size_t tlen = strlen(file) + sizeof ".XXXXXX";
    char *temp = direct ? NULL : malloc(tlen);
    int fd = -1;
    if (direct) {
        fd = open(file, O_WRONLY);
    } else if (temp != NULL) {
        snprintf(temp, tlen, "%s.XXXXXX", file);
        fd = mkstemp(temp);
        if (fd >= 0) {
            mode_t mask = umask(0);
            umask(mask);
            fchmod(fd, 0666 & ~mask);
        }
    }
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (f == NULL) {
        fprintf(stderr, "rdrive dump: %s: %s\n", file, strerror(errno));
        if (fd >= 0) close(fd);
        if (fd >= 0 && temp != NULL) unlink(temp);
        free(temp);
        rdrive_store_close(s);
        return EXIT_STORE;
    }
    out = f;
    out_name = file;
    rc = write_dump(s);
    rdrive_store_close(s);
    if (rc == 0 && !direct && fsync(fileno(f)) != 0) {
        out_failed();
        rc = out_flush();
    }
    errno = 0;
    if (fclose(f) != 0 && rc == 0) {
        out_failed(); /* and reported without touching the closed stream */
        rc = out_flush();
    }
    out = stdout;
    out_name = NULL;
    if (!direct) {
        if (rc == 0 && rename(temp, file) != 0) {
            fprintf(stderr, "rdrive dump: %s: %s\n", file, strerror(errno));
            rc = EXIT_STORE;
        }
        if (rc != 0)
            unlink(temp);
        else
            sync_parent(file);
    }
    free(temp);
    return rc;
}

typedef struct {
    uint64_t hash;
    const uint8_t *value;
    size_t len;
} dump_item;

static int compare_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Checks a whole dump; on success *items holds its entries (pointing into
 * buf), in dump order. On failure writes the reason into why. */
static bool verify_dump(const uint8_t *buf, size_t len, dump_item **items, uint64_t *count, char *why,
                        size_t cap) {
    *items = NULL;
    *count = 0;
    if (len < DUMP_HEADER + DUMP_TRAILER) {
        snprintf(why, cap, "%zu bytes is too short for a dump", len);
        return false;
    }
    if (memcmp(buf, DUMP_MAGIC, 8) != 0) {
        snprintf(why, cap, "it does not start with %s", DUMP_MAGIC);
        return false;
    }
    if (load_u32(buf + 24) != crc32_update(0, buf, 24) || load_u32(buf + 28) != 0) {
        snprintf(why, cap, "the header's checksum does not match");
        return false;
    }
    if (load_u32(buf + 8) != DUMP_VERSION || load_u32(buf + 12) != 0) {
        snprintf(why, cap, "format version %" PRIu32 " (flags %" PRIu32 ") is not known to this rdrive",
                 load_u32(buf + 8), load_u32(buf + 12));
        return false;
    }
    uint64_t n = load_u64(buf + 16);
    /* Each entry takes at least its header and one value byte. */
    if (n > (len - DUMP_HEADER - DUMP_TRAILER) / (DUMP_ENTRY_HEADER + 1)) {
        snprintf(why, cap, "it claims %" PRIu64 " entries, more than %zu bytes can hold", n, len);
        return false;
    }
    dump_item *list = malloc(n == 0 ? 1 : (size_t)n * sizeof *list);
    uint64_t *hashes = malloc(n == 0 ? 1 : (size_t)n * sizeof *hashes);
    if (list == NULL || hashes == NULL) {
        free(list);
        free(hashes);
        snprintf(why, cap, "out of memory for %" PRIu64 " entries", n);
        return false;
    }
    size_t at = DUMP_HEADER, end = len - DUMP_TRAILER;
    bool ok = true;
    for (uint64_t i = 0; ok && i < n; i++) {
        if (end - at < DUMP_ENTRY_HEADER) {
            snprintf(why, cap, "entry %" PRIu64 " is cut off at byte %zu", i, at);
            ok = false;
            break;
        }
        const uint8_t *eh = buf + at;
        if (load_u32(eh + 20) != crc32_update(0, eh, 20)) {
            snprintf(why, cap, "the header of entry %" PRIu64 " (byte %zu) is damaged", i, at);
            ok = false;
            break;
        }
        uint64_t vlen = load_u64(eh + 8);
        at += DUMP_ENTRY_HEADER;
        if (vlen == 0 || vlen > end - at) {
            snprintf(why, cap, "entry %" PRIu64 " has an impossible length %" PRIu64, i, vlen);
            ok = false;
            break;
        }
        const uint8_t *v = buf + at;
        if (vlen == 1 && v[0] == 0) {
            snprintf(why, cap, "entry %" PRIu64 " holds the single byte 0x00, which no store value can be", i);
            ok = false;
            break;
        }
        if (crc32_update(0, v, (size_t)vlen) != load_u32(eh + 16)) {
            snprintf(why, cap, "the value of entry %" PRIu64 " (byte %zu) is damaged", i, at);
            ok = false;
            break;
        }
        list[i].hash = hashes[i] = load_u64(eh);
        list[i].value = v;
        list[i].len = (size_t)vlen;
        at += (size_t)vlen;
    }
    if (ok && at != end) {
        snprintf(why, cap, "%zu unexpected bytes after entry %" PRIu64 " (byte %zu)", end - at, n, at);
        ok = false;
    }
    if (ok) {
        const uint8_t *t = buf + end;
        if (memcmp(t, DUMP_END_MAGIC, 8) != 0 || load_u32(t + 28) != crc32_update(0, t, 28)) {
            snprintf(why, cap, "the trailer is missing or damaged (a cut or damaged dump)");
            ok = false;
        } else if (load_u64(t + 8) != n || load_u64(t + 16) != end) {
            snprintf(why, cap, "the trailer does not match the entries (%" PRIu64 " entries, %" PRIu64 " bytes)",
                     load_u64(t + 8), load_u64(t + 16));
            ok = false;
        } else if (load_u32(t + 24) != crc32_update(0, buf, end)) {
            snprintf(why, cap, "the checksum of the whole dump does not match");
            ok = false;
        }
    }
    if (ok && n > 1) {
        qsort(hashes, (size_t)n, sizeof *hashes, compare_u64);
        for (uint64_t i = 1; ok && i < n; i++)
            if (hashes[i] == hashes[i - 1]) {
                snprintf(why, cap, "key hash %016" PRIx64 " appears twice", hashes[i]);
                ok = false;
            }
    }
    free(hashes);
    if (!ok) {
        free(list);
        return false;
    }
    *items = list;
    *count = n;
    return true;
}

/* Reads all of fd into memory. */
static bool read_all(int fd, uint8_t **buf, size_t *len, int *error) {
    uint64_t expect = input_size(fd);
    size_t cap = expect != 0 && expect < SIZE_MAX ? (size_t)expect + 1 : 1u << 20, n = 0;
    uint8_t *b = malloc(cap);
    progress bar;
    progress_start(&bar, "reading", expect);
    *error = 0;
    while (b != NULL) {
        if (n == cap) {
            if (cap > SIZE_MAX / 2) {
                *error = ENOMEM;
                break;
            }
            uint8_t *bigger = realloc(b, cap * 2);
            if (bigger == NULL) {
                *error = ENOMEM;
                break;
            }
            b = bigger;
            cap *= 2;
        }
        ssize_t r = read(fd, b + n, cap - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            *error = errno;
            break;
        }
        if (r == 0) {
            progress_show(&bar, n, true);
            progress_end(&bar);
            *buf = b;
            *len = n;
            return true;
        }
        n += (size_t)r;
        progress_show(&bar, n, false);
    }
    if (b == NULL) *error = ENOMEM;
    progress_end(&bar);
    free(b);
    return false;
}

static int cmd_load(const char *path, const char *file) {
    bool from_stdin = file == NULL || strcmp(file, "-") == 0;
    if (from_stdin && isatty(STDIN_FILENO))
        return usage_error("will not read a dump from a terminal: name a file or redirect stdin");
    int fd = -1;
    int rc = open_input(file, &fd);
    if (rc != 0) return rc;
    uint8_t *buf = NULL;
    size_t len = 0;
    int error = 0;
    bool got = read_all(fd, &buf, &len, &error);
    if (fd != STDIN_FILENO) close(fd);
    const char *name = from_stdin ? "stdin" : file;
    if (!got) {
        fprintf(stderr, "rdrive load: reading %s failed: %s; nothing was written\n", name, strerror(error));
        return EXIT_STORE;
    }

    dump_item *items = NULL;
    uint64_t count = 0;
    char why[256];
    if (!verify_dump(buf, len, &items, &count, why, sizeof why)) {
        fprintf(stderr, "rdrive load: %s is not a valid dump: %s; nothing was written\n", name, why);
        free(buf);
        return EXIT_STORE;
    }

    rdrive_store *s = NULL;
    rc = open_read_write(path, 0, &s);
    if (rc == 0) {
        /* Oldest first, so the store keeps the dump's order. The C API has
         * no batch write by key hash: the entries are written one by one,
         * only after the whole dump was verified. */
        uint64_t total = 0, done = 0, written = 0;
        for (uint64_t i = 0; i < count; i++) total += items[i].len;
        progress bar;
        progress_start(&bar, "loading", total);
        rdrive_status st = RDRIVE_OK;
        for (uint64_t i = count; st == RDRIVE_OK && i-- > 0;) {
            st = rdrive_store_write_hashed(s, items[i].hash, items[i].value, items[i].len);
            if (st == RDRIVE_OK) {
                written++;
                done += items[i].len;
                progress_show(&bar, done, false);
            }
        }
        progress_show(&bar, done, true);
        progress_end(&bar);
        if (st == RDRIVE_OK) st = rdrive_store_sync(s);
        if (st != RDRIVE_OK) {
            rc = fail(st);
            fprintf(stderr, "rdrive load: %" PRIu64 " of %" PRIu64 " entries were written\n", written, count);
        }
        rdrive_store_close(s);
    }
    free(items);
    free(buf);
    return rc;
}

/* ------------------------------------------------------------------------
 * main
 * ------------------------------------------------------------------------ */

static const struct {
    const char *name;
    int min, max;   /* arguments after the store */
    bool key;       /* the first argument is a key */
} commands[] = {
    {"put", 2, 2, true},   {"import", 1, 2, true}, {"get", 1, 1, true},    {"del", 1, 1, true},
    {"exists", 1, 1, true}, {"list", 0, 0, false},  {"info", 0, 0, false},  {"check", 0, 0, false},
    {"compact", 0, 0, false}, {"dump", 0, 1, false}, {"load", 0, 1, false},
};

static bool parse_wait(const char *text) {
    char *end = NULL;
    errno = 0;
    double seconds = strtod(text, &end);
    if (errno != 0 || end == text || *end != '\0' || !(seconds >= 0.0) || seconds > 1e9) return false;
    opt.wait = true;
    opt.wait_ms = (int64_t)(seconds * 1000.0 + 0.5);
    return true;
}

static int run(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *first = argv[1];
    if (strcmp(first, "-h") == 0 || strcmp(first, "--help") == 0 || strcmp(first, "help") == 0) {
        usage(out);
        return out_flush();
    }
    if (strcmp(first, "--version") == 0) {
        if (argc != 2) return usage_error("--version takes no arguments");
        outf("rdrive %s\n", rdrive_version_string());
        return out_flush();
    }
    size_t which = sizeof commands / sizeof commands[0];
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(first, commands[i].name) == 0) which = i;
    if (which == sizeof commands / sizeof commands[0]) {
        fprintf(stderr, "rdrive: unknown command '%s'\n\n", first);
        usage(stderr);
        return EXIT_USAGE;
    }
    command = commands[which].name;
    snprintf(who, sizeof who, "rdrive %s", command);

    int i = 2;
    for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(out);
            return out_flush();
        } else if (strcmp(a, "--hex") == 0) {
            opt.hex = true;
        } else if (strcmp(a, "--hash") == 0) {
            if (strcmp(command, "get") != 0) return usage_error("--hash works with get only");
            opt.hash = true;
        } else if (strcmp(a, "--wait") == 0) {
            opt.wait = true;
            opt.wait_ms = -1;
        } else if (strncmp(a, "--wait=", 7) == 0) {
            if (!parse_wait(a + 7)) return usage_error("%s: the wait is a number of seconds", a);
        } else if (strcmp(a, "--shared") == 0) {
            opt.shared = true;
        } else if (strcmp(a, "--repair") == 0) {
            opt.repair = true;
        } else {
            return usage_error("unknown option '%s'", a);
        }
    }
    if (opt.hash && opt.hex) return usage_error("--hash and --hex exclude each other");
    int extra = argc - i - 1;
    if (i >= argc || extra < commands[which].min || extra > commands[which].max) {
        fprintf(stderr, "%s: wrong number of arguments\n\n", who);
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *store = argv[i];
    char **args = argv + i + 1;

    key_arg key = {NULL, 0, NULL, NULL};
    if (commands[which].key && !opt.hash && !parse_key(args[0], &key))
        return usage_error("%s: not a hexadecimal key (an even number of hex digits)", args[0]);
    int rc;
    if (strcmp(command, "put") == 0)
        rc = cmd_put(store, &key, args[1]);
    else if (strcmp(command, "import") == 0)
        rc = cmd_import(store, &key, extra == 2 ? args[1] : NULL);
    else if (strcmp(command, "get") == 0)
        rc = cmd_get(store, &key, opt.hash ? args[0] : NULL);
    else if (strcmp(command, "del") == 0)
        rc = cmd_del(store, &key);
    else if (strcmp(command, "exists") == 0)
        rc = cmd_exists(store, &key);
    else if (strcmp(command, "list") == 0)
        rc = cmd_list(store);
    else if (strcmp(command, "info") == 0)
        rc = cmd_info(store);
    else if (strcmp(command, "check") == 0)
        rc = cmd_check(store);
    else if (strcmp(command, "compact") == 0)
        rc = cmd_compact(store);
    else if (strcmp(command, "dump") == 0)
        rc = cmd_dump(store, extra == 1 ? args[0] : NULL);
    else
        rc = cmd_load(store, extra == 1 ? args[0] : NULL);
    free(key.owned);
    return rc;
}

int main(int argc, char **argv) {
    out = stdout;
    crc_init();
    int rc = run(argc, argv);
    /* Whatever the command, output that cannot be written is an error. */
    if (out_flush() != 0) return EXIT_STORE;
    errno = 0;
    if (fclose(stdout) != 0) {
        fprintf(stderr, "%s: write error: %s\n", who, strerror(errno != 0 ? errno : EIO));
        return EXIT_STORE;
    }
    return rc;
}
