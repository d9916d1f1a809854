//! `rdrive_store_*`: opening, writing, reading, maintenance.

use std::ffi::{c_char, c_void};
use std::io;

use super::boundary::{self, array, borrow, bytes, call, invalid, optional_out};
use super::*;
use crate::{Error, OpenOptions, compute_hash};

const ALL_FLAGS: u32 = RDRIVE_OPEN_READ_ONLY
    | RDRIVE_OPEN_SYNC
    | RDRIVE_OPEN_MUST_EXIST
    | RDRIVE_OPEN_REPAIR
    | RDRIVE_OPEN_NO_INDEX_CACHE;

fn found(yes: bool) -> rdrive_status {
    if yes { RDRIVE_OK } else { RDRIVE_NOT_FOUND }
}

/// The engine store behind a C handle, refusing NULL.
///
/// # Safety
/// `store` is NULL or a live store (made by rdrive_store_open(), not
/// closed) that stays open for `'a`.
unsafe fn store_ref<'a>(store: *const rdrive_store) -> Result<&'a Store, Error> {
    // SAFETY: a live store that stays open for `'a` is a valid
    // `rdrive_store` nothing mutates or frees for `'a` (the C API only
    // reads it until rdrive_store_close()), as `borrow` requires; this
    // function's # Safety promises it.
    Ok(&unsafe { borrow(store, "store") }?.store)
}

/// Opens the store at `path` (creating it unless a flag forbids it) and
/// recovers it: a torn end left by a crash is discarded, keeping the longest
/// valid prefix (see rdrive_store_recovered_bytes()).
///
/// @param path NUL-terminated file path.
/// @param flags Bitwise OR of RDRIVE_OPEN_* flags; 0 opens read-write and
///        creates the file if missing.
/// @param out Receives the new store; NULL on failure. Close it with
///        rdrive_store_close().
/// @return #RDRIVE_OK; #RDRIVE_ERR_INVALID_ARG (NULL or empty path, unknown
///         flag, a directory); #RDRIVE_ERR_IO (missing file with
///         #RDRIVE_OPEN_MUST_EXIST or #RDRIVE_OPEN_READ_ONLY, permissions);
///         #RDRIVE_ERR_CORRUPT (not a store, or synced data damaged; the file
///         is untouched); #RDRIVE_ERR_LOCKED (another read-write handle has
///         it open).
///
/// Thread-safe.
///
/// # Safety
/// - `path` is NULL or points to a NUL-terminated string.
/// - `out` is NULL or points to writable space for an `rdrive_store *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_store_open(
    path: *const c_char,
    flags: u32,
    out: *mut *mut rdrive_store,
) -> rdrive_status {
    // SAFETY: `path` and `out` are as rdrive_store_open_with_report()
    // requires by this function's `path` and `out` bullets of # Safety;
    // its `recovered_bytes` may be NULL.
    unsafe { rdrive_store_open_with_report(path, flags, out, std::ptr::null_mut()) }
}

/// rdrive_store_open(), also reporting how many bytes recovery discarded.
///
/// @param recovered_bytes If not NULL, receives the number of bytes of a torn
///        or damaged end that were discarded (0 for a clean file); 0 on
///        failure.
/// @return As rdrive_store_open().
///
/// # Safety
/// - `path` is NULL or points to a NUL-terminated string.
/// - `out` is NULL or points to writable space for an `rdrive_store *`.
/// - `recovered_bytes` is NULL or points to writable space for a
///   `uint64_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_store_open_with_report(
    path: *const c_char,
    flags: u32,
    out: *mut *mut rdrive_store,
    recovered_bytes: *mut u64,
) -> rdrive_status {
    call("rdrive_store_open", || {
        // SAFETY: `recovered_bytes` and `out` are NULL or writable slots of
        // their types and `path` is NULL or NUL-terminated: the
        // `recovered_bytes`, `out` and `path` bullets of this function's
        // # Safety.
        let (recovered, out, path) = unsafe {
            (
                optional_out(recovered_bytes, 0),
                boundary::out(out, std::ptr::null_mut(), "out")?,
                boundary::path(path)?,
            )
        };
        if flags & !ALL_FLAGS != 0 {
            return Err(invalid(&format!(
                "unknown open flags {:#x}",
                flags & !ALL_FLAGS
            )));
        }
        let store = OpenOptions::new()
            .read_only(flags & RDRIVE_OPEN_READ_ONLY != 0)
            .sync_writes(flags & RDRIVE_OPEN_SYNC != 0)
            .create(flags & RDRIVE_OPEN_MUST_EXIST == 0)
            .repair(flags & RDRIVE_OPEN_REPAIR != 0)
            .index_cache(flags & RDRIVE_OPEN_NO_INDEX_CACHE == 0)
            .open(path)?;
        if let Some(r) = recovered {
            *r = store.recovered_bytes();
        }
        let detail = detail_text(store.recovery_notes(), store.is_read_only());
        *out = rdrive_store { store, detail }.into_raw();
        Ok(RDRIVE_OK)
    })
}

