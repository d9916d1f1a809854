//! Compaction: rewrite the live entries into a new file and switch the open
//! handle over to it.
//!
//! Protocol: write live entries (oldest first, stored checksums kept) to a
//! temporary file created empty beside the store (a stale one from an
//! earlier crash is truncated, never merged), `fdatasync` it, record its
//! watermark (same store id, a new generation) and `fsync` it, rename it
//! over the store, `fsync` the directory. A crash before the rename leaves
//! the old file intact; after it, the new one, with its watermark. Readers
//! keep using the old mapping until the new state is published; handles
//! taken before keep the old mapping alive. The writer lock lives in the
//! lock file, so it covers the new file as soon as it has the path.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::index::Index;
use super::io::{Create, Storage, parent_dir};
use super::map::{MapView, Mapping};
use super::read::locate_in;
use super::{FileId, State, Store, random_id, reservation_for};
use crate::error::{Error, Result};
use crate::format::watermark::Watermark;
use crate::format::{EntryMetadata, METADATA_SIZE, encode_entry, pad_len};

/// What a compaction did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompactionStats {
    /// File size before.
    pub bytes_before: u64,
    /// File size after.
    pub bytes_after: u64,
    /// Live entries kept.
    pub entries: u64,
}

const FLUSH_AT: usize = 1 << 20;

/// Path of the temporary file a compaction writes.
pub(crate) fn compaction_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".rdrive-compact");
    path.with_file_name(name)
}

struct Compacted {
    file: File,
    tail: u64,
    pairs: Vec<(u64, u64)>,
    marked: bool,
}

impl Store {
    /// Rewrites the store with only its live entries, reclaiming the space of
    /// overwritten and deleted ones. The handle keeps working afterwards and
    /// entry handles taken before stay valid. Readers are not blocked; writers
    /// wait until it finishes.
    pub fn compact(&self) -> Result<CompactionStats> {
        self.compact_with_progress(|_, _| true)
    }

    /// [`Store::compact`], calling `progress(bytes_done, bytes_total)` — bytes
    /// of the new file — at the start, about once per MiB written (also
    /// inside one large value; never once per entry) and at the end;
    /// returning `false` stops it ([`Error::Aborted`]) and leaves the store
    /// as it was.
    pub fn compact_with_progress(
        &self,
        mut progress: impl FnMut(u64, u64) -> bool,
    ) -> Result<CompactionStats> {
        let mut w = self.lock_writer()?;
        let coord = Arc::clone(&w.coord);
        let _running = coord
            .compacting()
            .map_err(|e| Error::io(format!("{}: lock", self.path.display()), e))?;
        let state = self.state.load_full();
        let mut pairs = state.index.live_pairs();
        pairs.sort_unstable_by_key(|&(_, at)| at);
        let tmp = compaction_path(&self.file_path);
        let bytes_before = w.tail;
        let io = std::sync::Arc::clone(&w.io);
        let identity = (w.store_id, random_id());
        let mut done = match self.write_compacted(
            io.as_ref(),
            &state,
            &pairs,
            &tmp,
            identity,
            &mut progress,
        ) {
            Ok(done) => done,
            Err(e) => {
                let _ = io.remove(&tmp);
                return Err(e);
            }
        };
        let err = |what: &str| {
            let context = format!("{}: {what}", self.path.display());
            move |e| Error::io(context, e)
        };
        // Everything that can fail without touching the store happens before
        // the rename.
        let entries = done.pairs.len() as u64;
        let pairs = std::mem::take(&mut done.pairs);
        let switched = (|| {
            let file_id = FileId::of(&done.file).map_err(err("stat"))?;
            let mapping = Mapping::new(&done.file, reservation_for(done.tail)?, done.tail)
                .map_err(err("map compacted file"))?;
            let index = Index::with_capacity(pairs.len()).map_err(err("build index"))?;
            for (key_hash, at) in pairs {
                index.upsert(key_hash, at);
            }
            // Until the page describes the new file, the store is in the
            // middle of a call: a writer that finds it so after this
            // process died adopts the file at the path.
            coord.begin_write();
            io.rename(&tmp, &self.file_path)
                .map_err(err("rename compacted file"))?;
            Ok::<_, Error>((file_id, mapping, index))
        })();
        let (file_id, mapping, index) = match switched {
            Ok(v) => v,
            Err(e) => {
                let _ = io.remove(&tmp);
                return Err(e);
            }
        };
        let dir_synced = io.sync_dir(parent_dir(&self.file_path));
        // The cache described the old file.
        if let Some((path, _)) = &self.cache {
            super::cache::remove(io.as_ref(), path);
        }

        // The path now names the compacted file: switch to it.
        {
            let _snapshot = self.publish.write().unwrap_or_else(|p| p.into_inner());
            self.state.store(Arc::new(State {
                map: Arc::new(MapView::new(mapping)),
                index: Arc::new(index),
                file_id,
            }));
            self.tail.store(done.tail, Ordering::Release);
        }
        w.file = done.file;
        w.tail = done.tail;
        w.synced = done.tail;
        w.watermark = if done.marked { done.tail } else { 0 };
        w.generation = identity.1;
        // Other handles switch to the new file at their next call.
        match w.coord.reset(&w.file, done.tail, identity.1) {
            Ok(epoch) => w.epoch = epoch,
            Err(e) => {
                let context = format!("{}: publish the compacted file", self.path.display());
                w.poisoned = Some(format!("{context}: {e}"));
                return Err(Error::io(context, e));
            }
        }
        if self.shared {
            self.seen.store(w.coord.version(), Ordering::Release);
        }
        if let Err(e) = dir_synced {
            let context = format!("{}: sync directory after compaction", self.path.display());
            w.poisoned = Some(format!("{context}: {e}"));
            return Err(Error::io(context, e));
        }
        Ok(CompactionStats {
            bytes_before,
            bytes_after: done.tail,
            entries,
        })
    }

