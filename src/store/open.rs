//! Opening a store, as a short list of named steps:
//!
//! 1. [`lock_and_open`]: a read-write open takes the writer lock first and
//!    only then opens (or creates) the file, so it always writes the file
//!    the path names while it holds the lock; a read-only open fences out
//!    writers that would shorten the file while it is recovered;
//! 2. read the watermark attribute and map the file;
//! 3. [`load`]: decide from the bytes alone: trust the watermark or
//!    discard it, use the index cache or not, recover the longest valid
//!    prefix and build the index. Pure: the power-loss tests call it on
//!    crash images;
//! 4. [`settle`] (read-write only): cut a torn tail, make the prefix
//!    durable, record a fresh watermark;
//! 5. assemble the [`Store`].

use std::fs::File;
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize};
use std::sync::{Arc, Mutex, RwLock};

use super::cache::{self, Cached};
use super::compact::compaction_path;
use super::coord::{Coord, Mode, Published};
use super::index::{self, Index, IndexBuilder};
use super::io::{Create, Os, Storage, parent_dir};
use super::map::{FileView, MapView, Mapping};
use super::recovery::{self, Rules, Sink, Stop};
use super::{
    FileId, Follower, OpenOptions, RecoveryNotes, State, Store, Writer, io_err, random_id,
    reservation_for, sys,
};
use crate::error::{Error, Result};
use crate::format::METADATA_SIZE;
use crate::format::watermark::{Verdict, Watermark};

impl Store {
    pub(crate) fn open_with(path: &Path, opts: OpenOptions) -> Result<Self> {
        let io: Arc<dyn Storage> = opts.storage.clone().unwrap_or_else(|| Arc::new(Os));
        let file_path = resolve(path);
        let Opened {
            file,
            coord,
            created,
        } = lock_and_open(io.as_ref(), path, &file_path, &opts)?;
        let coord = coord.map(Arc::new);
        let lock_err = io_err(path, "lock");
        // Readers fence out truncation while they recover the file; writers
        // hold the write-call lock while they settle it (shared handles may
        // be writing).
        let _held = match (&coord, opts.read_only) {
            (Some(c), true) => Some(c.fence_reader().map_err(lock_err)?),
            (Some(c), false) => Some(c.lock_writes().map_err(lock_err)?),
            (None, _) => None,
        };
        let stored = stored_watermark(&file).map_err(io_err(path, "read watermark"))?;
        let file_id = FileId::of(&file).map_err(io_err(path, "stat"))?;
        // While a write call is under way (or its writer died in it), the
        // bytes past the published tail are unfinished: never trusted.
        // Otherwise bytes past it were appended by another program (they
        // are verified like any unsynced bytes). A page that claims more
        // than the file holds describes something else.
        let (published, len) = match coord.as_ref().and_then(|c| c.read_for(&file)) {
            Some((p, len)) if p.tail <= len => (Some(p), len),
            _ => (None, file.metadata().map_err(io_err(path, "stat"))?.len()),
        };
        let bound = match published {
            Some(p) if p.busy => p.tail,
            _ => len,
        };
        let cache_path = cache::path_for(&file_path);
        let view = FileView::new(&file, bound).map_err(io_err(path, "map for recovery"))?;
        let use_cache = opts.index_cache && !opts.repair;
        let loaded = load(view.bytes(), stored, created, opts.repair, |accept| {
            use_cache
                .then(|| cache::load(&cache_path, accept))
                .flatten()
        })
        .map_err(|e| match e {
            LoadError::Corrupt { offset, reason } => Error::Corrupt {
                path: path.to_path_buf(),
                offset,
                reason,
            },
            LoadError::Io(e) => io_err(path, "build index")(e),
        })?;
        drop(view);
        let tail = loaded.tail;
        let mut notes = RecoveryNotes {
            discarded_bytes: len - tail,
            watermark_discarded: loaded.watermark_discarded.clone(),
            stale_temp_file: None,
            writer_active: opts.read_only
                && coord.as_deref().is_some_and(Coord::others_hold_the_store),
            unfinished_write: bound < len,
        };
        let temp = compaction_path(&file_path);
        let compacting = coord.as_deref().is_some_and(Coord::compaction_running);
        if !compacting && let Ok(meta) = std::fs::metadata(&temp) {
            notes.stale_temp_file = Some(meta.len());
        }

        let (writer, follower) = match &coord {
            Some(c) if !opts.read_only => {
                let w = settle(
                    io,
                    file,
                    Arc::clone(c),
                    path,
                    len,
                    created,
                    stored,
                    &loaded,
                    published,
                )?;
                if notes.stale_temp_file.is_some() {
                    // A compaction that died left it; it is never merged.
                    let _ = w.io.remove(&temp);
                }
                if opts.index_cache && !loaded.from_cache {
                    // A cache that could not be used is stale: drop it now
                    // rather than leave it beside the store until the next
                    // close.
                    cache::remove(w.io.as_ref(), &cache_path);
                }
                (Some(w), None)
            }
            _ => {
                let epoch = published.map_or(0, |p| p.epoch);
                (None, Some(Follower { file, epoch }))
            }
        };
        let mapping = match (&writer, &follower) {
            (Some(w), _) => Mapping::new(&w.file, reservation_for(tail)?, tail),
            (None, Some(f)) => {
                let reserved =
                    usize::try_from(tail).map_err(|_| Error::invalid("store too large"))?;
                Mapping::new(&f.file, reserved, tail)
            }
            (None, None) => unreachable!("a store is read-only or has a writer"),
        }
        .map_err(io_err(path, "map"))?;
        let seen = match (&writer, published) {
            (Some(w), _) => w.coord.version(),
            (None, Some(p)) => p.version,
            (None, None) => 0,
        };
        drop(_held);
        Ok(Self {
            path: path.to_path_buf(),
            file_path,
            read_only: opts.read_only,
            sync_writes: opts.sync_writes,
            notes,
            cache: opts
                .index_cache
                .then_some((cache_path, opts.index_cache_min_keys)),
            from_cache: loaded.from_cache,
            state: super::published::Published::new(Arc::new(State {
                map: Arc::new(MapView::new(mapping)),
                index: Arc::new(loaded.index),
                file_id,
            })),
            tail: AtomicU64::new(tail),
            publish: RwLock::new(()),
            writer: writer.map(Mutex::new),
            writer_owner: AtomicUsize::new(0),
            follower: follower.map(Mutex::new),
            coord,
            shared: opts.shared && !opts.read_only,
            seen: AtomicU64::new(seen),
        })
    }
}

