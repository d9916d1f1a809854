//! The store: one file, an in-memory index, a memory mapping, one writer.
//!
//! Concurrency design:
//! - Readers pin the current [`State`] (mapping + index) through a
//!   [`published::Published`] cell and look keys up in a lock-free table:
//!   they never take a lock and never wait for the writer's I/O.
//! - Writers serialize on one mutex, append with a positioned write at the
//!   tracked tail, then publish: raise the mapping's valid length (or swap in
//!   a larger mapping), update the index and the published tail.
//! - Snapshot readers (iteration, `read_last_entry`) and the publish step
//!   share an `RwLock`, so a snapshot never sees half of a batch. The lock is
//!   held only for in-memory work, never across I/O.

pub(crate) mod cache;
mod close;
mod compact;
pub(crate) mod coord;
mod follow;
pub(crate) mod index;
pub(crate) mod io;
mod iter;
#[allow(unsafe_code)]
pub(crate) mod map;
pub(crate) mod open;
#[allow(unsafe_code)]
pub(crate) mod published;
mod read;
pub(crate) mod recovery;
mod stream;
#[allow(unsafe_code)]
pub(crate) mod sys;
mod write;

use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use crate::error::{Error, Result};
use crate::format::watermark::Watermark;
use index::Index;
use io::Storage;
use map::MapView;

pub use compact::CompactionStats;
pub use iter::EntryIter;
pub use map::Mapping as StoreMapping;

/// Identity of an open file: device and inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileId {
    pub(crate) dev: u64,
    pub(crate) ino: u64,
}

impl FileId {
    fn of(file: &File) -> std::io::Result<Self> {
        let meta = file.metadata()?;
        Ok(Self {
            dev: meta.dev(),
            ino: meta.ino(),
        })
    }
}

/// What readers see: the current mapping and index of the current file.
pub(crate) struct State {
    pub(crate) map: Arc<MapView>,
    pub(crate) index: Arc<Index>,
    pub(crate) file_id: FileId,
}

/// A read-only handle's private state, for refreshing its snapshot.
pub(crate) struct Follower {
    /// The store file it reads.
    file: File,
    /// The shared page's epoch of that file (0: none).
    epoch: u64,
}

/// The writer's private state, behind the writer mutex.
pub(crate) struct Writer {
    /// Every change to files goes through it.
    io: Arc<dyn Storage>,
    file: File,
    /// The lock file, holding the writer's lock while the handle lives.
    coord: Arc<coord::Coord>,
    /// The shared page's epoch of the file this writer writes.
    epoch: u64,
    /// Tail of the file: where the next entry goes.
    tail: u64,
    /// Tail known to be durable (fdatasync'd).
    synced: u64,
    /// Tail recorded in the watermark attribute.
    watermark: u64,
    /// The store's identity and the file's generation, as recorded in the
    /// watermark.
    store_id: u64,
    generation: u64,
    /// The filesystem keeps extended attributes.
    xattrs: bool,
    poisoned: Option<String>,
    buf: Vec<u8>,
}

/// How to open a store. `OpenOptions::new()` opens read-write and creates
/// the file if it is missing.
#[derive(Clone)]
pub struct OpenOptions {
    read_only: bool,
    create: bool,
    sync_writes: bool,
    repair: bool,
    index_cache: bool,
    index_cache_min_keys: usize,
    shared: bool,
    wait: coord::Wait,
    /// Where file changes go (tests record them or inject failures).
    storage: Option<Arc<dyn Storage>>,
}

