//! The store: one file, an in-memory index, a memory mapping, one writer.
//!
//! Concurrency design:
//! - Readers load the current [`State`] (mapping + index) through an
//!   `ArcSwap` and look keys up in a lock-free table: they never take a lock
//!   and never wait for the writer's I/O.
//! - Writers serialize on one mutex, append with a positioned write at the
//!   tracked tail, then publish: raise the mapping's valid length (or swap in
//!   a larger mapping), update the index and the published tail.
//! - Snapshot readers (iteration, `read_last_entry`) and the publish step
//!   share an `RwLock`, so a snapshot never sees half of a batch. The lock is
//!   held only for in-memory work, never across I/O.

mod cache;
mod compact;
mod index;
mod iter;
pub(crate) mod map;
mod read;
pub(crate) mod recovery;
mod sys;
mod write;

use std::fs::File;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use arc_swap::ArcSwap;

use crate::error::{Error, Result};
use crate::format::METADATA_SIZE;
use index::{Index, IndexBuilder};
use map::{FileView, MapView, Mapping};
use recovery::{Sink, Watermark};

pub use compact::CompactionStats;
pub use iter::EntryIter;
pub use map::Mapping as StoreMapping;

/// Identity of an open file: device and inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileId {
    dev: u64,
    ino: u64,
}

