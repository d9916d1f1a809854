//! Version, status text, last error, key hashing.

use std::ffi::{c_char, c_int};

use super::boundary::{self, bytes};
use super::status;
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

/// The name and meaning of `status` as one static string, "NAME: text":
/// for example "RDRIVE_ERR_IO: I/O error" or "RDRIVE_OK: ok". Codes this
/// library does not know give "unknown status".
///
/// Thread-safe.
///
/// @param[in] status A status code.
/// @return A static string; never NULL.
#[unsafe(no_mangle)]
pub extern "C" fn rdrive_status_str(status: rdrive_status) -> *const c_char {
    status::find(status)
        .map_or(status::UNKNOWN_STATUS, |s| s.described)
        .as_ptr()
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

/// The operating system's error number (errno) behind the last failed call
/// on this thread, for a program that must tell failures apart: ENOSPC
/// when a write found the disk full, EACCES when an open was refused, ENOENT
/// for a missing file. Recorded together with rdrive_last_error(): a
/// successful call leaves it unchanged, so read it right after the call
/// that failed.
///
/// Thread-safe: each thread has its own.
///
/// @return The error number; 0 if that failure had no OS error (every
///         status but #RDRIVE_ERR_IO, and an #RDRIVE_ERR_IO the library
///         detected itself), or if no call has failed on this thread.
#[unsafe(no_mangle)]
pub extern "C" fn rdrive_last_os_error() -> c_int {
    boundary::value("rdrive_last_os_error", 0, boundary::last_os_error)
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
                boundary::record_error("rdrive_hash_key", &e);
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

#[cfg(test)]
mod tests {
    use std::ffi::{CStr, CString};
    use std::os::unix::ffi::OsStrExt;
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::ffi::{rdrive_store_close, rdrive_store_open};

    fn fresh_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("rdrive-ffi-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// rdrive_store_open() on `path`: the status and the store (NULL on
    /// failure).
    fn open(path: &Path, flags: u32) -> (rdrive_status, *mut rdrive_store) {
        let path = CString::new(path.as_os_str().as_bytes()).unwrap();
        let mut store = std::ptr::null_mut();
        // SAFETY: `path` is NUL-terminated and `store` is writable space for
        // a store pointer, as rdrive_store_open()'s # Safety requires.
        let status = unsafe { rdrive_store_open(path.as_ptr(), flags, &mut store) };
        (status, store)
    }

    /// A failure that has no OS error: a NULL path.
    fn fail_without_os_error() -> rdrive_status {
        let mut store = std::ptr::null_mut();
        // SAFETY: a NULL path is allowed (and refused); `store` is writable.
        unsafe { rdrive_store_open(std::ptr::null(), 0, &mut store) }
    }

    fn last_error() -> String {
        // SAFETY: rdrive_last_error() returns a NUL-terminated string that
        // stays valid until the next failing call on this thread.
        let text = unsafe { CStr::from_ptr(rdrive_last_error()) };
        text.to_str().unwrap().to_owned()
    }

    #[test]
    fn status_str_names_the_code_then_says_what_it_means() {
        for row in &status::STATUSES {
            // SAFETY: rdrive_status_str() returns a static C string.
            let text = unsafe { CStr::from_ptr(rdrive_status_str(row.code)) };
            assert_eq!(
                text.to_str().unwrap(),
                format!("{}: {}", row.name, row.text)
            );
        }
        // SAFETY: as above.
        let io = unsafe { CStr::from_ptr(rdrive_status_str(RDRIVE_ERR_IO)) };
        assert_eq!(io, c"RDRIVE_ERR_IO: I/O error");
        // SAFETY: as above.
        let ok = unsafe { CStr::from_ptr(rdrive_status_str(RDRIVE_OK)) };
        assert_eq!(ok, c"RDRIVE_OK: ok");
        for unknown in [2, -10, -1000, i32::MIN, i32::MAX] {
            // SAFETY: as above.
            let text = unsafe { CStr::from_ptr(rdrive_status_str(unknown)) };
            assert_eq!(text, c"unknown status", "{unknown}");
        }
    }

    #[test]
    fn a_missing_file_that_must_exist_leaves_enoent_until_the_next_failure() {
        let dir = fresh_dir("enoent");
        let (status, store) = open(&dir.join("missing.rdrive"), RDRIVE_OPEN_MUST_EXIST);
        assert_eq!(status, RDRIVE_ERR_IO);
        assert!(store.is_null());
        assert_eq!(rdrive_last_os_error(), libc::ENOENT);

        // A successful call changes neither the detail nor the number.
        let detail = last_error();
        let (status, store) = open(&dir.join("present.rdrive"), 0);
        assert_eq!(status, RDRIVE_OK);
        assert_eq!(rdrive_last_os_error(), libc::ENOENT);
        assert_eq!(last_error(), detail);

        // The next failure replaces both; this one has no OS error.
        assert_eq!(fail_without_os_error(), RDRIVE_ERR_INVALID_ARG);
        assert_eq!(rdrive_last_os_error(), 0);
        assert!(last_error().contains("path is NULL"));

        // SAFETY: `store` is live and used by nothing else.
        unsafe { rdrive_store_close(store) };
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_read_only_open_of_a_missing_file_leaves_enoent() {
        let dir = fresh_dir("enoent-ro");
        let (status, _) = open(&dir.join("missing.rdrive"), RDRIVE_OPEN_READ_ONLY);
        assert_eq!(status, RDRIVE_ERR_IO);
        assert_eq!(rdrive_last_os_error(), libc::ENOENT);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_directory_is_an_invalid_argument_without_an_os_error() {
        let dir = fresh_dir("directory");
        for flags in [0, RDRIVE_OPEN_READ_ONLY] {
            let (status, store) = open(&dir, flags);
            assert_eq!(status, RDRIVE_ERR_INVALID_ARG, "flags {flags}");
            assert!(store.is_null());
            assert_eq!(rdrive_last_os_error(), 0);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn each_thread_keeps_its_own_last_os_error() {
        let dir = fresh_dir("threads");
        assert_eq!(fail_without_os_error(), RDRIVE_ERR_INVALID_ARG);
        let missing = dir.join("missing.rdrive");
        let seen = std::thread::spawn(move || {
            let before = rdrive_last_os_error();
            let (status, _) = open(&missing, RDRIVE_OPEN_MUST_EXIST);
            (before, status, rdrive_last_os_error())
        })
        .join()
        .unwrap();
        assert_eq!(seen, (0, RDRIVE_ERR_IO, libc::ENOENT));
        assert_eq!(rdrive_last_os_error(), 0, "the other thread's failure");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Fails a call and reads the failure back from a thread-local
    /// destructor, which may run after the library's own thread-local state
    /// is gone.
    struct FailsWhileTheThreadEnds {
        path: PathBuf,
        report: std::sync::mpsc::Sender<(rdrive_status, i32, String)>,
    }

    impl Drop for FailsWhileTheThreadEnds {
        fn drop(&mut self) {
            let (status, _) = open(&self.path, RDRIVE_OPEN_MUST_EXIST);
            let _ = self
                .report
                .send((status, rdrive_last_os_error(), last_error()));
        }
    }

    thread_local! {
        static ENDING: std::cell::RefCell<Option<FailsWhileTheThreadEnds>> =
            const { std::cell::RefCell::new(None) };
    }

    #[test]
    fn a_failure_during_thread_teardown_is_reported_or_forgotten_never_a_crash() {
        let dir = fresh_dir("teardown");
        let (tx, rx) = std::sync::mpsc::channel();
        let path = dir.join("missing.rdrive");
        std::thread::spawn(move || {
            // Registered first, so on most platforms destroyed last: after
            // the library's state for this thread.
            ENDING.with(|slot| {
                *slot.borrow_mut() = Some(FailsWhileTheThreadEnds { path, report: tx });
            });
            assert_eq!(fail_without_os_error(), RDRIVE_ERR_INVALID_ARG);
        })
        .join()
        .unwrap();
        let (status, os_error, detail) = rx.recv().unwrap();
        assert_eq!(status, RDRIVE_ERR_IO);
        // Either the state was still there and holds this failure, or it was
        // gone and there is nothing to tell; never a mix, never an abort.
        let recorded = os_error == libc::ENOENT && detail.contains("missing.rdrive");
        let forgotten = os_error == 0 && detail.is_empty();
        assert!(recorded || forgotten, "{os_error} {detail:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