/// The recovery notes as one line of text ("" when there are none).
fn detail_text(notes: &crate::RecoveryNotes, read_only: bool) -> std::ffi::CString {
    let mut parts = Vec::new();
    if notes.discarded_bytes > 0 {
        let what = if read_only { "left out" } else { "cut" };
        parts.push(format!(
            "torn or damaged end: {} bytes {what}",
            notes.discarded_bytes
        ));
    }
    if let Some(why) = &notes.watermark_discarded {
        parts.push(format!("watermark discarded: {why}"));
    }
    if let Some(size) = notes.stale_temp_file {
        let what = if read_only { "found" } else { "removed" };
        parts.push(format!("leftover compaction file of {size} bytes {what}"));
    }
    std::ffi::CString::new(parts.join("; ").replace('\0', "\\0")).unwrap_or_default()
}

/// What the open of `store` found, as bits: #RDRIVE_NOTE_TAIL_DISCARDED,
/// #RDRIVE_NOTE_WATERMARK_DISCARDED, #RDRIVE_NOTE_STALE_TEMP_FILE (0: a
/// clean open). rdrive_store_recovery_detail() says the same in words.
///
/// @param[in] store The store.
/// @param[out] out Receives the bits; 0 on failure.
/// @return #RDRIVE_OK; #RDRIVE_ERR_INVALID_ARG for a NULL pointer.
///
/// Thread-safe.
///
/// # Safety
/// - `store` is NULL or a live store.
/// - `out` is NULL or points to writable space for a `uint32_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_store_recovery_notes(
    store: *const rdrive_store,
    out: *mut u32,
) -> rdrive_status {
    call("rdrive_store_recovery_notes", || {
        // SAFETY: `out` is NULL or a writable `uint32_t` and `store` is NULL
        // or live: the `out` and `store` bullets of this function's
        // # Safety.
        let (out, store) = unsafe { (boundary::out(out, 0, "out")?, store_ref(store)?) };
        *out = store.recovery_notes().bits();
        Ok(RDRIVE_OK)
    })
}

/// What the open of `store` found, in words: the bytes of a torn end that
/// were cut or left out, why the watermark was discarded, the size of a
/// leftover compaction file. "" after a clean open; never NULL (also ""
/// for a NULL store).
///
/// The string belongs to the store and stays valid until
/// rdrive_store_close(). Thread-safe.
///
/// # Safety
/// - `store` is NULL or a live store.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_store_recovery_detail(store: *const rdrive_store) -> *const c_char {
    boundary::value("rdrive_store_recovery_detail", c"".as_ptr(), || {
        // SAFETY: `store` is NULL or live: the `store` bullet of this
        // function's # Safety.
        match unsafe { borrow(store, "store") } {
            Ok(s) => s.detail.as_ptr(),
            Err(_) => c"".as_ptr(),
        }
    })
}

/// Closes the store: syncs pending writes, records a clean close, releases
/// the file lock and frees the handle. Entries read from it stay valid.
/// Accepts NULL.
///
/// Must not run concurrently with any other call on the same store. Errors
/// from the final sync cannot be reported here: call rdrive_store_sync()
/// first if you need to see them.
///
/// # Safety
/// - `store` is NULL or a live store that no other call is using, and it
///   is not used again after this call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_store_close(store: *mut rdrive_store) {
    boundary::value("rdrive_store_close", (), || {
        // SAFETY: `store` is NULL or came from rdrive_store_open() (which
        // made it with `into_raw`), is not in use elsewhere and is never
        // used again: the `store` bullet of this function's # Safety.
        unsafe { rdrive_store::free(store) }
    })
}

/// Number of bytes of a torn or damaged end that recovery discarded when the
/// store was opened (a read-only open discards them in memory only).
///
/// @return #RDRIVE_OK, #RDRIVE_ERR_INVALID_ARG.
///
/// # Safety
/// - `store` is NULL or a live store.
/// - `out` is NULL or points to writable space for a `uint64_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_store_recovered_bytes(
    store: *const rdrive_store,
    out: *mut u64,
) -> rdrive_status {
    call("rdrive_store_recovered_bytes", || {
        // SAFETY: `out` is NULL or a writable `uint64_t` and `store` is NULL
        // or live: the `out` and `store` bullets of this function's
        // # Safety.
        let (out, store) = unsafe { (boundary::out(out, 0, "out")?, store_ref(store)?) };
        *out = store.recovered_bytes();
        Ok(RDRIVE_OK)
    })
}

/// Writes `value` under `key`, replacing any earlier value. The bytes are
/// copied into the file; the caller keeps ownership of both buffers.
///
/// @return #RDRIVE_OK; #RDRIVE_ERR_INVALID_ARG (NULL pointer with non-zero
///         length, empty value, or the single byte 0x00); #RDRIVE_ERR_IO (the
///         handle is then poisoned); #RDRIVE_ERR_READ_ONLY;
///         #RDRIVE_ERR_POISONED.
///
/// Thread-safe; writes are serialized.
///
/// # Safety
/// - `store` is NULL or a live store.
/// - `key` is NULL or points to `key_len` readable bytes.
/// - `value` is NULL or points to `value_len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_store_write(
    store: *mut rdrive_store,
    key: *const u8,
    key_len: usize,
    value: *const u8,
    value_len: usize,
) -> rdrive_status {
    call("rdrive_store_write", || {
        // SAFETY: `key` and `value` are NULL or point to `key_len` and
        // `value_len` readable bytes, and `store` is NULL or live: the
        // `key`, `value` and `store` bullets of this function's # Safety.
        let (key, value, store) = unsafe {
            (
                bytes(key, key_len, "key")?,
                bytes(value, value_len, "value")?,
                store_ref(store)?,
            )
        };
        store.write(key, value)?;
        Ok(RDRIVE_OK)
    })
}