impl std::fmt::Debug for OpenOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenOptions")
            .field("read_only", &self.read_only)
            .field("create", &self.create)
            .field("sync_writes", &self.sync_writes)
            .field("repair", &self.repair)
            .field("index_cache", &self.index_cache)
            .field("index_cache_min_keys", &self.index_cache_min_keys)
            .field("shared", &self.shared)
            .field("wait", &self.wait)
            .finish_non_exhaustive()
    }
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl OpenOptions {
    /// Read-write, create if missing, no per-write sync, no repair.
    pub fn new() -> Self {
        Self {
            read_only: false,
            create: true,
            sync_writes: false,
            repair: false,
            index_cache: true,
            index_cache_min_keys: DEFAULT_INDEX_CACHE_MIN_KEYS,
            shared: false,
            wait: coord::Wait::No,
            storage: None,
        }
    }

    /// Open without write access. A read-only open never modifies the file
    /// (neither its bytes nor its attributes) and never creates it; write
    /// calls fail with [`Error::ReadOnly`].
    pub fn read_only(&mut self, yes: bool) -> &mut Self {
        self.read_only = yes;
        self
    }

    /// Create the file when it does not exist (read-write opens only).
    pub fn create(&mut self, yes: bool) -> &mut Self {
        self.create = yes;
        self
    }

    /// Make every write call durable (`fdatasync`) before it returns.
    pub fn sync_writes(&mut self, yes: bool) -> &mut Self {
        self.sync_writes = yes;
        self
    }

    /// Let recovery discard data it would otherwise refuse to touch: a file
    /// with no valid chain at all, or damage in data that was synced. With
    /// repair the store keeps the longest valid prefix.
    pub fn repair(&mut self, yes: bool) -> &mut Self {
        self.repair = yes;
        self
    }

    /// Use the index cache (`<file>.rdrive-index`, on by default): a copy of
    /// the index written at a clean close so the next open loads it instead
    /// of walking the whole file. It is validated before use (same file,
    /// tail, trailer, checksums) and ignored when stale; deleting it is
    /// always safe. Read-only handles read it but never write it.
    pub fn index_cache(&mut self, yes: bool) -> &mut Self {
        self.index_cache = yes;
        self
    }

    /// Write the index cache only for stores with at least `keys` live keys
    /// (default 16,384; smaller indexes rebuild in a few milliseconds).
    pub fn index_cache_min_keys(&mut self, keys: usize) -> &mut Self {
        self.index_cache_min_keys = keys;
        self
    }

    /// Share the store with other shared handles, in this process and in
    /// others (read-write opens). Each write call then holds the writer
    /// lock only while it runs, after catching up with what the others
    /// appended, and every read first sees what they published (one load
    /// of shared memory when nothing changed). An exclusive handle and a
    /// shared one exclude each other.
    pub fn shared(&mut self, yes: bool) -> &mut Self {
        self.shared = yes;
        self
    }

    /// Wait for the writer lock instead of failing with [`Error::Locked`]
    /// (read-write opens).
    pub fn wait(&mut self, yes: bool) -> &mut Self {
        self.wait = if yes {
            coord::Wait::Forever
        } else {
            coord::Wait::No
        };
        self
    }

    /// Wait for the writer lock at most `limit`, then fail with
    /// [`Error::Locked`] (read-write opens).
    pub fn wait_timeout(&mut self, limit: std::time::Duration) -> &mut Self {
        self.wait = coord::Wait::For(limit);
        self
    }

    /// Opens the store at `path`.
    pub fn open(&self, path: impl AsRef<Path>) -> Result<Store> {
        Store::open_with(path.as_ref(), self.clone())
    }

    /// Sends every change to files through `storage` (tests).
    #[cfg(test)]
    pub(crate) fn storage(&mut self, storage: Arc<dyn Storage>) -> &mut Self {
        self.storage = Some(storage);
        self
    }
}

/// A single-file, append-only key/value store.
///
/// `Store` is `Send + Sync`: share it between threads (e.g. in an `Arc`).
/// Any number of threads may read while one writes; writes are serialized.
/// See the crate docs for the limits of the format.
pub struct Store {
    /// The path as given.
    path: PathBuf,
    /// The file it names, symbolic links resolved.
    file_path: PathBuf,
    read_only: bool,
    sync_writes: bool,
    notes: RecoveryNotes,
    /// Where the index cache lives, if enabled; and the size that earns one.
    cache: Option<(PathBuf, usize)>,
    from_cache: bool,
    state: published::Published<State>,
    /// Published tail: every entry below it is visible through `state`.
    tail: AtomicU64,
    publish: RwLock<()>,
    writer: Option<Mutex<Writer>>,
    /// The thread holding the writer (see `write::thread_token`), or 0.
    writer_owner: AtomicUsize,
    /// Read-only handles: what refreshing needs.
    follower: Option<Mutex<Follower>>,
    /// The lock file: read-write handles always have it, read-only ones
    /// when they could open it.
    coord: Option<Arc<coord::Coord>>,
    /// Shared mode: reads catch up with other handles' writes.
    shared: bool,
    /// The shared page's version this handle has caught up with.
    seen: AtomicU64,
}

