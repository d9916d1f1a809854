//! `rdrive_store_*`: opening and closing a store, and what the open found.
//! The write functions follow in [`write`], the read functions in [`read`]
//! (the header lists them in this order).

use std::ffi::c_char;

use super::boundary::{self, array, borrow, bytes, call, invalid, optional_out};
use super::*;
use crate::{Error, OpenOptions, compute_hash};

// The header lists the functions of these modules in declaration order:
// writes before reads. (Each stands alone so rustfmt keeps that order.)
mod write;

mod read;

pub use read::*;
pub use write::*;

const ALL_FLAGS: u32 = RDRIVE_OPEN_READ_ONLY
    | RDRIVE_OPEN_SYNC
    | RDRIVE_OPEN_MUST_EXIST
    | RDRIVE_OPEN_REPAIR
    | RDRIVE_OPEN_NO_INDEX_CACHE
    | RDRIVE_OPEN_WAIT
    | RDRIVE_OPEN_SHARED;

/// The engine's open options for C `flags`; `wait_ms` bounds a wait (a
/// negative number waits as long as it takes).
fn open_options(flags: u32, wait_ms: i64) -> Result<OpenOptions, Error> {
    if flags & !ALL_FLAGS != 0 {
        return Err(invalid(&format!(
            "unknown open flags {:#x}",
            flags & !ALL_FLAGS
        )));
    }
    let mut o = OpenOptions::new();
    o.read_only(flags & RDRIVE_OPEN_READ_ONLY != 0)
        .sync_writes(flags & RDRIVE_OPEN_SYNC != 0)
        .create(flags & RDRIVE_OPEN_MUST_EXIST == 0)
        .repair(flags & RDRIVE_OPEN_REPAIR != 0)
        .index_cache(flags & RDRIVE_OPEN_NO_INDEX_CACHE == 0)
        .shared(flags & RDRIVE_OPEN_SHARED != 0);
    if flags & RDRIVE_OPEN_WAIT != 0 {
        match u64::try_from(wait_ms) {
            Ok(ms) => o.wait_timeout(std::time::Duration::from_millis(ms)),
            Err(_) => o.wait(true),
        };
    }
    Ok(o)
}

/// #RDRIVE_OK when something was found, else #RDRIVE_NOT_FOUND.
fn found(yes: bool) -> rdrive_status {
    if yes { RDRIVE_OK } else { RDRIVE_NOT_FOUND }
}

/// The engine store behind a C handle, refusing NULL.
///
/// # Safety
/// `store` is NULL or a live store (made by rdrive_store_open(), not
/// closed) that stays open for `'a`.
#[inline(always)]
pub(super) unsafe fn store_ref<'a>(store: *const rdrive_store) -> Result<&'a Store, Error> {
    // SAFETY: a live store that stays open for `'a` is a valid
    // `rdrive_store` nothing mutates or frees for `'a` (the C API only
    // reads it until rdrive_store_close()), as `borrow` requires; this
    // function's # Safety promises it.
    Ok(&unsafe { borrow(store, "store") }?.store)
}

/// Opens the store at `path`, creating an empty one if the file is missing
/// (unless #RDRIVE_OPEN_MUST_EXIST or #RDRIVE_OPEN_READ_ONLY is given), and
/// recovers it: a torn end left by a crash is discarded, keeping the
/// longest valid prefix (rdrive_store_recovery_notes() tells what the open
/// found).
///
/// A read-write open takes the store's writer lock (on `<path>.rdrive-lock`,
/// created beside the file) for the life of the handle, cuts a torn end
/// from the file and syncs it. A read-only open never changes the file (its
/// bytes or its attributes) and sees it as it was when opened.
///
/// Thread-safe.
///
/// @param[in] path NUL-terminated path of the store file.
/// @param[in] flags Bitwise OR of `RDRIVE_OPEN_*` flags; 0 opens read-write
///        and creates the file if it is missing.
/// @param[out] out Receives the new store, to be closed with
///        rdrive_store_close(); NULL on failure.
/// @return
/// - #RDRIVE_OK: the store is open.
/// - #RDRIVE_ERR_INVALID_ARG: `path` or `out` is NULL, `path` is empty,
///   `flags` has an unknown bit, or `path` names something other than a
///   regular file (a directory, FIFO or device), for read-only and
///   read-write opens alike.
/// - #RDRIVE_ERR_IO: the operating system refused a step
///   (rdrive_last_error() says which): the file is missing with
///   #RDRIVE_OPEN_MUST_EXIST or #RDRIVE_OPEN_READ_ONLY, permission is
///   denied, the lock file cannot be created for a read-write open, or
///   reading, mapping or syncing the file failed.
/// - #RDRIVE_ERR_CORRUPT: the file is not empty yet holds no valid store,
///   or data known to be synced is damaged; the file is left untouched
///   (#RDRIVE_OPEN_REPAIR keeps the longest valid prefix instead).
/// - #RDRIVE_ERR_LOCKED: a read-write open while another read-write handle,
///   in this or another process, holds the store: any handle, for an
///   exclusive open; an exclusive one, for a #RDRIVE_OPEN_SHARED open. With
///   #RDRIVE_OPEN_WAIT the open waits instead.
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
/// Thread-safe.
///
/// @param[in] path NUL-terminated path of the store file.
/// @param[in] flags Bitwise OR of `RDRIVE_OPEN_*` flags, as for
///        rdrive_store_open().
/// @param[out] out Receives the new store, to be closed with
///        rdrive_store_close(); NULL on failure.
/// @param[out] recovered_bytes NULL, or receives the number of bytes of a
///        torn or damaged end that were discarded (0 for a clean file); 0 on
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
        let store = open_options(flags, -1)?.open(path)?;
        if let Some(r) = recovered {
            *r = store.recovered_bytes();
        }
        *out = handle(store);
        Ok(RDRIVE_OK)
    })
}