impl FileId {
    fn of(file: &File) -> io::Result<Self> {
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

/// The writer's private state, behind the writer mutex.
pub(crate) struct Writer {
    file: File,
    /// Tail of the file: where the next entry goes.
    tail: u64,
    /// Tail known to be durable (fdatasync'd).
    synced: u64,
    /// Tail recorded in the watermark attribute.
    watermark: u64,
    /// The filesystem keeps extended attributes.
    xattrs: bool,
    poisoned: Option<String>,
    buf: Vec<u8>,
}

/// How to open a store. `OpenOptions::new()` opens read-write and creates
/// the file if it is missing.
#[derive(Debug, Clone, Copy)]
pub struct OpenOptions {
    read_only: bool,
    create: bool,
    sync_writes: bool,
    repair: bool,
    index_cache: bool,
    index_cache_min_keys: usize,
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

    /// Opens the store at `path`.
    pub fn open(&self, path: impl AsRef<Path>) -> Result<Store> {
        Store::open_with(path.as_ref(), *self)
    }
}

/// A single-file, append-only key/value store.
///
/// `Store` is `Send + Sync`: share it between threads (e.g. in an `Arc`).
/// Any number of threads may read while one writes; writes are serialized.
/// See the crate docs for the limits of the format.
pub struct Store {
    path: PathBuf,
    read_only: bool,
    sync_writes: bool,
    recovered_bytes: u64,
    /// Where the index cache lives, if enabled; and the size that earns one.
    cache: Option<(PathBuf, usize)>,
    from_cache: bool,
    state: ArcSwap<State>,
    /// Published tail: every entry below it is visible through `state`.
    tail: AtomicU64,
    publish: RwLock<()>,
    writer: Option<Mutex<Writer>>,
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
const DEFAULT_INDEX_CACHE_MIN_KEYS: usize = 16 * 1024;

/// Minimum mapping reservation; mappings reserve about twice the file.
const MIN_RESERVATION: u64 = 1 << 20;
const RESERVATION_GRAIN: u64 = 64 * 1024;

fn reservation_for(len: u64) -> Result<usize> {
    let want = len.saturating_mul(2).max(MIN_RESERVATION);
    let rounded = want.div_ceil(RESERVATION_GRAIN) * RESERVATION_GRAIN;
    usize::try_from(rounded).map_err(|_| Error::invalid("store too large for this platform"))
}

/// Builds the index while recovery walks the chain newest to oldest.
struct IndexSink {
    builder: Option<IndexBuilder>,
    error: Option<io::Error>,
    file_len: u64,
}

impl IndexSink {
    const SAMPLE: usize = 1024;

    fn fail(&mut self, e: io::Error) {
        self.builder = None;
        self.error.get_or_insert(e);
    }
}

impl Sink for IndexSink {
    fn reset(&mut self) {
        match IndexBuilder::with_capacity(0) {
            Ok(b) => self.builder = Some(b),
            Err(e) => self.fail(e),
        }
    }

    fn entry(&mut self, key_hash: u64, meta_at: u64, tombstone: bool) {
        let Some(builder) = &mut self.builder else {
            return;
        };
        let mut result = Ok(());
        if builder.seen() == Self::SAMPLE {
            // Estimate the entry count from the bytes covered so far and
            // size the table once instead of growing it repeatedly.
            let covered = self.file_len.saturating_sub(meta_at).max(1);
            let estimate = self.file_len / covered * Self::SAMPLE as u64;
            result = builder.reserve(usize::try_from(estimate).unwrap_or(usize::MAX));
        }
        let flag = if tombstone { index::TOMBSTONE_BIT } else { 0 };
        if let Err(e) = result.and_then(|()| builder.push(key_hash, meta_at | flag)) {
            self.fail(e);
        }
    }
}

fn io_err(path: &Path, what: &str) -> impl FnOnce(io::Error) -> Error {
    let context = format!("{}: {what}", path.display());
    move |source| Error::io(context, source)
}

/// Opens `path`, creating it if allowed. Returns the file and whether it was
/// created by this call.
fn open_file(path: &Path, opts: &OpenOptions) -> Result<(File, bool)> {
    let mut o = std::fs::OpenOptions::new();
    o.read(true).write(!opts.read_only);
    match o.open(path) {
        Ok(f) => Ok((f, false)),
        Err(e) if e.kind() == io::ErrorKind::NotFound && opts.create && !opts.read_only => {
            match o.clone().create_new(true).open(path) {
                Ok(f) => Ok((f, true)),
                // Someone created it between our two calls: open theirs.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => o
                    .open(path)
                    .map(|f| (f, false))
                    .map_err(io_err(path, "open")),
                Err(e) => Err(io_err(path, "create")(e)),
            }
        }
        Err(e) => Err(io_err(path, "open")(e)),
    }
}

/// Applies a delta index (entries newer than a cached index, deletion
/// markers included) on top of the cached index.
fn apply_delta(mut base: Index, delta: &Index) -> io::Result<Index> {
    let changes = delta.all_entries();
    if !base.has_room_for(changes.len()) {
        base = base.rebuilt(changes.len())?;
    }
    for (key, value) in changes {
        match value {
            Some(at) => {
                base.upsert(key, at);
            }
            None => {
                base.remove(key);
            }
        }
    }
    Ok(base)
}

/// fsync of the directory holding `path`, so a created or renamed entry in
/// it is durable.
pub(crate) fn sync_parent_dir(path: &Path) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    File::open(dir)?.sync_all()
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
    let mark = sys::read_watermark(&file).map_err(io_err(path, "read watermark"))?;
    Ok(mark.map(|(w, flags)| SyncMark {
        synced_len: w.tail,
        clean: flags & sys::FLAG_CLEAN != 0,
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

    fn open_with(path: &Path, opts: OpenOptions) -> Result<Self> {
        let (file, created) = open_file(path, &opts)?;
        let meta = file.metadata().map_err(io_err(path, "stat"))?;
        if !meta.is_file() {
            return Err(Error::invalid(format!(
                "{}: not a regular file",
                path.display()
            )));
        }
        if !opts.read_only {
            match file.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(Error::Locked {
                        path: path.to_path_buf(),
                    });
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(io_err(path, "lock")(e)),
            }
        }
        if created {
            sync_parent_dir(path).map_err(io_err(path, "sync directory"))?;
        }

        let stored = sys::read_watermark(&file).map_err(io_err(path, "read watermark"))?;
        let len = meta.len();
        let file_id = FileId::of(&file).map_err(io_err(path, "stat"))?;
        let view = FileView::new(&file, len).map_err(io_err(path, "map for recovery"))?;
        let cache_path = cache::path_for(path);
        let cached = if opts.index_cache && !opts.repair {
            cache::load(&cache_path, file_id, len).filter(|c| {
                let at = c.tail.saturating_sub(METADATA_SIZE as u64) as usize;
                c.tail == 0 || view.bytes()[at..c.tail as usize] == c.trailer
            })
        } else {
            None
        };
        let mut sink = IndexSink {
            builder: None,
            error: None,
            file_len: len,
        };
        // A file we just created is a store even before its first write; a
        // torn first write then recovers to empty instead of being refused.
        let watermark = match stored {
            Some((w, _)) => Some(w),
            None if created || len == 0 => Some(Watermark {
                tail: 0,
                trailer: [0; METADATA_SIZE],
            }),
            None => None,
        };
        let stop = cached.as_ref().map(|c| c.tail);
        let recovered = recovery::recover(view.bytes(), watermark, opts.repair, stop, &mut sink)
            .map_err(|r| Error::Corrupt {
                path: path.to_path_buf(),
                offset: r.offset,
                reason: r.reason,
            })?;
        let tail = recovered.tail;
        let trailer: [u8; METADATA_SIZE] = match tail {
            0 => [0; METADATA_SIZE],
            t => view.bytes()[(t as usize - METADATA_SIZE)..t as usize]
                .try_into()
                .expect("recovered tail ends with a trailer"),
        };
        let IndexSink { builder, error, .. } = sink;
        drop(view);
        let from_cache = recovered.stopped && cached.is_some();
        let index = match (error, builder, cached) {
            (None, Some(builder), Some(c)) if from_cache => builder
                .finish_with_deleted()
                .and_then(|delta| apply_delta(c.index, &delta)),
            (None, Some(builder), _) => builder.finish(),
            (Some(e), _, _) => Err(e),
            (None, None, _) => Err(io::Error::other("index was not built")),
        }
        .map_err(io_err(path, "build index"))?;

        let writer_marks = if opts.read_only {
            None
        } else {
            let stored_tail = stored.map_or(0, |(w, _)| w.tail);
            if tail < len {
                file.set_len(tail)
                    .map_err(io_err(path, "truncate torn tail"))?;
            }
            if tail < len || tail > stored_tail || created {
                file.sync_data().map_err(io_err(path, "sync"))?;
            }
            // Everything below `tail` is durable now; record it, and clear
            // the clean-close flag while this handle is open.
            let mark = Watermark { tail, trailer };
            let xattrs = if stored != Some((mark, 0)) {
                match sys::write_watermark(&file, &mark, 0) {
                    Ok(supported) => supported,
                    // A stale mark above the new tail would make the next
                    // open refuse the file: do not leave one behind.
                    Err(e) if stored_tail > tail => {
                        return Err(io_err(path, "write watermark")(e));
                    }
                    Err(_) => false,
                }
            } else {
                true
            };
            Some(xattrs)
        };

        let reserved = match writer_marks {
            Some(_) => reservation_for(tail)?,
            None => usize::try_from(tail).map_err(|_| Error::invalid("store too large"))?,
        };
        let mapping = Mapping::new(&file, reserved, tail).map_err(io_err(path, "map"))?;
        let writer = writer_marks.map(|xattrs| Writer {
            file,
            tail,
            synced: tail,
            watermark: if xattrs { tail } else { 0 },
            xattrs,
            poisoned: None,
            buf: Vec::new(),
        });
        if !opts.read_only && opts.index_cache && !from_cache {
            // A cache that could not be used is stale: drop it now rather
            // than leave it beside the store until the next close.
            cache::remove(&cache_path);
        }
        Ok(Self {
            path: path.to_path_buf(),
            read_only: opts.read_only,
            sync_writes: opts.sync_writes,
            recovered_bytes: len - tail,
            cache: opts
                .index_cache
                .then_some((cache_path, opts.index_cache_min_keys)),
            from_cache,
            state: ArcSwap::from_pointee(State {
                map: Arc::new(MapView::new(mapping)),
                index: Arc::new(index),
                file_id,
            }),
            tail: AtomicU64::new(tail),
            publish: RwLock::new(()),
            writer: writer.map(Mutex::new),
        })
    }
}
