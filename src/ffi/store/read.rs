//! `rdrive_store_*` that read: in place (entries, a visitor), into a
//! caller's buffer, and what the store holds.

use std::ffi::c_void;

use super::super::boundary::{self, bytes, call, invalid, optional_out};
use super::{found, key_hashes, store_ref, unpacked};
use crate::ffi::alloc;
use crate::ffi::*;

/// Reads the current value of `key`, in place (no copy): the entry's bytes
/// point into the store's read-only memory mapping.
///
/// Thread-safe and lock-free.
///
/// @param[in] store The store.
/// @param[in] key The key's bytes (NULL allowed when `key_len` is 0).
/// @param[in] key_len Length of the key.
/// @param[out] out Receives a new entry, to be freed with
///        rdrive_entry_free(); NULL when the key is absent or on failure. The
///        entry stays valid after later writes, compaction and
///        rdrive_store_close().
/// @return
/// - #RDRIVE_OK: `*out` is the entry.
/// - #RDRIVE_NOT_FOUND: the key is absent or deleted.
/// - #RDRIVE_ERR_INVALID_ARG: `store` or `out` is NULL, or `key` is NULL
///   with a non-zero length.
/// - #RDRIVE_ERR_CORRUPT: the index points at bytes that are not this key's
///   entry: the file was modified by another program.
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

/// Hands an entry to C through `out`: #RDRIVE_OK, or #RDRIVE_NOT_FOUND for
/// none.
fn give_entry(entry: Option<crate::EntryHandle>, out: &mut *mut rdrive_entry) -> rdrive_status {
    match entry {
        Some(entry) => {
            *out = rdrive_entry::new(entry).into_raw();
            RDRIVE_OK
        }
        None => RDRIVE_NOT_FOUND,
    }
}

/// rdrive_store_read() and rdrive_entry_address_range() in one call: the
/// entry and its bytes together.
///
/// Thread-safe and lock-free.
///
/// @param[in] store The store.
/// @param[in] key The key's bytes (NULL allowed when `key_len` is 0).
/// @param[in] key_len Length of the key.
/// @param[out] out Receives the entry (free it with rdrive_entry_free());
///        NULL when the key is absent and on failure.
/// @param[out] bytes NULL, or receives the value's bytes, valid until the
///        entry is freed; {NULL, 0} when the key is absent and on failure.
/// @return As rdrive_store_read().
///
/// # Safety
/// - `store` is NULL or a live store.
/// - `key` is NULL or points to `key_len` readable bytes.
/// - `out` is NULL or points to writable space for an `rdrive_entry *`.
/// - `bytes` is NULL or points to writable space for an ::rdrive_bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_store_get(
    store: *const rdrive_store,
    key: *const u8,
    key_len: usize,
    out: *mut *mut rdrive_entry,
    bytes_out: *mut rdrive_bytes,
) -> rdrive_status {
    call("rdrive_store_get", || {
        let none = rdrive_bytes {
            ptr: std::ptr::null(),
            len: 0,
        };
        // SAFETY: `bytes_out` and `out` are NULL or writable slots of their
        // types, `key` is NULL or points to `key_len` readable bytes, and
        // `store` is NULL or live: the `bytes`, `out`, `key` and `store`
        // bullets of this function's # Safety.
        let (view, out, key, store) = unsafe {
            (
                optional_out(bytes_out, none),
                boundary::out(out, std::ptr::null_mut(), "out")?,
                bytes(key, key_len, "key")?,
                store_ref(store)?,
            )
        };
        let Some(entry) = store.read(key)? else {
            return Ok(RDRIVE_NOT_FOUND);
        };
        if let Some(v) = view {
            let b = entry.as_slice();
            *v = rdrive_bytes {
                ptr: b.as_ptr(),
                len: b.len(),
            };
        }
        *out = rdrive_entry::new(entry).into_raw();
        Ok(RDRIVE_OK)
    })
}