/// A C handle for `store`, with its recovery detail.
fn handle(store: crate::Store) -> *mut rdrive_store {
    let detail = detail_text(store.recovery_notes(), store.is_read_only());
    rdrive_store { store, detail }.into_raw()
}

/// rdrive_store_open() with #RDRIVE_OPEN_WAIT bounded: a read-write open
/// waits at most `timeout_ms` milliseconds for the writer lock, then fails
/// with #RDRIVE_ERR_LOCKED. A negative `timeout_ms` waits as long as it
/// takes; 0 does not wait. `flags` need not contain #RDRIVE_OPEN_WAIT.
///
/// While it waits the calling thread sleeps (the lock is polled, at most
/// every 10 ms). A thread that holds the store through another handle of
/// this process would wait for itself: the wait then ends with
/// #RDRIVE_ERR_LOCKED at the timeout (or never, with a negative timeout).
///
/// Thread-safe.
///
/// @param[in] path NUL-terminated path of the store file.
/// @param[in] flags Bitwise OR of `RDRIVE_OPEN_*` flags, as for
///        rdrive_store_open().
/// @param[in] timeout_ms Longest wait in milliseconds; negative: no limit.
/// @param[out] out Receives the new store, to be closed with
///        rdrive_store_close(); NULL on failure.
/// @return As rdrive_store_open(); #RDRIVE_ERR_LOCKED when the wait ended
///         without the lock.
///
/// # Safety
/// - `path` is NULL or points to a NUL-terminated string.
/// - `out` is NULL or points to writable space for an `rdrive_store *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_store_open_wait(
    path: *const c_char,
    flags: u32,
    timeout_ms: i64,
    out: *mut *mut rdrive_store,
) -> rdrive_status {
    call("rdrive_store_open_wait", || {
        // SAFETY: `out` is NULL or a writable slot and `path` is NULL or
        // NUL-terminated: the `out` and `path` bullets of this function's
        // # Safety.
        let (out, path) = unsafe {
            (
                boundary::out(out, std::ptr::null_mut(), "out")?,
                boundary::path(path)?,
            )
        };
        let store = open_options(flags | RDRIVE_OPEN_WAIT, timeout_ms)?.open(path)?;
        *out = handle(store);
        Ok(RDRIVE_OK)
    })
}

/// Brings the store up to date with its writers and reports how many
/// entries it read (deletion markers included) since the previous refresh —
/// after a compaction by another handle, the entries of the new file.
///
/// A read-only store is a snapshot from its open until it is refreshed; it
/// never sees bytes a writer has not published (a value being written that
/// happens to look like an entry is never taken for one). Entries taken
/// before a refresh stay valid. A #RDRIVE_OPEN_SHARED store catches up by
/// itself before every call (refreshing it does so now); an exclusive
/// read-write store has nothing to catch up with (0).
///
/// Thread-safe.
///
/// @param[in] store The store.
/// @param[out] new_entries NULL, or receives the number of entries read; 0
///        on failure.
/// @return
/// - #RDRIVE_OK: the store is up to date.
/// - #RDRIVE_ERR_INVALID_ARG: `store` is NULL.
/// - #RDRIVE_ERR_IO: opening or mapping the store file failed.
/// - #RDRIVE_ERR_CORRUPT: what the writers published does not read as
///   entries (another program changed the file).
/// - #RDRIVE_ERR_POISONED: a shared store whose handle is poisoned.
///
/// # Safety
/// - `store` is NULL or a live store.
/// - `new_entries` is NULL or points to writable space for a `uint64_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_store_refresh(
    store: *mut rdrive_store,
    new_entries: *mut u64,
) -> rdrive_status {
    call("rdrive_store_refresh", || {
        // SAFETY: `new_entries` is NULL or a writable slot and `store` is
        // NULL or live: the `new_entries` and `store` bullets of this
        // function's # Safety.
        let (count, store) = unsafe { (optional_out(new_entries, 0), store_ref(store)?) };
        let n = store.refresh()?;
        if let Some(c) = count {
            *c = n;
        }
        Ok(RDRIVE_OK)
    })
}

