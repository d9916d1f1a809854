/**
 * @file rdrive.h
 * @brief rdrive: a single-file, append-only key/value store with zero-copy reads.
 *
 * @mainpage rdrive
 *
 * rdrive stores values in one file. Each write appends the value at a
 * 64-byte-aligned offset, followed by a 20-byte trailer (key hash, previous
 * tail offset, CRC-32). When a store is opened, an in-memory index from key
 * hash to newest entry is rebuilt. A read returns an ::rdrive_entry whose
 * bytes point straight into a read-only memory mapping of the file: no copy.
 * Files are byte-compatible with the Rust crate simd-r-drive 0.17.
 *
 * @section conventions Conventions
 * - Every fallible function returns an ::rdrive_status: #RDRIVE_OK (0),
 *   #RDRIVE_NOT_FOUND (1, not an error: key absent, iterator exhausted), or a
 *   negative RDRIVE_ERR_* code. Codes are never renumbered; treat unknown
 *   negative codes as errors. rdrive_status_str() names a code and says
 *   what it means ("RDRIVE_ERR_IO: I/O error"); rdrive_last_error() gives
 *   the detail of the last failure on this thread and rdrive_last_os_error()
 *   its operating-system error number (errno), if it had one.
 * - Each function's @return lists the statuses it can return and when. Any
 *   function that returns an ::rdrive_status may also return
 *   #RDRIVE_ERR_PANIC (an internal bug, caught); the lists leave it out.
 * - Inputs come first, outputs last. A byte pointer is always followed by
 *   its length; NULL with length 0 is the empty byte string. Every pointer is
 *   checked: NULL where it is not allowed gives #RDRIVE_ERR_INVALID_ARG.
 * - Out-pointers are written on success; on failure they are set to NULL/0
 *   when they are not NULL themselves.
 * - Objects are opaque and owned by the library: free each ::rdrive_entry
 *   with rdrive_entry_free(), each ::rdrive_iter with rdrive_iter_free(), and
 *   close each ::rdrive_store with rdrive_store_close(). All of these accept
 *   NULL.
 * - No Rust panic crosses this boundary: an internal bug is reported as
 *   #RDRIVE_ERR_PANIC.
 *
 * @section pointers Pointer arguments
 * The library checks pointers for NULL but can check nothing else: the @pre
 * lines of each function state what its pointer arguments must be, in these
 * terms.
 * - A @e live store, entry or iterator was returned by this library and has
 *   not been passed to rdrive_store_close(), rdrive_entry_free() or
 *   rdrive_iter_free() (nor is another thread passing it to them).
 * - @e n @e readable @e bytes (or items) are valid for reading, and nobody
 *   writes them during the call.
 * - @e Writable @e space for a value is aligned and valid for writing (it
 *   need not hold a value yet), and nobody else reads or writes it during
 *   the call.
 *
 * @section threads Threads
 * - All rdrive_store_* calls may run concurrently on one store from any
 *   number of threads, except rdrive_store_close(), which must not overlap
 *   any other call on that store. Writes are serialized internally; reads
 *   take no lock and never wait for a writer's I/O.
 * - An ::rdrive_entry is immutable; it may be read from any thread. Free it
 *   exactly once.
 * - An ::rdrive_iter is used by one thread at a time.
 *
 * @section lifetimes Lifetimes
 * An entry's bytes (rdrive_entry_address_range()) stay valid and unchanged
 * until rdrive_entry_free(), even after later writes, a compaction, or
 * rdrive_store_close(). The bytes are read-only memory: writing to them
 * crashes the process.
 *
 * @section caveats Caveats
 * - Keys are stored only as their 64-bit xxh3 hash. Two keys with the same
 *   hash are the same key (for n keys the chance of any collision is about
 *   n^2 / 2^65). Keys cannot be listed back, only their hashes.
 * - One writer at a time. A read-write open takes the store's writer lock,
 *   an exclusive lock on the file `<file>.rdrive-lock` beside it, for the
 *   handle's lifetime; a second read-write open, from this or another
 *   process, fails with #RDRIVE_ERR_LOCKED. rdrive_store_close() releases
 *   the lock at once, even while entries from the store are alive.
 *   Read-only opens do not conflict with a writer and see the file as it
 *   was when they opened it.
 * - The file must not be modified or truncated by anyone else while it is
 *   open. It is memory-mapped: changed bytes change what live entries show,
 *   and truncation makes reading them raise SIGBUS. Avoid network
 *   filesystems that do not keep mappings coherent.
 * - fork(): a child process must not use stores, entries or iterators it
 *   inherited. Its copy of a read-write store shares the parent's writer
 *   lock, so the child could write alongside the parent; open stores afresh
 *   in the child instead (a read-write open there fails while the parent
 *   holds it). Any child process started while a store is open holds a copy
 *   of the lock file's descriptor, and so the lock, until the child calls
 *   exec (rdrive's descriptors are close-on-exec) or exits: a read-write
 *   reopen in that window gets #RDRIVE_ERR_LOCKED.
 * - A value may not be empty nor the single byte 0x00 (the format's deletion
 *   marker); both give #RDRIVE_ERR_INVALID_ARG. Runs of zero bytes are fine.
 * - The store is one file. Beside it live files that are never needed to
 *   read it: `<file>.rdrive-lock` (the lock file, created by the first
 *   open, also a read-only one if the directory allows; it holds no data),
 *   `<file>.rdrive-index` (a cache of the index that a read-write handle may
 *   leave at close so the next open is fast; validated before use, ignored
 *   when stale; #RDRIVE_OPEN_NO_INDEX_CACHE turns it off) and, while a
 *   compaction runs, `<file>.rdrive-compact`. Each may be deleted while no
 *   process has the store open.
 * - Durability: a write returns once the bytes reached the operating system.
 *   Call rdrive_store_sync(), or open with #RDRIVE_OPEN_SYNC, to make writes
 *   survive power loss. After a write or sync fails once bytes may have
 *   reached the file, the handle refuses further writes
 *   (#RDRIVE_ERR_POISONED) and never retries the sync; reopen the store to
 *   recover from what is on disk.
 */

#ifndef RDRIVE_H
#define RDRIVE_H

/* Generated by build.rs with cbindgen from src/ffi/. Do not edit by hand. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Version of this header: major part. */
#define RDRIVE_VERSION_MAJOR 0
/** Version of this header: minor part. */
#define RDRIVE_VERSION_MINOR 1
/** Version of this header: patch part. */
#define RDRIVE_VERSION_PATCH 0
/** Version of this header as one number: MAJOR*1000000 + MINOR*1000 + PATCH.
 * Compare with rdrive_version_number() to detect a header/library mismatch. */
#define RDRIVE_VERSION_NUMBER 1000
/** Version of this header as a string. */
#define RDRIVE_VERSION_STRING "0.1.0"


/**
 * Alignment of every regular value's first byte, in the file and in memory.
 */
#define RDRIVE_PAYLOAD_ALIGNMENT 64

/**
 * Size of the trailer stored after each value.
 */
#define RDRIVE_METADATA_SIZE 20

/**
 * Size of a namespaced key built by rdrive_namespace_key().
 */
#define RDRIVE_NAMESPACED_KEY_LEN 16

/**
 * Open flag: read-only. Never modifies the file (bytes or attributes) and
 * never creates it; write calls return #RDRIVE_ERR_READ_ONLY.
 */
#define RDRIVE_OPEN_READ_ONLY 0x1u

/**
 * Open flag: every write call is made durable (fdatasync) before it returns.
 */
#define RDRIVE_OPEN_SYNC 0x2u

/**
 * Open flag: fail with #RDRIVE_ERR_IO if the file does not exist instead of
 * creating it. (A read-only open never creates.)
 */
#define RDRIVE_OPEN_MUST_EXIST 0x4u

/**
 * Open flag: let recovery discard data it would otherwise refuse to touch (a
 * file with no valid entries at all, or damage in synced data), keeping the
 * longest valid prefix.
 */
#define RDRIVE_OPEN_REPAIR 0x8u

/**
 * Open flag: neither read nor write the index cache (`<path>.rdrive-index`,
 * a copy of the index written at a clean close so the next open skips
 * rebuilding it; validated before use and always safe to delete).
 */
#define RDRIVE_OPEN_NO_INDEX_CACHE 0x10u

/**
 * Open flag: a read-write open that finds the store held by another
 * read-write handle waits until it can have it, instead of failing with
 * #RDRIVE_ERR_LOCKED (rdrive_store_open_wait() bounds the wait).
 */
#define RDRIVE_OPEN_WAIT 0x20u

/**
 * Open flag: share the store with other handles opened with this flag, in
 * this process and in others (read-write opens). Each write call holds the
 * writer lock only while it runs, after catching up with what the others
 * wrote; every read first sees every write that completed before it began
 * (one load of shared memory when nothing changed). Shared and exclusive
 * handles exclude each other. Costs: taking a process-shared mutex per
 * write call (no system call when nobody else holds it), and a catch-up
 * (reading the other handles' new entries) when they wrote. A writer that
 * dies holding the mutex hands it on (robust mutex); all processes sharing
 * a store must use the same C library.
 */
#define RDRIVE_OPEN_SHARED 0x40u

/**
 * Recovery note (rdrive_store_recovery_notes()): bytes of a torn or
 * damaged end were cut (read-write open) or left out (read-only open).
 */
#define RDRIVE_NOTE_TAIL_DISCARDED 0x1u

/**
 * Recovery note: the file's watermark did not match it (a backup restored
 * over the file, a replaced file), so it vouched for nothing: every
 * checksum was verified, and a read-write open wrote a fresh one.
 */