/// rdrive_store_write() with a key hash from rdrive_hash_key().
///
/// # Safety
/// - `store` is NULL or a live store.
/// - `value` is NULL or points to `value_len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_store_write_hashed(
    store: *mut rdrive_store,
    key_hash: u64,
    value: *const u8,
    value_len: usize,
) -> rdrive_status {
    call("rdrive_store_write_hashed", || {
        // SAFETY: `value` is NULL or points to `value_len` readable bytes
        // and `store` is NULL or live: the `value` and `store` bullets of
        // this function's # Safety.
        let (value, store) = unsafe { (bytes(value, value_len, "value")?, store_ref(store)?) };
        store.write_with_key_hash(key_hash, value)?;
        Ok(RDRIVE_OK)
    })
}

/// Writes `count` key/value pairs with one system call, all or nothing: if
/// any item is invalid nothing is written. Within the batch the last write of
/// a key wins. `count` 0 does nothing.
///
/// @param items Array of `count` pairs (NULL allowed when `count` is 0).
/// @return As rdrive_store_write().
///
/// # Safety
/// - `store` is NULL or a live store.
/// - `items` is NULL or points to `count` initialized ::rdrive_kv pairs;
///   in each, `key` is NULL or points to `key_len` readable bytes and
///   `value` is NULL or points to `value_len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_store_batch_write(
    store: *mut rdrive_store,
    items: *const rdrive_kv,
    count: usize,
) -> rdrive_status {
    call("rdrive_store_batch_write", || {
        // SAFETY: `items` is NULL or holds `count` pairs whose `key` and
        // `value` are NULL or point to their lengths in readable bytes, and
        // `store` is NULL or live: the `items` and `store` bullets of this
        // function's # Safety.
        let (pairs, store) = unsafe { (kv_pairs(items, count)?, store_ref(store)?) };
        store.batch_write_with_key_hashes(&pairs)?;
        Ok(RDRIVE_OK)
    })
}

/// The pairs of a batch as (key hash, value), checking every pointer
/// before anything is written.
///
/// # Safety
/// `items` is NULL or points to `count` initialized pairs; in each, `key`
/// is NULL or points to `key_len` readable bytes and `value` is NULL or
/// points to `value_len` readable bytes, all unchanged for `'a`.
unsafe fn kv_pairs<'a>(
    items: *const rdrive_kv,
    count: usize,
) -> Result<Vec<(u64, &'a [u8])>, Error> {
    // SAFETY: `items` is NULL or holds `count` initialized pairs, by this
    // function's # Safety.
    let items = unsafe { array(items, count, "items") }?;
    let mut pairs = Vec::with_capacity(items.len());
    for (i, kv) in items.iter().enumerate() {
        let at = |e: Error| invalid(&format!("items[{i}]: {e}"));
        // SAFETY: each pair's `key` and `value` are NULL or point to their
        // lengths in readable bytes, by this function's # Safety.
        let (key, value) = unsafe {
            (
                bytes(kv.key, kv.key_len, "key").map_err(at)?,
                bytes(kv.value, kv.value_len, "value").map_err(at)?,
            )
        };
        pairs.push((compute_hash(key), value));
    }
    Ok(pairs)
}

/// Adapts a C read callback to `std::io::Read`.
struct CallbackReader {
    read: unsafe extern "C" fn(*mut c_void, *mut u8, usize) -> isize,
    ctx: *mut c_void,
}

impl CallbackReader {
    /// # Safety
    /// `read(ctx, buf, cap)` may be called, on this thread, any number of
    /// times with `buf` pointing to `cap` writable bytes, for as long as
    /// the reader lives.
    unsafe fn new(
        read: unsafe extern "C" fn(*mut c_void, *mut u8, usize) -> isize,
        ctx: *mut c_void,
    ) -> Self {
        Self { read, ctx }
    }
}

impl io::Read for CallbackReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // SAFETY: `buf` is `buf.len()` writable bytes for the call, which
        // is all `read` may be given by the # Safety of
        // `CallbackReader::new`, the only way to make a reader.
        let n = unsafe { (self.read)(self.ctx, buf.as_mut_ptr(), buf.len()) };
        match usize::try_from(n) {
            Ok(n) if n <= buf.len() => Ok(n),
            Ok(n) => Err(io::Error::other(format!(
                "callback returned {n} bytes for a buffer of {}",
                buf.len()
            ))),
            Err(_) => Err(io::Error::other(format!("callback returned {n}"))),
        }
    }
}