/// Calls `view(ctx, i, ptr, len)` for each of `count` keys, in order, with
/// the value of key `i` in place (or NULL and 0 when it is absent), without
/// allocating or creating entries: the cheapest way to read many keys. The
/// bytes are valid only during each call and must not be written; the
/// values are those of one snapshot of the store.
///
/// Thread-safe and lock-free; the callback runs on the calling thread and
/// may call read functions of the same store.
///
/// @param[in] store The store.
/// @param[in] keys Array of `count` keys (NULL allowed when `count` is 0).
/// @param[in] count Number of keys.
/// @param[in] view The visitor (see ::rdrive_batch_view_fn).
/// @param[in] ctx Passed to `view`, untouched.
/// @param[out] found NULL, or receives how many keys were present; 0 on
///        failure.
/// @return
/// - #RDRIVE_OK: `view` was called once per key.
/// - #RDRIVE_ERR_INVALID_ARG: `store` or `view` is NULL, `keys` is NULL
///   with a non-zero `count`, or a key is NULL with a non-zero length;
///   `view` was not called.
/// - #RDRIVE_ERR_CORRUPT: as rdrive_store_read(), for one of the keys;
///   `view` may have been called for the keys before it.
///
/// # Safety
/// - `store` is NULL or a live store.
/// - `keys` is NULL or points to `count` initialized ::rdrive_bytes; in
///   each, `ptr` is NULL or points to `len` readable bytes.
/// - `view` is NULL or a function that may be called, on the calling
///   thread, as `view(ctx, index, ptr, len)` with `ptr` NULL or pointing to
///   `len` read-only bytes.
/// - `found` is NULL or points to writable space for a `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_store_batch_peek(
    store: *const rdrive_store,
    keys: *const rdrive_bytes,
    count: usize,
    view: rdrive_batch_view_fn,
    ctx: *mut c_void,
    found: *mut usize,
) -> rdrive_status {
    call("rdrive_store_batch_peek", || {
        let view = view.ok_or_else(|| invalid("view callback is NULL"));
        // SAFETY: `found` is NULL or a writable `size_t`, `keys` holds
        // `count` byte strings, and `store` is NULL or live: the `found`,
        // `keys` and `store` bullets of this function's # Safety.
        let (found_out, hashes, view, store) = unsafe {
            (
                optional_out(found, 0),
                key_hashes(keys, count)?,
                view?,
                store_ref(store)?,
            )
        };
        let n = store.batch_peek_with_key_hashes(&hashes, |i, value| {
            let (ptr, len) = value.map_or((std::ptr::null(), 0), |b| (b.as_ptr(), b.len()));
            // SAFETY: `view` may be called with `ctx`, an index and NULL or
            // `len` read-only bytes at `ptr` (the `view` bullet of this
            // function's # Safety); the bytes are pinned during the call.
            unsafe { view(ctx, i, ptr, len) }
        })?;
        if let Some(f) = found_out {
            *f = n;
        }
        Ok(RDRIVE_OK)
    })
}

