//! `rdrive_store_*` that write: single values, batches, streams, deletes,
//! rename, copy and transfer, then sync and compaction.

use std::ffi::c_void;
use std::io;

use super::super::boundary::{array, borrow, bytes, call, invalid, optional_out};
use super::{found, key_hashes, store_ref, unpacked};
use crate::ffi::*;
use crate::{Error, compute_hash};

/// Writes `value` under `key`, replacing any earlier value. The bytes are
/// appended to the file and visible to readers when the call returns; they
/// are durable once synced (rdrive_store_sync(), or #RDRIVE_OPEN_SYNC). The
/// caller keeps ownership of both buffers.
///
/// Thread-safe; writes to one store are serialized.
///
/// @param[in] store The store.
/// @param[in] key The key's bytes (NULL allowed when `key_len` is 0).
/// @param[in] key_len Length of the key.
/// @param[in] value The value's bytes.
/// @param[in] value_len Length of the value: at least 1.
/// @return
/// - #RDRIVE_OK: written.
/// - #RDRIVE_ERR_INVALID_ARG: nothing was written: `store` is NULL, `key` or
///   `value` is NULL with a non-zero length, the value is empty or the single
///   byte 0x00, or the call was made from inside a callback of a write or
///   compaction of this store, on the same thread (detail "re-entrant call").
/// - #RDRIVE_ERR_READ_ONLY: the store was opened with #RDRIVE_OPEN_READ_ONLY.
/// - #RDRIVE_ERR_POISONED: an earlier write or sync on this handle failed;
///   nothing was written.
/// - #RDRIVE_ERR_IO: the operating system refused a step (see
///   rdrive_last_error()). If writing or syncing the bytes failed, some
///   may have reached the file: the handle is poisoned (later writes give
///   #RDRIVE_ERR_POISONED; reopen the store to recover). If making room
///   for the append failed (growing the memory mapping or the index),
///   no byte was written and the handle keeps working.
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

/// rdrive_store_write() with a key hash from rdrive_hash_key() instead of
/// the key.
///
/// Thread-safe; writes to one store are serialized.
///
/// @param[in] store The store.
/// @param[in] key_hash The key's hash.
/// @param[in] value The value's bytes.
/// @param[in] value_len Length of the value: at least 1.
/// @return As rdrive_store_write(); also #RDRIVE_ERR_INVALID_ARG for key
///         hash 0 with a value whose CRC-32 is 0 as the first entry of an
///         empty store (a run of zero bytes would read as that entry).
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
/// a key wins. `count` 0 writes nothing (but still fails on a read-only or
/// poisoned handle). After a power loss an unsynced batch may survive in
/// part: a prefix of its entries in file order.
///
/// Thread-safe; writes to one store are serialized.
///
/// @param[in] store The store.
/// @param[in] items Array of `count` pairs (NULL allowed when `count` is 0).
/// @param[in] count Number of pairs.
/// @return
/// - #RDRIVE_OK: all pairs written.
/// - #RDRIVE_ERR_INVALID_ARG: nothing was written: `store` is NULL, `items`
///   is NULL with a non-zero `count`, an item has a NULL pointer with a
///   non-zero length or a value that is empty or the single byte 0x00
///   (rdrive_last_error() names the item), or the call was made from inside a
///   callback of a write or compaction of this store, on the same thread
///   (detail "re-entrant call").
/// - #RDRIVE_ERR_READ_ONLY: the store was opened with #RDRIVE_OPEN_READ_ONLY.
/// - #RDRIVE_ERR_POISONED: an earlier write or sync on this handle failed;
///   nothing was written.
/// - #RDRIVE_ERR_IO: the operating system refused a step (see
///   rdrive_last_error()). If writing or syncing the bytes failed, some
///   may have reached the file: the handle is poisoned (later writes give
///   #RDRIVE_ERR_POISONED; reopen the store to recover). If making room
///   for the append failed (growing the memory mapping or the index),
///   no byte was written and the handle keeps working.
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

