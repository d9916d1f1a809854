//! `rdrive_entry_*`: the C face of an entry handle.
//!
//! Accessors take a `const rdrive_entry *` and return plain values; a NULL
//! entry yields 0, false or an empty range.

use super::boundary::{self, borrow, call, invalid};
use super::*;

/// # Safety
/// `entry` is NULL or a live entry.
unsafe fn get<'a>(entry: *const rdrive_entry) -> Option<&'a EntryHandle> {
    // SAFETY: forwarded caller contract.
    unsafe { entry.as_ref() }.map(|e| &e.entry)
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
/// read-only and stay valid until rdrive_entry_free() on this entry, even
/// after the store is closed. Regular values start on a 64-byte boundary.
/// A NULL entry gives {NULL, 0}.
///
/// Thread-safe.
///
/// # Safety
/// `entry` is NULL or a live entry.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_entry_address_range(entry: *const rdrive_entry) -> rdrive_bytes {
    boundary::value(
        "rdrive_entry_address_range",
        rdrive_bytes {
            ptr: std::ptr::null(),
            len: 0,
        },
        || {
            // SAFETY: forwarded caller contract.
            match unsafe { get(entry) } {
                Some(e) => rdrive_bytes {
                    ptr: e.as_ptr(),
                    len: e.size(),
                },
                None => rdrive_bytes {
                    ptr: std::ptr::null(),
                    len: 0,
                },
            }
        },
    )
}

/// Length of the value in bytes (0 for a NULL entry).
///
/// Thread-safe.
///
/// # Safety
/// `entry` is NULL or a live entry.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_entry_size(entry: *const rdrive_entry) -> usize {
    boundary::value("rdrive_entry_size", 0, || {
        // SAFETY: forwarded caller contract.
        match unsafe { get(entry) } {
            Some(e) => e.size(),
            None => 0,
        }
    })
}

/// Length of the value plus its 20-byte trailer (0 for a NULL entry).
///
/// Thread-safe.
///
/// # Safety
/// `entry` is NULL or a live entry.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_entry_size_with_metadata(entry: *const rdrive_entry) -> usize {
    boundary::value("rdrive_entry_size_with_metadata", 0, || {
        // SAFETY: forwarded caller contract.
        match unsafe { get(entry) } {
            Some(e) => e.size_with_metadata(),
            None => 0,
        }
    })
}

/// Hash of the entry's key (see rdrive_hash_key()); 0 for a NULL entry.
///
/// Thread-safe.
///
/// # Safety
/// `entry` is NULL or a live entry.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_entry_key_hash(entry: *const rdrive_entry) -> u64 {
    boundary::value("rdrive_entry_key_hash", 0, || {
        // SAFETY: forwarded caller contract.
        match unsafe { get(entry) } {
            Some(e) => e.key_hash(),
            None => 0,
        }
    })
}

/// Stored CRC-32 of the value; 0 for a NULL entry.
///
/// Thread-safe.
///
/// # Safety
/// `entry` is NULL or a live entry.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_entry_checksum(entry: *const rdrive_entry) -> u32 {
    boundary::value("rdrive_entry_checksum", 0, || {
        // SAFETY: forwarded caller contract.
        match unsafe { get(entry) } {
            Some(e) => e.checksum(),
            None => 0,
        }
    })
}

/// Recomputes the value's CRC-32 and compares it with the stored one:
/// false means the bytes are damaged (or the entry is NULL).
///
/// Thread-safe.
///
/// # Safety
/// `entry` is NULL or a live entry.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_entry_is_valid_checksum(entry: *const rdrive_entry) -> bool {
    boundary::value("rdrive_entry_is_valid_checksum", false, || {
        // SAFETY: forwarded caller contract.
        match unsafe { get(entry) } {
            Some(e) => e.is_valid_checksum(),
            None => false,
        }
    })
}

