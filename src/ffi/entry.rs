//! `rdrive_entry_*`: the C face of an entry handle.
//!
//! Accessors take a `const rdrive_entry *` and return plain values; a NULL
//! entry yields 0, false or an empty range.

use super::boundary::{self, borrow, call, invalid};
use super::*;

/// Runs an accessor: `f` on the entry, or `fallback` for a NULL entry (or
/// a panic).
///
/// # Safety
/// `entry` is NULL or a live entry (made by this library, not freed) that
/// stays alive for the call.
unsafe fn with_entry<T>(
    function: &'static str,
    entry: *const rdrive_entry,
    fallback: T,
    f: impl FnOnce(&EntryHandle) -> T,
) -> T {
    // SAFETY: a live entry is a valid `rdrive_entry` that nothing mutates
    // (entries are immutable) or frees during the call, as `as_ref`
    // requires; this function's # Safety promises it.
    let entry = unsafe { entry.as_ref() };
    match entry {
        Some(e) => boundary::value(function, fallback, || f(&e.entry)),
        None => fallback,
    }
}

const ZERO_METADATA: rdrive_metadata = rdrive_metadata {
    key_hash: 0,
    prev_offset: 0,
    checksum: 0,
};

fn metadata_of(e: &EntryHandle) -> rdrive_metadata {
    let m = e.metadata();
    rdrive_metadata {
        key_hash: m.key_hash,
        prev_offset: m.prev_offset,
        checksum: m.checksum,
    }
}

/// The value as pointer and length, in place (zero-copy). The bytes are
/// read-only and stay valid and unchanged until rdrive_entry_free() on this
/// entry, even after later writes, compaction and rdrive_store_close().
/// Regular values start on a 64-byte boundary.
///
/// Thread-safe.
///
/// @param[in] entry The entry, or NULL.
/// @return The value's first byte and length; {NULL, 0} for a NULL entry.
///
/// # Safety
/// - `entry` is NULL or a live entry.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_entry_address_range(entry: *const rdrive_entry) -> rdrive_bytes {
    let none = rdrive_bytes {
        ptr: std::ptr::null(),
        len: 0,
    };
    // SAFETY: `entry` is NULL or live: the `entry` bullet of this
    // function's # Safety, which is `with_entry`'s.
    unsafe {
        with_entry("rdrive_entry_address_range", entry, none, |e| {
            rdrive_bytes {
                ptr: e.as_ptr(),
                len: e.size(),
            }
        })
    }
}

/// Length of the value in bytes.
///
/// Thread-safe.
///
/// @param[in] entry The entry, or NULL.
/// @return The length; 0 for a NULL entry.
///
/// # Safety
/// - `entry` is NULL or a live entry.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_entry_size(entry: *const rdrive_entry) -> usize {
    // SAFETY: `entry` is NULL or live: the `entry` bullet of this
    // function's # Safety, which is `with_entry`'s.
    unsafe { with_entry("rdrive_entry_size", entry, 0, |e| e.size()) }
}

/// Length of the value plus its 20-byte trailer.
///
/// Thread-safe.
///
/// @param[in] entry The entry, or NULL.
/// @return The length; 0 for a NULL entry.
///
/// # Safety
/// - `entry` is NULL or a live entry.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_entry_size_with_metadata(entry: *const rdrive_entry) -> usize {
    // SAFETY: `entry` is NULL or live: the `entry` bullet of this
    // function's # Safety, which is `with_entry`'s.
    unsafe {
        with_entry("rdrive_entry_size_with_metadata", entry, 0, |e| {
            e.size_with_metadata()
        })
    }
}

/// Hash of the entry's key (see rdrive_hash_key()).
///
/// Thread-safe.
///
/// @param[in] entry The entry, or NULL.
/// @return The key hash; 0 for a NULL entry.
///
/// # Safety
/// - `entry` is NULL or a live entry.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_entry_key_hash(entry: *const rdrive_entry) -> u64 {
    // SAFETY: `entry` is NULL or live: the `entry` bullet of this
    // function's # Safety, which is `with_entry`'s.
    unsafe { with_entry("rdrive_entry_key_hash", entry, 0, |e| e.key_hash()) }
}

/// Stored CRC-32 of the value.
///
/// Thread-safe.
///
/// @param[in] entry The entry, or NULL.
/// @return The checksum from the entry's trailer; 0 for a NULL entry.
///
/// # Safety
/// - `entry` is NULL or a live entry.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_entry_checksum(entry: *const rdrive_entry) -> u32 {
    // SAFETY: `entry` is NULL or live: the `entry` bullet of this
    // function's # Safety, which is `with_entry`'s.
    unsafe { with_entry("rdrive_entry_checksum", entry, 0, |e| e.checksum()) }
}

/// Recomputes the value's CRC-32 and compares it with the stored one.
///
/// Thread-safe.
///
/// @param[in] entry The entry, or NULL.
/// @return true if they match; false if the bytes are damaged or the entry
///         is NULL.
///
/// # Safety
/// - `entry` is NULL or a live entry.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_entry_is_valid_checksum(entry: *const rdrive_entry) -> bool {
    // SAFETY: `entry` is NULL or live: the `entry` bullet of this
    // function's # Safety, which is `with_entry`'s.
    unsafe {
        with_entry("rdrive_entry_is_valid_checksum", entry, false, |e| {
            e.is_valid_checksum()
        })
    }
}

