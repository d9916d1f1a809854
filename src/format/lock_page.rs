//! The shared page: the first 4 KiB of the lock file `<store>.rdrive-lock`,
//! mapped by every handle of the store in every process. It says how far
//! the store file has been written by calls that completed, so handles can
//! catch up with each other and nobody trusts bytes of an unfinished call.
//!
//! ```text
//!   0  magic u64 "RDRVLCK1"
//!   8  boot u64        hash of the kernel's boot id: a page from before a
//!                      reboot describes nothing
//!  16  device u64      the store file the page describes (identity; an
//!  24  inode u64       inode number is checked together with `epoch`)
//!  32  epoch u64       changes whenever the file is replaced (compaction,
//!                      a writer that re-created the state)
//!  40  tail u64        the published tail: every byte below it was written
//!                      by a call that completed
//!  48  generation u64  the index-cache generation shared by the handles
//!  56  busy u64        1 while a write call is between its first byte and
//!                      its publication (a writer that died left it set)
//!  64  version u64     bumped after every change above: readers compare
//!                      one word to know whether anything moved
//!  72  mutex boot u64  hash of the boot id under which the write-call
//!                      mutex was initialized (0: never); a mutex from
//!                      another boot is initialized again before use
//!  80  zeros to 128
//! 128  mutex           the write-call mutex: a process-shared, robust
//!                      `pthread_mutex_t` (40 bytes with glibc on 64-bit
//!                      Linux; up to 128 bytes reserved)
//! 256  zeros to 4096
//! ```
//!
//! Every field but the mutex is a native-endian 64-bit word updated
//! atomically (the page is shared memory of one machine, never moved
//! between machines). The mutex is the C library's: every process of a
//! store must use the same one (processes linked against glibc and musl do
//! not share a store in shared mode).

/// Size of the page (the lock file's length).
pub const PAGE_LEN: usize = 4096;
/// The magic number, as a word.
pub const MAGIC: u64 = u64::from_le_bytes(*b"RDRVLCK1");

/// Word index of the magic number.
pub const MAGIC_AT: usize = 0;
/// Word index of the boot hash.
pub const BOOT_AT: usize = MAGIC_AT + 1;
/// Word index of the store file's device.
pub const DEVICE_AT: usize = BOOT_AT + 1;
/// Word index of the store file's inode.
pub const INODE_AT: usize = DEVICE_AT + 1;
/// Word index of the epoch.
pub const EPOCH_AT: usize = INODE_AT + 1;
/// Word index of the published tail.
pub const TAIL_AT: usize = EPOCH_AT + 1;
/// Word index of the index-cache generation.
pub const GENERATION_AT: usize = TAIL_AT + 1;
/// Word index of the busy flag.
pub const BUSY_AT: usize = GENERATION_AT + 1;
/// Word index of the change counter.
pub const VERSION_AT: usize = BUSY_AT + 1;
/// Word index of the boot hash of the write-call mutex.
pub const MUTEX_BOOT_AT: usize = VERSION_AT + 1;
/// Number of words in use.
pub const WORDS: usize = MUTEX_BOOT_AT + 1;
/// Byte offset of the write-call mutex.
pub const MUTEX_OFFSET: usize = 128;
/// Bytes kept for the write-call mutex.
pub const MUTEX_ROOM: usize = 128;
const _: () = assert!(WORDS * 8 <= MUTEX_OFFSET);
const _: () = assert!(MUTEX_OFFSET + MUTEX_ROOM <= PAGE_LEN);
