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
/// `iter` is NULL or a live iterator not used concurrently; `out` is NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_iter_next(
    iter: *mut rdrive_iter,
    out: *mut *mut rdrive_entry,
) -> rdrive_status {
    call("rdrive_iter_next", || {
        // SAFETY: forwarded caller contract.
        let out = unsafe { boundary::out(out, std::ptr::null_mut(), "out") }?;
        // SAFETY: forwarded caller contract.
        let iter = unsafe { borrow_mut(iter, "iter") }?;
        match iter.iter.next() {
            Some(entry) => {
                *out = rdrive_entry { entry }.into_raw();
                Ok(RDRIVE_OK)
            }
            None => Ok(RDRIVE_NOT_FOUND),
        }
    })
}

/// Frees an iterator. Accepts NULL. Entries it returned stay valid.
///
/// # Safety
/// `iter` is NULL or an iterator from rdrive_store_iter() not freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_iter_free(iter: *mut rdrive_iter) {
    // SAFETY: forwarded caller contract.
    boundary::value("rdrive_iter_free", (), || unsafe {
        rdrive_iter::free(iter)
    })
}
