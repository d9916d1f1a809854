//! Version, status text, last error, key hashing.

use std::ffi::c_char;

use super::boundary::{self, bytes};
use super::*;
use crate::{NamespaceHasher, compute_hash};

const fn parse(s: &str) -> u32 {
    let b = s.as_bytes();
    let mut i = 0;
    let mut n = 0;
    while i < b.len() {
        n = n * 10 + (b[i] - b'0') as u32;
        i += 1;
    }
    n
}

const VERSION_NUMBER: u32 = parse(env!("CARGO_PKG_VERSION_MAJOR")) * 1_000_000
    + parse(env!("CARGO_PKG_VERSION_MINOR")) * 1000
    + parse(env!("CARGO_PKG_VERSION_PATCH"));

/// The library's version as one number: MAJOR*1000000 + MINOR*1000 + PATCH.
///
/// Compare with #RDRIVE_VERSION_NUMBER to detect a program built against a
/// different header than the library it runs with. Thread-safe.
///
/// @return The version number.
#[unsafe(no_mangle)]
pub extern "C" fn rdrive_version_number() -> u32 {
    VERSION_NUMBER
}

/// The library's version as a string, e.g. "0.1.0".
///
/// Thread-safe.
///
/// @return A static string; never NULL.
#[unsafe(no_mangle)]
pub extern "C" fn rdrive_version_string() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// A static, human-readable name for `status`. Thread-safe.
///
/// @param[in] status A status code.
/// @return A static string; never NULL. Unknown codes give
///         "unknown status".
#[unsafe(no_mangle)]
pub extern "C" fn rdrive_status_str(status: rdrive_status) -> *const c_char {
    let text: &'static str = match status {
        RDRIVE_OK => "ok\0",
        RDRIVE_NOT_FOUND => "not found\0",
        RDRIVE_ERR_INVALID_ARG => "invalid argument\0",
        RDRIVE_ERR_IO => "I/O error\0",
        RDRIVE_ERR_CORRUPT => "corrupt store file\0",
        RDRIVE_ERR_LOCKED => "store is locked by another writer\0",
        RDRIVE_ERR_READ_ONLY => "store is read-only\0",
        RDRIVE_ERR_POISONED => "store handle is poisoned by an earlier failed write or sync\0",
        RDRIVE_ERR_ABORTED => "aborted by a callback\0",
        RDRIVE_ERR_PANIC => "internal error\0",
        RDRIVE_ERR_BUFFER_TOO_SMALL => "buffer too small\0",
        _ => "unknown status\0",
    };
    text.as_ptr().cast()
}

/// Detail of the last failed call on this thread: the function, the path,
/// the offset or OS error involved. A successful call leaves it unchanged.
///
/// Thread-safe: each thread has its own.
///
/// @return The text, owned by the library and valid until the next failing
///         call on the same thread; "" if no call has failed on this thread.
///         Never NULL.
#[unsafe(no_mangle)]
pub extern "C" fn rdrive_last_error() -> *const c_char {
    boundary::value("rdrive_last_error", c"".as_ptr(), boundary::last_error_ptr)
}

/// The 64-bit hash that identifies `key` in a store (xxh3-64, seed 0).
/// Use it with the *_hashed functions to hash a key once.
///
/// Thread-safe.
///
/// @param[in] key The key's bytes (NULL allowed when `key_len` is 0).
/// @param[in] key_len Length of the key.
/// @return The hash. With NULL and a non-zero length: 0, and an error is
///         recorded for rdrive_last_error().
///
/// # Safety
/// - `key` is NULL or points to `key_len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_hash_key(key: *const u8, key_len: usize) -> u64 {
    boundary::value("rdrive_hash_key", 0, || {
        // SAFETY: `key` is NULL or points to `key_len` readable bytes: the
        // `key` bullet of this function's # Safety.
        match unsafe { bytes(key, key_len, "key") } {
            Ok(k) => compute_hash(k),
            Err(e) => {
                boundary::set_last_error("rdrive_hash_key", &e.to_string());
                0
            }
        }
    })
}

/// Builds the 16-byte namespaced form of `key` within namespace `prefix`
/// (compatible with simd-r-drive's NamespaceHasher): xxh3(prefix) then
/// xxh3(key), both little-endian. Use the result as an ordinary key.
///
/// Thread-safe.
///
/// @param[in] prefix The namespace's bytes (NULL allowed when `prefix_len`
///        is 0).
/// @param[in] prefix_len Length of the namespace.
/// @param[in] key The key's bytes (NULL allowed when `key_len` is 0).
/// @param[in] key_len Length of the key.
/// @param[out] out Receives the #RDRIVE_NAMESPACED_KEY_LEN (16) bytes; zeros
///        on failure.
/// @return
/// - #RDRIVE_OK: `out` holds the namespaced key.
/// - #RDRIVE_ERR_INVALID_ARG: `out` is NULL, or `prefix` or `key` is NULL
///   with a non-zero length.
///
/// # Safety
/// - `prefix` is NULL or points to `prefix_len` readable bytes.
/// - `key` is NULL or points to `key_len` readable bytes.
/// - `out` is NULL or points to 16 writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rdrive_namespace_key(
    prefix: *const u8,
    prefix_len: usize,
    key: *const u8,
    key_len: usize,
    out: *mut u8,
) -> rdrive_status {
    boundary::call("rdrive_namespace_key", || {
        // SAFETY: `out` is NULL or 16 writable bytes (a `[u8; 16]` needs no
        // alignment), and `prefix` and `key` are NULL or point to
        // `prefix_len` and `key_len` readable bytes: the `out`, `prefix` and
        // `key` bullets of this function's # Safety. (`out` is cleared
        // first, so a failure leaves zeros in it.)
        let (out, prefix, key) = unsafe {
            (
                boundary::out(out.cast::<[u8; 16]>(), [0; 16], "out")?,
                bytes(prefix, prefix_len, "prefix")?,
                bytes(key, key_len, "key")?,
            )
        };
        *out = NamespaceHasher::new(prefix).namespace(key);
        Ok(RDRIVE_OK)
    })
}

/// Deliberately triggers an internal error inside the library boundary, so
/// programs and language bindings can test their handling of that status.
/// Has no other effect than recording the detail for rdrive_last_error().
///
/// Thread-safe.
///
/// @return #RDRIVE_ERR_PANIC, always.
#[unsafe(no_mangle)]
pub extern "C" fn rdrive_debug_panic() -> rdrive_status {
    boundary::call("rdrive_debug_panic", || {
        panic!("deliberate panic requested by rdrive_debug_panic")
    })
}
