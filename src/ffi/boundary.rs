//! The one boundary every export goes through: panics caught, pointers
//! checked, errors mapped to statuses (through the status table) and
//! described in thread-local state: a message and the OS error number.

use std::cell::RefCell;
use std::ffi::{CStr, CString, c_char, c_int};
use std::panic::{AssertUnwindSafe, catch_unwind};

use super::status::status_of;
use super::*;
use crate::Error;

/// What the last failed call on a thread left behind, for
/// rdrive_last_error() and rdrive_last_os_error().
#[derive(Default)]
struct LastFailure {
    /// "function: detail".
    detail: CString,
    /// The OS error number (errno), 0 when the failure had none.
    os_error: c_int,
}

thread_local! {
    static LAST_FAILURE: RefCell<LastFailure> = RefCell::new(LastFailure::default());
}

/// Records a failed call: its detail for rdrive_last_error() and its OS
/// error number (0 for none) for rdrive_last_os_error(). A successful call
/// records nothing, so both describe the last *failed* call.
pub(crate) fn record_failure(function: &str, detail: &str, os_error: c_int) {
    let text = format!("{function}: {detail}").replace('\0', "\\0");
    let detail = CString::new(text).unwrap_or_default();
    // During thread teardown the slot may be gone: the detail is lost, the
    // status still tells what happened.
    let _ = LAST_FAILURE.try_with(|cell| {
        if let Ok(mut slot) = cell.try_borrow_mut() {
            *slot = LastFailure { detail, os_error };
        }
    });
}

/// Records `e` as the failure of `function` and returns its status.
#[cold]
#[inline(never)]
pub(crate) fn record_error(function: &str, e: &Error) -> rdrive_status {
    record_failure(function, &e.to_string(), e.raw_os_error().unwrap_or(0));
    status_of(e)
}

pub(crate) fn last_error_ptr() -> *const c_char {
    // The CString lives in this thread's slot until the next failure on this
    // thread replaces it, as the header documents. While the thread is being
    // torn down the slot may be gone: then there is no detail to give.
    LAST_FAILURE
        .try_with(|cell| cell.try_borrow().map(|s| s.detail.as_ptr()).ok())
        .ok()
        .flatten()
        .unwrap_or(c"".as_ptr())
}

pub(crate) fn last_os_error() -> c_int {
    // As for the detail: 0 once the thread's slot is gone.
    LAST_FAILURE
        .try_with(|cell| cell.try_borrow().map(|s| s.os_error).ok())
        .ok()
        .flatten()
        .unwrap_or(0)
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_owned()
    }
}

/// Runs the body of a status-returning export. `Ok(status)` is returned as
/// is (#RDRIVE_OK, #RDRIVE_NOT_FOUND); an `Err` is recorded (see
/// [`record_error`]) and mapped to its status; a panic becomes
/// #RDRIVE_ERR_PANIC.
#[inline(always)]
pub(crate) fn call(
    function: &'static str,
    body: impl FnOnce() -> Result<rdrive_status, Error>,
) -> rdrive_status {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(status)) => status,
        Ok(Err(e)) => record_error(function, &e),
        Err(payload) => {
            record_panic(function, payload);
            RDRIVE_ERR_PANIC
        }
    }
}

/// Records a caught panic as the failure of `function`.
#[cold]
#[inline(never)]
fn record_panic(function: &str, payload: Box<dyn std::any::Any + Send>) {
    record_failure(
        function,
        &format!("internal error: {}", panic_text(&*payload)),
        0,
    );
}

/// Runs the body of an export that returns a plain value; a panic yields
/// `fallback`.
#[inline(always)]
pub(crate) fn value<T>(function: &'static str, fallback: T, body: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(v) => v,
        Err(payload) => {
            record_panic(function, payload);
            fallback
        }
    }
}

/// An invalid-argument error naming the parameter.
pub(crate) fn invalid(what: &str) -> Error {
    Error::InvalidArgument(what.to_owned())
}

/// Borrows `*ptr`, refusing NULL.
///
/// # Safety
/// `ptr` is NULL or points to a live `T` that nothing mutates or frees for
/// `'a`.
#[inline(always)]
pub(crate) unsafe fn borrow<'a, T>(ptr: *const T, what: &str) -> Result<&'a T, Error> {
    // SAFETY: `as_ref` needs `ptr` to be NULL or valid for shared access
    // for `'a`; this function's # Safety requires exactly that.
    match unsafe { ptr.as_ref() } {
        Some(r) => Ok(r),
        None => Err(is_null(what)),
    }
}

/// "`what` is NULL". The error paths of the checks are kept out of line,
/// so the checks inline into each call as a compare and a branch.
#[cold]
#[inline(never)]
fn is_null(what: &str) -> Error {
    invalid(&format!("{what} is NULL"))
}

/// Why a pointer and a length or count do not make a slice.
#[cold]
#[inline(never)]
fn bad_span(what: &str, null: bool, n: usize, unit: &str) -> Error {
    if null {
        invalid(&format!("{what} is NULL but its {unit} is {n}"))
    } else {
        invalid(&format!("{what}: {unit} {n} is too large"))
    }
}

/// Borrows `*ptr` mutably, refusing NULL.
///
/// # Safety
/// `ptr` is NULL or points to a live `T` that nothing else reads, mutates
/// or frees for `'a`.
#[inline(always)]
pub(crate) unsafe fn borrow_mut<'a, T>(ptr: *mut T, what: &str) -> Result<&'a mut T, Error> {
    // SAFETY: `as_mut` needs `ptr` to be NULL or valid for exclusive
    // access for `'a`; this function's # Safety requires exactly that.
    match unsafe { ptr.as_mut() } {
        Some(r) => Ok(r),
        None => Err(is_null(what)),
    }
}

