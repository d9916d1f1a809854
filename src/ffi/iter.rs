//! `rdrive_store_iter()` and `rdrive_iter_*`: snapshot iteration.

use super::boundary::{self, borrow_mut, call};
use super::store::store_ref;
use super::*;

/// Starts a snapshot iteration over the live entries, newest first, one per
/// key. Later writes do not show up in it. Entries whose bytes no longer
/// decode (the file was modified by another program) are skipped.
///
/// Thread-safe to create; the iterator itself is used by one thread at a
/// time. It may outlive the store.
///
/// @param[in] store The store.
/// @param[out] out Receives a new iterator, to be freed with
///        rdrive_iter_free(); NULL on failure.
/// @return
/// - #RDRIVE_OK: `*out` is the iterator.
/// - #RDRIVE_ERR_INVALID_ARG: `store` or `out` is NULL.
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

/// Advances the iterator.
///
/// One thread at a time per iterator.
///
/// @param[in] iter The iterator.
/// @param[out] out Receives the next entry, to be freed with
///        rdrive_entry_free() (it stays valid after rdrive_iter_free()); NULL
///        at the end or on failure.
/// @return
/// - #RDRIVE_OK: `*out` is the next entry.
/// - #RDRIVE_NOT_FOUND: the iterator is exhausted.
/// - #RDRIVE_ERR_INVALID_ARG: `iter` or `out` is NULL.
///
/// # Safety
/// - `iter` is NULL or a live iterator that no other thread is using.
/// - `out` is NULL or points to writable space for an `rdrive_entry *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_iter_next(
    iter: *mut rdrive_iter,
    out: *mut *mut rdrive_entry,
) -> rdrive_status {
    call("rdrive_iter_next", || {
        // SAFETY: `out` is NULL or a writable `rdrive_entry *`, and `iter`
        // is NULL or a live iterator no other thread is using: the `out`
        // and `iter` bullets of this function's # Safety.
        let (out, iter) = unsafe {
            (
                boundary::out(out, std::ptr::null_mut(), "out")?,
                borrow_mut(iter, "iter")?,
            )
        };
        match iter.iter.next() {
            Some(entry) => {
                *out = rdrive_entry::new(entry).into_raw();
                Ok(RDRIVE_OK)
            }
            None => Ok(RDRIVE_NOT_FOUND),
        }
    })
}

/// Advances the iterator without creating an entry: the cheapest way to
/// scan a store (no allocation, no reference counting).
///
/// One thread at a time per iterator.
///
/// @param[in] iter The iterator.
/// @param[out] value Receives the value's bytes, in place. They stay valid
///        and unchanged until rdrive_iter_free() on this iterator (not just
///        until the next call), even after the store is closed. {NULL, 0} at
///        the end or on failure.
/// @param[out] key_hash NULL, or receives the entry's key hash; 0 at the
///        end or on failure.
/// @return
/// - #RDRIVE_OK: `*value` is the next value.
/// - #RDRIVE_NOT_FOUND: the iterator is exhausted.
/// - #RDRIVE_ERR_INVALID_ARG: `iter` or `value` is NULL.
///
/// # Safety
/// - `iter` is NULL or a live iterator that no other thread is using.
/// - `value` is NULL or points to writable space for an ::rdrive_bytes.
/// - `key_hash` is NULL or points to writable space for a `uint64_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_iter_next_view(
    iter: *mut rdrive_iter,
    value: *mut rdrive_bytes,
    key_hash: *mut u64,
) -> rdrive_status {
    call("rdrive_iter_next_view", || {
        let empty = rdrive_bytes {
            ptr: std::ptr::null(),
            len: 0,
        };
        // SAFETY: `value` is NULL or a writable `rdrive_bytes`, `key_hash`
        // is NULL or a writable `uint64_t`, and `iter` is NULL or a live
        // iterator no other thread is using: the `value`, `key_hash` and
        // `iter` bullets of this function's # Safety.
        let (value, key_hash, iter) = unsafe {
            (
                boundary::out(value, empty, "value")?,
                boundary::optional_out(key_hash, 0),
                borrow_mut(iter, "iter")?,
            )
        };
        match iter.iter.next_view() {
            Some((meta, bytes)) => {
                // The bytes live in the snapshot mapping the iterator keeps
                // alive until rdrive_iter_free().
                *value = rdrive_bytes {
                    ptr: bytes.as_ptr(),
                    len: bytes.len(),
                };
                if let Some(k) = key_hash {
                    *k = meta.key_hash;
                }
                Ok(RDRIVE_OK)
            }
            None => Ok(RDRIVE_NOT_FOUND),
        }
    })
}

