//! Catching up with other handles: shared handles before each call, and
//! read-only followers when they refresh. The shared page of the lock file
//! says how far the store file was written by calls that completed (and
//! which file that is); a handle behind it maps the new bytes and applies
//! their entries to its index, or, when the file was replaced by a
//! compaction, switches to the new file.

use std::fs::File;
use std::os::unix::fs::OpenOptionsExt;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::coord::Published;
use super::map::{FileView, MapView, Mapping};
use super::open::{LoadError, load};
use super::write::thread_token;
use super::{FileId, State, Store, io_err, reservation_for, sys};
use crate::error::{Error, Result};
use crate::format::watermark::Watermark;
use crate::format::{Located, entry_ending_at};

impl Store {
    /// Shared handles: makes what other handles published visible before a
    /// read. One load of shared memory when nothing changed.
    #[inline]
    pub(crate) fn follow(&self) {
        if self.shared
            && let Some(coord) = &self.coord
            && coord.version() != self.seen.load(Ordering::Acquire)
        {
            self.follow_slow();
        }
    }

    #[cold]
    fn follow_slow(&self) {
        // Inside a write call of this handle (a callback reading), the call
        // caught up when it began.
        if self.writer_owner.load(Ordering::Relaxed) == thread_token() {
            return;
        }
        let Some(mutex) = &self.writer else { return };
        let Ok(mut guard) = mutex.lock() else { return };
        let w = &mut *guard;
        // A failure leaves the handle as it was; the next call tries again.
        let _ = self.absorb(&mut w.file, &mut w.epoch, &mut w.tail, true);
    }

    /// Brings the handle up to date with the writers of the store: new
    /// entries, or the new file of a compaction. Returns how many entries it
    /// read (deletion markers included) — after a compaction, the entries of
    /// the new file.
    ///
    /// A read-only handle is a snapshot of the store until it is refreshed;
    /// it never trusts bytes past what a live writer published. A shared
    /// read-write handle catches up by itself before every call; refreshing
    /// it just does that now. An exclusive handle has nothing to catch up
    /// with (0).
    pub fn refresh(&self) -> Result<u64> {
        if let Some(follower) = &self.follower {
            let mut f = follower.lock().map_err(|_| Error::Poisoned {
                reason: "a refresh panicked".into(),
            })?;
            let f = &mut *f;
            let mut tail = self.tail.load(Ordering::Acquire);
            return self.absorb(&mut f.file, &mut f.epoch, &mut tail, false);
        }
        if self.shared {
            let w = self.lock_writer()?;
            return Ok(w.caught_up);
        }
        Ok(0)
    }

    /// Catches up with the shared page: see the module docs. `file`,
    /// `epoch` and `tail` are the caller's (the mutator's) view, updated.
    pub(crate) fn absorb(
        &self,
        file: &mut File,
        epoch: &mut u64,
        tail: &mut u64,
        writable: bool,
    ) -> Result<u64> {
        let Some(coord) = &self.coord else {
            return Ok(0);
        };
        let Some(p) = coord.read() else {
            return Ok(0);
        };
        let current = self.state.load().file_id;
        let same_file = p.epoch == *epoch && (p.device, p.inode) == (current.dev, current.ino);
        let added = if !same_file {
            self.switch_file(file, epoch, tail, writable, p)?
        } else if p.tail > *tail {
            self.take_entries(file, tail, p.tail)?
        } else if p.tail < *tail {
            return Err(self.corrupt_follow(p.tail, "the published tail went backward"));
        } else {
            0
        };
        self.seen.store(p.version, Ordering::Release);
        Ok(added)
    }

    /// Maps the bytes up to `to` (written by calls that completed) and
    /// applies their entries to the index.
    fn take_entries(&self, file: &File, tail: &mut u64, to: u64) -> Result<u64> {
        let from = *tail;
        let state = self.state.load_full();
        let map = if to > state.map.mapping().reserved_len() as u64 {
            let mapping = Mapping::new(file, reservation_for(to)?, from)
                .map_err(io_err(&self.path, "map"))?;
            Arc::new(MapView::new(mapping))
        } else {
            Arc::clone(&state.map)
        };
        // Below the published tail nothing is ever cut: safe to map.
        map.mapping().publish(to);
        let data = map
            .mapping()
            .get(0..to)
            .ok_or_else(|| self.corrupt_follow(to, "published bytes beyond the mapping"))?;
        let mut fresh: Vec<(u64, Located)> = Vec::new();
        let mut x = to;
        while x > from {
            let (meta, loc) =
                entry_ending_at(data, x).map_err(|e| self.corrupt_follow(x, e.message()))?;
            fresh.push((meta.key_hash, loc));
            x = meta.prev_offset;
        }
        if x != from {
            return Err(
                self.corrupt_follow(from, "new entries do not chain back to the known tail")
            );
        }
        let new_keys = fresh.iter().filter(|(_, loc)| !loc.tombstone).count();
        let index = if state.index.has_room_for(new_keys) {
            Arc::clone(&state.index)
        } else {
            Arc::new(
                state
                    .index
                    .rebuilt(new_keys)
                    .map_err(io_err(&self.path, "grow index"))?,
            )
        };
        {
            let _snapshot = self.publish.write().unwrap_or_else(|p| p.into_inner());
            for &(key, loc) in fresh.iter().rev() {
                if loc.tombstone {
                    index.remove(key);
                } else {
                    index.upsert(key, loc.end);
                }
            }
            if !Arc::ptr_eq(&map, &state.map) || !Arc::ptr_eq(&index, &state.index) {
                self.state.store(Arc::new(State {
                    map,
                    index,
                    file_id: state.file_id,
                }));
            }
            self.tail.store(to, Ordering::Release);
        }
        *tail = to;
        Ok(fresh.len() as u64)
    }