/// The byte string `ptr[..len]`; NULL with length 0 is the empty string.
///
/// # Safety
/// When `len > 0`, `ptr` is NULL or points to `len` readable bytes that
/// nothing writes for `'a`.
#[inline(always)]
pub(crate) unsafe fn bytes<'a>(ptr: *const u8, len: usize, what: &str) -> Result<&'a [u8], Error> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() || len > isize::MAX as usize {
        return Err(bad_span(what, ptr.is_null(), len, "length"));
    }
    // SAFETY: `ptr` is not NULL (checked above), so by this function's
    // # Safety it points to `len` readable bytes left unchanged for `'a`;
    // `len` fits in `isize` (checked above); `u8` has no alignment.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// The array `ptr[..count]` of `T`; NULL with count 0 is empty.
///
/// # Safety
/// When `count > 0`, `ptr` is NULL or points to `count` initialized,
/// aligned `T`s that nothing writes for `'a`.
#[inline(always)]
pub(crate) unsafe fn array<'a, T>(
    ptr: *const T,
    count: usize,
    what: &str,
) -> Result<&'a [T], Error> {
    if count == 0 {
        return Ok(&[]);
    }
    let too_many = count
        .checked_mul(std::mem::size_of::<T>())
        .is_none_or(|b| b > isize::MAX as usize);
    if ptr.is_null() || too_many {
        return Err(bad_span(what, ptr.is_null(), count, "count"));
    }
    // SAFETY: `ptr` is not NULL (checked above), so by this function's
    // # Safety it points to `count` initialized, aligned `T`s left
    // unchanged for `'a`; their total size fits in `isize` (checked above).
    Ok(unsafe { std::slice::from_raw_parts(ptr, count) })
}

/// A writable output slot, refusing NULL. It is set to `cleared` right
/// away, so a failing call leaves it NULL/0.
///
/// # Safety
/// `ptr` is NULL or points to space for a `T` (aligned and writable; it
/// need not hold a value yet) that nothing else accesses for `'a`.
#[inline(always)]
pub(crate) unsafe fn out<'a, T: Copy>(
    ptr: *mut T,
    cleared: T,
    what: &str,
) -> Result<&'a mut T, Error> {
    // SAFETY: this function's # Safety is `optional_out`'s.
    match unsafe { optional_out(ptr, cleared) } {
        Some(r) => Ok(r),
        None => Err(is_null(what)),
    }
}

/// A writable output array of `count` slots, refusing NULL (unless `count`
/// is 0) and impossible counts before anything is written; every slot is
/// set to `cleared` right away.
///
/// # Safety
/// `ptr` is NULL or points to space for `count` values of `T` (aligned,
/// writable; they need not hold values yet) that nothing else accesses for
/// `'a`.
#[inline(always)]
pub(crate) unsafe fn out_slice<'a, T: Copy>(
    ptr: *mut T,
    count: usize,
    cleared: T,
    what: &str,
) -> Result<&'a mut [T], Error> {
    if count == 0 {
        return Ok(&mut []);
    }
    let too_many = count
        .checked_mul(std::mem::size_of::<T>())
        .is_none_or(|b| b > isize::MAX as usize);
    if ptr.is_null() || too_many {
        return Err(bad_span(what, ptr.is_null(), count, "count"));
    }
    // SAFETY: `ptr` is not NULL (checked above), so by this function's
    // # Safety it has `count` aligned, writable slots that are ours alone
    // for `'a`; their total size fits in `isize` (checked above). Each slot
    // is written before the slice borrows them; `T: Copy` has no
    // destructor, so nothing old is dropped.
    unsafe {
        for i in 0..count {
            ptr.add(i).write(cleared);
        }
        Ok(std::slice::from_raw_parts_mut(ptr, count))
    }
}

/// Clears an optional output slot (NULL allowed) and returns it.
///
/// # Safety
/// `ptr` is NULL or points to space for a `T` (aligned and writable; it
/// need not hold a value yet) that nothing else accesses for `'a`.
#[inline(always)]
pub(crate) unsafe fn optional_out<'a, T: Copy>(ptr: *mut T, cleared: T) -> Option<&'a mut T> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: `ptr` is not NULL (checked above), so by this function's
    // # Safety it is aligned, writable and ours alone for `'a`. It is
    // written before it is borrowed, so the reference never sees
    // uninitialized memory; `T: Copy` has no destructor, so nothing old is
    // dropped.
    unsafe {
        ptr.write(cleared);
        Some(&mut *ptr)
    }
}

/// A path from a NUL-terminated C string.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string that nothing writes
/// for `'a`.
pub(crate) unsafe fn path<'a>(ptr: *const c_char) -> Result<&'a std::path::Path, Error> {
    if ptr.is_null() {
        return Err(invalid("path is NULL"));
    }
    // SAFETY: `ptr` is not NULL (checked above), so by this function's
    // # Safety it is a NUL-terminated string left unchanged for `'a`.
    let raw = unsafe { CStr::from_ptr(ptr) };
    if raw.is_empty() {
        return Err(invalid("path is empty"));
    }
    use std::os::unix::ffi::OsStrExt;
    Ok(std::path::Path::new(std::ffi::OsStr::from_bytes(
        raw.to_bytes(),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_in_a_body_becomes_the_panic_status_with_a_message() {
        let status = call("rdrive_test", || panic!("boom"));
        assert_eq!(status, RDRIVE_ERR_PANIC);
        // SAFETY: the pointer refers to this thread's last-error string.
        let text = unsafe { CStr::from_ptr(last_error_ptr()) };
        assert_eq!(text.to_str().unwrap(), "rdrive_test: internal error: boom");
        assert_eq!(value("rdrive_test", 7u32, || panic!("again")), 7);
    }
}