    fn write_compacted(
        &self,
        io: &dyn Storage,
        state: &State,
        pairs: &[(u64, u64)],
        tmp: &Path,
        (store_id, generation): (u64, u64),
        progress: &mut impl FnMut(u64, u64) -> bool,
    ) -> Result<Compacted> {
        let err = |what: &str| {
            let context = format!("{}: {what}", tmp.display());
            move |e| Error::io(context, e)
        };
        let file = io.create(tmp, Create::Truncate).map_err(err("create"))?;
        // Progress counts bytes of the new file, so one large value moves
        // it too.
        let mut located = Vec::with_capacity(pairs.len());
        let mut total = 0u64;
        for &(key_hash, at) in pairs {
            let (meta, loc) = locate_in(&state.map, at).map_err(|_| self.compact_corrupt(at))?;
            total += pad_len(total) + (loc.end - loc.start) + METADATA_SIZE as u64;
            located.push((key_hash, meta, loc));
        }
        let mut buf = Vec::with_capacity(FLUSH_AT + 4096);
        let mut flushed = 0u64;
        let mut tail = 0u64;
        let mut out = Vec::with_capacity(pairs.len());
        let mut last_trailer = [0u8; METADATA_SIZE];
        if !progress(0, total) {
            return Err(aborted());
        }
        let mut flush = |buf: &mut Vec<u8>, flushed: &mut u64| -> Result<bool> {
            if !buf.is_empty() {
                io.write_at(&file, &[buf], *flushed).map_err(err("write"))?;
                *flushed += buf.len() as u64;
                buf.clear();
            }
            Ok(progress(*flushed, total))
        };
        for &(key_hash, meta, loc) in &located {
            let payload = state
                .map
                .mapping()
                .get(loc.start..loc.end)
                .ok_or_else(|| self.compact_corrupt(loc.end))?;
            if payload.len() <= FLUSH_AT {
                let placed = encode_entry(&mut buf, tail, key_hash, payload, meta.checksum);
                out.push((key_hash, placed.end));
                tail = placed.tail();
                last_trailer.copy_from_slice(&buf[buf.len() - METADATA_SIZE..]);
                if buf.len() >= FLUSH_AT && !flush(&mut buf, &mut flushed)? {
                    return Err(aborted());
                }
                continue;
            }
            // A large value goes straight from the mapping, a chunk at a
            // time (the file is synced before anyone relies on it).
            buf.resize(buf.len() + pad_len(tail) as usize, 0);
            let start = tail + pad_len(tail);
            for chunk in payload.chunks(FLUSH_AT) {
                buf.extend_from_slice(chunk);
                if !flush(&mut buf, &mut flushed)? {
                    return Err(aborted());
                }
            }
            let trailer = EntryMetadata::new(key_hash, tail, meta.checksum).serialize();
            buf.extend_from_slice(&trailer);
            last_trailer = trailer;
            let end = start + payload.len() as u64;
            out.push((key_hash, end));
            tail = end + METADATA_SIZE as u64;
        }
        if !flush(&mut buf, &mut flushed)? {
            return Err(aborted());
        }
        debug_assert_eq!(flushed, tail);
        io.sync_data(&file).map_err(err("sync"))?;
        let mark = Watermark {
            tail,
            trailer: last_trailer,
            clean: false,
            store_id,
            generation,
        };
        // The new file keeps the store's identity: make its watermark as
        // durable as its bytes before it takes the path.
        let marked = io.set_watermark(&file, &mark.encode()).unwrap_or(false);
        if marked {
            io.sync_all(&file).map_err(err("sync"))?;
        }
        Ok(Compacted {
            file,
            tail,
            pairs: out,
            marked,
        })
    }

    fn compact_corrupt(&self, at: u64) -> Error {
        Error::Corrupt {
            path: self.path.clone(),
            offset: at,
            reason: "live entry unreadable during compaction".into(),
        }
    }

    /// Bytes a compaction would reclaim now (overwritten and deleted entries
    /// and their padding).
    pub fn reclaimable_bytes(&self) -> u64 {
        let (map, mut offsets) = self.snapshot();
        offsets.reverse();
        let mut compacted = 0u64;
        for at in offsets {
            if let Ok((_, loc)) = locate_in(&map, at) {
                compacted += pad_len(compacted) + (loc.end - loc.start) + METADATA_SIZE as u64;
            }
        }
        self.file_size().saturating_sub(compacted)
    }
}

fn aborted() -> Error {
    Error::Aborted {
        reason: "compaction stopped by the progress callback".into(),
    }
}