/// rdrive_store_read() with a key hash from rdrive_hash_key() instead of the
/// key.
///
/// Thread-safe and lock-free.
///
/// @param[in] store The store.
/// @param[in] key_hash The key's hash.
/// @param[out] out Receives a new entry, to be freed with
///        rdrive_entry_free(); NULL when the key is absent or on failure.
/// @return
/// - #RDRIVE_OK: `*out` is the entry.
/// - #RDRIVE_NOT_FOUND: the key is absent or deleted.
/// - #RDRIVE_ERR_INVALID_ARG: `store` or `out` is NULL.
/// - #RDRIVE_ERR_CORRUPT: the index points at bytes that are not this key's
///   entry: the file was modified by another program.
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
/// Thread-safe and lock-free.
///
/// @param[in] store The store.
/// @param[in] keys Array of `count` keys (NULL allowed when `count` is 0).
/// @param[in] count Number of keys.
/// @param[out] out Array of `count` entry slots (NULL allowed when `count`
///        is 0): slot i receives the entry of the i-th key, or NULL if it is
///        absent. Free each non-NULL entry. On failure every slot is NULL.
/// @param[out] found NULL, or receives how many keys were found; 0 on
///        failure.
/// @return
/// - #RDRIVE_OK: the slots are set (also when some keys are absent).
/// - #RDRIVE_ERR_INVALID_ARG: `store` is NULL, `keys` or `out` is NULL with
///   a non-zero `count`, or a key is NULL with a non-zero length.
/// - #RDRIVE_ERR_CORRUPT: as rdrive_store_read(), for any of the keys.
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
        // The batch's entries share one allocation (freed with the last).
        let mut block = (count > 0).then(|| alloc::BlockFiller::new(count));
        let n = store.batch_read_hashed_keys_with(&hashes, |i, entry| {
            if let (Some(entry), Some(block)) = (entry, block.as_mut()) {
                slots[i] = block.put(entry);
            }
        });
        drop(block);
        let n = match n {
            Ok(n) => n,
            Err(e) => {
                // Every slot NULL on failure, as documented.
                for slot in slots.iter_mut() {
                    // SAFETY: a non-NULL slot holds an entry made above,
                    // handed to nobody yet: freed once, here.
                    unsafe { rdrive_entry::free(std::mem::replace(slot, std::ptr::null_mut())) };
                }
                return Err(e);
            }
        };
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
/// Thread-safe and lock-free; the callback runs on the calling thread and
/// may call read functions of the same store.
///
/// @param[in] store The store.
/// @param[in] key The key's bytes (NULL allowed when `key_len` is 0).
/// @param[in] key_len Length of the key.
/// @param[in] view The visitor (see ::rdrive_view_fn).
/// @param[in] ctx Passed to `view`, untouched.
/// @return
/// - #RDRIVE_OK: `view` was called once.
/// - #RDRIVE_NOT_FOUND: the key is absent or deleted; `view` was not called.
/// - #RDRIVE_ERR_INVALID_ARG: `store` or `view` is NULL, or `key` is NULL
///   with a non-zero length; `view` was not called.
/// - #RDRIVE_ERR_CORRUPT: the index points at bytes that are not this key's
///   entry: the file was modified by another program.
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
        // SAFETY: `key` is NULL or points to `key_len` readable bytes: the
        // `key` bullet of this function's # Safety.
        let key = unsafe { bytes(key, key_len, "key")? };
        let Some(view) = view else {
            return Err(invalid("view callback is NULL"));
        };
        // SAFETY: `store` is NULL or live: the `store` bullet of this
        // function's # Safety.
        let store = unsafe { store_ref(store)? };
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
/// Thread-safe; allocates nothing.
///
/// @param[in] store The store.
/// @param[in] key The key's bytes (NULL allowed when `key_len` is 0).
/// @param[in] key_len Length of the key.
/// @param[out] buf Destination of `cap` bytes (NULL allowed when `cap` is
///        0).
/// @param[in] cap Size of `buf`.
/// @param[out] len Receives the value's length (also when it does not fit);
///        0 when the key is absent or on other failures.
/// @return
/// - #RDRIVE_OK: the value was copied.
/// - #RDRIVE_NOT_FOUND: the key is absent or deleted.
/// - #RDRIVE_ERR_BUFFER_TOO_SMALL: nothing was copied; `*len` is the size
///   needed.
/// - #RDRIVE_ERR_INVALID_ARG: `store` or `len` is NULL, `key` is NULL with a
///   non-zero length, `buf` is NULL with a non-zero `cap`, or `cap` exceeds
///   `PTRDIFF_MAX`.
/// - #RDRIVE_ERR_CORRUPT: the index points at bytes that are not this key's
///   entry: the file was modified by another program.
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
                boundary::record_failure(
                    "rdrive_store_read_into",
                    &format!("value is {needed} bytes, buffer holds {cap}"),
                    0,
                );
                Ok(RDRIVE_ERR_BUFFER_TOO_SMALL)
            }
        }
    })
}