/// Writes a value produced by `read` in chunks under `key`, without holding
/// it all in memory. `read(ctx, buf, cap)` fills `buf` with up to `cap` bytes
/// and returns the count, 0 at the end, or a negative number to abort.
///
/// If the callback aborts (or returns more than `cap`), nothing is committed
/// and the file is exactly as before; the next write is unaffected.
///
/// @return As rdrive_store_write(), plus #RDRIVE_ERR_ABORTED. An empty
///         stream or a lone 0x00 byte is #RDRIVE_ERR_INVALID_ARG.
///
/// Thread-safe; the callback runs on the calling thread while the store's
/// writer is held (it must not write to the same store).
///
/// # Safety
/// - `store` is NULL or a live store.
/// - `key` is NULL or points to `key_len` readable bytes.
/// - `read` is NULL or a function that may be called, on the calling
///   thread, as `read(ctx, buf, cap)` with `buf` pointing to `cap`
///   writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_store_write_stream(
    store: *mut rdrive_store,
    key: *const u8,
    key_len: usize,
    read: rdrive_read_fn,
    ctx: *mut c_void,
) -> rdrive_status {
    call("rdrive_store_write_stream", || {
        let read = read.ok_or_else(|| invalid("read callback is NULL"));
        // SAFETY: `key` is NULL or points to `key_len` readable bytes,
        // `store` is NULL or live, and `read` may be called with `ctx` and
        // any buffer of `cap` writable bytes: the `key`, `store` and `read`
        // bullets of this function's # Safety.
        let (key, mut reader, store) = unsafe {
            (
                bytes(key, key_len, "key")?,
                CallbackReader::new(read?, ctx),
                store_ref(store)?,
            )
        };
        store.write_stream(key, &mut reader)?;
        Ok(RDRIVE_OK)
    })
}

/// Deletes `key` by appending a deletion marker.
///
/// @return #RDRIVE_OK; #RDRIVE_NOT_FOUND if the key is absent or already
///         deleted (nothing is written); errors as rdrive_store_write().
///
/// # Safety
/// - `store` is NULL or a live store.
/// - `key` is NULL or points to `key_len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_store_delete(
    store: *mut rdrive_store,
    key: *const u8,
    key_len: usize,
) -> rdrive_status {
    call("rdrive_store_delete", || {
        // SAFETY: `key` is NULL or points to `key_len` readable bytes and
        // `store` is NULL or live: the `key` and `store` bullets of this
        // function's # Safety.
        let (key, store) = unsafe { (bytes(key, key_len, "key")?, store_ref(store)?) };
        Ok(found(store.delete(key)?))
    })
}

/// Deletes every live key among `keys` with one system call; absent keys
/// are skipped.
///
/// @param keys Array of `count` keys (NULL allowed when `count` is 0).
/// @param deleted If not NULL, receives how many keys were deleted.
/// @return #RDRIVE_OK (also when nothing was deleted); errors as
///         rdrive_store_write().
///
/// # Safety
/// - `store` is NULL or a live store.
/// - `keys` is NULL or points to `count` initialized ::rdrive_bytes; in
///   each, `ptr` is NULL or points to `len` readable bytes.
/// - `deleted` is NULL or points to writable space for a `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_store_batch_delete(
    store: *mut rdrive_store,
    keys: *const rdrive_bytes,
    count: usize,
    deleted: *mut usize,
) -> rdrive_status {
    call("rdrive_store_batch_delete", || {
        // SAFETY: `deleted` is NULL or a writable `size_t`, `keys` is NULL
        // or holds `count` byte strings of readable bytes, and `store` is
        // NULL or live: the `deleted`, `keys` and `store` bullets of this
        // function's # Safety.
        let (deleted, hashes, store) = unsafe {
            (
                optional_out(deleted, 0),
                key_hashes(keys, count)?,
                store_ref(store)?,
            )
        };
        let n = store.batch_delete_key_hashes(&hashes)?;
        if let Some(d) = deleted {
            *d = n;
        }
        Ok(RDRIVE_OK)
    })
}

/// The hashes of `count` keys, checking every pointer first.
///
/// # Safety
/// `keys` is NULL or points to `count` initialized byte strings; in each,
/// `ptr` is NULL or points to `len` readable bytes.
unsafe fn key_hashes(keys: *const rdrive_bytes, count: usize) -> Result<Vec<u64>, Error> {
    // SAFETY: `keys` is NULL or holds `count` initialized byte strings, by
    // this function's # Safety.
    let keys = unsafe { array(keys, count, "keys") }?;
    keys.iter()
        .enumerate()
        .map(|(i, k)| {
            // SAFETY: each key's `ptr` is NULL or points to `len` readable
            // bytes, by this function's # Safety.
            unsafe { bytes(k.ptr, k.len, "key") }
                .map(compute_hash)
                .map_err(|e| invalid(&format!("keys[{i}]: {e}")))
        })
        .collect()
}