#define RDRIVE_NOTE_WATERMARK_DISCARDED 0x2u

/**
 * Recovery note: a leftover file of a compaction that did not finish lies
 * beside the store (`<path>.rdrive-compact`); a read-write open removes it.
 */
#define RDRIVE_NOTE_STALE_TEMP_FILE 0x4u

/**
 * Recovery note (read-only opens): another read-write handle, in this or
 * another process, held the store when it was opened.
 */
#define RDRIVE_NOTE_WRITER_ACTIVE 0x8u

/**
 * Recovery note: the bytes past the tail the writers published belonged to
 * a write call that had not finished — under way in a live writer (with
 * #RDRIVE_NOTE_WRITER_ACTIVE), or left by a writer that died (the next
 * read-write open cuts them). They were left out.
 */
#define RDRIVE_NOTE_UNFINISHED_WRITE 0x10u

/**
 * A stored value, read in place: the C face of an entry handle. Holds a
 * counted reference to the store's memory mapping, so its bytes stay valid
 * until rdrive_entry_free(), even after the store is closed. Opaque.
 */
typedef struct rdrive_entry rdrive_entry;

/**
 * A snapshot iterator over a store's live entries, newest first. Opaque;
 * release with rdrive_iter_free().
 */
typedef struct rdrive_iter rdrive_iter;

/**
 * An open store. Opaque; create with rdrive_store_open(), release with
 * rdrive_store_close().
 */
typedef struct rdrive_store rdrive_store;

/**
 * Result of a fallible call: #RDRIVE_OK, #RDRIVE_NOT_FOUND, or a negative
 * RDRIVE_ERR_* code.
 */
typedef int32_t rdrive_status;

/**
 * One key/value pair for rdrive_store_batch_write().
 */
typedef struct rdrive_kv {
  /**
   * Key bytes (NULL allowed when key_len is 0).
   */
  const uint8_t *key;
  /**
   * Key length.
   */
  size_t key_len;
  /**
   * Value bytes.
   */
  const uint8_t *value;
  /**
   * Value length (at least 1).
   */
  size_t value_len;
} rdrive_kv;

/**
 * Stream source for rdrive_store_write_stream(): fill `buf` with up to `cap`
 * bytes and return how many (>0), 0 at the end of the stream, or a negative
 * number to abort.
 */
typedef intptr_t (*rdrive_read_fn)(void *ctx, uint8_t *buf, size_t cap);

/**
 * A byte string: pointer and length. As input (keys of batch calls) NULL is
 * allowed when len is 0; as output it points into library-owned memory.
 */
typedef struct rdrive_bytes {
  /**
   * First byte.
   */
  const uint8_t *ptr;
  /**
   * Number of bytes.
   */
  size_t len;
} rdrive_bytes;

/**
 * Progress callback for rdrive_store_compact_with_progress(): called with
 * the bytes of the new file written so far and their total (at the start,
 * at least every MiB — also inside one large value — and at the end);
 * return 0 to continue, non-zero to stop.
 */
typedef int32_t (*rdrive_progress_fn)(void *ctx, uint64_t done, uint64_t total);

/**
 * Visitor for rdrive_store_batch_peek(): called once per key, in order,
 * with the key's index in the batch and its value's bytes (valid only
 * during the call), or NULL and 0 when the key is absent.
 */
typedef void (*rdrive_batch_view_fn)(void *ctx, size_t index, const uint8_t *ptr, size_t len);

/**
 * Visitor for rdrive_store_peek(): sees the value's bytes, valid only
 * during the call.
 */
typedef void (*rdrive_view_fn)(void *ctx, const uint8_t *ptr, size_t len);

/**
 * An entry's 20-byte trailer, decoded.
 */
typedef struct rdrive_metadata {
  /**
   * xxh3-64 hash of the key (see rdrive_hash_key()).
   */
  uint64_t key_hash;
  /**
   * File length before this entry was appended.
   */
  uint64_t prev_offset;
  /**
   * CRC-32 (zlib polynomial) of the value.
   */
  uint32_t checksum;
} rdrive_metadata;

/**
 * Success.
 */
#define RDRIVE_OK 0

/**
 * Not an error: the key is absent (or deleted), or an iterator is exhausted.
 */
#define RDRIVE_NOT_FOUND 1

/**
 * An argument or the call itself is not acceptable: a pointer is NULL where
 * that is not allowed, a length, count or flag is out of range, a value
 * breaks a rule (empty, or the single byte 0x00), a path names something
 * other than a regular file, or a callback running inside a write or
 * compaction called a writing function of the same store (detail
 * "re-entrant call"). Nothing was changed.
 */
#define RDRIVE_ERR_INVALID_ARG (-1)

/**
 * The operating system reported an error: rdrive_last_error() describes it
 * and rdrive_last_os_error() gives its number.
 */
#define RDRIVE_ERR_IO (-2)

/**
 * The file is not a store, or data in it is damaged or was changed by
 * another program. rdrive modified nothing.
 */
#define RDRIVE_ERR_CORRUPT (-3)

/**
 * Another handle, in this or another process, has the store open for
 * writing.
 */
#define RDRIVE_ERR_LOCKED (-4)

/**
 * A write was attempted on a store opened with #RDRIVE_OPEN_READ_ONLY.
 */
#define RDRIVE_ERR_READ_ONLY (-5)

/**
 * An earlier write or sync on this handle failed once bytes may have
 * reached the file; the handle refuses further writes (reads still work).
 * Close and reopen the store to recover from what is on disk.
 */
#define RDRIVE_ERR_POISONED (-6)

/**
 * A callback (a stream's reader, a compaction's progress) failed or asked
 * to stop; nothing was committed.
 */
#define RDRIVE_ERR_ABORTED (-7)

/**
 * An internal error (a bug) was caught at the library boundary.
 */
#define RDRIVE_ERR_PANIC (-8)

/**
 * The caller's buffer is too small; the required size was reported.
 */
#define RDRIVE_ERR_BUFFER_TOO_SMALL (-9)