/// The recovery notes as one line of text ("" when there are none).
fn detail_text(notes: &crate::RecoveryNotes, read_only: bool) -> std::ffi::CString {
    let mut parts = Vec::new();
    if notes.discarded_bytes > 0 {
        let what = if read_only { "left out" } else { "cut" };
        let whose = match (notes.unfinished_write, notes.writer_active) {
            (true, true) => "a write under way in a live writer",
            (true, false) => "an unfinished write of a writer that died",
            (false, _) => "a torn or damaged end",
        };
        parts.push(format!("{whose}: {} bytes {what}", notes.discarded_bytes));
    }
    if notes.writer_active && notes.discarded_bytes == 0 {
        parts.push("a writer holds the store".into());
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

/// Number of bytes of a torn or damaged end that recovery discarded when the
/// store was opened (a read-only open leaves them in the file and ignores
/// them).
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

/// What the open of `store` found, as bits: #RDRIVE_NOTE_TAIL_DISCARDED,
/// #RDRIVE_NOTE_WATERMARK_DISCARDED, #RDRIVE_NOTE_STALE_TEMP_FILE,
/// #RDRIVE_NOTE_WRITER_ACTIVE, #RDRIVE_NOTE_UNFINISHED_WRITE (0: a clean
/// open). rdrive_store_recovery_detail() says the same in words.
///
/// Thread-safe.
///
/// @param[in] store The store.
/// @param[out] out Receives the bits; 0 on failure.
/// @return
/// - #RDRIVE_OK: `*out` is set.
/// - #RDRIVE_ERR_INVALID_ARG: `store` or `out` is NULL.
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
/// leftover compaction file.
///
/// The string belongs to the store and stays valid until
/// rdrive_store_close(). Thread-safe.
///
/// @param[in] store The store, or NULL.
/// @return The text: "" after a clean open, and for a NULL store; never
///         NULL.
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

/// Closes the store and frees the handle. Accepts NULL.
///
/// Syncs writes not yet synced, records a clean close and may leave an
/// index cache beside the file (a poisoned handle is closed without any of
/// that). The writer lock is released before this returns, even while
/// entries or iterators from the store are alive (they stay valid).
///
/// Must not run concurrently with any other call on the same store. Errors
/// from the final sync cannot be reported here: call rdrive_store_sync()
/// first if you need to see them.
///
/// @param[in] store The store to close, or NULL. It must not be used again.
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

/// Hints the CPU to start loading the byte at `ptr` (any address, NULL
/// included: a prefetch never faults).
#[inline(always)]
fn prefetch_bytes(ptr: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint: it never faults, whatever the
    // address, and does not access memory architecturally; SSE is part of
    // the x86_64 baseline.
    unsafe {
        core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(ptr.cast())
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = ptr;
}

/// The `count` byte strings packed back to back at `data`, whose lengths
/// are at `lens`, checking both arrays and the total length first.
///
/// # Safety
/// `lens` is NULL or points to `count` readable `size_t`s, and `data` is
/// NULL or points to as many readable bytes as they add up to; both stay
/// unchanged for `'a`.
pub(super) unsafe fn unpacked<'a>(
    data: *const u8,
    lens: *const usize,
    count: usize,
    what: &str,
    what_lens: &str,
) -> Result<Vec<&'a [u8]>, Error> {
    // SAFETY: `lens` is NULL or holds `count` lengths, by this function's
    // # Safety.
    let lens = unsafe { array(lens, count, what_lens) }?;
    let total = lens
        .iter()
        .try_fold(0usize, |sum, &len| sum.checked_add(len))
        .ok_or_else(|| invalid(&format!("{what_lens} add up to more than a size_t holds")))?;
    // SAFETY: `data` is NULL or holds the bytes the lengths add up to, by
    // this function's # Safety.
    let mut rest = unsafe { bytes(data, total, what) }?;
    Ok(lens
        .iter()
        .map(|&len| {
            let (one, tail) = rest.split_at(len);
            rest = tail;
            one
        })
        .collect())
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
    // The keys' bytes are wherever the caller keeps them: their first bytes
    // are prefetched a few keys ahead, so hashing does not wait on each.
    const AHEAD: usize = 8;
    for k in keys.iter().take(AHEAD) {
        prefetch_bytes(k.ptr);
    }
    keys.iter()
        .enumerate()
        .map(|(i, k)| {
            if let Some(next) = keys.get(i + AHEAD) {
                prefetch_bytes(next.ptr);
            }
            // SAFETY: each key's `ptr` is NULL or points to `len` readable
            // bytes, by this function's # Safety.
            unsafe { bytes(k.ptr, k.len, "key") }
                .map(compute_hash)
                .map_err(|e| invalid(&format!("keys[{i}]: {e}")))
        })
        .collect()
}