    /// Switches to the file the page describes now (a compaction replaced
    /// the old one): opens the path, checks it is that file, recovers it up
    /// to the published tail.
    fn switch_file(
        &self,
        file: &mut File,
        epoch: &mut u64,
        tail: &mut u64,
        writable: bool,
        mut p: Published,
    ) -> Result<u64> {
        let coord = self.coord.as_ref().expect("checked by the caller");
        let path = &self.path;
        // The page may change again while the file is opened: retry until
        // the file at the path is the one the page describes.
        for _ in 0..100 {
            let new = std::fs::OpenOptions::new()
                .read(true)
                .write(writable)
                .custom_flags(libc::O_NONBLOCK)
                .open(&self.file_path)
                .map_err(io_err(path, "open"))?;
            let id = FileId::of(&new).map_err(io_err(path, "stat"))?;
            if (id.dev, id.ino) != (p.device, p.inode) {
                p = coord
                    .read()
                    .ok_or_else(|| self.corrupt_follow(0, "the shared page went away"))?;
                continue;
            }
            let len = new.metadata().map_err(io_err(path, "stat"))?.len();
            if len < p.tail {
                return Err(self.corrupt_follow(len, "the file is shorter than its published tail"));
            }
            let stored = sys::watermark_attr(&new)
                .map_err(io_err(path, "read watermark"))?
                .and_then(|b| Watermark::decode(&b));
            let view = FileView::new(&new, p.tail).map_err(io_err(path, "map for recovery"))?;
            let loaded =
                load(view.bytes(), stored, false, false, |_| None).map_err(|e| match e {
                    LoadError::Corrupt { offset, reason } => Error::Corrupt {
                        path: path.clone(),
                        offset,
                        reason,
                    },
                    LoadError::Io(e) => io_err(path, "build index")(e),
                })?;
            drop(view);
            if loaded.tail != p.tail {
                return Err(self.corrupt_follow(loaded.tail, "published entries do not recover"));
            }
            let mapping = Mapping::new(&new, reservation_for(p.tail)?, p.tail)
                .map_err(io_err(path, "map"))?;
            {
                let _snapshot = self.publish.write().unwrap_or_else(|e| e.into_inner());
                self.state.store(Arc::new(State {
                    map: Arc::new(MapView::new(mapping)),
                    index: Arc::new(loaded.index),
                    file_id: id,
                }));
                self.tail.store(p.tail, Ordering::Release);
            }
            *file = new;
            *epoch = p.epoch;
            *tail = p.tail;
            return Ok(loaded.entries);
        }
        Err(Error::io(
            format!("{}: follow a compaction", path.display()),
            std::io::Error::other("the store file kept changing"),
        ))
    }

    /// A call that a dead process left unfinished (the page says busy): a
    /// write call left bytes past the published tail, which are cut; or a
    /// compaction died after renaming its file over the store and before
    /// publishing it, and the file at the path (complete and synced) is
    /// adopted and published under a new epoch.
    pub(crate) fn settle_unfinished(&self, w: &mut super::Writer) -> Result<()> {
        let path = &self.path;
        let at_path = std::fs::metadata(&self.file_path).map_err(io_err(path, "stat"))?;
        let current = self.state.load().file_id;
        {
            use std::os::unix::fs::MetadataExt;
            if (at_path.dev(), at_path.ino()) == (current.dev, current.ino) {
                let tail = w.tail;
                return self.cut_back(w, tail);
            }
        }
        let new = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&self.file_path)
            .map_err(io_err(path, "open"))?;
        let id = FileId::of(&new).map_err(io_err(path, "stat"))?;
        let len = new.metadata().map_err(io_err(path, "stat"))?.len();
        let stored = sys::watermark_attr(&new)
            .map_err(io_err(path, "read watermark"))?
            .and_then(|b| Watermark::decode(&b));
        let view = FileView::new(&new, len).map_err(io_err(path, "map for recovery"))?;
        let loaded = load(view.bytes(), stored, false, false, |_| None).map_err(|e| match e {
            LoadError::Corrupt { offset, reason } => Error::Corrupt {
                path: path.clone(),
                offset,
                reason,
            },
            LoadError::Io(e) => io_err(path, "build index")(e),
        })?;
        drop(view);
        if loaded.tail < len {
            let coord = Arc::clone(&w.coord);
            let _fence = coord.fence_writer().map_err(io_err(path, "lock"))?;
            if let Err(e) = w.io.set_len(&new, loaded.tail) {
                return Err(self.poison(w, "truncate torn tail", e));
            }
        }
        let mapping = Mapping::new(&new, reservation_for(loaded.tail)?, loaded.tail)
            .map_err(io_err(path, "map"))?;
        let epoch = w
            .coord
            .reset(&new, loaded.tail, w.generation)
            .map_err(io_err(path, "stat"))?;
        {
            let _snapshot = self.publish.write().unwrap_or_else(|e| e.into_inner());
            self.state.store(Arc::new(State {
                map: Arc::new(MapView::new(mapping)),
                index: Arc::new(loaded.index),
                file_id: id,
            }));
            self.tail.store(loaded.tail, Ordering::Release);
        }
        w.file = new;
        w.epoch = epoch;
        w.tail = loaded.tail;
        w.synced = loaded.tail;
        w.watermark = loaded.trusted.map_or(0, |m| m.tail);
        self.seen.store(w.coord.version(), Ordering::Release);
        Ok(())
    }

    fn corrupt_follow(&self, offset: u64, why: &str) -> Error {
        Error::Corrupt {
            path: self.path.clone(),
            offset,
            reason: format!("catching up with other handles: {why}"),
        }
    }
}
