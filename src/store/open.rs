//! Opening a store, as a short list of named steps:
//!
//! 1. [`open_data_file`]: open (or create) the file, refuse what is not a
//!    regular file, take the writer lock (read-write opens).
//! 2. read the watermark attribute and map the file for recovery;
//! 3. [`load`]: decide from the bytes alone — trust the watermark or not,
//!    use the index cache or not, recover the longest valid prefix and
//!    build the index. Pure: the power-loss tests call it on crash images;
//! 4. [`settle`] (read-write only): cut a torn tail, sync, record the
//!    watermark;
//! 5. assemble the [`Store`].

use std::fs::File;
use std::io;
use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, RwLock};

use arc_swap::ArcSwap;

use super::cache::{self, Cached};
use super::index::{self, Index, IndexBuilder};
use super::io::{Create, Os, Storage, parent_dir};
use super::map::{FileView, MapView, Mapping};
use super::recovery::{self, Sink};
use super::{FileId, OpenOptions, State, Store, Writer, io_err, reservation_for, sys};
use crate::error::{Error, Result};
use crate::format::METADATA_SIZE;
use crate::format::watermark::Watermark;

impl Store {
    pub(crate) fn open_with(path: &Path, opts: OpenOptions) -> Result<Self> {
        let io: Arc<dyn Storage> = opts.storage.clone().unwrap_or_else(|| Arc::new(Os));
        let (file, created) = open_data_file(io.as_ref(), path, &opts)?;
        let stored = stored_watermark(&file).map_err(io_err(path, "read watermark"))?;
        let len = file.metadata().map_err(io_err(path, "stat"))?.len();
        let file_id = FileId::of(&file).map_err(io_err(path, "stat"))?;
        let cache_path = cache::path_for(path);
        let view = FileView::new(&file, len).map_err(io_err(path, "map for recovery"))?;
        let cached = if opts.index_cache && !opts.repair {
            cache::load(&cache_path, file_id, len)
        } else {
            None
        };
        let loaded =
            load(view.bytes(), stored, created, opts.repair, cached).map_err(|e| match e {
                LoadError::Corrupt { offset, reason } => Error::Corrupt {
                    path: path.to_path_buf(),
                    offset,
                    reason,
                },
                LoadError::Io(e) => io_err(path, "build index")(e),
            })?;
        drop(view);

        let (writer, read_only_file) = if opts.read_only {
            (None, Some(file))
        } else {
            let w = settle(io, file, path, len, created, stored, &loaded)?;
            (Some(w), None)
        };
        if !opts.read_only && opts.index_cache && !loaded.from_cache {
            // A cache that could not be used is stale: drop it now rather
            // than leave it beside the store until the next close.
            if let Some(w) = &writer {
                cache::remove(w.io.as_ref(), &cache_path);
            }
        }
        let tail = loaded.tail;
        let mapping = match (&writer, &read_only_file) {
            (Some(w), _) => Mapping::new(&w.file, reservation_for(tail)?, tail),
            (None, Some(file)) => {
                let reserved =
                    usize::try_from(tail).map_err(|_| Error::invalid("store too large"))?;
                Mapping::new(file, reserved, tail)
            }
            (None, None) => unreachable!("a store is read-only or has a writer"),
        }
        .map_err(io_err(path, "map"))?;
        Ok(Self {
            path: path.to_path_buf(),
            read_only: opts.read_only,
            sync_writes: opts.sync_writes,
            recovered_bytes: len - tail,
            cache: opts
                .index_cache
                .then_some((cache_path, opts.index_cache_min_keys)),
            from_cache: loaded.from_cache,
            state: ArcSwap::from_pointee(State {
                map: Arc::new(MapView::new(mapping)),
                index: Arc::new(loaded.index),
                file_id,
            }),
            tail: AtomicU64::new(tail),
            publish: RwLock::new(()),
            writer: writer.map(Mutex::new),
        })
    }
}

/// Step 1: opens `path` (creating it if allowed), refuses anything but a
/// regular file, and takes the writer lock for a read-write open. Returns
/// the file and whether this call created it.
fn open_data_file(io: &dyn Storage, path: &Path, opts: &OpenOptions) -> Result<(File, bool)> {
    let mut o = std::fs::OpenOptions::new();
    o.read(true).write(!opts.read_only);
    let (file, created) = match o.open(path) {
        Ok(f) => (f, false),
        Err(e) if e.kind() == io::ErrorKind::NotFound && opts.create && !opts.read_only => {
            match io.create(path, Create::New) {
                Ok(f) => (f, true),
                // Someone created it between our two calls: open theirs.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    (o.open(path).map_err(io_err(path, "open"))?, false)
                }
                Err(e) => return Err(io_err(path, "create")(e)),
            }
        }
        Err(e) => return Err(io_err(path, "open")(e)),
    };
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
        io.sync_dir(parent_dir(path))
            .map_err(io_err(path, "sync directory"))?;
    }
    Ok((file, created))
}