/// Advances the iterator by up to `cap` entries at once, without creating
/// entries: the fastest way to scan a store from C (one call per batch).
///
/// One thread at a time per iterator.
///
/// @param[in] iter The iterator.
/// @param[out] values Array of `cap` slots; slot i receives the i-th
///        entry's bytes, in place, valid until rdrive_iter_free() (as with
///        rdrive_iter_next_view()). Slots past `*count` are left untouched.
/// @param[out] key_hashes NULL, or an array of `cap` slots receiving the key
///        hashes.
/// @param[in] cap Number of slots: at least 1.
/// @param[out] count Receives the number of slots filled; 0 at the end or on
///        failure.
/// @return
/// - #RDRIVE_OK: at least one entry was returned.
/// - #RDRIVE_NOT_FOUND: the iterator was already exhausted.
/// - #RDRIVE_ERR_INVALID_ARG: `iter`, `values` or `count` is NULL, or `cap`
///   is 0.
///
/// # Safety
/// - `iter` is NULL or a live iterator that no other thread is using.
/// - `values` is NULL or points to writable space for `cap`
///   ::rdrive_bytes.
/// - `key_hashes` is NULL or points to writable space for `cap`
///   `uint64_t`.
/// - `count` is NULL or points to writable space for a `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_iter_next_batch(
    iter: *mut rdrive_iter,
    values: *mut rdrive_bytes,
    key_hashes: *mut u64,
    cap: usize,
    count: *mut usize,
) -> rdrive_status {
    call("rdrive_iter_next_batch", || {
        // SAFETY: `count` is NULL or a writable `size_t`: the `count` bullet
        // of this function's # Safety.
        let count = unsafe { boundary::out(count, 0, "count") }?;
        if values.is_null() {
            return Err(boundary::invalid("values is NULL"));
        }
        if cap == 0 {
            return Err(boundary::invalid("cap is 0"));
        }
        // SAFETY: `iter` is NULL or a live iterator no other thread is
        // using: the `iter` bullet of this function's # Safety.
        let iter = unsafe { borrow_mut(iter, "iter") }?;
        let mut n = 0;
        while n < cap {
            let Some((meta, bytes)) = iter.iter.next_view() else {
                break;
            };
            // SAFETY: `values` is not NULL (checked above), so it has `cap`
            // writable slots, and so has `key_hashes` when it is not NULL:
            // the `values` and `key_hashes` bullets of this function's
            // # Safety; `n < cap`. Slots are written, never read, so they
            // need not hold values before. (The bytes stored live in the
            // snapshot mapping the iterator keeps alive until
            // rdrive_iter_free().)
            unsafe {
                values.add(n).write(rdrive_bytes {
                    ptr: bytes.as_ptr(),
                    len: bytes.len(),
                });
                if !key_hashes.is_null() {
                    key_hashes.add(n).write(meta.key_hash);
                }
            }
            n += 1;
        }
        *count = n;
        Ok(if n == 0 { RDRIVE_NOT_FOUND } else { RDRIVE_OK })
    })
}

/// Frees an iterator. Accepts NULL. Entries it returned stay valid; the
/// bytes of rdrive_iter_next_view() and rdrive_iter_next_batch() do not.
///
/// @param[in] iter The iterator to free, or NULL. It must not be used
///        again.
///
/// # Safety
/// - `iter` is NULL or a live iterator that no other call is using, and it
///   is not used again after this call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_iter_free(iter: *mut rdrive_iter) {
    boundary::value("rdrive_iter_free", (), || {
        // SAFETY: `iter` is NULL or was made by this library with
        // `into_raw`, is not in use elsewhere and is never used again: the
        // `iter` bullet of this function's # Safety.
        unsafe { rdrive_iter::free(iter) }
    })
}
