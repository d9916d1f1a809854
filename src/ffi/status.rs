//! The status table: every C status code with the name of its constant and
//! a short text, in one place.
//!
//! The constants stay plain `pub const` items because cbindgen writes those
//! (with their docs) into the header; each row of [`STATUSES`] is built
//! from its constant by [`row!`], which takes the row's name from the
//! constant's identifier, so the two cannot disagree. rdrive_status_str()
//! reads the table, [`status_of`] maps every [`Error`] variant to a row,
//! and the tests below check the table against the constants of this file.

use std::ffi::CStr;

use crate::Error;

/// Result of a fallible call: #RDRIVE_OK, #RDRIVE_NOT_FOUND, or a negative
/// RDRIVE_ERR_* code.
pub type rdrive_status = i32;

/// Success.
pub const RDRIVE_OK: rdrive_status = 0;
/// Not an error: the key is absent (or deleted), or an iterator is exhausted.
pub const RDRIVE_NOT_FOUND: rdrive_status = 1;
/// An argument or the call itself is not acceptable: a pointer is NULL where
/// that is not allowed, a length, count or flag is out of range, a value
/// breaks a rule (empty, or the single byte 0x00), a path names something
/// other than a regular file, or a callback running inside a write or
/// compaction called a writing function of the same store (detail
/// "re-entrant call"). Nothing was changed.
pub const RDRIVE_ERR_INVALID_ARG: rdrive_status = -1;
/// The operating system reported an error: rdrive_last_error() describes it
/// and rdrive_last_os_error() gives its number.
pub const RDRIVE_ERR_IO: rdrive_status = -2;
/// The file is not a store, or data in it is damaged or was changed by
/// another program. rdrive modified nothing.
pub const RDRIVE_ERR_CORRUPT: rdrive_status = -3;
/// Another handle, in this or another process, has the store open for
/// writing.
pub const RDRIVE_ERR_LOCKED: rdrive_status = -4;
/// A write was attempted on a store opened with #RDRIVE_OPEN_READ_ONLY.
pub const RDRIVE_ERR_READ_ONLY: rdrive_status = -5;
/// An earlier write or sync on this handle failed once bytes may have
/// reached the file; the handle refuses further writes (reads still work).
/// Close and reopen the store to recover from what is on disk.
pub const RDRIVE_ERR_POISONED: rdrive_status = -6;
/// A callback (a stream's reader, a compaction's progress) failed or asked
/// to stop; nothing was committed.
pub const RDRIVE_ERR_ABORTED: rdrive_status = -7;
/// An internal error (a bug) was caught at the library boundary.
pub const RDRIVE_ERR_PANIC: rdrive_status = -8;
/// The caller's buffer is too small; the required size was reported.
pub const RDRIVE_ERR_BUFFER_TOO_SMALL: rdrive_status = -9;

/// One row of the status table.
#[derive(Debug)]
pub(crate) struct Status {
    /// The code.
    pub(crate) code: rdrive_status,
    /// The name of its constant, e.g. `RDRIVE_ERR_IO`.
    #[cfg_attr(
        not(test),
        allow(dead_code, reason = "the library hands out `described`")
    )]
    pub(crate) name: &'static str,
    /// What it means, in a few words, e.g. `I/O error`.
    #[cfg_attr(
        not(test),
        allow(dead_code, reason = "the library hands out `described`")
    )]
    pub(crate) text: &'static str,
    /// `NAME: text`, what rdrive_status_str() returns.
    pub(crate) described: &'static CStr,
}

/// The row for the status constant `$code`, named after the constant.
macro_rules! row {
    ($code:ident, $text:literal) => {
        Status {
            code: $code,
            name: stringify!($code),
            text: $text,
            described: c_str(concat!(stringify!($code), ": ", $text, "\0")),
        }
    };
}

/// A NUL-terminated literal as a C string, checked when the table is
/// built (at compile time).
const fn c_str(text: &'static str) -> &'static CStr {
    match CStr::from_bytes_with_nul(text.as_bytes()) {
        Ok(c) => c,
        Err(_) => panic!("a status text holds a NUL byte"),
    }
}

/// Every status, success first, then the errors from -1 down.
pub(crate) static STATUSES: [Status; 11] = [
    row!(RDRIVE_OK, "ok"),
    row!(RDRIVE_NOT_FOUND, "not found"),
    row!(RDRIVE_ERR_INVALID_ARG, "invalid argument"),
    row!(RDRIVE_ERR_IO, "I/O error"),
    row!(RDRIVE_ERR_CORRUPT, "corrupt store file"),
    row!(RDRIVE_ERR_LOCKED, "store is locked by another writer"),
    row!(RDRIVE_ERR_READ_ONLY, "store is read-only"),
    row!(
        RDRIVE_ERR_POISONED,
        "store handle is poisoned by an earlier failed write or sync"
    ),
    row!(RDRIVE_ERR_ABORTED, "aborted by a callback"),
    row!(RDRIVE_ERR_PANIC, "internal error"),
    row!(RDRIVE_ERR_BUFFER_TOO_SMALL, "buffer too small"),
];

/// What rdrive_status_str() gives for a code that is not in the table.
pub(crate) const UNKNOWN_STATUS: &CStr = c"unknown status";

/// The row of `code`, if it is a status.
pub(crate) fn find(code: rdrive_status) -> Option<&'static Status> {
    STATUSES.iter().find(|s| s.code == code)
}