/// The watermark stored with `file`, if any and if it is ours.
fn stored_watermark(file: &File) -> io::Result<Option<Watermark>> {
    Ok(sys::watermark_attr(file)?.and_then(|b| Watermark::decode(&b)))
}

/// What [`load`] found in a file's bytes.
pub(crate) struct Loaded {
    /// Length of the valid prefix.
    pub tail: u64,
    /// The trailer that ends at `tail` (zeros for 0).
    pub trailer: [u8; METADATA_SIZE],
    /// The index of the valid prefix.
    pub index: Index,
    /// The index came from the index cache plus the entries after it.
    pub from_cache: bool,
}

/// Why [`load`] refused the bytes.
#[derive(Debug)]
pub(crate) enum LoadError {
    Corrupt { offset: u64, reason: String },
    Io(io::Error),
}

/// Step 3: recovers the store held in `data` (the whole file), given its
/// stored watermark and an index cache that claims to describe it.
pub(crate) fn load(
    data: &[u8],
    stored: Option<Watermark>,
    created: bool,
    repair: bool,
    cached: Option<Cached>,
) -> std::result::Result<Loaded, LoadError> {
    let len = data.len() as u64;
    let cached = cached.filter(|c| {
        let at = c.tail.saturating_sub(METADATA_SIZE as u64) as usize;
        c.tail == 0 || data[at..c.tail as usize] == c.trailer
    });
    // A file we just created is a store even before its first write; a torn
    // first write then recovers to empty instead of being refused.
    let watermark = match stored {
        Some(w) => Some(recovery::Watermark {
            tail: w.tail,
            trailer: w.trailer,
        }),
        None if created || len == 0 => Some(recovery::Watermark {
            tail: 0,
            trailer: [0; METADATA_SIZE],
        }),
        None => None,
    };
    let mut sink = IndexSink {
        builder: None,
        error: None,
        file_len: len,
    };
    let stop = cached.as_ref().map(|c| c.tail);
    let recovered = recovery::recover(data, watermark, repair, stop, &mut sink).map_err(|r| {
        LoadError::Corrupt {
            offset: r.offset,
            reason: r.reason,
        }
    })?;
    let tail = recovered.tail;
    let trailer = trailer_at(data, tail);
    let from_cache = recovered.stopped && cached.is_some();
    let index = match (sink.error, sink.builder, cached) {
        (None, Some(builder), Some(c)) if from_cache => builder
            .finish_with_deleted()
            .and_then(|delta| apply_delta(c.index, &delta)),
        (None, Some(builder), _) => builder.finish(),
        (Some(e), _, _) => Err(e),
        (None, None, _) => Err(io::Error::other("index was not built")),
    }
    .map_err(LoadError::Io)?;
    Ok(Loaded {
        tail,
        trailer,
        index,
        from_cache,
    })
}

/// The trailer that ends at `tail` in `data` (zeros for 0).
fn trailer_at(data: &[u8], tail: u64) -> [u8; METADATA_SIZE] {
    match tail {
        0 => [0; METADATA_SIZE],
        t => data[(t as usize - METADATA_SIZE)..t as usize]
            .try_into()
            .expect("a valid tail ends with a trailer"),
    }
}

/// Step 4 (read-write opens): cuts a torn tail, makes the valid prefix
/// durable and records it as the watermark. Returns the writer.
fn settle(
    io: Arc<dyn Storage>,
    file: File,
    path: &Path,
    len: u64,
    created: bool,
    stored: Option<Watermark>,
    loaded: &Loaded,
) -> Result<Writer> {
    let tail = loaded.tail;
    let stored_tail = stored.map_or(0, |w| w.tail);
    if tail < len {
        io.set_len(&file, tail)
            .map_err(io_err(path, "truncate torn tail"))?;
    }
    if tail < len || tail > stored_tail || created {
        io.sync_data(&file).map_err(io_err(path, "sync"))?;
    }
    // Everything below `tail` is durable now; record it, and clear the
    // clean-close flag while this handle is open.
    let mark = Watermark {
        tail,
        trailer: loaded.trailer,
        clean: false,
    };
    let xattrs = if stored != Some(mark) {
        match io.set_watermark(&file, &mark.encode()) {
            Ok(supported) => supported,
            // A stale mark above the new tail would make the next open
            // refuse the file: do not leave one behind.
            Err(e) if stored_tail > tail => {
                return Err(io_err(path, "write watermark")(e));
            }
            Err(_) => false,
        }
    } else {
        true
    };
    Ok(Writer {
        io,
        file,
        tail,
        synced: tail,
        watermark: if xattrs { tail } else { 0 },
        xattrs,
        poisoned: None,
        buf: Vec::new(),
    })
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