/// rdrive_store_batch_write() with the keys and the values each packed back
/// to back, their lengths in two arrays: the same batch, all or nothing,
/// without an ::rdrive_kv per pair. Meant for bindings that gather their
/// pairs into two buffers.
///
/// Thread-safe; writes to one store are serialized.
///
/// @param[in] store The store.
/// @param[in] keys The keys' bytes, one after another (NULL allowed when
///        they total 0 bytes).
/// @param[in] key_lens Array of `count` lengths: key i is the `key_lens[i]`
///        bytes following keys 0..i (NULL allowed when `count` is 0).
/// @param[in] values The values' bytes, one after another, laid out the
///        same way (NULL allowed when they total 0 bytes).
/// @param[in] value_lens Array of `count` value lengths (NULL allowed when
///        `count` is 0).
/// @param[in] count Number of pairs.
/// @return As rdrive_store_batch_write(); #RDRIVE_ERR_INVALID_ARG also
///   when `key_lens` or `value_lens` is NULL with a non-zero `count`, when
///   `keys` or `values` is NULL while its lengths are not all 0, or when
///   the lengths overflow.
///
/// # Safety
/// - `store` is NULL or a live store.
/// - `key_lens` and `value_lens` are NULL or point to `count` readable
///   `size_t`s each.
/// - `keys` and `values` are NULL or point to as many readable bytes as
///   their lengths add up to.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_store_batch_write_packed(
    store: *mut rdrive_store,
    keys: *const u8,
    key_lens: *const usize,
    values: *const u8,
    value_lens: *const usize,
    count: usize,
) -> rdrive_status {
    call("rdrive_store_batch_write_packed", || {
        // SAFETY: `key_lens` and `value_lens` hold `count` lengths, `keys`
        // and `values` the bytes those add up to, and `store` is NULL or
        // live: the bullets of this function's # Safety.
        let (keys, values, store) = unsafe {
            (
                unpacked(keys, key_lens, count, "keys", "key_lens")?,
                unpacked(values, value_lens, count, "values", "value_lens")?,
                store_ref(store)?,
            )
        };
        let pairs: Vec<(u64, &[u8])> = keys.into_iter().map(compute_hash).zip(values).collect();
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
/// Thread-safe. The callback runs on the calling thread while this store's
/// writer is held: other writers of the store wait, and a writing function
/// of the same store called from inside it fails with
/// #RDRIVE_ERR_INVALID_ARG (detail "re-entrant call"). Reads are allowed.
///
/// @param[in] store The store.
/// @param[in] key The key's bytes (NULL allowed when `key_len` is 0).
/// @param[in] key_len Length of the key.
/// @param[in] read The source of the value's bytes (see ::rdrive_read_fn).
/// @param[in] ctx Passed to every call of `read`, untouched.
/// @return
/// - #RDRIVE_OK: written.
/// - #RDRIVE_ERR_INVALID_ARG: nothing was committed: `store` or `read` is
///   NULL, `key` is NULL with a non-zero length, the stream produced no bytes
///   or the single byte 0x00, or the call was made from inside a callback of
///   a write or compaction of this store, on the same thread (detail
///   "re-entrant call").
/// - #RDRIVE_ERR_ABORTED: `read` returned a negative number or more than
///   `cap`; nothing was committed.
/// - #RDRIVE_ERR_READ_ONLY: the store was opened with #RDRIVE_OPEN_READ_ONLY.
/// - #RDRIVE_ERR_POISONED: an earlier write or sync on this handle failed;
///   nothing was written.
/// - #RDRIVE_ERR_IO: the operating system refused a step (see
///   rdrive_last_error()). If writing or syncing bytes failed, or cutting
///   back the bytes of the unfinished value failed, the handle is poisoned
///   (later writes give #RDRIVE_ERR_POISONED; reopen the store to recover).
///   If making room for the value failed (growing the memory mapping or the
///   index), the bytes written so far are cut back, nothing is committed
///   and the handle keeps working.
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

/// Deletes `key` by appending a deletion marker. Deleting an absent (or
/// already deleted) key writes nothing.
///
/// Thread-safe; writes to one store are serialized.
///
/// @param[in] store The store.
/// @param[in] key The key's bytes (NULL allowed when `key_len` is 0).
/// @param[in] key_len Length of the key.
/// @return
/// - #RDRIVE_OK: deleted.
/// - #RDRIVE_NOT_FOUND: the key is absent or already deleted; nothing was
///   written.
/// - #RDRIVE_ERR_INVALID_ARG: `store` is NULL, `key` is NULL with a non-zero
///   length, or the call was made from inside a callback of a write or
///   compaction of this store, on the same thread (detail "re-entrant call").
/// - #RDRIVE_ERR_READ_ONLY: the store was opened with #RDRIVE_OPEN_READ_ONLY.
/// - #RDRIVE_ERR_POISONED: an earlier write or sync on this handle failed;
///   nothing was written.
/// - #RDRIVE_ERR_IO: the operating system refused a step (see
///   rdrive_last_error()). If writing or syncing the bytes failed, some
///   may have reached the file: the handle is poisoned (later writes give
///   #RDRIVE_ERR_POISONED; reopen the store to recover). If making room
///   for the append failed (growing the memory mapping or the index),
///   no byte was written and the handle keeps working.
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
/// (and repeats) are skipped. All or nothing for invalid input.
///
/// Thread-safe; writes to one store are serialized.
///
/// @param[in] store The store.
/// @param[in] keys Array of `count` keys (NULL allowed when `count` is 0).
/// @param[in] count Number of keys.
/// @param[out] deleted NULL, or receives how many keys were deleted; 0 on
///        failure.
/// @return
/// - #RDRIVE_OK: done, also when no key was live (nothing written then).
/// - #RDRIVE_ERR_INVALID_ARG: nothing was written: `store` is NULL, `keys`
///   is NULL with a non-zero `count`, a key is NULL with a non-zero length,
///   or the call was made from inside a callback of a write or compaction of
///   this store, on the same thread (detail "re-entrant call").
/// - #RDRIVE_ERR_READ_ONLY: the store was opened with #RDRIVE_OPEN_READ_ONLY.
/// - #RDRIVE_ERR_POISONED: an earlier write or sync on this handle failed;
///   nothing was written.
/// - #RDRIVE_ERR_IO: the operating system refused a step (see
///   rdrive_last_error()). If writing or syncing the bytes failed, some
///   may have reached the file: the handle is poisoned (later writes give
///   #RDRIVE_ERR_POISONED; reopen the store to recover). If making room
///   for the append failed (growing the memory mapping or the index),
///   no byte was written and the handle keeps working.
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

/// Moves the value of `old_key` to `new_key` with one append (the new entry,
/// keeping the stored checksum, and a deletion marker for the old key).
///
/// Thread-safe; writes to one store are serialized.
///
/// @param[in] store The store.
/// @param[in] old_key The current key's bytes (NULL allowed when `old_len`
///        is 0).
/// @param[in] old_len Length of the current key.
/// @param[in] new_key The new key's bytes (NULL allowed when `new_len` is
///        0).
/// @param[in] new_len Length of the new key.
/// @return
/// - #RDRIVE_OK: moved.
/// - #RDRIVE_NOT_FOUND: `old_key` is absent; nothing was written.
/// - #RDRIVE_ERR_INVALID_ARG: `store` is NULL, a key is NULL with a non-zero
///   length, both keys are the same key (same hash), or the call was made
///   from inside a callback of a write or compaction of this store, on the
///   same thread (detail "re-entrant call").
/// - #RDRIVE_ERR_CORRUPT: the entry of `old_key` could not be read (the file
///   was modified by another program); nothing was written.
/// - #RDRIVE_ERR_READ_ONLY: the store was opened with #RDRIVE_OPEN_READ_ONLY.
/// - #RDRIVE_ERR_POISONED: an earlier write or sync on this handle failed;
///   nothing was written.
/// - #RDRIVE_ERR_IO: the operating system refused a step (see
///   rdrive_last_error()). If writing or syncing the bytes failed, some
///   may have reached the file: the handle is poisoned (later writes give
///   #RDRIVE_ERR_POISONED; reopen the store to recover). If making room
///   for the append failed (growing the memory mapping or the index),
///   no byte was written and the handle keeps working.
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
/// checksum). `store` is unchanged and may be read-only.
///
/// Thread-safe; writes to `target` are serialized.
///
/// @param[in] store The store to copy from.
/// @param[in] key The key's bytes (NULL allowed when `key_len` is 0).
/// @param[in] key_len Length of the key.
/// @param[in] target The store to copy to.
/// @return
/// - #RDRIVE_OK: copied.
/// - #RDRIVE_NOT_FOUND: `key` is absent from `store`; nothing was written.
/// - #RDRIVE_ERR_INVALID_ARG: `store` or `target` is NULL, `key` is NULL
///   with a non-zero length, both handles are open on the same file
///   (detected by device and inode, whatever the paths), or the call was
///   made from inside a callback of a write or compaction of `target`, on
///   the same thread (detail "re-entrant call").
/// - #RDRIVE_ERR_CORRUPT: the entry of `key` in `store` could not be read
///   (the file was modified by another program); nothing was written.
/// - #RDRIVE_ERR_READ_ONLY, #RDRIVE_ERR_POISONED, #RDRIVE_ERR_IO: writing to
///   `target` failed, as for rdrive_store_write() on `target`.
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
/// overwritten in between, in which case the newer value stays). Not atomic
/// across the two files: a crash in between leaves the key in both.
///
/// Thread-safe.
///
/// @param[in] store The store to move the value from.
/// @param[in] key The key's bytes (NULL allowed when `key_len` is 0).
/// @param[in] key_len Length of the key.
/// @param[in] target The store to move the value to.
/// @return
/// - #RDRIVE_OK: moved.
/// - #RDRIVE_NOT_FOUND: `key` is absent from `store`; nothing was written.
/// - #RDRIVE_ERR_INVALID_ARG: as rdrive_store_copy(), or the call was made
///   from inside a callback of a write or compaction of `store`, on the
///   same thread (detail "re-entrant call").
/// - #RDRIVE_ERR_CORRUPT: as rdrive_store_copy().
/// - #RDRIVE_ERR_READ_ONLY, #RDRIVE_ERR_POISONED: `store` or `target`
///   cannot be written; checked for `store` before anything is copied.
/// - #RDRIVE_ERR_IO: writing to `target` or the deletion marker to `store`
///   failed, as for rdrive_store_write(); if the copy succeeded and the
///   deletion failed, the key is in both stores.
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

/// Makes every write so far durable (fdatasync) and records the durable
/// length beside the file. A no-op on a read-only store.
///
/// Thread-safe; waits for a write in progress.
///
/// @param[in] store The store.
/// @return
/// - #RDRIVE_OK: every write so far is durable (or the store is read-only).
/// - #RDRIVE_ERR_INVALID_ARG: `store` is NULL, or the call was made from
///   inside a callback of a write or compaction of this store, on the same
///   thread (detail "re-entrant call").
/// - #RDRIVE_ERR_POISONED: an earlier write or sync on this handle failed.
/// - #RDRIVE_ERR_IO: the sync failed (see rdrive_last_error()); the handle is
///   poisoned and the sync is never retried: reopen the store to recover
///   from what is on disk.
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
/// Thread-safe.
///
/// @param[in] store The store.
/// @return
/// - #RDRIVE_OK: compacted.
/// - #RDRIVE_ERR_INVALID_ARG: `store` is NULL, or the call was made from
///   inside a callback of a write or compaction of this store, on the same
///   thread (detail "re-entrant call").
/// - #RDRIVE_ERR_READ_ONLY: the store was opened with #RDRIVE_OPEN_READ_ONLY.
/// - #RDRIVE_ERR_POISONED: an earlier write or sync on this handle failed.
/// - #RDRIVE_ERR_CORRUPT: a live entry could not be read (the file was
///   modified by another program); the store is unchanged.
/// - #RDRIVE_ERR_IO: the operating system refused a step (see
///   rdrive_last_error()). A failure before the new file takes the store's
///   place leaves the store and the handle as they were (the temporary file
///   is removed). Only a failure to sync the directory after the switch
///   poisons the handle: the new file is in place; reopen the store.
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

/// rdrive_store_compact(), calling `progress(ctx, done, total)` (bytes of
/// the new file written so far, and their total; at least every MiB, also
/// inside one large value) as it goes, on the calling thread,
/// while this store's writer is held: a writing function of the same store
/// called from inside it fails with #RDRIVE_ERR_INVALID_ARG (detail
/// "re-entrant call"); reads are allowed. A non-zero return stops the
/// compaction: the store stays as it was.
///
/// Thread-safe.
///
/// @param[in] store The store.
/// @param[in] progress NULL, or the callback (see ::rdrive_progress_fn).
/// @param[in] ctx Passed to every call of `progress`, untouched.
/// @return As rdrive_store_compact(), plus #RDRIVE_ERR_ABORTED: `progress`
///         returned non-zero; the store is unchanged.
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