/// File offset of the value's first byte; 0 for a NULL entry.
///
/// Thread-safe.
///
/// # Safety
/// `entry` is NULL or a live entry.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_entry_start_offset(entry: *const rdrive_entry) -> u64 {
    boundary::value("rdrive_entry_start_offset", 0, || {
        // SAFETY: forwarded caller contract.
        match unsafe { get(entry) } {
            Some(e) => e.start_offset() as u64,
            None => 0,
        }
    })
}

/// File offset one past the value's last byte (where its trailer starts);
/// 0 for a NULL entry.
///
/// Thread-safe.
///
/// # Safety
/// `entry` is NULL or a live entry.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_entry_end_offset(entry: *const rdrive_entry) -> u64 {
    boundary::value("rdrive_entry_end_offset", 0, || {
        // SAFETY: forwarded caller contract.
        match unsafe { get(entry) } {
            Some(e) => e.end_offset() as u64,
            None => 0,
        }
    })
}

/// The entry's decoded trailer (all zero for a NULL entry).
///
/// Thread-safe.
///
/// # Safety
/// `entry` is NULL or a live entry.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_entry_metadata(entry: *const rdrive_entry) -> rdrive_metadata {
    boundary::value("rdrive_entry_metadata", ZERO_METADATA, || {
        // SAFETY: forwarded caller contract.
        match unsafe { get(entry) } {
            Some(e) => metadata_of(e),
            None => ZERO_METADATA,
        }
    })
}

/// A second, independent entry for the same bytes (shares the mapping;
/// copies nothing). Free both. NULL if `entry` is NULL.
///
/// Thread-safe.
///
/// # Safety
/// `entry` is NULL or a live entry.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_entry_clone(entry: *const rdrive_entry) -> *mut rdrive_entry {
    boundary::value("rdrive_entry_clone", std::ptr::null_mut(), || {
        // SAFETY: forwarded caller contract.
        match unsafe { get(entry) } {
            Some(e) => rdrive_entry {
                entry: e.clone_arc(),
            }
            .into_raw(),
            None => std::ptr::null_mut(),
        }
    })
}

/// Frees an entry. Accepts NULL. Each entry is freed exactly once.
///
/// # Safety
/// `entry` is NULL or an entry from this library not freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_entry_free(entry: *mut rdrive_entry) {
    // SAFETY: forwarded caller contract.
    boundary::value("rdrive_entry_free", (), || unsafe {
        rdrive_entry::free(entry)
    })
}

/// Copies up to `cap` bytes of the value, starting at `offset`, into `buf`:
/// reads a large value in chunks.
///
/// @param n Receives the number of bytes copied: `min(cap, size - offset)`,
///        0 at the end.
/// @return #RDRIVE_OK; #RDRIVE_ERR_INVALID_ARG (NULL pointer, or `offset`
///         past the end of the value).
///
/// # Safety
/// `entry` is NULL or live; `buf` points to `cap` writable bytes; `n` is NULL
/// or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_entry_read_at(
    entry: *const rdrive_entry,
    offset: u64,
    buf: *mut u8,
    cap: usize,
    n: *mut usize,
) -> rdrive_status {
    call("rdrive_entry_read_at", || {
        // SAFETY: forwarded caller contract.
        let n = unsafe { boundary::out(n, 0, "n") }?;
        // SAFETY: forwarded caller contract.
        let entry = &unsafe { borrow(entry, "entry") }?.entry;
        let rest = usize::try_from(offset)
            .ok()
            .and_then(|o| entry.as_slice().get(o..))
            .ok_or_else(|| invalid(&format!("offset {offset} is past the value's end")))?;
        let count = rest.len().min(cap);
        if count > 0 {
            if buf.is_null() {
                return Err(invalid("buf is NULL but cap is not 0"));
            }
            // SAFETY: `buf` has `cap >= count` writable bytes, distinct from
            // the read-only mapping.
            unsafe { std::ptr::copy_nonoverlapping(rest.as_ptr(), buf, count) };
        }
        *n = count;
        Ok(RDRIVE_OK)
    })
}