#ifdef __cplusplus
extern "C" {
#endif // __cplusplus

/**
 * Opens the store at `path`, creating an empty one if the file is missing
 * (unless #RDRIVE_OPEN_MUST_EXIST or #RDRIVE_OPEN_READ_ONLY is given), and
 * recovers it: a torn end left by a crash is discarded, keeping the
 * longest valid prefix (rdrive_store_recovery_notes() tells what the open
 * found).
 *
 * A read-write open takes the store's writer lock (on `<path>.rdrive-lock`,
 * created beside the file) for the life of the handle, cuts a torn end
 * from the file and syncs it. A read-only open never changes the file (its
 * bytes or its attributes) and sees it as it was when opened.
 *
 * Thread-safe.
 *
 * @param[in] path NUL-terminated path of the store file.
 * @param[in] flags Bitwise OR of `RDRIVE_OPEN_*` flags; 0 opens read-write
 *        and creates the file if it is missing.
 * @param[out] out Receives the new store, to be closed with
 *        rdrive_store_close(); NULL on failure.
 * @return
 * - #RDRIVE_OK: the store is open.
 * - #RDRIVE_ERR_INVALID_ARG: `path` or `out` is NULL, `path` is empty,
 *   `flags` has an unknown bit, or `path` names something other than a
 *   regular file (a directory, FIFO or device), for read-only and
 *   read-write opens alike.
 * - #RDRIVE_ERR_IO: the operating system refused a step
 *   (rdrive_last_error() says which): the file is missing with
 *   #RDRIVE_OPEN_MUST_EXIST or #RDRIVE_OPEN_READ_ONLY, permission is
 *   denied, the lock file cannot be created for a read-write open, or
 *   reading, mapping or syncing the file failed.
 * - #RDRIVE_ERR_CORRUPT: the file is not empty yet holds no valid store,
 *   or data known to be synced is damaged; the file is left untouched
 *   (#RDRIVE_OPEN_REPAIR keeps the longest valid prefix instead).
 * - #RDRIVE_ERR_LOCKED: a read-write open while another read-write handle,
 *   in this or another process, holds the store: any handle, for an
 *   exclusive open; an exclusive one, for a #RDRIVE_OPEN_SHARED open. With
 *   #RDRIVE_OPEN_WAIT the open waits instead.
 *
 * @pre `path` is NULL or points to a NUL-terminated string.
 * @pre `out` is NULL or points to writable space for an `rdrive_store *`.
 */
rdrive_status rdrive_store_open(const char *path, uint32_t flags, struct rdrive_store **out);

/**
 * rdrive_store_open(), also reporting how many bytes recovery discarded.
 *
 * Thread-safe.
 *
 * @param[in] path NUL-terminated path of the store file.
 * @param[in] flags Bitwise OR of `RDRIVE_OPEN_*` flags, as for
 *        rdrive_store_open().
 * @param[out] out Receives the new store, to be closed with
 *        rdrive_store_close(); NULL on failure.
 * @param[out] recovered_bytes NULL, or receives the number of bytes of a
 *        torn or damaged end that were discarded (0 for a clean file); 0 on
 *        failure.
 * @return As rdrive_store_open().
 *
 * @pre `path` is NULL or points to a NUL-terminated string.
 * @pre `out` is NULL or points to writable space for an `rdrive_store *`.
 * @pre `recovered_bytes` is NULL or points to writable space for a
 *      `uint64_t`.
 */
rdrive_status rdrive_store_open_with_report(const char *path,
                                            uint32_t flags,
                                            struct rdrive_store **out,
                                            uint64_t *recovered_bytes);

/**
 * rdrive_store_open() with #RDRIVE_OPEN_WAIT bounded: a read-write open
 * waits at most `timeout_ms` milliseconds for the writer lock, then fails
 * with #RDRIVE_ERR_LOCKED. A negative `timeout_ms` waits as long as it
 * takes; 0 does not wait. `flags` need not contain #RDRIVE_OPEN_WAIT.
 *
 * While it waits the calling thread sleeps (the lock is polled, at most
 * every 10 ms). A thread that holds the store through another handle of
 * this process would wait for itself: the wait then ends with
 * #RDRIVE_ERR_LOCKED at the timeout (or never, with a negative timeout).
 *
 * Thread-safe.
 *
 * @param[in] path NUL-terminated path of the store file.
 * @param[in] flags Bitwise OR of `RDRIVE_OPEN_*` flags, as for
 *        rdrive_store_open().
 * @param[in] timeout_ms Longest wait in milliseconds; negative: no limit.
 * @param[out] out Receives the new store, to be closed with
 *        rdrive_store_close(); NULL on failure.
 * @return As rdrive_store_open(); #RDRIVE_ERR_LOCKED when the wait ended
 *         without the lock.
 *
 * @pre `path` is NULL or points to a NUL-terminated string.
 * @pre `out` is NULL or points to writable space for an `rdrive_store *`.
 */
rdrive_status rdrive_store_open_wait(const char *path,
                                     uint32_t flags,
                                     int64_t timeout_ms,
                                     struct rdrive_store **out);

/**
 * Brings the store up to date with its writers and reports how many
 * entries it read (deletion markers included) since the previous refresh —
 * after a compaction by another handle, the entries of the new file.
 *
 * A read-only store is a snapshot from its open until it is refreshed; it
 * never sees bytes a writer has not published (a value being written that
 * happens to look like an entry is never taken for one). Entries taken
 * before a refresh stay valid. A #RDRIVE_OPEN_SHARED store catches up by
 * itself before every call (refreshing it does so now); an exclusive
 * read-write store has nothing to catch up with (0).
 *
 * Thread-safe.
 *
 * @param[in] store The store.
 * @param[out] new_entries NULL, or receives the number of entries read; 0
 *        on failure.
 * @return
 * - #RDRIVE_OK: the store is up to date.
 * - #RDRIVE_ERR_INVALID_ARG: `store` is NULL.
 * - #RDRIVE_ERR_IO: opening or mapping the store file failed.
 * - #RDRIVE_ERR_CORRUPT: what the writers published does not read as
 *   entries (another program changed the file).
 * - #RDRIVE_ERR_POISONED: a shared store whose handle is poisoned.
 *
 * @pre `store` is NULL or a live store.
 * @pre `new_entries` is NULL or points to writable space for a `uint64_t`.
 */
rdrive_status rdrive_store_refresh(struct rdrive_store *store, uint64_t *new_entries);

/**
 * Number of bytes of a torn or damaged end that recovery discarded when the
 * store was opened (a read-only open leaves them in the file and ignores
 * them).
 *
 * Thread-safe.
 *
 * @param[in] store The store.
 * @param[out] out Receives the number of bytes; 0 on failure.
 * @return
 * - #RDRIVE_OK: `*out` is set.
 * - #RDRIVE_ERR_INVALID_ARG: `store` or `out` is NULL.
 *
 * @pre `store` is NULL or a live store.
 * @pre `out` is NULL or points to writable space for a `uint64_t`.
 */
rdrive_status rdrive_store_recovered_bytes(const struct rdrive_store *store, uint64_t *out);

/**
 * What the open of `store` found, as bits: #RDRIVE_NOTE_TAIL_DISCARDED,
 * #RDRIVE_NOTE_WATERMARK_DISCARDED, #RDRIVE_NOTE_STALE_TEMP_FILE,
 * #RDRIVE_NOTE_WRITER_ACTIVE, #RDRIVE_NOTE_UNFINISHED_WRITE (0: a clean
 * open). rdrive_store_recovery_detail() says the same in words.
 *
 * Thread-safe.
 *
 * @param[in] store The store.
 * @param[out] out Receives the bits; 0 on failure.
 * @return
 * - #RDRIVE_OK: `*out` is set.
 * - #RDRIVE_ERR_INVALID_ARG: `store` or `out` is NULL.
 *
 * @pre `store` is NULL or a live store.
 * @pre `out` is NULL or points to writable space for a `uint32_t`.
 */
rdrive_status rdrive_store_recovery_notes(const struct rdrive_store *store, uint32_t *out);

/**
 * What the open of `store` found, in words: the bytes of a torn end that
 * were cut or left out, why the watermark was discarded, the size of a
 * leftover compaction file.
 *
 * The string belongs to the store and stays valid until
 * rdrive_store_close(). Thread-safe.
 *
 * @param[in] store The store, or NULL.
 * @return The text: "" after a clean open, and for a NULL store; never
 *         NULL.
 *
 * @pre `store` is NULL or a live store.
 */
const char *rdrive_store_recovery_detail(const struct rdrive_store *store);

/**
 * Closes the store and frees the handle. Accepts NULL.
 *
 * Syncs writes not yet synced, records a clean close and may leave an
 * index cache beside the file (a poisoned handle is closed without any of
 * that). The writer lock is released before this returns, even while
 * entries or iterators from the store are alive (they stay valid).
 *
 * Must not run concurrently with any other call on the same store. Errors
 * from the final sync cannot be reported here: call rdrive_store_sync()
 * first if you need to see them.
 *
 * @param[in] store The store to close, or NULL. It must not be used again.
 *
 * @pre `store` is NULL or a live store that no other call is using, and it
 *      is not used again after this call.
 */
void rdrive_store_close(struct rdrive_store *store);

/**
 * Writes `value` under `key`, replacing any earlier value. The bytes are
 * appended to the file and visible to readers when the call returns; they
 * are durable once synced (rdrive_store_sync(), or #RDRIVE_OPEN_SYNC). The
 * caller keeps ownership of both buffers.
 *
 * Thread-safe; writes to one store are serialized.
 *
 * @param[in] store The store.
 * @param[in] key The key's bytes (NULL allowed when `key_len` is 0).
 * @param[in] key_len Length of the key.
 * @param[in] value The value's bytes.
 * @param[in] value_len Length of the value: at least 1.
 * @return
 * - #RDRIVE_OK: written.
 * - #RDRIVE_ERR_INVALID_ARG: nothing was written: `store` is NULL, `key` or
 *   `value` is NULL with a non-zero length, the value is empty or the single
 *   byte 0x00, or the call was made from inside a callback of a write or
 *   compaction of this store, on the same thread (detail "re-entrant call").
 * - #RDRIVE_ERR_READ_ONLY: the store was opened with #RDRIVE_OPEN_READ_ONLY.
 * - #RDRIVE_ERR_POISONED: an earlier write or sync on this handle failed;
 *   nothing was written.
 * - #RDRIVE_ERR_IO: the operating system refused a step (see
 *   rdrive_last_error()). If writing or syncing the bytes failed, some
 *   may have reached the file: the handle is poisoned (later writes give
 *   #RDRIVE_ERR_POISONED; reopen the store to recover). If making room
 *   for the append failed (growing the memory mapping or the index),
 *   no byte was written and the handle keeps working.
 *
 * @pre `store` is NULL or a live store.
 * @pre `key` is NULL or points to `key_len` readable bytes.
 * @pre `value` is NULL or points to `value_len` readable bytes.
 */
rdrive_status rdrive_store_write(struct rdrive_store *store,
                                 const uint8_t *key,
                                 size_t key_len,
                                 const uint8_t *value,
                                 size_t value_len);

/**
 * rdrive_store_write() with a key hash from rdrive_hash_key() instead of
 * the key.
 *
 * Thread-safe; writes to one store are serialized.
 *
 * @param[in] store The store.
 * @param[in] key_hash The key's hash.
 * @param[in] value The value's bytes.
 * @param[in] value_len Length of the value: at least 1.
 * @return As rdrive_store_write(); also #RDRIVE_ERR_INVALID_ARG for key
 *         hash 0 with a value whose CRC-32 is 0 as the first entry of an
 *         empty store (a run of zero bytes would read as that entry).
 *
 * @pre `store` is NULL or a live store.
 * @pre `value` is NULL or points to `value_len` readable bytes.
 */
rdrive_status rdrive_store_write_hashed(struct rdrive_store *store,
                                        uint64_t key_hash,
                                        const uint8_t *value,
                                        size_t value_len);

/**
 * Writes `count` key/value pairs with one system call, all or nothing: if
 * any item is invalid nothing is written. Within the batch the last write of
 * a key wins. `count` 0 writes nothing (but still fails on a read-only or
 * poisoned handle). After a power loss an unsynced batch may survive in
 * part: a prefix of its entries in file order.
 *
 * Thread-safe; writes to one store are serialized.
 *
 * @param[in] store The store.
 * @param[in] items Array of `count` pairs (NULL allowed when `count` is 0).
 * @param[in] count Number of pairs.
 * @return
 * - #RDRIVE_OK: all pairs written.
 * - #RDRIVE_ERR_INVALID_ARG: nothing was written: `store` is NULL, `items`
 *   is NULL with a non-zero `count`, an item has a NULL pointer with a
 *   non-zero length or a value that is empty or the single byte 0x00
 *   (rdrive_last_error() names the item), or the call was made from inside a
 *   callback of a write or compaction of this store, on the same thread
 *   (detail "re-entrant call").
 * - #RDRIVE_ERR_READ_ONLY: the store was opened with #RDRIVE_OPEN_READ_ONLY.
 * - #RDRIVE_ERR_POISONED: an earlier write or sync on this handle failed;
 *   nothing was written.
 * - #RDRIVE_ERR_IO: the operating system refused a step (see
 *   rdrive_last_error()). If writing or syncing the bytes failed, some
 *   may have reached the file: the handle is poisoned (later writes give
 *   #RDRIVE_ERR_POISONED; reopen the store to recover). If making room
 *   for the append failed (growing the memory mapping or the index),
 *   no byte was written and the handle keeps working.
 *
 * @pre `store` is NULL or a live store.
 * @pre `items` is NULL or points to `count` initialized ::rdrive_kv pairs;
 *      in each, `key` is NULL or points to `key_len` readable bytes and
 *      `value` is NULL or points to `value_len` readable bytes.
 */
rdrive_status rdrive_store_batch_write(struct rdrive_store *store,
                                       const struct rdrive_kv *items,
                                       size_t count);

/**
 * rdrive_store_batch_write() with the keys and the values each packed back
 * to back, their lengths in two arrays: the same batch, all or nothing,
 * without an ::rdrive_kv per pair. Meant for bindings that gather their
 * pairs into two buffers.
 *
 * Thread-safe; writes to one store are serialized.
 *
 * @param[in] store The store.
 * @param[in] keys The keys' bytes, one after another (NULL allowed when
 *        they total 0 bytes).
 * @param[in] key_lens Array of `count` lengths: key i is the `key_lens[i]`
 *        bytes following keys 0..i (NULL allowed when `count` is 0).
 * @param[in] values The values' bytes, one after another, laid out the
 *        same way (NULL allowed when they total 0 bytes).
 * @param[in] value_lens Array of `count` value lengths (NULL allowed when
 *        `count` is 0).
 * @param[in] count Number of pairs.
 * @return As rdrive_store_batch_write(); #RDRIVE_ERR_INVALID_ARG also
 *   when `key_lens` or `value_lens` is NULL with a non-zero `count`, when
 *   `keys` or `values` is NULL while its lengths are not all 0, or when
 *   the lengths overflow.
 *
 * @pre `store` is NULL or a live store.
 * @pre `key_lens` and `value_lens` are NULL or point to `count` readable
 *      `size_t`s each.
 * @pre `keys` and `values` are NULL or point to as many readable bytes as
 *      their lengths add up to.
 */
rdrive_status rdrive_store_batch_write_packed(struct rdrive_store *store,
                                              const uint8_t *keys,
                                              const size_t *key_lens,
                                              const uint8_t *values,
                                              const size_t *value_lens,
                                              size_t count);

/**
 * Writes a value produced by `read` in chunks under `key`, without holding
 * it all in memory. `read(ctx, buf, cap)` fills `buf` with up to `cap` bytes
 * and returns the count, 0 at the end, or a negative number to abort.
 *
 * If the callback aborts (or returns more than `cap`), nothing is committed
 * and the file is exactly as before; the next write is unaffected.
 *
 * Thread-safe. The callback runs on the calling thread while this store's
 * writer is held: other writers of the store wait, and a writing function
 * of the same store called from inside it fails with
 * #RDRIVE_ERR_INVALID_ARG (detail "re-entrant call"). Reads are allowed.
 *
 * @param[in] store The store.
 * @param[in] key The key's bytes (NULL allowed when `key_len` is 0).
 * @param[in] key_len Length of the key.
 * @param[in] read The source of the value's bytes (see ::rdrive_read_fn).
 * @param[in] ctx Passed to every call of `read`, untouched.
 * @return
 * - #RDRIVE_OK: written.
 * - #RDRIVE_ERR_INVALID_ARG: nothing was committed: `store` or `read` is
 *   NULL, `key` is NULL with a non-zero length, the stream produced no bytes
 *   or the single byte 0x00, or the call was made from inside a callback of
 *   a write or compaction of this store, on the same thread (detail
 *   "re-entrant call").
 * - #RDRIVE_ERR_ABORTED: `read` returned a negative number or more than
 *   `cap`; nothing was committed.
 * - #RDRIVE_ERR_READ_ONLY: the store was opened with #RDRIVE_OPEN_READ_ONLY.
 * - #RDRIVE_ERR_POISONED: an earlier write or sync on this handle failed;
 *   nothing was written.
 * - #RDRIVE_ERR_IO: the operating system refused a step (see
 *   rdrive_last_error()). If writing or syncing bytes failed, or cutting
 *   back the bytes of the unfinished value failed, the handle is poisoned
 *   (later writes give #RDRIVE_ERR_POISONED; reopen the store to recover).
 *   If making room for the value failed (growing the memory mapping or the
 *   index), the bytes written so far are cut back, nothing is committed
 *   and the handle keeps working.
 *
 * @pre `store` is NULL or a live store.
 * @pre `key` is NULL or points to `key_len` readable bytes.
 * @pre `read` is NULL or a function that may be called, on the calling
 *      thread, as `read(ctx, buf, cap)` with `buf` pointing to `cap`
 *      writable bytes.
 */
rdrive_status rdrive_store_write_stream(struct rdrive_store *store,
                                        const uint8_t *key,
                                        size_t key_len,
                                        rdrive_read_fn read,
                                        void *ctx);

/**
 * Deletes `key` by appending a deletion marker. Deleting an absent (or
 * already deleted) key writes nothing.
 *
 * Thread-safe; writes to one store are serialized.
 *
 * @param[in] store The store.
 * @param[in] key The key's bytes (NULL allowed when `key_len` is 0).
 * @param[in] key_len Length of the key.
 * @return
 * - #RDRIVE_OK: deleted.
 * - #RDRIVE_NOT_FOUND: the key is absent or already deleted; nothing was
 *   written.
 * - #RDRIVE_ERR_INVALID_ARG: `store` is NULL, `key` is NULL with a non-zero
 *   length, or the call was made from inside a callback of a write or
 *   compaction of this store, on the same thread (detail "re-entrant call").
 * - #RDRIVE_ERR_READ_ONLY: the store was opened with #RDRIVE_OPEN_READ_ONLY.
 * - #RDRIVE_ERR_POISONED: an earlier write or sync on this handle failed;
 *   nothing was written.
 * - #RDRIVE_ERR_IO: the operating system refused a step (see
 *   rdrive_last_error()). If writing or syncing the bytes failed, some
 *   may have reached the file: the handle is poisoned (later writes give
 *   #RDRIVE_ERR_POISONED; reopen the store to recover). If making room
 *   for the append failed (growing the memory mapping or the index),
 *   no byte was written and the handle keeps working.
 *
 * @pre `store` is NULL or a live store.
 * @pre `key` is NULL or points to `key_len` readable bytes.
 */
rdrive_status rdrive_store_delete(struct rdrive_store *store, const uint8_t *key, size_t key_len);

/**
 * Deletes every live key among `keys` with one system call; absent keys
 * (and repeats) are skipped. All or nothing for invalid input.
 *
 * Thread-safe; writes to one store are serialized.
 *
 * @param[in] store The store.
 * @param[in] keys Array of `count` keys (NULL allowed when `count` is 0).
 * @param[in] count Number of keys.
 * @param[out] deleted NULL, or receives how many keys were deleted; 0 on
 *        failure.
 * @return
 * - #RDRIVE_OK: done, also when no key was live (nothing written then).
 * - #RDRIVE_ERR_INVALID_ARG: nothing was written: `store` is NULL, `keys`
 *   is NULL with a non-zero `count`, a key is NULL with a non-zero length,
 *   or the call was made from inside a callback of a write or compaction of
 *   this store, on the same thread (detail "re-entrant call").
 * - #RDRIVE_ERR_READ_ONLY: the store was opened with #RDRIVE_OPEN_READ_ONLY.
 * - #RDRIVE_ERR_POISONED: an earlier write or sync on this handle failed;
 *   nothing was written.
 * - #RDRIVE_ERR_IO: the operating system refused a step (see
 *   rdrive_last_error()). If writing or syncing the bytes failed, some
 *   may have reached the file: the handle is poisoned (later writes give
 *   #RDRIVE_ERR_POISONED; reopen the store to recover). If making room
 *   for the append failed (growing the memory mapping or the index),
 *   no byte was written and the handle keeps working.
 *
 * @pre `store` is NULL or a live store.
 * @pre `keys` is NULL or points to `count` initialized ::rdrive_bytes; in
 *      each, `ptr` is NULL or points to `len` readable bytes.
 * @pre `deleted` is NULL or points to writable space for a `size_t`.
 */
rdrive_status rdrive_store_batch_delete(struct rdrive_store *store,
                                        const struct rdrive_bytes *keys,
                                        size_t count,
                                        size_t *deleted);

/**
 * Moves the value of `old_key` to `new_key` with one append (the new entry,
 * keeping the stored checksum, and a deletion marker for the old key).
 *
 * Thread-safe; writes to one store are serialized.
 *
 * @param[in] store The store.
 * @param[in] old_key The current key's bytes (NULL allowed when `old_len`
 *        is 0).
 * @param[in] old_len Length of the current key.
 * @param[in] new_key The new key's bytes (NULL allowed when `new_len` is
 *        0).
 * @param[in] new_len Length of the new key.
 * @return
 * - #RDRIVE_OK: moved.
 * - #RDRIVE_NOT_FOUND: `old_key` is absent; nothing was written.
 * - #RDRIVE_ERR_INVALID_ARG: `store` is NULL, a key is NULL with a non-zero
 *   length, both keys are the same key (same hash), or the call was made
 *   from inside a callback of a write or compaction of this store, on the
 *   same thread (detail "re-entrant call").
 * - #RDRIVE_ERR_CORRUPT: the entry of `old_key` could not be read (the file
 *   was modified by another program); nothing was written.
 * - #RDRIVE_ERR_READ_ONLY: the store was opened with #RDRIVE_OPEN_READ_ONLY.
 * - #RDRIVE_ERR_POISONED: an earlier write or sync on this handle failed;
 *   nothing was written.
 * - #RDRIVE_ERR_IO: the operating system refused a step (see
 *   rdrive_last_error()). If writing or syncing the bytes failed, some
 *   may have reached the file: the handle is poisoned (later writes give
 *   #RDRIVE_ERR_POISONED; reopen the store to recover). If making room
 *   for the append failed (growing the memory mapping or the index),
 *   no byte was written and the handle keeps working.
 *
 * @pre `store` is NULL or a live store.
 * @pre `old_key` is NULL or points to `old_len` readable bytes.
 * @pre `new_key` is NULL or points to `new_len` readable bytes.
 */
rdrive_status rdrive_store_rename(struct rdrive_store *store,
                                  const uint8_t *old_key,
                                  size_t old_len,
                                  const uint8_t *new_key,
                                  size_t new_len);

/**
 * Appends the current value of `key` to `target` (keeping its stored
 * checksum). `store` is unchanged and may be read-only.
 *
 * Thread-safe; writes to `target` are serialized.
 *
 * @param[in] store The store to copy from.
 * @param[in] key The key's bytes (NULL allowed when `key_len` is 0).
 * @param[in] key_len Length of the key.
 * @param[in] target The store to copy to.
 * @return
 * - #RDRIVE_OK: copied.
 * - #RDRIVE_NOT_FOUND: `key` is absent from `store`; nothing was written.
 * - #RDRIVE_ERR_INVALID_ARG: `store` or `target` is NULL, `key` is NULL
 *   with a non-zero length, both handles are open on the same file
 *   (detected by device and inode, whatever the paths), or the call was
 *   made from inside a callback of a write or compaction of `target`, on
 *   the same thread (detail "re-entrant call").
 * - #RDRIVE_ERR_CORRUPT: the entry of `key` in `store` could not be read
 *   (the file was modified by another program); nothing was written.
 * - #RDRIVE_ERR_READ_ONLY, #RDRIVE_ERR_POISONED, #RDRIVE_ERR_IO: writing to
 *   `target` failed, as for rdrive_store_write() on `target`.
 *
 * @pre `store` is NULL or a live store.
 * @pre `key` is NULL or points to `key_len` readable bytes.
 * @pre `target` is NULL or a live store.
 */
rdrive_status rdrive_store_copy(struct rdrive_store *store,
                                const uint8_t *key,
                                size_t key_len,
                                struct rdrive_store *target);

/**
 * rdrive_store_copy(), then deletes `key` from `store` (unless it was
 * overwritten in between, in which case the newer value stays). Not atomic
 * across the two files: a crash in between leaves the key in both.
 *
 * Thread-safe.
 *
 * @param[in] store The store to move the value from.
 * @param[in] key The key's bytes (NULL allowed when `key_len` is 0).
 * @param[in] key_len Length of the key.
 * @param[in] target The store to move the value to.
 * @return
 * - #RDRIVE_OK: moved.
 * - #RDRIVE_NOT_FOUND: `key` is absent from `store`; nothing was written.
 * - #RDRIVE_ERR_INVALID_ARG: as rdrive_store_copy(), or the call was made
 *   from inside a callback of a write or compaction of `store`, on the
 *   same thread (detail "re-entrant call").
 * - #RDRIVE_ERR_CORRUPT: as rdrive_store_copy().
 * - #RDRIVE_ERR_READ_ONLY, #RDRIVE_ERR_POISONED: `store` or `target`
 *   cannot be written; checked for `store` before anything is copied.
 * - #RDRIVE_ERR_IO: writing to `target` or the deletion marker to `store`
 *   failed, as for rdrive_store_write(); if the copy succeeded and the
 *   deletion failed, the key is in both stores.
 *
 * @pre `store` is NULL or a live store.
 * @pre `key` is NULL or points to `key_len` readable bytes.
 * @pre `target` is NULL or a live store.
 */
rdrive_status rdrive_store_transfer(struct rdrive_store *store,
                                    const uint8_t *key,
                                    size_t key_len,
                                    struct rdrive_store *target);

/**
 * Makes every write so far durable (fdatasync) and records the durable
 * length beside the file. A no-op on a read-only store.
 *
 * Thread-safe; waits for a write in progress.
 *
 * @param[in] store The store.
 * @return
 * - #RDRIVE_OK: every write so far is durable (or the store is read-only).
 * - #RDRIVE_ERR_INVALID_ARG: `store` is NULL, or the call was made from
 *   inside a callback of a write or compaction of this store, on the same
 *   thread (detail "re-entrant call").
 * - #RDRIVE_ERR_POISONED: an earlier write or sync on this handle failed.
 * - #RDRIVE_ERR_IO: the sync failed (see rdrive_last_error()); the handle is
 *   poisoned and the sync is never retried: reopen the store to recover
 *   from what is on disk.
 *
 * @pre `store` is NULL or a live store.
 */
rdrive_status rdrive_store_sync(struct rdrive_store *store);

/**
 * Rewrites the store with only its live entries, reclaiming the space of
 * overwritten and deleted ones, then switches this handle to the new file.
 * The handle keeps working; entries read before stay valid. Readers are not
 * blocked; writers wait until it finishes. A stale temporary file from an
 * earlier crash is discarded, never merged.
 *
 * Thread-safe.
 *
 * @param[in] store The store.
 * @return
 * - #RDRIVE_OK: compacted.
 * - #RDRIVE_ERR_INVALID_ARG: `store` is NULL, or the call was made from
 *   inside a callback of a write or compaction of this store, on the same
 *   thread (detail "re-entrant call").
 * - #RDRIVE_ERR_READ_ONLY: the store was opened with #RDRIVE_OPEN_READ_ONLY.
 * - #RDRIVE_ERR_POISONED: an earlier write or sync on this handle failed.
 * - #RDRIVE_ERR_CORRUPT: a live entry could not be read (the file was
 *   modified by another program); the store is unchanged.
 * - #RDRIVE_ERR_IO: the operating system refused a step (see
 *   rdrive_last_error()). A failure before the new file takes the store's
 *   place leaves the store and the handle as they were (the temporary file
 *   is removed). Only a failure to sync the directory after the switch
 *   poisons the handle: the new file is in place; reopen the store.
 *
 * @pre `store` is NULL or a live store.
 */
rdrive_status rdrive_store_compact(struct rdrive_store *store);

/**
 * rdrive_store_compact(), calling `progress(ctx, done, total)` (bytes of
 * the new file written so far, and their total; at least every MiB, also
 * inside one large value) as it goes, on the calling thread,
 * while this store's writer is held: a writing function of the same store
 * called from inside it fails with #RDRIVE_ERR_INVALID_ARG (detail
 * "re-entrant call"); reads are allowed. A non-zero return stops the
 * compaction: the store stays as it was.
 *
 * Thread-safe.
 *
 * @param[in] store The store.
 * @param[in] progress NULL, or the callback (see ::rdrive_progress_fn).
 * @param[in] ctx Passed to every call of `progress`, untouched.
 * @return As rdrive_store_compact(), plus #RDRIVE_ERR_ABORTED: `progress`
 *         returned non-zero; the store is unchanged.
 *
 * @pre `store` is NULL or a live store.
 * @pre `progress` is NULL or a function that may be called, on the calling
 *      thread, as `progress(ctx, done, total)`.
 */
rdrive_status rdrive_store_compact_with_progress(struct rdrive_store *store,
                                                 rdrive_progress_fn progress,
                                                 void *ctx);

/**
 * Reads the current value of `key`, in place (no copy): the entry's bytes
 * point into the store's read-only memory mapping.
 *
 * Thread-safe and lock-free.
 *
 * @param[in] store The store.
 * @param[in] key The key's bytes (NULL allowed when `key_len` is 0).
 * @param[in] key_len Length of the key.
 * @param[out] out Receives a new entry, to be freed with
 *        rdrive_entry_free(); NULL when the key is absent or on failure. The
 *        entry stays valid after later writes, compaction and
 *        rdrive_store_close().
 * @return
 * - #RDRIVE_OK: `*out` is the entry.
 * - #RDRIVE_NOT_FOUND: the key is absent or deleted.
 * - #RDRIVE_ERR_INVALID_ARG: `store` or `out` is NULL, or `key` is NULL
 *   with a non-zero length.
 * - #RDRIVE_ERR_CORRUPT: the index points at bytes that are not this key's
 *   entry: the file was modified by another program.
 *
 * @pre `store` is NULL or a live store.
 * @pre `key` is NULL or points to `key_len` readable bytes.
 * @pre `out` is NULL or points to writable space for an `rdrive_entry *`.
 */
rdrive_status rdrive_store_read(const struct rdrive_store *store,
                                const uint8_t *key,
                                size_t key_len,
                                struct rdrive_entry **out);

/**
 * rdrive_store_read() and rdrive_entry_address_range() in one call: the
 * entry and its bytes together.
 *
 * Thread-safe and lock-free.
 *
 * @param[in] store The store.
 * @param[in] key The key's bytes (NULL allowed when `key_len` is 0).
 * @param[in] key_len Length of the key.
 * @param[out] out Receives the entry (free it with rdrive_entry_free());
 *        NULL when the key is absent and on failure.
 * @param[out] bytes NULL, or receives the value's bytes, valid until the
 *        entry is freed; {NULL, 0} when the key is absent and on failure.
 * @return As rdrive_store_read().
 *
 * @pre `store` is NULL or a live store.
 * @pre `key` is NULL or points to `key_len` readable bytes.
 * @pre `out` is NULL or points to writable space for an `rdrive_entry *`.
 * @pre `bytes` is NULL or points to writable space for an ::rdrive_bytes.
 */
rdrive_status rdrive_store_get(const struct rdrive_store *store,
                               const uint8_t *key,
                               size_t key_len,
                               struct rdrive_entry **out,
                               struct rdrive_bytes *bytes_out);

/**
 * Calls `view(ctx, i, ptr, len)` for each of `count` keys, in order, with
 * the value of key `i` in place (or NULL and 0 when it is absent), without
 * allocating or creating entries: the cheapest way to read many keys. The
 * bytes are valid only during each call and must not be written; the
 * values are those of one snapshot of the store.
 *
 * Thread-safe and lock-free; the callback runs on the calling thread and
 * may call read functions of the same store.
 *
 * @param[in] store The store.
 * @param[in] keys Array of `count` keys (NULL allowed when `count` is 0).
 * @param[in] count Number of keys.
 * @param[in] view The visitor (see ::rdrive_batch_view_fn).
 * @param[in] ctx Passed to `view`, untouched.
 * @param[out] found NULL, or receives how many keys were present; 0 on
 *        failure.
 * @return
 * - #RDRIVE_OK: `view` was called once per key.
 * - #RDRIVE_ERR_INVALID_ARG: `store` or `view` is NULL, `keys` is NULL
 *   with a non-zero `count`, or a key is NULL with a non-zero length;
 *   `view` was not called.
 * - #RDRIVE_ERR_CORRUPT: as rdrive_store_read(), for one of the keys;
 *   `view` may have been called for the keys before it.
 *
 * @pre `store` is NULL or a live store.
 * @pre `keys` is NULL or points to `count` initialized ::rdrive_bytes; in
 *      each, `ptr` is NULL or points to `len` readable bytes.
 * @pre `view` is NULL or a function that may be called, on the calling
 *      thread, as `view(ctx, index, ptr, len)` with `ptr` NULL or pointing to
 *      `len` read-only bytes.
 * @pre `found` is NULL or points to writable space for a `size_t`.
 */
rdrive_status rdrive_store_batch_peek(const struct rdrive_store *store,
                                      const struct rdrive_bytes *keys,
                                      size_t count,
                                      rdrive_batch_view_fn view,
                                      void *ctx,
                                      size_t *found);

/**
 * rdrive_store_read() with a key hash from rdrive_hash_key() instead of the
 * key.
 *
 * Thread-safe and lock-free.
 *
 * @param[in] store The store.
 * @param[in] key_hash The key's hash.
 * @param[out] out Receives a new entry, to be freed with
 *        rdrive_entry_free(); NULL when the key is absent or on failure.
 * @return
 * - #RDRIVE_OK: `*out` is the entry.
 * - #RDRIVE_NOT_FOUND: the key is absent or deleted.
 * - #RDRIVE_ERR_INVALID_ARG: `store` or `out` is NULL.
 * - #RDRIVE_ERR_CORRUPT: the index points at bytes that are not this key's
 *   entry: the file was modified by another program.
 *
 * @pre `store` is NULL or a live store.
 * @pre `out` is NULL or points to writable space for an `rdrive_entry *`.
 */
rdrive_status rdrive_store_read_hashed(const struct rdrive_store *store,
                                       uint64_t key_hash,
                                       struct rdrive_entry **out);

/**
 * Reads `count` keys at once.
 *
 * Thread-safe and lock-free.
 *
 * @param[in] store The store.
 * @param[in] keys Array of `count` keys (NULL allowed when `count` is 0).
 * @param[in] count Number of keys.
 * @param[out] out Array of `count` entry slots (NULL allowed when `count`
 *        is 0): slot i receives the entry of the i-th key, or NULL if it is
 *        absent. Free each non-NULL entry. On failure every slot is NULL.
 * @param[out] found NULL, or receives how many keys were found; 0 on
 *        failure.
 * @return
 * - #RDRIVE_OK: the slots are set (also when some keys are absent).
 * - #RDRIVE_ERR_INVALID_ARG: `store` is NULL, `keys` or `out` is NULL with
 *   a non-zero `count`, or a key is NULL with a non-zero length.
 * - #RDRIVE_ERR_CORRUPT: as rdrive_store_read(), for any of the keys.
 *
 * @pre `store` is NULL or a live store.
 * @pre `keys` is NULL or points to `count` initialized ::rdrive_bytes; in
 *      each, `ptr` is NULL or points to `len` readable bytes.
 * @pre `out` is NULL or points to writable space for `count`
 *      `rdrive_entry *` slots.
 * @pre `found` is NULL or points to writable space for a `size_t`.
 */
rdrive_status rdrive_store_batch_read(const struct rdrive_store *store,
                                      const struct rdrive_bytes *keys,
                                      size_t count,
                                      struct rdrive_entry **out,
                                      size_t *found);

/**
 * Calls `view(ctx, ptr, len)` with the current value of `key`, in place,
 * without allocating or creating an entry: the cheapest read. The bytes are
 * valid only during the call and must not be written.
 *
 * Thread-safe and lock-free; the callback runs on the calling thread and
 * may call read functions of the same store.
 *
 * @param[in] store The store.
 * @param[in] key The key's bytes (NULL allowed when `key_len` is 0).
 * @param[in] key_len Length of the key.
 * @param[in] view The visitor (see ::rdrive_view_fn).
 * @param[in] ctx Passed to `view`, untouched.
 * @return
 * - #RDRIVE_OK: `view` was called once.
 * - #RDRIVE_NOT_FOUND: the key is absent or deleted; `view` was not called.
 * - #RDRIVE_ERR_INVALID_ARG: `store` or `view` is NULL, or `key` is NULL
 *   with a non-zero length; `view` was not called.
 * - #RDRIVE_ERR_CORRUPT: the index points at bytes that are not this key's
 *   entry: the file was modified by another program.
 *
 * @pre `store` is NULL or a live store.
 * @pre `key` is NULL or points to `key_len` readable bytes.
 * @pre `view` is NULL or a function that may be called, on the calling
 *      thread, as `view(ctx, ptr, len)` with `ptr` pointing to `len`
 *      read-only bytes.
 */
rdrive_status rdrive_store_peek(const struct rdrive_store *store,
                                const uint8_t *key,
                                size_t key_len,
                                rdrive_view_fn view,
                                void *ctx);

/**
 * Copies the current value of `key` into `buf`.
 *
 * Thread-safe; allocates nothing.
 *
 * @param[in] store The store.
 * @param[in] key The key's bytes (NULL allowed when `key_len` is 0).
 * @param[in] key_len Length of the key.
 * @param[out] buf Destination of `cap` bytes (NULL allowed when `cap` is
 *        0).
 * @param[in] cap Size of `buf`.
 * @param[out] len Receives the value's length (also when it does not fit);
 *        0 when the key is absent or on other failures.
 * @return
 * - #RDRIVE_OK: the value was copied.
 * - #RDRIVE_NOT_FOUND: the key is absent or deleted.
 * - #RDRIVE_ERR_BUFFER_TOO_SMALL: nothing was copied; `*len` is the size
 *   needed.
 * - #RDRIVE_ERR_INVALID_ARG: `store` or `len` is NULL, `key` is NULL with a
 *   non-zero length, `buf` is NULL with a non-zero `cap`, or `cap` exceeds
 *   `PTRDIFF_MAX`.
 * - #RDRIVE_ERR_CORRUPT: the index points at bytes that are not this key's
 *   entry: the file was modified by another program.
 *
 * @pre `store` is NULL or a live store.
 * @pre `key` is NULL or points to `key_len` readable bytes.
 * @pre `buf` is NULL or points to `cap` writable bytes.
 * @pre `len` is NULL or points to writable space for a `size_t`.
 */
rdrive_status rdrive_store_read_into(const struct rdrive_store *store,
                                     const uint8_t *key,
                                     size_t key_len,
                                     uint8_t *buf,
                                     size_t cap,
                                     size_t *len);

/**
 * Copies the values of `count` keys into one buffer, back to back and in
 * key order: one call, no entries, no callback. Meant for bindings that
 * hand out copies (the keys come packed the same way).
 *
 * Thread-safe and lock-free; allocates only the keys' hashes. Each value
 * is the key's value at some moment during the call.
 *
 * @param[in] store The store.
 * @param[in] keys The keys' bytes, one after another (NULL allowed when
 *        they total 0 bytes).
 * @param[in] key_lens Array of `count` lengths: key i is the `key_lens[i]`
 *        bytes following keys 0..i (NULL allowed when `count` is 0).
 * @param[in] count Number of keys.
 * @param[out] buf Destination of `cap` bytes (NULL allowed when `cap` is
 *        0): receives the present keys' values back to back, in key order.
 * @param[in] cap Size of `buf`.
 * @param[out] value_lens Array of `count` slots (NULL allowed when `count`
 *        is 0): slot i receives the length of key i's value, or `SIZE_MAX`
 *        when key i is absent (also on failure).
 * @param[out] needed NULL, or receives the values' total size (also when
 *        it exceeds `cap`; 0 on other failures).
 * @return
 * - #RDRIVE_OK: `buf` holds the values.
 * - #RDRIVE_ERR_BUFFER_TOO_SMALL: the values total more than `cap` bytes;
 *   `value_lens` and `*needed` are set, `buf` holds nothing usable. Call
 *   again with `*needed` bytes (or more: a writer may have grown a value
 *   in between).
 * - #RDRIVE_ERR_INVALID_ARG: `store` is NULL, `key_lens` or `value_lens`
 *   is NULL with a non-zero `count`, `keys` is NULL while the lengths are
 *   not all 0, the lengths overflow, `buf` is NULL with a non-zero `cap`,
 *   or `cap` exceeds `PTRDIFF_MAX`.
 * - #RDRIVE_ERR_CORRUPT: as rdrive_store_read(), for one of the keys.
 *
 * @pre `store` is NULL or a live store.
 * @pre `key_lens` is NULL or points to `count` readable `size_t`s.
 * @pre `keys` is NULL or points to as many readable bytes as the `key_lens`
 *      add up to.
 * @pre `buf` is NULL or points to `cap` writable bytes.
 * @pre `value_lens` is NULL or points to writable space for `count` `size_t`s.
 * @pre `needed` is NULL or points to writable space for a `size_t`.
 */
rdrive_status rdrive_store_batch_read_into(const struct rdrive_store *store,
                                           const uint8_t *keys,
                                           const size_t *key_lens,
                                           size_t count,
                                           uint8_t *buf,
                                           size_t cap,
                                           size_t *value_lens,
                                           size_t *needed);

/**
 * The newest entry whose key is still live: the most recent write not
 * overwritten or deleted since. Never a deletion marker.
 *
 * Thread-safe.
 *
 * @param[in] store The store.
 * @param[out] out Receives a new entry, to be freed with
 *        rdrive_entry_free(); NULL if there is none or on failure.
 * @return
 * - #RDRIVE_OK: `*out` is the entry.
 * - #RDRIVE_NOT_FOUND: the store has no live keys.
 * - #RDRIVE_ERR_INVALID_ARG: `store` or `out` is NULL.
 * - #RDRIVE_ERR_CORRUPT: an entry on the way could not be read: the file
 *   was modified by another program.
 *
 * @pre `store` is NULL or a live store.
 * @pre `out` is NULL or points to writable space for an `rdrive_entry *`.
 */
rdrive_status rdrive_store_read_last(const struct rdrive_store *store, struct rdrive_entry **out);

/**
 * Whether `key` has a live value.
 *
 * Thread-safe and lock-free.
 *
 * @param[in] store The store.
 * @param[in] key The key's bytes (NULL allowed when `key_len` is 0).
 * @param[in] key_len Length of the key.
 * @param[out] out Receives true or false; false on failure.
 * @return
 * - #RDRIVE_OK: `*out` is set.
 * - #RDRIVE_ERR_INVALID_ARG: `store` or `out` is NULL, or `key` is NULL
 *   with a non-zero length.
 *
 * @pre `store` is NULL or a live store.
 * @pre `key` is NULL or points to `key_len` readable bytes.
 * @pre `out` is NULL or points to writable space for a `bool`.
 */
rdrive_status rdrive_store_exists(const struct rdrive_store *store,
                                  const uint8_t *key,
                                  size_t key_len,
                                  bool *out);

/**
 * Number of live keys.
 *
 * Thread-safe and lock-free.
 *
 * @param[in] store The store.
 * @param[out] out Receives the number; 0 on failure.
 * @return
 * - #RDRIVE_OK: `*out` is set.
 * - #RDRIVE_ERR_INVALID_ARG: `store` or `out` is NULL.
 *
 * @pre `store` is NULL or a live store.
 * @pre `out` is NULL or points to writable space for a `uint64_t`.
 */
rdrive_status rdrive_store_len(const struct rdrive_store *store, uint64_t *out);

/**
 * Length of the store's valid data: the file's size (on a read-only open of
 * a file with a torn end, the torn bytes are not counted).
 *
 * Thread-safe and lock-free.
 *
 * @param[in] store The store.
 * @param[out] out Receives the length in bytes; 0 on failure.
 * @return
 * - #RDRIVE_OK: `*out` is set.
 * - #RDRIVE_ERR_INVALID_ARG: `store` or `out` is NULL.
 *
 * @pre `store` is NULL or a live store.
 * @pre `out` is NULL or points to writable space for a `uint64_t`.
 */
rdrive_status rdrive_store_file_size(const struct rdrive_store *store, uint64_t *out);

/**
 * Bytes a compaction would reclaim now (overwritten and deleted entries and
 * their padding). Walks the live entries: O(live keys).
 *
 * Thread-safe.
 *
 * @param[in] store The store.
 * @param[out] out Receives the number of bytes; 0 on failure.
 * @return
 * - #RDRIVE_OK: `*out` is set.
 * - #RDRIVE_ERR_INVALID_ARG: `store` or `out` is NULL.
 *
 * @pre `store` is NULL or a live store.
 * @pre `out` is NULL or points to writable space for a `uint64_t`.
 */
rdrive_status rdrive_store_reclaimable_bytes(const struct rdrive_store *store, uint64_t *out);

/**
 * The value as pointer and length, in place (zero-copy). The bytes are
 * read-only and stay valid and unchanged until rdrive_entry_free() on this
 * entry, even after later writes, compaction and rdrive_store_close().
 * Regular values start on a 64-byte boundary.
 *
 * Thread-safe.
 *
 * @param[in] entry The entry, or NULL.
 * @return The value's first byte and length; {NULL, 0} for a NULL entry.
 *
 * @pre `entry` is NULL or a live entry.
 */
struct rdrive_bytes rdrive_entry_address_range(const struct rdrive_entry *entry);

/**
 * Length of the value in bytes.
 *
 * Thread-safe.
 *
 * @param[in] entry The entry, or NULL.
 * @return The length; 0 for a NULL entry.
 *
 * @pre `entry` is NULL or a live entry.
 */
size_t rdrive_entry_size(const struct rdrive_entry *entry);

/**
 * Length of the value plus its 20-byte trailer.
 *
 * Thread-safe.
 *
 * @param[in] entry The entry, or NULL.
 * @return The length; 0 for a NULL entry.
 *
 * @pre `entry` is NULL or a live entry.
 */
size_t rdrive_entry_size_with_metadata(const struct rdrive_entry *entry);

/**
 * Hash of the entry's key (see rdrive_hash_key()).
 *
 * Thread-safe.
 *
 * @param[in] entry The entry, or NULL.
 * @return The key hash; 0 for a NULL entry.
 *
 * @pre `entry` is NULL or a live entry.
 */
uint64_t rdrive_entry_key_hash(const struct rdrive_entry *entry);

/**
 * Stored CRC-32 of the value.
 *
 * Thread-safe.
 *
 * @param[in] entry The entry, or NULL.
 * @return The checksum from the entry's trailer; 0 for a NULL entry.
 *
 * @pre `entry` is NULL or a live entry.
 */
uint32_t rdrive_entry_checksum(const struct rdrive_entry *entry);

/**
 * Recomputes the value's CRC-32 and compares it with the stored one.
 *
 * Thread-safe.
 *
 * @param[in] entry The entry, or NULL.
 * @return true if they match; false if the bytes are damaged or the entry
 *         is NULL.
 *
 * @pre `entry` is NULL or a live entry.
 */
bool rdrive_entry_is_valid_checksum(const struct rdrive_entry *entry);

/**
 * File offset of the value's first byte (in the file the entry was read
 * from: a later compaction does not change it).
 *
 * Thread-safe.
 *
 * @param[in] entry The entry, or NULL.
 * @return The offset; 0 for a NULL entry.
 *
 * @pre `entry` is NULL or a live entry.
 */
uint64_t rdrive_entry_start_offset(const struct rdrive_entry *entry);

/**
 * File offset one past the value's last byte, where its trailer starts.
 *
 * Thread-safe.
 *
 * @param[in] entry The entry, or NULL.
 * @return The offset; 0 for a NULL entry.
 *
 * @pre `entry` is NULL or a live entry.
 */
uint64_t rdrive_entry_end_offset(const struct rdrive_entry *entry);

/**
 * The entry's decoded trailer.
 *
 * Thread-safe.
 *
 * @param[in] entry The entry, or NULL.
 * @return The trailer; all zero for a NULL entry.
 *
 * @pre `entry` is NULL or a live entry.
 */
struct rdrive_metadata rdrive_entry_metadata(const struct rdrive_entry *entry);

/**
 * Copies up to `cap` bytes of the value, starting at `offset`, into `buf`:
 * reads a large value in chunks.
 *
 * Thread-safe.
 *
 * @param[in] entry The entry.
 * @param[in] offset Offset in the value of the first byte to copy; at most
 *        the value's size.
 * @param[out] buf Destination of `cap` bytes (NULL allowed when nothing is
 *        to be copied: `cap` is 0 or `offset` is the value's size).
 * @param[in] cap Size of `buf`.
 * @param[out] n Receives the number of bytes copied,
 *        `min(cap, size - offset)`: 0 at the end; 0 on failure.
 * @return
 * - #RDRIVE_OK: `*n` bytes were copied.
 * - #RDRIVE_ERR_INVALID_ARG: `entry` or `n` is NULL, `offset` is past the
 *   end of the value, or `buf` is NULL while there are bytes to copy.
 *
 * @pre `entry` is NULL or a live entry.
 * @pre `buf` is NULL or points to `cap` writable bytes.
 * @pre `n` is NULL or points to writable space for a `size_t`.
 */
rdrive_status rdrive_entry_read_at(const struct rdrive_entry *entry,
                                   uint64_t offset,
                                   uint8_t *buf,
                                   size_t cap,
                                   size_t *n);

/**
 * A second, independent entry for the same bytes: it shares the mapping
 * and copies nothing. Free both.
 *
 * Thread-safe.
 *
 * @param[in] entry The entry, or NULL.
 * @return A new entry, to be freed with rdrive_entry_free(); NULL if
 *         `entry` is NULL.
 *
 * @pre `entry` is NULL or a live entry.
 */
struct rdrive_entry *rdrive_entry_clone(const struct rdrive_entry *entry);

/**
 * Frees an entry. Accepts NULL. Each entry is freed exactly once; its
 * bytes are invalid afterwards.
 *
 * @param[in] entry The entry to free, or NULL. It must not be used again.
 *
 * @pre `entry` is NULL or a live entry that no other call is using, and it
 *      is not used again after this call.
 */
void rdrive_entry_free(struct rdrive_entry *entry);

/**
 * Starts a snapshot iteration over the live entries, newest first, one per
 * key. Later writes do not show up in it. Entries whose bytes no longer
 * decode (the file was modified by another program) are skipped.
 *
 * Thread-safe to create; the iterator itself is used by one thread at a
 * time. It may outlive the store.
 *
 * @param[in] store The store.
 * @param[out] out Receives a new iterator, to be freed with
 *        rdrive_iter_free(); NULL on failure.
 * @return
 * - #RDRIVE_OK: `*out` is the iterator.
 * - #RDRIVE_ERR_INVALID_ARG: `store` or `out` is NULL.
 *
 * @pre `store` is NULL or a live store.
 * @pre `out` is NULL or points to writable space for an `rdrive_iter *`.
 */
rdrive_status rdrive_store_iter(const struct rdrive_store *store, struct rdrive_iter **out);

/**
 * Advances the iterator.
 *
 * One thread at a time per iterator.
 *
 * @param[in] iter The iterator.
 * @param[out] out Receives the next entry, to be freed with
 *        rdrive_entry_free() (it stays valid after rdrive_iter_free()); NULL
 *        at the end or on failure.
 * @return
 * - #RDRIVE_OK: `*out` is the next entry.
 * - #RDRIVE_NOT_FOUND: the iterator is exhausted.
 * - #RDRIVE_ERR_INVALID_ARG: `iter` or `out` is NULL.
 *
 * @pre `iter` is NULL or a live iterator that no other thread is using.
 * @pre `out` is NULL or points to writable space for an `rdrive_entry *`.
 */
rdrive_status rdrive_iter_next(struct rdrive_iter *iter, struct rdrive_entry **out);

/**
 * Advances the iterator without creating an entry: the cheapest way to
 * scan a store (no allocation, no reference counting).
 *
 * One thread at a time per iterator.
 *
 * @param[in] iter The iterator.
 * @param[out] value Receives the value's bytes, in place. They stay valid
 *        and unchanged until rdrive_iter_free() on this iterator (not just
 *        until the next call), even after the store is closed. {NULL, 0} at
 *        the end or on failure.
 * @param[out] key_hash NULL, or receives the entry's key hash; 0 at the
 *        end or on failure.
 * @return
 * - #RDRIVE_OK: `*value` is the next value.
 * - #RDRIVE_NOT_FOUND: the iterator is exhausted.
 * - #RDRIVE_ERR_INVALID_ARG: `iter` or `value` is NULL.
 *
 * @pre `iter` is NULL or a live iterator that no other thread is using.
 * @pre `value` is NULL or points to writable space for an ::rdrive_bytes.
 * @pre `key_hash` is NULL or points to writable space for a `uint64_t`.
 */
rdrive_status rdrive_iter_next_view(struct rdrive_iter *iter,
                                    struct rdrive_bytes *value,
                                    uint64_t *key_hash);

/**
 * Advances the iterator by up to `cap` entries at once, without creating
 * entries: the fastest way to scan a store from C (one call per batch).
 *
 * One thread at a time per iterator.
 *
 * @param[in] iter The iterator.
 * @param[out] values Array of `cap` slots; slot i receives the i-th
 *        entry's bytes, in place, valid until rdrive_iter_free() (as with
 *        rdrive_iter_next_view()). Slots past `*count` are left untouched.
 * @param[out] key_hashes NULL, or an array of `cap` slots receiving the key
 *        hashes.
 * @param[in] cap Number of slots: at least 1.
 * @param[out] count Receives the number of slots filled; 0 at the end or on
 *        failure.
 * @return
 * - #RDRIVE_OK: at least one entry was returned.
 * - #RDRIVE_NOT_FOUND: the iterator was already exhausted.
 * - #RDRIVE_ERR_INVALID_ARG: `iter`, `values` or `count` is NULL, or `cap`
 *   is 0.
 *
 * @pre `iter` is NULL or a live iterator that no other thread is using.
 * @pre `values` is NULL or points to writable space for `cap`
 *      ::rdrive_bytes.
 * @pre `key_hashes` is NULL or points to writable space for `cap`
 *      `uint64_t`.
 * @pre `count` is NULL or points to writable space for a `size_t`.
 */
rdrive_status rdrive_iter_next_batch(struct rdrive_iter *iter,
                                     struct rdrive_bytes *values,
                                     uint64_t *key_hashes,
                                     size_t cap,
                                     size_t *count);

/**
 * Frees an iterator. Accepts NULL. Entries it returned stay valid; the
 * bytes of rdrive_iter_next_view() and rdrive_iter_next_batch() do not.
 *
 * @param[in] iter The iterator to free, or NULL. It must not be used
 *        again.
 *
 * @pre `iter` is NULL or a live iterator that no other call is using, and it
 *      is not used again after this call.
 */
void rdrive_iter_free(struct rdrive_iter *iter);

/**
 * The library's version as one number: MAJOR*1000000 + MINOR*1000 + PATCH.
 *
 * Compare with #RDRIVE_VERSION_NUMBER to detect a program built against a
 * different header than the library it runs with. Thread-safe.
 *
 * @return The version number.
 */
uint32_t rdrive_version_number(void);

/**
 * The library's version as a string, e.g. "0.1.0".
 *
 * Thread-safe.
 *
 * @return A static string; never NULL.
 */
const char *rdrive_version_string(void);

/**
 * The name and meaning of `status` as one static string, "NAME: text":
 * for example "RDRIVE_ERR_IO: I/O error" or "RDRIVE_OK: ok". Codes this
 * library does not know give "unknown status".
 *
 * Thread-safe.
 *
 * @param[in] status A status code.
 * @return A static string; never NULL.
 */
const char *rdrive_status_str(rdrive_status status);

/**
 * Detail of the last failed call on this thread: the function, the path,
 * the offset or OS error involved. A successful call leaves it unchanged.
 *
 * Thread-safe: each thread has its own.
 *
 * @return The text, owned by the library and valid until the next failing
 *         call on the same thread; "" if no call has failed on this thread.
 *         Never NULL.
 */
const char *rdrive_last_error(void);

/**
 * The operating system's error number (errno) behind the last failed call
 * on this thread, for a program that must tell failures apart: ENOSPC
 * when a write found the disk full, EACCES when an open was refused, ENOENT
 * for a missing file. Recorded together with rdrive_last_error(): a
 * successful call leaves it unchanged, so read it right after the call
 * that failed.
 *
 * Thread-safe: each thread has its own.
 *
 * @return The error number; 0 if that failure had no OS error (every
 *         status but #RDRIVE_ERR_IO, and an #RDRIVE_ERR_IO the library
 *         detected itself), or if no call has failed on this thread.
 */
int rdrive_last_os_error(void);

/**
 * The 64-bit hash that identifies `key` in a store (xxh3-64, seed 0).
 * Use it with the *_hashed functions to hash a key once.
 *
 * Thread-safe.
 *
 * @param[in] key The key's bytes (NULL allowed when `key_len` is 0).
 * @param[in] key_len Length of the key.
 * @return The hash. With NULL and a non-zero length: 0, and an error is
 *         recorded for rdrive_last_error().
 *
 * @pre `key` is NULL or points to `key_len` readable bytes.
 */
uint64_t rdrive_hash_key(const uint8_t *key, size_t key_len);

/**
 * Builds the 16-byte namespaced form of `key` within namespace `prefix`
 * (compatible with simd-r-drive's NamespaceHasher): xxh3(prefix) then
 * xxh3(key), both little-endian. Use the result as an ordinary key.
 *
 * Thread-safe.
 *
 * @param[in] prefix The namespace's bytes (NULL allowed when `prefix_len`
 *        is 0).
 * @param[in] prefix_len Length of the namespace.
 * @param[in] key The key's bytes (NULL allowed when `key_len` is 0).
 * @param[in] key_len Length of the key.
 * @param[out] out Receives the #RDRIVE_NAMESPACED_KEY_LEN (16) bytes; zeros
 *        on failure.
 * @return
 * - #RDRIVE_OK: `out` holds the namespaced key.
 * - #RDRIVE_ERR_INVALID_ARG: `out` is NULL, or `prefix` or `key` is NULL
 *   with a non-zero length.
 *
 * @pre `prefix` is NULL or points to `prefix_len` readable bytes.
 * @pre `key` is NULL or points to `key_len` readable bytes.
 * @pre `out` is NULL or points to 16 writable bytes.
 */
rdrive_status rdrive_namespace_key(const uint8_t *prefix,
                                   size_t prefix_len,
                                   const uint8_t *key,
                                   size_t key_len,
                                   uint8_t *out);

/**
 * Deliberately triggers an internal error inside the library boundary, so
 * programs and language bindings can test their handling of that status.
 * Has no other effect than recording the detail for rdrive_last_error().
 *
 * Thread-safe.
 *
 * @return #RDRIVE_ERR_PANIC, always.
 */
rdrive_status rdrive_debug_panic(void);

#ifdef __cplusplus
}  // extern "C"
#endif  // __cplusplus

#endif  /* RDRIVE_H */