/// What opening a store found and did about it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecoveryNotes {
    /// Bytes of a torn or damaged end that were cut (read-write) or left
    /// out (read-only).
    pub discarded_bytes: u64,
    /// The stored watermark did not match the file (why): it vouched for
    /// nothing, every checksum was verified, and a read-write open wrote a
    /// fresh one. A store restored from a backup over its old file shows
    /// this.
    pub watermark_discarded: Option<String>,
    /// Size of a leftover compaction file found beside the store, from a
    /// compaction that did not finish. A read-write open removes it.
    pub stale_temp_file: Option<u64>,
    /// Another read-write handle (in any process) held the store when it
    /// was opened (read-only opens).
    pub writer_active: bool,
    /// Bytes past the published tail belonged to a write call that had not
    /// finished: under way in a live writer (see `writer_active`), or left
    /// by a writer that died (the next read-write open cuts them). They
    /// were left out.
    pub unfinished_write: bool,
}

impl RecoveryNotes {
    /// Bit for [`RecoveryNotes::discarded_bytes`] > 0.
    pub const TAIL_DISCARDED: u32 = 0x1;
    /// Bit for [`RecoveryNotes::watermark_discarded`].
    pub const WATERMARK_DISCARDED: u32 = 0x2;
    /// Bit for [`RecoveryNotes::stale_temp_file`].
    pub const STALE_TEMP_FILE: u32 = 0x4;
    /// Bit for [`RecoveryNotes::writer_active`].
    pub const WRITER_ACTIVE: u32 = 0x8;
    /// Bit for [`RecoveryNotes::unfinished_write`].
    pub const UNFINISHED_WRITE: u32 = 0x10;

    /// The notes as bits (`TAIL_DISCARDED | ...`).
    pub fn bits(&self) -> u32 {
        let mut bits = 0;
        if self.discarded_bytes > 0 {
            bits |= Self::TAIL_DISCARDED;
        }
        if self.watermark_discarded.is_some() {
            bits |= Self::WATERMARK_DISCARDED;
        }
        if self.stale_temp_file.is_some() {
            bits |= Self::STALE_TEMP_FILE;
        }
        if self.writer_active {
            bits |= Self::WRITER_ACTIVE;
        }
        if self.unfinished_write {
            bits |= Self::UNFINISHED_WRITE;
        }
        bits
    }
}

/// A random non-zero 64-bit value, for store ids and generations (from the
/// standard library's randomly seeded hasher keys, mixed with the time).
pub(crate) fn random_id() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    h.write_u128(now);
    h.write_u32(std::process::id());
    h.finish() | 1
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .field("read_only", &self.read_only)
            .field("tail", &self.tail.load(Ordering::Relaxed))
            .finish()
    }
}

/// Stores with fewer live keys rebuild their index fast enough without a
/// cache.
const DEFAULT_INDEX_CACHE_MIN_KEYS: usize = 16_384;

/// Minimum mapping reservation; mappings reserve about twice the file.
const MIN_RESERVATION: u64 = 0x10_0000; // 1 MiB
const RESERVATION_GRAIN: u64 = 0x1_0000; // 64 KiB

fn reservation_for(len: u64) -> Result<usize> {
    let want = len.saturating_mul(2).max(MIN_RESERVATION);
    let rounded = want.div_ceil(RESERVATION_GRAIN) * RESERVATION_GRAIN;
    usize::try_from(rounded).map_err(|_| Error::invalid("store too large for this platform"))
}

fn io_err(path: &Path, what: &str) -> impl FnOnce(std::io::Error) -> Error {
    let context = format!("{}: {what}", path.display());
    move |source| Error::io(context, source)
}