/// Copies the values of `count` keys into one buffer, back to back and in
/// key order: one call, no entries, no callback. Meant for bindings that
/// hand out copies (the keys come packed the same way).
///
/// Thread-safe and lock-free; allocates only the keys' hashes. Each value
/// is the key's value at some moment during the call.
///
/// @param[in] store The store.
/// @param[in] keys The keys' bytes, one after another (NULL allowed when
///        they total 0 bytes).
/// @param[in] key_lens Array of `count` lengths: key i is the `key_lens[i]`
///        bytes following keys 0..i (NULL allowed when `count` is 0).
/// @param[in] count Number of keys.
/// @param[out] buf Destination of `cap` bytes (NULL allowed when `cap` is
///        0): receives the present keys' values back to back, in key order.
/// @param[in] cap Size of `buf`.
/// @param[out] value_lens Array of `count` slots (NULL allowed when `count`
///        is 0): slot i receives the length of key i's value, or `SIZE_MAX`
///        when key i is absent (also on failure).
/// @param[out] needed NULL, or receives the values' total size (also when
///        it exceeds `cap`; 0 on other failures).
/// @return
/// - #RDRIVE_OK: `buf` holds the values.
/// - #RDRIVE_ERR_BUFFER_TOO_SMALL: the values total more than `cap` bytes;
///   `value_lens` and `*needed` are set, `buf` holds nothing usable. Call
///   again with `*needed` bytes (or more: a writer may have grown a value
///   in between).
/// - #RDRIVE_ERR_INVALID_ARG: `store` is NULL, `key_lens` or `value_lens`
///   is NULL with a non-zero `count`, `keys` is NULL while the lengths are
///   not all 0, the lengths overflow, `buf` is NULL with a non-zero `cap`,
///   or `cap` exceeds `PTRDIFF_MAX`.
/// - #RDRIVE_ERR_CORRUPT: as rdrive_store_read(), for one of the keys.
///
/// # Safety
/// - `store` is NULL or a live store.
/// - `key_lens` is NULL or points to `count` readable `size_t`s.
/// - `keys` is NULL or points to as many readable bytes as the `key_lens`
///   add up to.
/// - `buf` is NULL or points to `cap` writable bytes.
/// - `value_lens` is NULL or points to writable space for `count` `size_t`s.
/// - `needed` is NULL or points to writable space for a `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_store_batch_read_into(
    store: *const rdrive_store,
    keys: *const u8,
    key_lens: *const usize,
    count: usize,
    buf: *mut u8,
    cap: usize,
    value_lens: *mut usize,
    needed: *mut usize,
) -> rdrive_status {
    call("rdrive_store_batch_read_into", || {
        // SAFETY: `needed` is NULL or a writable `size_t`, `value_lens` has
        // `count` writable slots, `key_lens` holds `count` lengths and
        // `keys` the bytes they add up to: the `needed`, `value_lens`,
        // `key_lens` and `keys` bullets of this function's # Safety.
        let (needed_out, lens_out, keys) = unsafe {
            (
                optional_out(needed, 0),
                boundary::out_slice(value_lens, count, usize::MAX, "value_lens")?,
                unpacked(keys, key_lens, count, "keys", "key_lens")?,
            )
        };
        if cap > 0 && buf.is_null() {
            return Err(invalid("buf is NULL but cap is not 0"));
        }
        if cap > isize::MAX as usize {
            return Err(invalid("cap is too large"));
        }
        let hashes: Vec<u64> = keys.into_iter().map(crate::compute_hash).collect();
        // SAFETY: `store` is NULL or live: the `store` bullet of this
        // function's # Safety.
        let store = unsafe { store_ref(store) }?;
        let mut used = 0usize;
        store.batch_peek_with_key_hashes(&hashes, |i, value| {
            let Some(value) = value else { return };
            lens_out[i] = value.len();
            let end = used.saturating_add(value.len());
            if end <= cap && !value.is_empty() {
                // SAFETY: `buf` is not NULL here (`cap >= end > 0` and a
                // NULL `buf` with a non-zero `cap` was refused), so it has
                // `cap` writable bytes (the `buf` bullet of this function's
                // # Safety) and `used..end` lies within them. The value lies
                // in the store's read-only mapping, which writable bytes
                // cannot overlap.
                unsafe {
                    std::ptr::copy_nonoverlapping(value.as_ptr(), buf.add(used), value.len())
                };
            }
            used = end;
        })?;
        if let Some(n) = needed_out {
            *n = used;
        }
        if used > cap {
            boundary::record_failure(
                "rdrive_store_batch_read_into",
                &format!("the values total {used} bytes, buffer holds {cap}"),
                0,
            );
            return Ok(RDRIVE_ERR_BUFFER_TOO_SMALL);
        }
        Ok(RDRIVE_OK)
    })
}

/// The newest entry whose key is still live: the most recent write not
/// overwritten or deleted since. Never a deletion marker.
///
/// Thread-safe.
///
/// @param[in] store The store.
/// @param[out] out Receives a new entry, to be freed with
///        rdrive_entry_free(); NULL if there is none or on failure.
/// @return
/// - #RDRIVE_OK: `*out` is the entry.
/// - #RDRIVE_NOT_FOUND: the store has no live keys.
/// - #RDRIVE_ERR_INVALID_ARG: `store` or `out` is NULL.
/// - #RDRIVE_ERR_CORRUPT: an entry on the way could not be read: the file
///   was modified by another program.
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
/// Thread-safe and lock-free.
///
/// @param[in] store The store.
/// @param[in] key The key's bytes (NULL allowed when `key_len` is 0).
/// @param[in] key_len Length of the key.
/// @param[out] out Receives true or false; false on failure.
/// @return
/// - #RDRIVE_OK: `*out` is set.
/// - #RDRIVE_ERR_INVALID_ARG: `store` or `out` is NULL, or `key` is NULL
///   with a non-zero length.
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
/// Thread-safe and lock-free.
///
/// @param[in] store The store.
/// @param[out] out Receives the number; 0 on failure.
/// @return
/// - #RDRIVE_OK: `*out` is set.
/// - #RDRIVE_ERR_INVALID_ARG: `store` or `out` is NULL.
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
/// Thread-safe and lock-free.
///
/// @param[in] store The store.
/// @param[out] out Receives the length in bytes; 0 on failure.
/// @return
/// - #RDRIVE_OK: `*out` is set.
/// - #RDRIVE_ERR_INVALID_ARG: `store` or `out` is NULL.
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
/// Thread-safe.
///
/// @param[in] store The store.
/// @param[out] out Receives the number of bytes; 0 on failure.
/// @return
/// - #RDRIVE_OK: `*out` is set.
/// - #RDRIVE_ERR_INVALID_ARG: `store` or `out` is NULL.
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
