//! The C ABI (`include/rdrive.h` is generated from this module).
//!
//! A thin shell: null checks, conversions, status mapping and panic
//! catching happen here; all engine logic lives in [`crate::Store`]. Every
//! export goes through `boundary::call` (or `boundary::value` for the few
//! that return a plain value), so no panic crosses into C.
//!
//! Ownership, declared once per C type:
//! - `rdrive_store`, `rdrive_entry`, `rdrive_iter`: Box-owned by the caller
//!   (created here, released with their `*_close`/`*_free`), see `Owned`.
//! - `rdrive_kv`, `rdrive_bytes`, `rdrive_metadata`: plain C structs passed by
//!   value or borrowed for the duration of a call.
//!
//! The `# Safety` section of every export lists its pointer parameters, in
//! these terms (the header's conventions say the same to C callers):
//! - a *live* store, entry or iterator was made by this library and has not
//!   been passed to its close or free function, nor is it being passed to it
//!   by another thread during the call;
//! - *`n` readable bytes* (or initialized items) are valid for reading and
//!   nobody writes them during the call;
//! - *writable space* for a value is aligned, valid for writing (it need not
//!   hold a value yet) and nobody else reads or writes it during the call.
//!
//! Each export converts its pointers in one `unsafe` block whose `SAFETY`
//! comment names the bullets it relies on.
//!
//! The docs of the exports are the header's: Doxygen commands such as
//! `@param[in]` (which rustdoc would take for links), and a `# Safety`
//! section that `build.rs` turns into `@pre` lines. cbindgen writes the
//! functions in the order it meets them: the modules below are declared in
//! the order a reader meets the API (open and close, write, read, entries,
//! iteration, the rest), each on its own so rustfmt keeps that order.

#![allow(non_camel_case_types)]
#![allow(rustdoc::broken_intra_doc_links)]

pub(crate) mod alloc;
mod boundary;
mod status;

mod store;

mod entry;

mod iter;

mod misc;

pub use entry::*;
pub use iter::*;
pub use misc::*;
pub use status::*;
pub use store::*;

use std::ffi::c_void;

use crate::{EntryHandle, EntryIter, Store};

/// Alignment of every regular value's first byte, in the file and in memory.
pub const RDRIVE_PAYLOAD_ALIGNMENT: usize = 64;
/// Size of the trailer stored after each value.
pub const RDRIVE_METADATA_SIZE: usize = 20;
/// Size of a namespaced key built by rdrive_namespace_key().
pub const RDRIVE_NAMESPACED_KEY_LEN: usize = 16;

/// Open flag: read-only. Never modifies the file (bytes or attributes) and
/// never creates it; write calls return #RDRIVE_ERR_READ_ONLY.
pub const RDRIVE_OPEN_READ_ONLY: u32 = 0x1;
/// Open flag: every write call is made durable (fdatasync) before it returns.
pub const RDRIVE_OPEN_SYNC: u32 = 0x2;
/// Open flag: fail with #RDRIVE_ERR_IO if the file does not exist instead of
/// creating it. (A read-only open never creates.)
pub const RDRIVE_OPEN_MUST_EXIST: u32 = 0x4;
/// Open flag: let recovery discard data it would otherwise refuse to touch (a
/// file with no valid entries at all, or damage in synced data), keeping the
/// longest valid prefix.
pub const RDRIVE_OPEN_REPAIR: u32 = 0x8;

/// An open store. Opaque; create with rdrive_store_open(), release with
/// rdrive_store_close().
pub struct rdrive_store {
    store: Store,
    /// What the open found, as text (see rdrive_store_recovery_detail()).
    detail: std::ffi::CString,
}

/// A stored value, read in place: the C face of an entry handle. Holds a
/// counted reference to the store's memory mapping, so its bytes stay valid
/// until rdrive_entry_free(), even after the store is closed. Opaque.
pub struct rdrive_entry {
    entry: EntryHandle,
    /// The shared block this entry lives in (batch reads), or `None` for
    /// an entry in a box of its own (see `alloc`).
    block: Option<std::ptr::NonNull<alloc::Block>>,
}

impl rdrive_entry {
    /// An entry in a box of its own (see [`Owned::into_raw`]).
    pub(crate) fn new(entry: EntryHandle) -> Self {
        Self { entry, block: None }
    }
}

/// A snapshot iterator over a store's live entries, newest first. Opaque;
/// release with rdrive_iter_free().
pub struct rdrive_iter {
    iter: EntryIter,
}

/// One key/value pair for rdrive_store_batch_write().
#[derive(Debug, Clone, Copy)]
#[repr(C)]
pub struct rdrive_kv {
    /// Key bytes (NULL allowed when key_len is 0).
    pub key: *const u8,
    /// Key length.
    pub key_len: usize,
    /// Value bytes.
    pub value: *const u8,
    /// Value length (at least 1).
    pub value_len: usize,
}

/// A byte string: pointer and length. As input (keys of batch calls) NULL is
/// allowed when len is 0; as output it points into library-owned memory.
#[derive(Debug, Clone, Copy)]
#[repr(C)]
pub struct rdrive_bytes {
    /// First byte.
    pub ptr: *const u8,
    /// Number of bytes.
    pub len: usize,
}