/// Moves the value of `old_key` to `new_key` with one append (the new entry
/// and a deletion marker for the old key).
///
/// @return #RDRIVE_OK; #RDRIVE_NOT_FOUND if `old_key` is absent;
///         #RDRIVE_ERR_INVALID_ARG if both keys are the same key; errors as
///         rdrive_store_write().
///
/// # Safety
/// - `store` is NULL or a live store.
/// - `old_key` is NULL or points to `old_len` readable bytes.
/// - `new_key` is NULL or points to `new_len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_store_rename(
    store: *mut rdrive_store,
    old_key: *const u8,
    old_len: usize,
    new_key: *const u8,
    new_len: usize,
) -> rdrive_status {
    call("rdrive_store_rename", || {
        // SAFETY: `old_key` and `new_key` are NULL or point to `old_len`
        // and `new_len` readable bytes, and `store` is NULL or live: the
        // `old_key`, `new_key` and `store` bullets of this function's
        // # Safety.
        let (old, new, store) = unsafe {
            (
                bytes(old_key, old_len, "old_key")?,
                bytes(new_key, new_len, "new_key")?,
                store_ref(store)?,
            )
        };
        Ok(found(store.rename(old, new)?))
    })
}

/// Appends the current value of `key` to `target` (keeping its stored
/// checksum). `store` is unchanged.
///
/// @return #RDRIVE_OK; #RDRIVE_NOT_FOUND if `key` is absent;
///         #RDRIVE_ERR_INVALID_ARG if both handles are open on the same file
///         (detected by device and inode, whatever the paths); errors of
///         writing to `target`.
///
/// Thread-safe.
///
/// # Safety
/// - `store` is NULL or a live store.
/// - `key` is NULL or points to `key_len` readable bytes.
/// - `target` is NULL or a live store.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_store_copy(
    store: *mut rdrive_store,
    key: *const u8,
    key_len: usize,
    target: *mut rdrive_store,
) -> rdrive_status {
    call("rdrive_store_copy", || {
        // SAFETY: `key` is NULL or points to `key_len` readable bytes, and
        // `target` and `store` are NULL or live: the `key`, `target` and
        // `store` bullets of this function's # Safety.
        let (key, target, store) = unsafe {
            (
                bytes(key, key_len, "key")?,
                borrow(target, "target")?,
                store_ref(store)?,
            )
        };
        Ok(found(store.copy(key, &target.store)?))
    })
}

/// rdrive_store_copy(), then deletes `key` from `store` (unless it was
/// overwritten in between). Not atomic across the two files: a crash in
/// between leaves the key in both.
///
/// @return As rdrive_store_copy().
///
/// # Safety
/// - `store` is NULL or a live store.
/// - `key` is NULL or points to `key_len` readable bytes.
/// - `target` is NULL or a live store.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_store_transfer(
    store: *mut rdrive_store,
    key: *const u8,
    key_len: usize,
    target: *mut rdrive_store,
) -> rdrive_status {
    call("rdrive_store_transfer", || {
        // SAFETY: `key` is NULL or points to `key_len` readable bytes, and
        // `target` and `store` are NULL or live: the `key`, `target` and
        // `store` bullets of this function's # Safety.
        let (key, target, store) = unsafe {
            (
                bytes(key, key_len, "key")?,
                borrow(target, "target")?,
                store_ref(store)?,
            )
        };
        Ok(found(store.transfer(key, &target.store)?))
    })
}

/// Reads the current value of `key`, in place (no copy).
///
/// @param out Receives a new entry (free it with rdrive_entry_free()); NULL
///        when the key is absent or on failure. The entry stays valid after
///        later writes, compaction and rdrive_store_close().
/// @return #RDRIVE_OK; #RDRIVE_NOT_FOUND; #RDRIVE_ERR_INVALID_ARG;
///         #RDRIVE_ERR_CORRUPT (the file was modified by another program).
///
/// Thread-safe and lock-free.
///
/// # Safety
/// - `store` is NULL or a live store.
/// - `key` is NULL or points to `key_len` readable bytes.
/// - `out` is NULL or points to writable space for an `rdrive_entry *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_store_read(
    store: *const rdrive_store,
    key: *const u8,
    key_len: usize,
    out: *mut *mut rdrive_entry,
) -> rdrive_status {
    call("rdrive_store_read", || {
        // SAFETY: `out` is NULL or a writable `rdrive_entry *`, `key` is
        // NULL or points to `key_len` readable bytes, and `store` is NULL or
        // live: the `out`, `key` and `store` bullets of this function's
        // # Safety.
        let (out, key, store) = unsafe {
            (
                boundary::out(out, std::ptr::null_mut(), "out")?,
                bytes(key, key_len, "key")?,
                store_ref(store)?,
            )
        };
        Ok(give_entry(store.read(key)?, out))
    })
}

fn give_entry(entry: Option<crate::EntryHandle>, out: &mut *mut rdrive_entry) -> rdrive_status {
    match entry {
        Some(entry) => {
            *out = rdrive_entry { entry }.into_raw();
            RDRIVE_OK
        }
        None => RDRIVE_NOT_FOUND,
    }
}

/// rdrive_store_read() with a key hash from rdrive_hash_key().
///
/// # Safety
/// - `store` is NULL or a live store.
/// - `out` is NULL or points to writable space for an `rdrive_entry *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_store_read_hashed(
    store: *const rdrive_store,
    key_hash: u64,
    out: *mut *mut rdrive_entry,
) -> rdrive_status {
    call("rdrive_store_read_hashed", || {
        // SAFETY: `out` is NULL or a writable `rdrive_entry *` and `store` is
        // NULL or live: the `out` and `store` bullets of this function's
        // # Safety.
        let (out, store) = unsafe {
            (
                boundary::out(out, std::ptr::null_mut(), "out")?,
                store_ref(store)?,
            )
        };
        Ok(give_entry(store.read_with_key_hash(key_hash)?, out))
    })
}