/// The path with symbolic links resolved (of the file, or of its directory
/// when the file does not exist yet): the lock file, the index cache and
/// compaction's rename all act on the real file.
fn resolve(path: &Path) -> PathBuf {
    if let Ok(real) = std::fs::canonicalize(path) {
        return real;
    }
    match (std::fs::canonicalize(parent_dir(path)), path.file_name()) {
        (Ok(dir), Some(name)) => dir.join(name),
        _ => path.to_path_buf(),
    }
}

/// The open file and what came with it.
struct Opened {
    file: File,
    /// The lock file: held as the writer's lock by a read-write open; a
    /// reader's way to fence out truncation and to follow the writers (if
    /// it could be opened).
    coord: Option<Coord>,
    /// This open created the file.
    created: bool,
}

/// Step 1: takes the writer lock (read-write), then opens `file_path`
/// (creating it if allowed), refusing anything but a regular file, never
/// blocking on a FIFO.
fn lock_and_open(
    io: &dyn Storage,
    path: &Path,
    file_path: &Path,
    opts: &OpenOptions,
) -> Result<Opened> {
    let not_regular = || Error::invalid(format!("{}: not a regular file", path.display()));
    if std::fs::metadata(file_path).is_ok_and(|m| !m.is_file()) {
        return Err(not_regular());
    }
    // Readers, and writers that may not create the store, never leave a
    // lock file beside a store that does not exist.
    if (opts.read_only || !opts.create)
        && let Err(e) = std::fs::metadata(file_path)
    {
        return Err(io_err(path, "open")(e));
    }
    let coord = if opts.read_only {
        Coord::for_reader(file_path)
    } else {
        let coord = Coord::create(file_path).map_err(io_err(path, "create lock file"))?;
        let mode = if opts.shared {
            Mode::Shared
        } else {
            Mode::Exclusive
        };
        if !coord
            .lock_mode(mode, opts.wait)
            .map_err(io_err(path, "lock"))?
        {
            return Err(Error::Locked {
                path: path.to_path_buf(),
            });
        }
        Some(coord)
    };
    let mut o = std::fs::OpenOptions::new();
    o.read(true)
        .write(!opts.read_only)
        .custom_flags(libc::O_NONBLOCK);
    let (file, created) = match o.open(file_path) {
        Ok(f) => (f, false),
        Err(e) if e.kind() == io::ErrorKind::NotFound && opts.create && !opts.read_only => {
            match io.create(file_path, Create::New) {
                Ok(f) => (f, true),
                // Created by a program that does not take our lock.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    (o.open(file_path).map_err(io_err(path, "open"))?, false)
                }
                Err(e) => return Err(io_err(path, "create")(e)),
            }
        }
        Err(e) if e.raw_os_error() == Some(libc::EISDIR) => return Err(not_regular()),
        Err(e) => return Err(io_err(path, "open")(e)),
    };
    if !file.metadata().map_err(io_err(path, "stat"))?.is_file() {
        return Err(not_regular());
    }
    if created {
        io.sync_dir(parent_dir(file_path))
            .map_err(io_err(path, "sync directory"))?;
    }
    Ok(Opened {
        file,
        coord,
        created,
    })
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
    /// The stored watermark that matched the file.
    pub trusted: Option<Watermark>,
    /// Why the stored watermark was not trusted.
    pub watermark_discarded: Option<String>,
    /// Entries in the recovered chain walked (all of them unless the
    /// index came from the cache).
    pub entries: u64,
}

