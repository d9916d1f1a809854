//! The one error type. Each variant corresponds to exactly one C status code
//! (`RDRIVE_ERR_*`; the status table and the mapping live in
//! `src/ffi/status.rs`); "key not found" is not an error
//! (`Ok(None)`/`Ok(false)`).

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Everything that can go wrong in rdrive.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A caller-supplied value is not acceptable (empty payload, a payload
    /// that is the single byte `0x00`, rename onto itself, copy into the same
    /// file, ...). Nothing was changed. C: `RDRIVE_ERR_INVALID_ARG`.
    InvalidArgument(String),
    /// The operating system reported an error. C: `RDRIVE_ERR_IO`.
    Io {
        /// What rdrive was doing, with the path.
        context: String,
        /// The OS error.
        source: io::Error,
    },
    /// The file is not a store, or bytes that were known to be durable are
    /// damaged. The file was left untouched. C: `RDRIVE_ERR_CORRUPT`.
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Where the damage was found.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// Another handle (in this or another process) holds the file open for
    /// writing. C: `RDRIVE_ERR_LOCKED`.
    Locked {
        /// The file.
        path: PathBuf,
    },
    /// A write was attempted on a store opened read-only.
    /// C: `RDRIVE_ERR_READ_ONLY`.
    ReadOnly,
    /// An earlier write or sync on this handle failed, so it refuses further
    /// writes; reopen the store to recover from what is on disk.
    /// C: `RDRIVE_ERR_POISONED`.
    Poisoned {
        /// The failure that poisoned the handle.
        reason: String,
    },
    /// A caller-supplied reader or callback failed or asked to stop; nothing
    /// was committed. C: `RDRIVE_ERR_ABORTED`.
    Aborted {
        /// Why.
        reason: String,
    },
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn invalid(msg: impl Into<String>) -> Self {
        Error::InvalidArgument(msg.into())
    }

    pub(crate) fn io(context: impl Into<String>, source: io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// The operating system's error number (errno) behind this error, if
    /// it has one: only [`Error::Io`] carries one, and not every I/O error
    /// comes from the operating system.
    pub fn raw_os_error(&self) -> Option<i32> {
        match self {
            Error::Io { source, .. } => source.raw_os_error(),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidArgument(msg) => write!(f, "invalid argument: {msg}"),
            Error::Io { context, source } => write!(f, "{context}: {source}"),
            Error::Corrupt {
                path,
                offset,
                reason,
            } => write!(
                f,
                "{}: corrupt store at offset {offset}: {reason}",
                path.display()
            ),
            Error::Locked { path } => write!(
                f,
                "{}: locked: another handle has the store open for writing",
                path.display()
            ),
            Error::ReadOnly => f.write_str("the store was opened read-only"),
            Error::Poisoned { reason } => write!(
                f,
                "an earlier write or sync failed ({reason}); reopen the store"
            ),
            Error::Aborted { reason } => write!(f, "aborted: {reason}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