/// Reads `count` keys at once.
///
/// @param keys Array of `count` keys.
/// @param out Array of `count` entry slots: slot i receives the entry of
///        the i-th key, or NULL if absent. Free each non-NULL entry. On failure
///        every slot is NULL.
/// @param found If not NULL, receives how many keys were found.
/// @return #RDRIVE_OK (even if some keys are absent); errors as
///         rdrive_store_read().
///
/// # Safety
/// - `store` is NULL or a live store.
/// - `keys` is NULL or points to `count` initialized ::rdrive_bytes; in
///   each, `ptr` is NULL or points to `len` readable bytes.
/// - `out` is NULL or points to writable space for `count`
///   `rdrive_entry *` slots.
/// - `found` is NULL or points to writable space for a `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_store_batch_read(
    store: *const rdrive_store,
    keys: *const rdrive_bytes,
    count: usize,
    out: *mut *mut rdrive_entry,
    found: *mut usize,
) -> rdrive_status {
    call("rdrive_store_batch_read", || {
        // SAFETY: `found` is NULL or a writable `size_t`, `out` is NULL or
        // has `count` writable slots (`out_slice` checks `count` before it
        // writes one), `keys` is NULL or holds `count` byte strings of
        // readable bytes, and `store` is NULL or live: the `found`, `out`,
        // `keys` and `store` bullets of this function's # Safety.
        let (found_out, slots, hashes, store) = unsafe {
            (
                optional_out(found, 0),
                boundary::out_slice(out, count, std::ptr::null_mut(), "out")?,
                key_hashes(keys, count)?,
                store_ref(store)?,
            )
        };
        let entries = store.batch_read_hashed_keys(&hashes)?;
        let mut n = 0;
        for (slot, entry) in slots.iter_mut().zip(entries) {
            if let Some(entry) = entry {
                *slot = rdrive_entry { entry }.into_raw();
                n += 1;
            }
        }
        if let Some(f) = found_out {
            *f = n;
        }
        Ok(RDRIVE_OK)
    })
}

/// Calls `view(ctx, ptr, len)` with the current value of `key`, in place,
/// without allocating or creating an entry: the cheapest read. The bytes are
/// valid only during the call and must not be written.
///
/// @return #RDRIVE_OK (view was called once); #RDRIVE_NOT_FOUND (view was not
///         called); #RDRIVE_ERR_INVALID_ARG; #RDRIVE_ERR_CORRUPT.
///
/// Thread-safe and lock-free; the callback may call other read functions.
///
/// # Safety
/// - `store` is NULL or a live store.
/// - `key` is NULL or points to `key_len` readable bytes.
/// - `view` is NULL or a function that may be called, on the calling
///   thread, as `view(ctx, ptr, len)` with `ptr` pointing to `len`
///   read-only bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_store_peek(
    store: *const rdrive_store,
    key: *const u8,
    key_len: usize,
    view: rdrive_view_fn,
    ctx: *mut c_void,
) -> rdrive_status {
    call("rdrive_store_peek", || {
        let view = view.ok_or_else(|| invalid("view callback is NULL"));
        // SAFETY: `key` is NULL or points to `key_len` readable bytes and
        // `store` is NULL or live: the `key` and `store` bullets of this
        // function's # Safety.
        let (key, view, store) = unsafe { (bytes(key, key_len, "key")?, view?, store_ref(store)?) };
        let seen = store.peek(key, |b| {
            // SAFETY: `view` may be called with `ctx` and `len` read-only
            // bytes at `ptr` (the `view` bullet of this function's
            // # Safety); `b` is the value, pinned in the mapping during
            // the call.
            unsafe { view(ctx, b.as_ptr(), b.len()) }
        })?;
        Ok(found(seen.is_some()))
    })
}