/// Why [`load`] refused the bytes.
#[derive(Debug)]
pub(crate) enum LoadError {
    Corrupt { offset: u64, reason: String },
    Io(io::Error),
}

/// Step 3: recovers the store held in `data` (the whole file), given its
/// stored watermark. `cache(accept)` returns the index cache if there is
/// one that `accept` (given its header) takes.
pub(crate) fn load(
    data: &[u8],
    stored: Option<Watermark>,
    created: bool,
    repair: bool,
    cache: impl FnOnce(&dyn Fn(&crate::format::index_cache::CacheHeader) -> bool) -> Option<Cached>,
) -> std::result::Result<Loaded, LoadError> {
    let len = data.len() as u64;
    let (trusted, watermark_discarded) = match stored.map(|w| (w, w.check(data))) {
        Some((w, Verdict::Matches)) => (Some(w), None),
        Some((_, Verdict::Mismatch(why))) => (None, Some(why)),
        None => (None, None),
    };
    // An empty file (one this open created is empty) is a store even
    // before its first write.
    let trusted_tail = trusted.map(|w| w.tail).or((len == 0).then_some(0));
    let rules = Rules {
        trusted: trusted_tail,
        torn_rule: trusted.is_some() || created,
        repair,
    };
    // A cache belongs to one generation of one store, and describes a
    // prefix of what the watermark vouches for.
    let cached = match trusted {
        Some(w) if w.store_id != 0 && w.generation != 0 => cache(&|h| {
            let at = h.tail.saturating_sub(METADATA_SIZE as u64) as usize;
            h.store_id == w.store_id
                && h.generation == w.generation
                && h.tail <= w.tail
                && (h.tail == 0
                    || (h.tail >= METADATA_SIZE as u64 && data[at..h.tail as usize] == h.trailer))
        }),
        _ => None,
    };
    let mut sink = IndexSink {
        builder: None,
        error: None,
        entries: 0,
    };
    let knows = |key: u64| cached.as_ref().is_some_and(|c| c.index.has_slot(key));
    let stop = cached.as_ref().map(|c| Stop {
        at: c.header.tail,
        knows: &knows,
    });
    let recovered =
        recovery::recover(data, rules, stop, &mut sink).map_err(|r| LoadError::Corrupt {
            offset: r.offset,
            reason: r.reason,
        })?;
    let tail = recovered.tail;
    let from_cache = recovered.stopped && cached.is_some();
    let index = match (sink.error.take(), sink.builder.take(), cached) {
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
        trailer: trailer_at(data, tail),
        index,
        from_cache,
        trusted,
        watermark_discarded,
        entries: sink.entries,
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

/// Step 4 (read-write opens): cuts a torn tail (fencing out readers that
/// are recovering the file), makes the valid prefix durable and records a
/// fresh watermark. Returns the writer.
#[allow(clippy::too_many_arguments)]
fn settle(
    io: Arc<dyn Storage>,
    file: File,
    coord: Arc<Coord>,
    path: &Path,
    len: u64,
    created: bool,
    stored: Option<Watermark>,
    loaded: &Loaded,
    published: Option<Published>,
) -> Result<Writer> {
    let tail = loaded.tail;
    if tail < len {
        let _fence = coord.fence_writer().map_err(io_err(path, "lock"))?;
        io.set_len(&file, tail)
            .map_err(io_err(path, "truncate torn tail"))?;
    }
    let stored_tail = stored.map_or(0, |w| w.tail);
    if tail < len || tail > stored_tail || created {
        io.sync_data(&file).map_err(io_err(path, "sync"))?;
    }
    // The store keeps its identity when its watermark matched; a file
    // without one (new, foreign, restored) gets a new identity. The
    // generation changes unless the index cache was used, so a cache
    // written by an earlier generation is never trusted again.
    let keep_id = loaded.trusted.filter(|w| w.store_id != 0);
    let mark = Watermark {
        tail,
        trailer: loaded.trailer,
        clean: false,
        store_id: keep_id.map_or_else(random_id, |w| w.store_id),
        // Handles that share the store share a generation: the page's,
        // while another handle holds the store (a page left by handles
        // that are all gone names an old generation).
        generation: match (published, keep_id) {
            (Some(p), _) if p.generation != 0 && coord.others_hold_the_store() => p.generation,
            (_, Some(w)) if loaded.from_cache => w.generation,
            _ => random_id(),
        },
    };
    // A new identity, or a watermark lowered below what was recorded,
    // must reach the disk before anything is written under it (fsync:
    // attributes are metadata, which fdatasync may leave behind).
    let durable = keep_id.is_none() || tail < stored_tail;
    // What the attribute on disk says after this: the new mark, or (if it
    // could not be written) the old one, which still vouches for a prefix
    // of this append-only file. The writer keeps treating attributes as
    // available, so a torn-sector look-alike it writes is still made
    // durable under a new watermark (or the handle is poisoned).
    let (xattrs, recorded) = if stored == Some(mark) {
        (true, tail)
    } else {
        match io.set_watermark(&file, &mark.encode()) {
            Ok(true) => {
                if durable {
                    io.sync_all(&file).map_err(io_err(path, "sync"))?;
                }
                (true, tail)
            }
            Ok(false) => (false, 0),
            // The old watermark vouches for bytes that were just cut: it
            // must not stay.
            Err(e) if tail < stored_tail => return Err(io_err(path, "write watermark")(e)),
            Err(_) => (true, stored_tail),
        }
    };
    // The page describes this file up to `tail` from now on: the same
    // epoch when it already described it (other shared handles keep
    // following), a new one otherwise.
    let epoch = match published {
        Some(p) if p.tail == tail => {
            coord.republish(tail, mark.generation);
            p.epoch
        }
        _ => coord
            .reset(&file, tail, mark.generation)
            .map_err(io_err(path, "stat"))?,
    };
    Ok(Writer {
        io,
        file,
        coord,
        epoch,
        tail,
        synced: tail,
        watermark: recorded,
        store_id: mark.store_id,
        generation: mark.generation,
        xattrs,
        poisoned: None,
        buf: Vec::new(),
    })
}

/// Builds the index while recovery walks the chain newest to oldest. The
/// table grows with the keys actually seen (never sized from a guess).
struct IndexSink {
    builder: Option<IndexBuilder>,
    error: Option<io::Error>,
    entries: u64,
}

impl Sink for IndexSink {
    fn reset(&mut self) {
        self.entries = 0;
        match IndexBuilder::with_capacity(0) {
            Ok(b) => self.builder = Some(b),
            Err(e) => {
                self.builder = None;
                self.error.get_or_insert(e);
            }
        }
    }

    fn entry(&mut self, key_hash: u64, meta_at: u64, tombstone: bool) {
        self.entries += 1;
        let Some(builder) = &mut self.builder else {
            return;
        };
        let flag = if tombstone { index::TOMBSTONE_BIT } else { 0 };
        if let Err(e) = builder.push(key_hash, meta_at | flag) {
            self.builder = None;
            self.error.get_or_insert(e);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::compute_checksum;
    use crate::format::index_cache::CacheHeader;
    use crate::format::{encode_entry, encode_tombstone};

    /// Appends an entry for `key` (a deletion marker for `None`).
    fn put(file: &mut Vec<u8>, key: u64, value: Option<&[u8]>) {
        let tail = file.len() as u64;
        match value {
            Some(v) => encode_entry(file, tail, key, v, compute_checksum(v)),
            None => encode_tombstone(file, tail, key),
        };
    }

    fn image(build: impl FnOnce(&mut dyn FnMut(u64, Option<&[u8]>))) -> Vec<u8> {
        let mut file = Vec::new();
        build(&mut |key, value| put(&mut file, key, value));
        file
    }

    #[test]
    fn the_index_built_at_open_follows_the_keys_seen_not_the_file_size() {
        // 50 live keys with large values, then 20,000 short-lived keys
        // deleted at the end: the newest thousand entries are all 21-byte
        // deletion markers, which once made open guess ~700,000 keys.
        let big = vec![7u8; 256 * 1024];
        let data = image(|put| {
            for k in 0..50 {
                put(k + 1, Some(&big));
            }
            for k in 0..20_000 {
                put(1_000_000 + k, Some(b"x!"));
            }
            for k in 0..20_000 {
                put(1_000_000 + k, None);
            }
        });
        index::LARGEST_TABLE.with(|l| l.set(0));
        let loaded = load(&data, None, false, false, |_| None).unwrap();
        assert_eq!(loaded.tail, data.len() as u64);
        assert_eq!(loaded.index.len(), 50);
        let peak = index::LARGEST_TABLE.with(|l| l.get());
        let seen = 20_050;
        assert!(
            peak <= 64 * seen,
            "peak table of {peak} bytes for {seen} keys in a file of {} bytes",
            data.len()
        );
        assert!(
            loaded.index.heap_bytes() <= 64 * 1024,
            "the final index keeps live keys"
        );
    }

    #[test]
    fn a_watermark_that_does_not_match_is_reported_and_vouches_for_nothing() {
        let data = image(|put| {
            put(1, Some(b"one"));
            put(2, Some(b"two"));
        });
        let stranger = Watermark {
            tail: 25,
            trailer: [9; METADATA_SIZE],
            clean: true,
            store_id: 5,
            generation: 6,
        };
        let loaded = load(&data, Some(stranger), false, false, |_| None).unwrap();
        assert!(loaded.watermark_discarded.is_some());
        assert!(loaded.trusted.is_none());
        assert_eq!(loaded.tail, data.len() as u64);
        // Longer than the file: also discarded, not refused.
        let longer = Watermark {
            tail: 10_000,
            ..stranger
        };
        let loaded = load(&data, Some(longer), false, false, |_| None).unwrap();
        assert!(loaded.watermark_discarded.unwrap().contains("shorter"));
    }

    // The index cache's binding, seen through `load`: a cache is used only
    // for the store and generation its watermark names, at a tail that
    // watermark vouches for, over the very bytes it was written for.

    const ID: u64 = 11;
    const GENERATION: u64 = 22;
    /// A key no entry of the test files has: when it shows up in the index,
    /// the cache was used (it stands for a key a stale cache still holds).
    const STALE_KEY: u64 = 99;

    /// Encodes `entries` one after the other; returns the file and the tail
    /// after each entry.
    fn entries(list: &[(u64, Option<&[u8]>)]) -> (Vec<u8>, Vec<u64>) {
        let mut file = Vec::new();
        let mut tails = Vec::new();
        for &(key, value) in list {
            put(&mut file, key, value);
            tails.push(file.len() as u64);
        }
        (file, tails)
    }

    /// Where the trailer of the entry ending at `tail` starts: what the
    /// index holds for its key.
    fn trailer_of(tail: u64) -> u64 {
        tail - METADATA_SIZE as u64
    }

    fn watermark(data: &[u8], tail: u64, store_id: u64, generation: u64) -> Watermark {
        Watermark {
            tail,
            trailer: trailer_at(data, tail),
            clean: true,
            store_id,
            generation,
        }
    }

    fn header(data: &[u8], tail: u64, store_id: u64, generation: u64) -> CacheHeader {
        CacheHeader {
            tail,
            trailer: trailer_at(data, tail),
            store_id,
            generation,
            slots: 0,
            live: 0,
            used: 0,
            zero_key: 0,
            table_crc: 0,
        }
    }

    /// A cache of `data` up to `h.tail` that also holds [`STALE_KEY`].
    fn telltale(data: &[u8], h: CacheHeader) -> Cached {
        let index = load(&data[..h.tail as usize], None, false, false, |_| None)
            .unwrap()
            .index;
        index.upsert(STALE_KEY, 64);
        Cached { index, header: h }
    }

    /// Loads `data` under `mark` with the cache `h` on offer (taken only if
    /// `load` accepts its header); returns what was loaded and whether the
    /// header was even looked at.
    fn load_with_cache(data: &[u8], mark: Watermark, h: CacheHeader) -> (Loaded, bool) {
        let mut consulted = false;
        let loaded = load(data, Some(mark), false, false, |accept| {
            consulted = true;
            accept(&h).then(|| telltale(data, h))
        })
        .unwrap();
        (loaded, consulted)
    }

    fn six_keys() -> (Vec<u8>, Vec<u64>) {
        entries(&[
            (1, Some(b"one")),
            (2, Some(b"two")),
            (3, Some(b"three")),
            (4, Some(b"four")),
            (5, Some(b"five")),
            (6, Some(b"six")),
        ])
    }

    #[test]
    fn a_cache_bound_to_the_watermark_is_used_and_the_newer_entries_replayed() {
        let (data, tails) = six_keys();
        let len = data.len() as u64;
        let mark = watermark(&data, len, ID, GENERATION);
        let (loaded, _) = load_with_cache(&data, mark, header(&data, tails[3], ID, GENERATION));
        assert!(loaded.from_cache);
        assert!(loaded.index.get(STALE_KEY).is_some(), "the cache was used");
        assert_eq!(
            loaded.index.get(6),
            Some(trailer_of(tails[5])),
            "replayed above it"
        );
        assert_eq!(loaded.index.get(1), Some(trailer_of(tails[0])));
        assert_eq!(loaded.entries, 2, "only the entries above the cache walked");
        assert_eq!(loaded.tail, len);
        assert_eq!(&loaded.trailer[..], &data[data.len() - METADATA_SIZE..]);
        // A cache at the watermark's own tail is used too.
        let (loaded, _) = load_with_cache(&data, mark, header(&data, len, ID, GENERATION));
        assert!(loaded.from_cache && loaded.index.get(STALE_KEY).is_some());
    }

    #[test]
    fn a_cache_followed_by_more_new_keys_than_its_table_holds_loads_them_all() {
        let mut list: Vec<(u64, Option<&[u8]>)> = (1..=4).map(|k| (k, Some(&b"old"[..]))).collect();
        list.extend((100..1100).map(|k| (k, Some(&b"new"[..]))));
        list.push((2, None));
        let (data, tails) = entries(&list);
        let len = data.len() as u64;
        let mark = watermark(&data, len, ID, GENERATION);
        let (loaded, _) = load_with_cache(&data, mark, header(&data, tails[3], ID, GENERATION));
        assert!(loaded.from_cache);
        assert!(loaded.index.get(STALE_KEY).is_some(), "the cache was used");
        assert_eq!(loaded.index.len(), 3 + 1000 + 1);
        for (i, &(key, value)) in list.iter().enumerate().take(1004) {
            if key != 2 {
                assert_eq!(
                    loaded.index.get(key),
                    Some(trailer_of(tails[i])),
                    "key {key}"
                );
                // And the index points at the value written.
                let v = value.unwrap();
                let at = trailer_of(tails[i]) as usize;
                assert_eq!(&data[at - v.len()..at], v, "key {key}");
            }
        }
        assert_eq!(loaded.index.get(2), None, "deleted above the cache");
    }

    #[test]
    fn a_cache_whose_binding_differs_in_any_part_is_not_used() {
        let (data, tails) = six_keys();
        let len = data.len() as u64;
        let at = tails[3];
        let mark = watermark(&data, tails[4], ID, GENERATION);
        let mut wrong_trailer = header(&data, at, ID, GENERATION);
        wrong_trailer.trailer = trailer_at(&data, tails[2]);
        let cases = [
            ("another store", header(&data, at, ID + 1, GENERATION)),
            ("another generation", header(&data, at, ID, GENERATION + 1)),
            ("other bytes at its tail", wrong_trailer),
            (
                "a tail the watermark does not vouch for",
                header(&data, len, ID, GENERATION),
            ),
        ];
        for (what, h) in cases {
            let (loaded, consulted) = load_with_cache(&data, mark, h);
            assert!(consulted, "{what}");
            assert!(!loaded.from_cache, "{what}");
            assert_eq!(loaded.index.get(STALE_KEY), None, "{what}");
            assert_eq!(loaded.index.len(), 6, "{what}");
            assert_eq!(loaded.tail, len, "{what}");
        }
    }

    #[test]
    fn a_watermark_without_a_store_id_and_generation_binds_no_cache() {
        let (data, tails) = six_keys();
        let len = data.len() as u64;
        for (id, generation) in [(0, GENERATION), (ID, 0), (0, 0)] {
            let mark = watermark(&data, len, id, generation);
            let (loaded, consulted) =
                load_with_cache(&data, mark, header(&data, tails[3], id, generation));
            assert!(!consulted, "({id}, {generation})");
            assert!(!loaded.from_cache);
            assert_eq!(loaded.index.get(STALE_KEY), None);
            assert_eq!(loaded.index.len(), 6);
        }
    }

    #[test]
    fn a_cache_is_dropped_when_recovery_cuts_a_deletion_marker_it_cannot_vouch_for() {
        // Synced: keys 1..=4, with a cache of exactly that. Above it, not
        // synced: a new value of key 1, a deletion marker for key 77 (never
        // written: a damaged marker), key 5. Recovery ends the prefix below
        // the marker, walking the whole chain; the cache plays no part.
        let (data, tails) = entries(&[
            (1, Some(b"one")),
            (2, Some(b"two")),
            (3, Some(b"three")),
            (4, Some(b"four")),
            (1, Some(b"uno")),
            (77, None),
            (5, Some(b"five")),
        ]);
        let synced = tails[3];
        let mark = watermark(&data, synced, ID, GENERATION);
        let (loaded, consulted) =
            load_with_cache(&data, mark, header(&data, synced, ID, GENERATION));
        assert!(consulted);
        assert_eq!(loaded.tail, tails[4], "the prefix ends below the marker");
        assert!(!loaded.from_cache);
        assert_eq!(loaded.index.get(STALE_KEY), None);
        assert_eq!(loaded.index.get(1), Some(trailer_of(tails[4])));
        assert_eq!(loaded.index.get(5), None);
        assert_eq!(loaded.index.len(), 4);
    }

    #[test]
    fn bytes_that_hold_no_entry_chain_are_refused_not_loaded_as_an_empty_store() {
        let garbage: Vec<u8> = (0..5000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let refused = load(&garbage, None, false, false, |_| None);
        assert!(matches!(refused, Err(LoadError::Corrupt { offset: 0, .. })));
        // An empty file, or one this open just created, is an empty store.
        let empty = load(&[], None, false, false, |_| None).unwrap();
        assert_eq!((empty.tail, empty.index.len()), (0, 0));
        let created = load(&[], None, true, false, |_| None).unwrap();
        assert_eq!(created.tail, 0);
    }

    #[test]
    fn a_torn_sector_lookalike_above_the_watermark_ends_the_prefix() {
        // A key hash with a zero low byte and a value of zeros whose
        // trailer starts just before a sector boundary: the shape a lost
        // sector leaves. Above a matching watermark, it is not trusted.
        let (head, tails) = entries(&[(1, Some(b"one")), (2, Some(b"two"))]);
        let zeros = vec![0u8; crate::tests::sim::lookalike_len(tails[1])];
        let (data, all) = entries(&[
            (1, Some(b"one")),
            (2, Some(b"two")),
            (0xABCD_EF00, Some(&zeros)),
            (3, Some(b"three")),
        ]);
        assert_eq!(&data[..head.len()], &head[..]);
        let mark = watermark(&data, tails[1], ID, GENERATION);
        let loaded = load(&data, Some(mark), false, false, |_| None).unwrap();
        assert_eq!(loaded.tail, tails[1]);
        assert_eq!(loaded.index.len(), 2);
        // Below the watermark the same entry is trusted: it was synced.
        let mark = watermark(&data, all[3], ID, GENERATION);
        let loaded = load(&data, Some(mark), false, false, |_| None).unwrap();
        assert_eq!(loaded.tail, all[3]);
    }
}