/// The durability mark rdrive keeps beside a store file (in the extended
/// attribute `user.rdrive.watermark`, so the file's bytes stay identical to
/// simd-r-drive's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncMark {
    /// Length of the file known to be durable; bytes below it are trusted at
    /// open, bytes above it are verified entry by entry.
    pub synced_len: u64,
    /// The last read-write handle was closed cleanly.
    pub clean: bool,
}

/// Reads the durability mark of the store file at `path`, without opening
/// the store. `Ok(None)` when there is none (a file never opened read-write
/// by rdrive, or a filesystem without extended attributes).
pub fn sync_mark(path: impl AsRef<Path>) -> Result<Option<SyncMark>> {
    let path = path.as_ref();
    let file = File::open(path).map_err(io_err(path, "open"))?;
    let attr = sys::watermark_attr(&file).map_err(io_err(path, "read watermark"))?;
    Ok(attr.and_then(|b| Watermark::decode(&b)).map(|w| SyncMark {
        synced_len: w.tail,
        clean: w.clean,
    }))
}

impl Store {
    /// Opens (creating if missing) the store at `path` for reading and
    /// writing.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        OpenOptions::new().open(path)
    }

    /// Opens an existing store for reading and writing; fails if `path` does
    /// not exist.
    pub fn open_existing(path: impl AsRef<Path>) -> Result<Self> {
        OpenOptions::new().create(false).open(path)
    }

    /// Opens an existing store read-only. Never modifies the file.
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Self> {
        OpenOptions::new().read_only(true).open(path)
    }
}

#[cfg(test)]
mod recovery_note_bits {
    use super::RecoveryNotes;

    #[test]
    fn each_recovery_note_sets_its_own_bit_and_nothing_sets_none() {
        let none = RecoveryNotes::default();
        assert_eq!(none.bits(), 0);
        let notes: [(RecoveryNotes, u32); 5] = [
            (
                RecoveryNotes {
                    discarded_bytes: 1,
                    ..Default::default()
                },
                RecoveryNotes::TAIL_DISCARDED,
            ),
            (
                RecoveryNotes {
                    watermark_discarded: Some("restored".into()),
                    ..Default::default()
                },
                RecoveryNotes::WATERMARK_DISCARDED,
            ),
            (
                RecoveryNotes {
                    stale_temp_file: Some(0),
                    ..Default::default()
                },
                RecoveryNotes::STALE_TEMP_FILE,
            ),
            (
                RecoveryNotes {
                    writer_active: true,
                    ..Default::default()
                },
                RecoveryNotes::WRITER_ACTIVE,
            ),
            (
                RecoveryNotes {
                    unfinished_write: true,
                    ..Default::default()
                },
                RecoveryNotes::UNFINISHED_WRITE,
            ),
        ];
        let mut all = 0;
        for (n, bit) in &notes {
            assert_eq!(n.bits(), *bit, "{n:?}");
            assert_eq!(bit.count_ones(), 1);
            assert_eq!(all & bit, 0, "bits are distinct");
            all |= bit;
        }
        let every = RecoveryNotes {
            discarded_bytes: 4096,
            watermark_discarded: Some("restored".into()),
            stale_temp_file: Some(10),
            writer_active: true,
            unfinished_write: true,
        };
        assert_eq!(every.bits(), all);
    }
}

#[cfg(test)]
mod debug_output {
    use super::{OpenOptions, Store};

    #[test]
    fn options_and_handles_show_their_settings_when_debug_printed() {
        let mut o = OpenOptions::new();
        o.shared(true).index_cache_min_keys(7).sync_writes(true);
        let shown = format!("{o:?}");
        for part in [
            "shared: true",
            "index_cache_min_keys: 7",
            "sync_writes: true",
        ] {
            assert!(shown.contains(part), "{part} in {shown}");
        }
        let dir = crate::tests::scratch("debug-output");
        let path = dir.join("d.rdrive");
        let s = Store::open(&path).unwrap();
        s.write(b"k", b"value").unwrap();
        let shown = format!("{s:?}");
        assert!(shown.contains("d.rdrive"), "{shown}");
        assert!(
            shown.contains(&format!("tail: {}", s.file_size())),
            "{shown}"
        );
        assert!(shown.contains("read_only: false"), "{shown}");
        drop(s);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