/// File offset of the value's first byte (in the file the entry was read
/// from: a later compaction does not change it).
///
/// Thread-safe.
///
/// @param[in] entry The entry, or NULL.
/// @return The offset; 0 for a NULL entry.
///
/// # Safety
/// - `entry` is NULL or a live entry.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_entry_start_offset(entry: *const rdrive_entry) -> u64 {
    // SAFETY: `entry` is NULL or live: the `entry` bullet of this
    // function's # Safety, which is `with_entry`'s.
    unsafe {
        with_entry("rdrive_entry_start_offset", entry, 0, |e| {
            e.start_offset() as u64
        })
    }
}

/// File offset one past the value's last byte, where its trailer starts.
///
/// Thread-safe.
///
/// @param[in] entry The entry, or NULL.
/// @return The offset; 0 for a NULL entry.
///
/// # Safety
/// - `entry` is NULL or a live entry.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_entry_end_offset(entry: *const rdrive_entry) -> u64 {
    // SAFETY: `entry` is NULL or live: the `entry` bullet of this
    // function's # Safety, which is `with_entry`'s.
    unsafe {
        with_entry("rdrive_entry_end_offset", entry, 0, |e| {
            e.end_offset() as u64
        })
    }
}

/// The entry's decoded trailer.
///
/// Thread-safe.
///
/// @param[in] entry The entry, or NULL.
/// @return The trailer; all zero for a NULL entry.
///
/// # Safety
/// - `entry` is NULL or a live entry.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_entry_metadata(entry: *const rdrive_entry) -> rdrive_metadata {
    // SAFETY: `entry` is NULL or live: the `entry` bullet of this
    // function's # Safety, which is `with_entry`'s.
    unsafe {
        with_entry("rdrive_entry_metadata", entry, ZERO_METADATA, |e| {
            metadata_of(e)
        })
    }
}

/// Copies up to `cap` bytes of the value, starting at `offset`, into `buf`:
/// reads a large value in chunks.
///
/// Thread-safe.
///
/// @param[in] entry The entry.
/// @param[in] offset Offset in the value of the first byte to copy; at most
///        the value's size.
/// @param[out] buf Destination of `cap` bytes (NULL allowed when nothing is
///        to be copied: `cap` is 0 or `offset` is the value's size).
/// @param[in] cap Size of `buf`.
/// @param[out] n Receives the number of bytes copied,
///        `min(cap, size - offset)`: 0 at the end; 0 on failure.
/// @return
/// - #RDRIVE_OK: `*n` bytes were copied.
/// - #RDRIVE_ERR_INVALID_ARG: `entry` or `n` is NULL, `offset` is past the
///   end of the value, or `buf` is NULL while there are bytes to copy.
///
/// # Safety
/// - `entry` is NULL or a live entry.
/// - `buf` is NULL or points to `cap` writable bytes.
/// - `n` is NULL or points to writable space for a `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_entry_read_at(
    entry: *const rdrive_entry,
    offset: u64,
    buf: *mut u8,
    cap: usize,
    n: *mut usize,
) -> rdrive_status {
    call("rdrive_entry_read_at", || {
        // SAFETY: `n` is NULL or a writable `size_t` and `entry` is NULL or
        // live: the `n` and `entry` bullets of this function's # Safety.
        let (n, entry) = unsafe { (boundary::out(n, 0, "n")?, &borrow(entry, "entry")?.entry) };
        let rest = usize::try_from(offset)
            .ok()
            .and_then(|o| entry.as_slice().get(o..))
            .ok_or_else(|| invalid(&format!("offset {offset} is past the value's end")))?;
        let count = rest.len().min(cap);
        if count > 0 {
            if buf.is_null() {
                return Err(invalid("buf is NULL but cap is not 0"));
            }
            // SAFETY: `buf` is not NULL (checked above), so it points to
            // `cap >= count` writable bytes: the `buf` bullet of this
            // function's # Safety. The value lies in a read-only mapping,
            // which writable bytes cannot overlap.
            unsafe { std::ptr::copy_nonoverlapping(rest.as_ptr(), buf, count) };
        }
        *n = count;
        Ok(RDRIVE_OK)
    })
}

/// A second, independent entry for the same bytes: it shares the mapping
/// and copies nothing. Free both.
///
/// Thread-safe.
///
/// @param[in] entry The entry, or NULL.
/// @return A new entry, to be freed with rdrive_entry_free(); NULL if
///         `entry` is NULL.
///
/// # Safety
/// - `entry` is NULL or a live entry.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_entry_clone(entry: *const rdrive_entry) -> *mut rdrive_entry {
    // SAFETY: `entry` is NULL or live: the `entry` bullet of this
    // function's # Safety, which is `with_entry`'s.
    unsafe {
        with_entry("rdrive_entry_clone", entry, std::ptr::null_mut(), |e| {
            rdrive_entry::new(e.clone_arc()).into_raw()
        })
    }
}

/// Frees an entry. Accepts NULL. Each entry is freed exactly once; its
/// bytes are invalid afterwards.
///
/// @param[in] entry The entry to free, or NULL. It must not be used again.
///
/// # Safety
/// - `entry` is NULL or a live entry that no other call is using, and it
///   is not used again after this call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_entry_free(entry: *mut rdrive_entry) {
    boundary::value("rdrive_entry_free", (), || {
        // SAFETY: `entry` is NULL or was made by this library with
        // `into_raw`, is not in use elsewhere and is never used again: the
        // `entry` bullet of this function's # Safety.
        unsafe { rdrive_entry::free(entry) }
    })
}
