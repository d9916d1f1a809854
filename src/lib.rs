//! rdrive: a single-file, append-only key/value store with zero-copy reads.
//!
//! Values are appended to one file at 64-byte-aligned offsets, each followed
//! by a 20-byte trailer (key hash, previous tail, CRC-32). An in-memory index
//! is rebuilt when the file is opened, and reads return an [`EntryHandle`]
//! that points straight into a memory mapping of the file. The files are
//! byte-compatible with the `simd-r-drive` crate, version 0.17.
//!
//! ```no_run
//! # fn main() -> rdrive::Result<()> {
//! let store = rdrive::Store::open("data.rdrive")?;
//! store.write(b"alice", b"hello")?;
//! let entry = store.read(b"alice")?.expect("just written");
//! assert_eq!(entry.as_slice(), b"hello");
//! store.delete(b"alice")?;
//! assert!(store.read(b"alice")?.is_none());
//! # Ok(()) }
//! ```
//!
//! # Limits
//!
//! - **Keys are stored only as their 64-bit xxh3 hash.** Two keys with equal
//!   hashes are the same key; with `n` keys the chance of any collision is
//!   about `n² / 2⁶⁵`. Keys cannot be listed back, only their hashes.
//! - **One writer at a time.** A read-write open takes the writer lock (a
//!   byte lock in `<file>.rdrive-lock` beside the store); a second
//!   read-write open (from this process or another) fails with
//!   [`Error::Locked`]. Closing the store releases it at once, even while
//!   entries from it live. Read-only opens take no lock and see the file as
//!   it was when they opened it.
//! - **Nobody else may modify or truncate the file while it is open.** The
//!   file is memory-mapped; bytes changed underneath change the data seen
//!   through live handles, and truncation makes reading them crash the
//!   process (`SIGBUS`).
//! - Payloads must not be empty nor the single byte `0x00` (the format's
//!   deletion marker); any other content, including runs of zeros, is fine.
//! - The store is one file. Beside it, a read-write handle may leave
//!   `<file>.rdrive-index` at a clean close: a validated, disposable cache of
//!   the index that makes the next open fast (see
//!   [`OpenOptions::index_cache`]).
//!
//! # Durability and recovery
//!
//! Writes reach the operating system before a call returns, so a process
//! that dies loses only the call it was in; [`Store::sync`] or
//! [`OpenOptions::sync_writes`] make them survive a power loss. After any
//! crash the store opens as it was after some prefix of its writes, holding
//! everything written before the last completed sync (an unsynced batch may
//! survive in part). A file that is not a store at all is refused,
//! untouched, unless [`OpenOptions::repair`] is set; what the open found is
//! in [`Store::recovery_notes`]. See `docs/format.md` in the repository for
//! the exact rules and what they assume about the disk.

#![deny(unsafe_op_in_unsafe_fn)]
// Unsafe code lives only where it must: the memory mappings (`store::map`),
// the index's memory (`store::index::words`), a few system calls
// (`store::sys`) and the C boundary (`ffi`).
#![deny(unsafe_code)]

mod digest;
mod entry;
mod error;
#[allow(unsafe_code)]
pub mod ffi;
pub mod format;
#[cfg(feature = "fuzz-api")]
#[doc(hidden)]
pub mod fuzz_api;
mod store;
#[cfg(test)]
mod tests;

// The README's Rust example compiles and runs as a doc test, so it cannot
// drift from the API (it writes `data.rdrive` in the package directory).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
mod readme {}

pub use digest::{NamespaceHasher, compute_checksum, compute_hash, compute_hash_batch};
pub use entry::{EntryHandle, EntryStream};
pub use error::{Error, Result};
pub use format::{EntryMetadata, METADATA_SIZE, PAYLOAD_ALIGNMENT};
pub use store::{
    CompactionStats, EntryIter, OpenOptions, RecoveryNotes, Store, StoreMapping, SyncMark,
    sync_mark,
};
