//! `rdrive_iter_*`: snapshot iteration.

use super::boundary::{self, borrow_mut, call};
use super::*;

/// Advances the iterator.
///
/// @param out Receives the next entry (free it with rdrive_entry_free()), or
///        NULL at the end.
/// @return #RDRIVE_OK; #RDRIVE_NOT_FOUND when exhausted;
///         #RDRIVE_ERR_INVALID_ARG.
///
/// One thread at a time per iterator.
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
                *out = rdrive_entry { entry }.into_raw();
                Ok(RDRIVE_OK)
            }
            None => Ok(RDRIVE_NOT_FOUND),
        }
    })
}

/// Advances the iterator without creating an entry: the cheapest way to
/// scan a store (no allocation, no reference counting).
///
/// @param value Receives the value's bytes, in place. They stay valid and
///        unchanged until rdrive_iter_free() on this iterator (not just until
///        the next call), even after the store is closed. {NULL, 0} at the end.
/// @param key_hash If not NULL, receives the entry's key hash.
/// @return #RDRIVE_OK; #RDRIVE_NOT_FOUND when exhausted;
///         #RDRIVE_ERR_INVALID_ARG.
///
/// One thread at a time per iterator.
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
/// @param values Array of `cap` slots; slot i receives the i-th entry's
///        bytes, in place, valid until rdrive_iter_free() (as with
///        rdrive_iter_next_view()).
/// @param key_hashes NULL, or an array of `cap` slots receiving the key
///        hashes.
/// @param count Receives the number of slots filled (0 at the end).
/// @return #RDRIVE_OK when at least one entry was returned;
///         #RDRIVE_NOT_FOUND when the iterator was already exhausted;
///         #RDRIVE_ERR_INVALID_ARG (NULL pointer, or `cap` 0).
///
/// One thread at a time per iterator.
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

/// Frees an iterator. Accepts NULL. Entries it returned stay valid.
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