/// Copies the current value of `key` into `buf`.
///
/// @param buf Destination of `cap` bytes (NULL allowed when `cap` is 0).
/// @param len Receives the value's length (also when it does not fit); 0
///        when absent or on other failures.
/// @return #RDRIVE_OK (copied); #RDRIVE_NOT_FOUND;
///         #RDRIVE_ERR_BUFFER_TOO_SMALL (nothing copied, `*len` is the size
///         needed); #RDRIVE_ERR_INVALID_ARG; #RDRIVE_ERR_CORRUPT.
///
/// Thread-safe; allocates nothing.
///
/// # Safety
/// - `store` is NULL or a live store.
/// - `key` is NULL or points to `key_len` readable bytes.
/// - `buf` is NULL or points to `cap` writable bytes.
/// - `len` is NULL or points to writable space for a `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_store_read_into(
    store: *const rdrive_store,
    key: *const u8,
    key_len: usize,
    buf: *mut u8,
    cap: usize,
    len: *mut usize,
) -> rdrive_status {
    call("rdrive_store_read_into", || {
        // SAFETY: `len` is NULL or a writable `size_t`, and `key` is NULL or
        // points to `key_len` readable bytes: the `len` and `key` bullets
        // of this function's # Safety.
        let (len_out, key) =
            unsafe { (boundary::out(len, 0, "len")?, bytes(key, key_len, "key")?) };
        if cap > 0 && buf.is_null() {
            return Err(invalid("buf is NULL but cap is not 0"));
        }
        if cap > isize::MAX as usize {
            return Err(invalid("cap is too large"));
        }
        // SAFETY: `store` is NULL or live: the `store` bullet of this
        // function's # Safety.
        let store = unsafe { store_ref(store) }?;
        let copied = store.peek(key, |value| {
            if value.len() > cap {
                return Err(value.len());
            }
            if !value.is_empty() {
                // SAFETY: `buf` is not NULL here (`cap >= value.len() > 0`
                // and a NULL `buf` with a non-zero `cap` was refused), so it
                // points to `cap` writable bytes: the `buf` bullet of this
                // function's # Safety. The value lies in the store's
                // read-only mapping, which writable bytes cannot overlap.
                unsafe { std::ptr::copy_nonoverlapping(value.as_ptr(), buf, value.len()) };
            }
            Ok(value.len())
        })?;
        match copied {
            None => Ok(RDRIVE_NOT_FOUND),
            Some(Ok(n)) => {
                *len_out = n;
                Ok(RDRIVE_OK)
            }
            Some(Err(needed)) => {
                *len_out = needed;
                boundary::set_last_error(
                    "rdrive_store_read_into",
                    &format!("value is {needed} bytes, buffer holds {cap}"),
                );
                Ok(RDRIVE_ERR_BUFFER_TOO_SMALL)
            }
        }
    })
}

/// The newest entry whose key is still live: the most recent write not
/// overwritten or deleted since. Never a deletion marker.
///
/// @param out Receives a new entry (free with rdrive_entry_free()); NULL if
///        none.
/// @return #RDRIVE_OK; #RDRIVE_NOT_FOUND (no live keys);
///         #RDRIVE_ERR_INVALID_ARG; #RDRIVE_ERR_CORRUPT.
///
/// # Safety
/// - `store` is NULL or a live store.
/// - `out` is NULL or points to writable space for an `rdrive_entry *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_store_read_last(
    store: *const rdrive_store,
    out: *mut *mut rdrive_entry,
) -> rdrive_status {
    call("rdrive_store_read_last", || {
        // SAFETY: `out` is NULL or a writable `rdrive_entry *` and `store` is
        // NULL or live: the `out` and `store` bullets of this function's
        // # Safety.
        let (out, store) = unsafe {
            (
                boundary::out(out, std::ptr::null_mut(), "out")?,
                store_ref(store)?,
            )
        };
        Ok(give_entry(store.read_last_entry()?, out))
    })
}

/// Whether `key` has a live value.
///
/// @param out Receives true or false (false on failure).
/// @return #RDRIVE_OK; #RDRIVE_ERR_INVALID_ARG.
///
/// # Safety
/// - `store` is NULL or a live store.
/// - `key` is NULL or points to `key_len` readable bytes.
/// - `out` is NULL or points to writable space for a `bool`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_store_exists(
    store: *const rdrive_store,
    key: *const u8,
    key_len: usize,
    out: *mut bool,
) -> rdrive_status {
    call("rdrive_store_exists", || {
        // SAFETY: `out` is NULL or a writable `bool`, `key` is NULL or points
        // to `key_len` readable bytes, and `store` is NULL or live: the
        // `out`, `key` and `store` bullets of this function's # Safety.
        let (out, key, store) = unsafe {
            (
                boundary::out(out, false, "out")?,
                bytes(key, key_len, "key")?,
                store_ref(store)?,
            )
        };
        *out = store.exists(key)?;
        Ok(RDRIVE_OK)
    })
}

/// Number of live keys.
///
/// @return #RDRIVE_OK; #RDRIVE_ERR_INVALID_ARG.
///
/// # Safety
/// - `store` is NULL or a live store.
/// - `out` is NULL or points to writable space for a `uint64_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_store_len(
    store: *const rdrive_store,
    out: *mut u64,
) -> rdrive_status {
    call("rdrive_store_len", || {
        // SAFETY: `out` is NULL or a writable `uint64_t` and `store` is NULL
        // or live: the `out` and `store` bullets of this function's
        // # Safety.
        let (out, store) = unsafe { (boundary::out(out, 0, "out")?, store_ref(store)?) };
        *out = store.len() as u64;
        Ok(RDRIVE_OK)
    })
}

/// Length of the store's valid data: the file's size (on a read-only open of
/// a file with a torn end, the torn bytes are not counted).
///
/// @return #RDRIVE_OK; #RDRIVE_ERR_INVALID_ARG.
///
/// # Safety
/// - `store` is NULL or a live store.
/// - `out` is NULL or points to writable space for a `uint64_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_store_file_size(
    store: *const rdrive_store,
    out: *mut u64,
) -> rdrive_status {
    call("rdrive_store_file_size", || {
        // SAFETY: `out` is NULL or a writable `uint64_t` and `store` is NULL
        // or live: the `out` and `store` bullets of this function's
        // # Safety.
        let (out, store) = unsafe { (boundary::out(out, 0, "out")?, store_ref(store)?) };
        *out = store.file_size();
        Ok(RDRIVE_OK)
    })
}