/// The status of a Rust error: the one place where each [`Error`] variant
/// meets its row of the table.
pub(crate) fn status_of(e: &Error) -> rdrive_status {
    match e {
        Error::InvalidArgument(_) => RDRIVE_ERR_INVALID_ARG,
        Error::Io { .. } => RDRIVE_ERR_IO,
        Error::Corrupt { .. } => RDRIVE_ERR_CORRUPT,
        Error::Locked { .. } => RDRIVE_ERR_LOCKED,
        Error::ReadOnly => RDRIVE_ERR_READ_ONLY,
        Error::Poisoned { .. } => RDRIVE_ERR_POISONED,
        Error::Aborted { .. } => RDRIVE_ERR_ABORTED,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    /// One error of each variant.
    fn one_of_each_error() -> Vec<Error> {
        vec![
            Error::InvalidArgument(String::new()),
            Error::io("x", std::io::Error::other("y")),
            Error::Corrupt {
                path: "p".into(),
                offset: 0,
                reason: String::new(),
            },
            Error::Locked { path: "p".into() },
            Error::ReadOnly,
            Error::Poisoned {
                reason: String::new(),
            },
            Error::Aborted {
                reason: String::new(),
            },
        ]
    }

    /// The position of `e`'s variant. No wildcard arm: a new variant does
    /// not compile here until it is added, and then to the list above.
    fn variant_index(e: &Error) -> usize {
        match e {
            Error::InvalidArgument(_) => 0,
            Error::Io { .. } => 1,
            Error::Corrupt { .. } => 2,
            Error::Locked { .. } => 3,
            Error::ReadOnly => 4,
            Error::Poisoned { .. } => 5,
            Error::Aborted { .. } => 6,
        }
    }

    /// The `pub const NAME: rdrive_status = CODE;` items of this file, as
    /// cbindgen sees them.
    fn constants_in_source() -> Vec<(String, rdrive_status)> {
        include_str!("status.rs")
            .lines()
            .filter_map(|line| line.strip_prefix("pub const "))
            .filter_map(|rest| rest.split_once(": rdrive_status = "))
            .map(|(name, value)| {
                let value = value.trim_end_matches(';').parse().expect("a number");
                (name.to_owned(), value)
            })
            .collect()
    }

    #[test]
    fn the_table_holds_each_code_and_name_once_with_a_text() {
        let codes: HashSet<_> = STATUSES.iter().map(|s| s.code).collect();
        let names: HashSet<_> = STATUSES.iter().map(|s| s.name).collect();
        assert_eq!(codes.len(), STATUSES.len(), "codes are unique");
        assert_eq!(names.len(), STATUSES.len(), "names are unique");
        for s in &STATUSES {
            assert!(!s.text.is_empty(), "{} has a text", s.name);
            assert!(s.name.starts_with("RDRIVE_"), "{}", s.name);
            let expected = format!("{}: {}", s.name, s.text);
            assert_eq!(s.described.to_str().unwrap(), expected);
        }
    }

    #[test]
    fn every_status_constant_is_a_row_of_the_table_with_its_own_name() {
        let constants = constants_in_source();
        assert_eq!(constants.len(), STATUSES.len(), "{constants:?}");
        for (name, code) in &constants {
            let row = find(*code).unwrap_or_else(|| panic!("{name} has no row"));
            assert_eq!(row.name, name, "the row of {code}");
        }
    }

    #[test]
    fn success_is_zero_not_found_is_one_and_errors_are_negative() {
        assert_eq!(RDRIVE_OK, 0);
        assert_eq!(RDRIVE_NOT_FOUND, 1);
        for s in &STATUSES {
            if s.name.starts_with("RDRIVE_ERR_") {
                assert!(s.code < 0, "{} is negative", s.name);
            } else {
                assert!(s.code >= 0, "{} is not an error", s.name);
            }
        }
    }

    #[test]
    fn published_codes_keep_their_numbers() {
        let published = [
            ("RDRIVE_OK", 0),
            ("RDRIVE_NOT_FOUND", 1),
            ("RDRIVE_ERR_INVALID_ARG", -1),
            ("RDRIVE_ERR_IO", -2),
            ("RDRIVE_ERR_CORRUPT", -3),
            ("RDRIVE_ERR_LOCKED", -4),
            ("RDRIVE_ERR_READ_ONLY", -5),
            ("RDRIVE_ERR_POISONED", -6),
            ("RDRIVE_ERR_ABORTED", -7),
            ("RDRIVE_ERR_PANIC", -8),
            ("RDRIVE_ERR_BUFFER_TOO_SMALL", -9),
        ];
        for (name, code) in published {
            let row = STATUSES.iter().find(|s| s.name == name).expect(name);
            assert_eq!(row.code, code, "{name}");
        }
    }

    #[test]
    fn every_error_variant_maps_to_its_own_error_row() {
        let errors = one_of_each_error();
        let variants: HashSet<_> = errors.iter().map(variant_index).collect();
        assert_eq!(variants.len(), 7, "one sample of each variant");
        let mut codes = HashSet::new();
        for e in &errors {
            let row = find(status_of(e)).unwrap_or_else(|| panic!("{e:?} has no row"));
            assert!(row.code < 0, "{e:?} maps to an error");
            assert!(codes.insert(row.code), "{e:?} shares {}", row.name);
        }
    }
}