/// An entry's 20-byte trailer, decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C)]
pub struct rdrive_metadata {
    /// xxh3-64 hash of the key (see rdrive_hash_key()).
    pub key_hash: u64,
    /// File length before this entry was appended.
    pub prev_offset: u64,
    /// CRC-32 (zlib polynomial) of the value.
    pub checksum: u32,
}

/// Stream source for rdrive_store_write_stream(): fill `buf` with up to `cap`
/// bytes and return how many (>0), 0 at the end of the stream, or a negative
/// number to abort.
pub type rdrive_read_fn =
    Option<unsafe extern "C" fn(ctx: *mut c_void, buf: *mut u8, cap: usize) -> libc::intptr_t>;

/// Progress callback for rdrive_store_compact_with_progress(): called with
/// the bytes of the new file written so far and their total (at the start,
/// at least every MiB — also inside one large value — and at the end);
/// return 0 to continue, non-zero to stop.
pub type rdrive_progress_fn =
    Option<unsafe extern "C" fn(ctx: *mut c_void, done: u64, total: u64) -> i32>;

/// Visitor for rdrive_store_batch_peek(): called once per key, in order,
/// with the key's index in the batch and its value's bytes (valid only
/// during the call), or NULL and 0 when the key is absent.
pub type rdrive_batch_view_fn =
    Option<unsafe extern "C" fn(ctx: *mut c_void, index: usize, ptr: *const u8, len: usize)>;

/// Visitor for rdrive_store_peek(): sees the value's bytes, valid only
/// during the call.
pub type rdrive_view_fn =
    Option<unsafe extern "C" fn(ctx: *mut c_void, ptr: *const u8, len: usize)>;

/// Open flag: neither read nor write the index cache (`<path>.rdrive-index`,
/// a copy of the index written at a clean close so the next open skips
/// rebuilding it; validated before use and always safe to delete).
pub const RDRIVE_OPEN_NO_INDEX_CACHE: u32 = 0x10;
/// Open flag: a read-write open that finds the store held by another
/// read-write handle waits until it can have it, instead of failing with
/// #RDRIVE_ERR_LOCKED (rdrive_store_open_wait() bounds the wait).
pub const RDRIVE_OPEN_WAIT: u32 = 0x20;
/// Open flag: share the store with other handles opened with this flag, in
/// this process and in others (read-write opens). Each write call holds the
/// writer lock only while it runs, after catching up with what the others
/// wrote; every read first sees every write that completed before it began
/// (one load of shared memory when nothing changed). Shared and exclusive
/// handles exclude each other. Costs: taking a process-shared mutex per
/// write call (no system call when nobody else holds it), and a catch-up
/// (reading the other handles' new entries) when they wrote. A writer that
/// dies holding the mutex hands it on (robust mutex); all processes sharing
/// a store must use the same C library.
pub const RDRIVE_OPEN_SHARED: u32 = 0x40;

/// Recovery note (rdrive_store_recovery_notes()): bytes of a torn or
/// damaged end were cut (read-write open) or left out (read-only open).
pub const RDRIVE_NOTE_TAIL_DISCARDED: u32 = 0x1;
/// Recovery note: the file's watermark did not match it (a backup restored
/// over the file, a replaced file), so it vouched for nothing: every
/// checksum was verified, and a read-write open wrote a fresh one.
pub const RDRIVE_NOTE_WATERMARK_DISCARDED: u32 = 0x2;
/// Recovery note: a leftover file of a compaction that did not finish lies
/// beside the store (`<path>.rdrive-compact`); a read-write open removes it.
pub const RDRIVE_NOTE_STALE_TEMP_FILE: u32 = 0x4;
/// Recovery note (read-only opens): another read-write handle, in this or
/// another process, held the store when it was opened.
pub const RDRIVE_NOTE_WRITER_ACTIVE: u32 = 0x8;
/// Recovery note: the bytes past the tail the writers published belonged to
/// a write call that had not finished — under way in a live writer (with
/// #RDRIVE_NOTE_WRITER_ACTIVE), or left by a writer that died (the next
/// read-write open cuts them). They were left out.
pub const RDRIVE_NOTE_UNFINISHED_WRITE: u32 = 0x10;

/// Box ownership for the opaque types: created by the library, handed to C
/// as a raw pointer, and released exactly once.
pub(crate) trait Owned: Sized {
    fn into_raw(self) -> *mut Self {
        Box::into_raw(Box::new(self))
    }

    /// Releases an object made by [`Owned::into_raw`].
    ///
    /// # Safety
    /// `ptr` is NULL, or was returned by [`Owned::into_raw`] for this type,
    /// has not been freed, is not in use by another call, and is never used
    /// again.
    unsafe fn free(ptr: *mut Self) {
        if !ptr.is_null() {
            // SAFETY: `ptr` is not NULL (checked above), so by this
            // function's # Safety it is a Box leaked by `into_raw`, released
            // here once, with no other user.
            drop(unsafe { Box::from_raw(ptr) });
        }
    }
}

impl Owned for rdrive_store {}
impl Owned for rdrive_entry {
    #[inline]
    fn into_raw(self) -> *mut Self {
        alloc::boxed(self)
    }

    #[inline]
    unsafe fn free(ptr: *mut Self) {
        // SAFETY: the # Safety of `Owned::free`, which `alloc::free`
        // shares.
        unsafe { alloc::free(ptr) }
    }
}
impl Owned for rdrive_iter {}