/// Bytes a compaction would reclaim now (overwritten and deleted entries and
/// their padding). Walks the live entries: O(live keys).
///
/// @return #RDRIVE_OK; #RDRIVE_ERR_INVALID_ARG.
///
/// # Safety
/// - `store` is NULL or a live store.
/// - `out` is NULL or points to writable space for a `uint64_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_store_reclaimable_bytes(
    store: *const rdrive_store,
    out: *mut u64,
) -> rdrive_status {
    call("rdrive_store_reclaimable_bytes", || {
        // SAFETY: `out` is NULL or a writable `uint64_t` and `store` is NULL
        // or live: the `out` and `store` bullets of this function's
        // # Safety.
        let (out, store) = unsafe { (boundary::out(out, 0, "out")?, store_ref(store)?) };
        *out = store.reclaimable_bytes();
        Ok(RDRIVE_OK)
    })
}

/// Makes every write so far durable (fdatasync) and records the durable
/// length beside the file. A no-op on a read-only store.
///
/// @return #RDRIVE_OK; #RDRIVE_ERR_INVALID_ARG; #RDRIVE_ERR_IO (the handle is
///         then poisoned; the sync is never retried); #RDRIVE_ERR_POISONED.
///
/// # Safety
/// - `store` is NULL or a live store.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_store_sync(store: *mut rdrive_store) -> rdrive_status {
    call("rdrive_store_sync", || {
        // SAFETY: `store` is NULL or live: the `store` bullet of this
        // function's # Safety.
        unsafe { store_ref(store) }?.sync()?;
        Ok(RDRIVE_OK)
    })
}

/// Rewrites the store with only its live entries, reclaiming the space of
/// overwritten and deleted ones, then switches this handle to the new file.
/// The handle keeps working; entries read before stay valid. Readers are not
/// blocked; writers wait until it finishes. A stale temporary file from an
/// earlier crash is discarded, never merged.
///
/// @return #RDRIVE_OK; #RDRIVE_ERR_INVALID_ARG; #RDRIVE_ERR_READ_ONLY;
///         #RDRIVE_ERR_IO; #RDRIVE_ERR_POISONED.
///
/// # Safety
/// - `store` is NULL or a live store.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_store_compact(store: *mut rdrive_store) -> rdrive_status {
    // SAFETY: `store` is NULL or live (the `store` bullet of this
    // function's # Safety), as rdrive_store_compact_with_progress()
    // requires; a NULL `progress` is never called.
    unsafe { rdrive_store_compact_with_progress(store, None, std::ptr::null_mut()) }
}

/// rdrive_store_compact(), calling `progress(ctx, done, total)` (entries
/// copied so far, live entries in all) as it goes. A non-zero return stops
/// it: the store stays as it was and #RDRIVE_ERR_ABORTED is returned.
/// `progress` may be NULL.
///
/// # Safety
/// - `store` is NULL or a live store.
/// - `progress` is NULL or a function that may be called, on the calling
///   thread, as `progress(ctx, done, total)`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_store_compact_with_progress(
    store: *mut rdrive_store,
    progress: rdrive_progress_fn,
    ctx: *mut c_void,
) -> rdrive_status {
    call("rdrive_store_compact", || {
        // SAFETY: `store` is NULL or live: the `store` bullet of this
        // function's # Safety.
        let store = unsafe { store_ref(store) }?;
        store.compact_with_progress(|done, total| {
            let Some(f) = progress else { return true };
            // SAFETY: `progress` may be called with `ctx` on this thread:
            // the `progress` bullet of this function's # Safety.
            let stop = unsafe { f(ctx, done, total) };
            stop == 0
        })?;
        Ok(RDRIVE_OK)
    })
}

/// Starts a snapshot iteration over the live entries, newest first, one per
/// key. Later writes do not show up in it.
///
/// @param out Receives a new iterator (free with rdrive_iter_free()).
/// @return #RDRIVE_OK; #RDRIVE_ERR_INVALID_ARG.
///
/// Thread-safe to create; the iterator itself is used by one thread at a
/// time. It may outlive the store.
///
/// # Safety
/// - `store` is NULL or a live store.
/// - `out` is NULL or points to writable space for an `rdrive_iter *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_store_iter(
    store: *const rdrive_store,
    out: *mut *mut rdrive_iter,
) -> rdrive_status {
    call("rdrive_store_iter", || {
        // SAFETY: `out` is NULL or a writable `rdrive_iter *` and `store` is
        // NULL or live: the `out` and `store` bullets of this function's
        // # Safety.
        let (out, store) = unsafe {
            (
                boundary::out(out, std::ptr::null_mut(), "out")?,
                store_ref(store)?,
            )
        };
        *out = rdrive_iter {
            iter: store.iter_entries(),
        }
        .into_raw();
        Ok(RDRIVE_OK)
    })
}
