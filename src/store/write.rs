//! Write paths: append at the tracked tail with positioned writes, then
//! publish to readers.
//!
//! Two rules keep a power loss from turning an entry into one for another
//! key (the payload checksum does not cover the trailer):
//! - an entry's last payload bytes and its trailer always go to the system
//!   in one write call that starts at a page boundary or at the entry's
//!   start, so the sector holding the start of a trailer is never written
//!   with the payload but without the trailer;
//! - an entry that is a torn-sector look-alike (see
//!   [`crate::format::torn_lookalike_region`]) is made durable, with a
//!   durable watermark above it, before the call returns: recovery, which
//!   ends the prefix at such an entry above the watermark, never meets one
//!   that was acknowledged.

use std::collections::HashSet;
use std::io;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, MutexGuard};

use super::map::{MapView, Mapping};
use super::{State, Store, Writer, reservation_for};
use crate::digest::{compute_checksum, compute_hash};
use crate::error::{Error, Result};
use crate::format::watermark::Watermark;
use crate::format::{
    EntryMetadata, Located, METADATA_SIZE, ZERO_TRAILER, check_payload, encode_entry,
    encode_tombstone, is_torn_lookalike, pad_len,
};

/// Payloads up to this size are copied into one buffer and written with a
/// single call; larger ones are written straight from the caller's memory.
const COPY_LIMIT: usize = 0x4_0000; // 256 KiB
/// Payloads at least this large get their checksum computed on a second
/// thread while they are being written (only the trailer needs it).
const PARALLEL_CHECKSUM: usize = 0x10_0000; // 1 MiB
/// With per-write sync, the watermark attribute is refreshed after this many
/// newly synced bytes (it only bounds how much a later open re-verifies).
const MARK_EVERY: u64 = 0x40_0000; // 4 MiB
/// The page size writes are split at (see the module docs).
pub(crate) const PAGE: u64 = 4096;
// Payloads written in two calls span more than a page.
const _: () = assert!(COPY_LIMIT as u64 > PAGE);

pub(crate) static ZEROS: [u8; 64] = [0; 64];

/// Each key's home line in the index is prefetched this many updates
/// ahead, so the table's cache misses overlap.
const PREFETCH_AHEAD: usize = 16;

/// Prefetches the home line of the key [`PREFETCH_AHEAD`] updates after
/// the `i`-th. A hint: which line it fetches changes only the speed.
fn prefetch_ahead(index: &super::index::Index, updates: &[Update], i: usize) {
    if let Some(&(next, _)) = updates.get(i + PREFETCH_AHEAD) {
        index.prefetch(next);
    }
}

/// One index change: a key now points at `loc` (or is deleted).
pub(crate) type Update = (u64, Located);

fn payload_error(payload: &[u8]) -> Result<()> {
    check_payload(payload).map_err(|e| Error::invalid(e.message()))
}

/// Refuses the one trailer a run of zeros also reads as (see
/// [`ZERO_TRAILER`]): key hash 0 as the first entry, checksum 0.
pub(crate) fn refuse_zero_trailer(tail: u64, key_hash: u64, checksum: u32) -> Result<()> {
    if EntryMetadata::new(key_hash, tail, checksum) == ZERO_TRAILER {
        return Err(Error::invalid(
            "key hash 0 with a value whose checksum is 0 cannot be the first entry of a store",
        ));
    }
    Ok(())
}

thread_local! {
    static TOKEN: u8 = const { 0 };
}

/// A non-zero number unique to the calling thread among live threads.
pub(crate) fn thread_token() -> usize {
    TOKEN.with(|t| t as *const u8 as usize)
}

/// The locked writer; records which thread holds it, so a callback that
/// calls back into the same store gets an error instead of a deadlock.
pub(crate) struct WriterGuard<'a> {
    guard: MutexGuard<'a, Writer>,
    owner: &'a AtomicUsize,
    /// Shared mode: the per-call writer lock of the lock file.
    _writes: Option<super::coord::Held<'a>>,
    /// Shared mode: entries read from other handles when it was taken.
    pub(crate) caught_up: u64,
}

impl Deref for WriterGuard<'_> {
    type Target = Writer;
    fn deref(&self) -> &Writer {
        &self.guard
    }
}

impl DerefMut for WriterGuard<'_> {
    fn deref_mut(&mut self) -> &mut Writer {
        &mut self.guard
    }
}

impl Drop for WriterGuard<'_> {
    fn drop(&mut self) {
        self.owner.store(0, Ordering::Relaxed);
    }
}

impl Store {
    /// Locks the writer; refuses read-only and poisoned handles, and calls
    /// made from a callback running inside a write or compaction of this
    /// store on the same thread.
    pub(crate) fn lock_writer(&self) -> Result<WriterGuard<'_>> {
        let Some(mutex) = &self.writer else {
            return Err(Error::ReadOnly);
        };
        let me = thread_token();
        // Only this thread ever stores its own token, so a relaxed load
        // sees it exactly when this thread holds the writer.
        if self.writer_owner.load(Ordering::Relaxed) == me {
            return Err(Error::invalid(
                "re-entrant call: a callback inside a write or compaction of this store called a writing function of the same store",
            ));
        }
        let guard = mutex.lock().map_err(|_| Error::Poisoned {
            reason: "a write panicked while holding the writer".into(),
        })?;
        self.writer_owner.store(me, Ordering::Relaxed);
        let mut w = WriterGuard {
            guard,
            owner: &self.writer_owner,
            _writes: None,
            caught_up: 0,
        };
        if let Some(reason) = &w.poisoned {
            return Err(Error::Poisoned {
                reason: reason.clone(),
            });
        }
        if self.shared
            && let Some(coord) = self.coord.as_deref()
        {
            let held = coord.lock_writes().map_err(|e| {
                if e.kind() == io::ErrorKind::Deadlock {
                    Error::invalid(
                        "re-entrant call: this thread is inside a write call of another handle of the same store",
                    )
                } else {
                    Error::io(format!("{}: lock", self.path.display()), e)
                }
            })?;
            w._writes = Some(held);
            let wr = &mut *w;
            w.caught_up = self.absorb(&mut wr.file, &mut wr.epoch, &mut wr.tail, true)?;
            // A call died in the middle: see `settle_unfinished`.
            if coord.read().is_some_and(|p| p.busy) {
                self.settle_unfinished(&mut w)?;
            }
        }
        Ok(w)
    }

    /// Cuts the unpublished bytes past `tail` left by a write that did not
    /// complete, fencing out readers that are recovering the file at that
    /// moment. A failed truncation poisons the handle. Without the fence
    /// the bytes stay (the next write overwrites them; the next open
    /// discards what is left).
    pub(crate) fn cut_back(&self, w: &mut Writer, tail: u64) -> Result<()> {
        let cut = match w.coord.fence_writer() {
            Ok(_fence) => w.io.set_len(&w.file, tail),
            Err(_) => Ok(()),
        };
        cut.map_err(|e| self.poison(w, "truncate an unfinished write", e))?;
        // Nothing unfinished remains past the published tail.
        w.coord.publish(tail);
        Ok(())
    }

    /// Records an I/O failure: the handle refuses writes from now on.
    pub(crate) fn poison(&self, w: &mut Writer, what: &str, source: io::Error) -> Error {
        let context = format!("{}: {what}", self.path.display());
        w.poisoned = Some(format!("{context}: {source}"));
        Error::io(context, source)
    }

    /// Writes `parts`, concatenated, at `at` in one call; a failure
    /// poisons the handle.
    pub(crate) fn write_at(&self, w: &mut Writer, parts: &[&[u8]], at: u64) -> Result<()> {
        // Until the call publishes, its bytes are unfinished for everybody.
        w.coord.begin_write();
        match w.io.write_at(&w.file, parts, at) {
            Ok(()) => Ok(()),
            Err(e) => Err(self.poison(w, "write", e)),
        }
    }

    /// Makes room for an append ending at `new_tail` that adds up to
    /// `new_keys` keys: a larger mapping and/or index, published before the
    /// bytes are written, so that after the write nothing can fail but the
    /// optional sync.
    pub(crate) fn prepare(&self, w: &Writer, new_tail: u64, new_keys: usize) -> Result<()> {
        let current = self.state.load();
        let map = if new_tail > current.map.mapping().reserved_len() as u64 {
            let mapping = Mapping::new(&w.file, reservation_for(new_tail)?, w.tail)
                .map_err(|e| Error::io(format!("{}: map", self.path.display()), e))?;
            Some(Arc::new(MapView::new(mapping)))
        } else {
            None
        };
        let index = if current.index.has_room_for(new_keys) {
            None
        } else {
            let rebuilt = current
                .index
                .rebuilt(new_keys)
                .map_err(|e| Error::io(format!("{}: grow index", self.path.display()), e))?;
            Some(Arc::new(rebuilt))
        };
        if map.is_some() || index.is_some() {
            self.state.store(Arc::new(State {
                map: map.unwrap_or_else(|| Arc::clone(&current.map)),
                index: index.unwrap_or_else(|| Arc::clone(&current.index)),
                file_id: current.file_id,
            }));
        }
        Ok(())
    }

    /// Makes `new_tail` and `updates` visible to readers. The bytes up to
    /// `new_tail` are in the file and [`Store::prepare`] made room for them.
    pub(crate) fn publish(&self, w: &mut Writer, new_tail: u64, updates: &[Update]) -> Result<u64> {
        let state = self.state.load();
        self.publish_with(w, &state, new_tail, updates)
    }

    /// [`Store::publish`] with the current state already loaded (after
    /// [`Store::prepare`]; only the writer swaps it, so it stays current).
    fn publish_with(
        &self,
        w: &mut Writer,
        state: &State,
        new_tail: u64,
        updates: &[Update],
    ) -> Result<u64> {
        if self.sync_writes {
            if let Err(e) = w.io.sync_data(&w.file) {
                return Err(self.poison(w, "sync", e));
            }
            w.synced = new_tail;
        }
        state.map.mapping().publish(new_tail);
        if w.xattrs && self.has_torn_lookalike(state, new_tail, updates) {
            self.make_durable(w, new_tail)?;
        }
        {
            for &(key_hash, _) in updates.iter().take(PREFETCH_AHEAD) {
                state.index.prefetch(key_hash);
            }
            let _snapshot = self.publish.write().unwrap_or_else(|p| p.into_inner());
            for (i, &(key_hash, loc)) in updates.iter().enumerate() {
                prefetch_ahead(&state.index, updates, i);
                if loc.tombstone {
                    state.index.remove(key_hash);
                } else {
                    state.index.upsert(key_hash, loc.end);
                }
            }
            self.tail.store(new_tail, Ordering::Release);
        }
        w.tail = new_tail;
        w.coord.publish(new_tail);
        if self.shared {
            // Only this call could have moved the page: nothing to catch
            // up with.
            self.seen.store(w.coord.version(), Ordering::Release);
        }
        if self.sync_writes && w.synced >= w.watermark + MARK_EVERY {
            self.mark(w, false);
        }
        Ok(new_tail)
    }

    /// Whether one of the entries just written (below `new_tail`, already
    /// published in `state`'s mapping) is a torn-sector look-alike.
    fn has_torn_lookalike(&self, state: &State, new_tail: u64, updates: &[Update]) -> bool {
        let Some(data) = state.map.mapping().get(0..new_tail) else {
            return false;
        };
        // The byte at `loc.end` is the key hash's low byte, which we already
        // hold: filtering on it first keeps most updates off the mapping.
        updates
            .iter()
            .any(|(hash, loc)| *hash as u8 == 0 && is_torn_lookalike(data, loc.start, loc.end))
    }

    /// Makes everything up to `tail` durable under a durable watermark
    /// (fdatasync, the attribute, fsync); a failure poisons the handle.
    fn make_durable(&self, w: &mut Writer, tail: u64) -> Result<()> {
        if w.synced < tail {
            if let Err(e) = w.io.sync_data(&w.file) {
                return Err(self.poison(w, "sync", e));
            }
            w.synced = tail;
        }
        if let Err(e) = self.write_mark(w, false) {
            return Err(self.poison(w, "write watermark", e));
        }
        if let Err(e) = w.io.sync_all(&w.file) {
            return Err(self.poison(w, "sync", e));
        }
        Ok(())
    }

    /// Records the synced tail in the watermark attribute (best effort: a
    /// stale watermark only means more checksums to verify at open).
    pub(crate) fn mark(&self, w: &mut Writer, clean: bool) {
        if !w.xattrs || (w.watermark == w.synced && !clean) {
            return;
        }
        let _ = self.write_mark(w, clean);
    }

    /// Writes the watermark for the synced tail.
    fn write_mark(&self, w: &mut Writer, clean: bool) -> io::Result<()> {
        let tail = w.synced;
        let trailer = if tail == 0 {
            [0; METADATA_SIZE]
        } else {
            let state = self.state.load();
            state
                .map
                .mapping()
                .get(tail - METADATA_SIZE as u64..tail)
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| io::Error::other("synced tail beyond the mapped data"))?
        };
        let mark = Watermark {
            tail,
            trailer,
            clean,
            store_id: w.store_id,
            generation: w.generation,
        };
        match w.io.set_watermark(&w.file, &mark.encode()) {
            Ok(true) => w.watermark = tail,
            Ok(false) => w.xattrs = false,
            Err(e) => return Err(e),
        }
        Ok(())
    }

    /// Appends entries encoded by `encode` at the tail with one write, then
    /// publishes them. `encode(buf, tail)` appends the encoded entries to
    /// `buf` (empty, meant to be written at `tail`) and returns the index
    /// updates, in order.
    fn append_encoded(
        &self,
        w: &mut Writer,
        encode: impl FnOnce(&mut Vec<u8>, u64) -> Vec<Update>,
    ) -> Result<u64> {
        let start = w.tail;
        let mut buf = std::mem::take(&mut w.buf);
        buf.clear();
        let updates = encode(&mut buf, start);
        let tail = start + buf.len() as u64;
        let new_keys = updates.iter().filter(|(_, loc)| !loc.tombstone).count();
        let written = self
            .prepare(w, tail, new_keys)
            .and_then(|()| self.write_at(w, &[&buf], start));
        w.buf = buf;
        written?;
        self.publish(w, tail, &updates)
    }

    /// Appends one regular entry (already validated) and publishes it.
    /// `checksum` yields the payload's CRC-32; large payloads are written
    /// before it is asked for.
    pub(crate) fn append_locked(
        &self,
        w: &mut Writer,
        key_hash: u64,
        payload: &[u8],
        checksum: impl FnOnce() -> u32,
    ) -> Result<u64> {
        let tail = w.tail;
        let start = tail + pad_len(tail);
        let loc = Located {
            start,
            end: start + payload.len() as u64,
            tombstone: false,
        };
        self.prepare(w, loc.tail(), 1)?;
        let state = self.state.load();
        state.index.prefetch(key_hash);
        if payload.len() <= COPY_LIMIT {
            let crc = checksum();
            refuse_zero_trailer(tail, key_hash, crc)?;
            let mut buf = std::mem::take(&mut w.buf);
            buf.clear();
            encode_entry(&mut buf, tail, key_hash, payload, crc);
            let written = self.write_at(w, &[&buf], tail);
            w.buf = buf;
            written?;
        } else {
            // The bulk first (its checksum may still be computing), then
            // the page holding the payload's end together with the trailer.
            // The payload is larger than a page, so that page starts
            // inside it.
            let split = loc.end / PAGE * PAGE;
            let (head, last) = payload.split_at((split - start) as usize);
            self.write_at(w, &[&ZEROS[..(start - tail) as usize], head], tail)?;
            let crc = checksum();
            if let Err(e) = refuse_zero_trailer(tail, key_hash, crc) {
                let _ = self.cut_back(w, tail);
                return Err(e);
            }
            let meta = EntryMetadata::new(key_hash, tail, crc).serialize();
            self.write_at(w, &[last, &meta], split)?;
        }
        self.publish_with(w, &state, loc.tail(), &[(key_hash, loc)])
    }

    /// Writes `payload` under `key`, replacing any earlier value. Returns the
    /// new tail offset of the file.
    ///
    /// Fails with [`Error::InvalidArgument`] for an empty payload or the
    /// single byte `0x00` (reserved for deletion markers).
    pub fn write(&self, key: &[u8], payload: &[u8]) -> Result<u64> {
        self.write_with_key_hash(compute_hash(key), payload)
    }

    /// [`Store::write`] with a precomputed key hash.
    pub fn write_with_key_hash(&self, key_hash: u64, payload: &[u8]) -> Result<u64> {
        payload_error(payload)?;
        if payload.len() >= PARALLEL_CHECKSUM {
            // Checksum on a helper thread while the payload is written.
            return std::thread::scope(|scope| {
                let helper = std::thread::Builder::new()
                    .name("rdrive-crc".into())
                    .spawn_scoped(scope, || compute_checksum(payload));
                let mut w = self.lock_writer()?;
                self.append_locked(&mut w, key_hash, payload, || match helper {
                    Ok(handle) => handle.join().unwrap_or_else(|_| compute_checksum(payload)),
                    // No thread available: compute it here.
                    Err(_) => compute_checksum(payload),
                })
            });
        }
        let checksum = compute_checksum(payload);
        let mut w = self.lock_writer()?;
        self.append_locked(&mut w, key_hash, payload, || checksum)
    }

    /// Writes several entries with one system call, all or nothing: if any
    /// payload is invalid nothing is written. Within the batch the last
    /// write of a key wins. An empty batch does nothing. Returns the new
    /// tail offset.
    pub fn batch_write(&self, entries: &[(&[u8], &[u8])]) -> Result<u64> {
        let hashed: Vec<(u64, &[u8])> =
            entries.iter().map(|&(k, v)| (compute_hash(k), v)).collect();
        self.batch_write_with_key_hashes(&hashed)
    }

    /// [`Store::batch_write`] with precomputed key hashes.
    pub fn batch_write_with_key_hashes(&self, entries: &[(u64, &[u8])]) -> Result<u64> {
        for (i, (_, payload)) in entries.iter().enumerate() {
            check_payload(payload)
                .map_err(|e| Error::invalid(format!("batch item {i}: {}", e.message())))?;
        }
        let checksums: Vec<u32> = entries.iter().map(|(_, p)| compute_checksum(p)).collect();
        let mut w = self.lock_writer()?;
        if entries.is_empty() {
            return Ok(w.tail);
        }
        refuse_zero_trailer(w.tail, entries[0].0, checksums[0])?;
        self.append_encoded(&mut w, |buf, mut tail| {
            let mut updates = Vec::with_capacity(entries.len());
            for (&(key_hash, payload), &checksum) in entries.iter().zip(&checksums) {
                let loc = encode_entry(buf, tail, key_hash, payload, checksum);
                tail = loc.tail();
                updates.push((key_hash, loc));
            }
            updates
        })
    }

    /// Deletes `key` by appending a deletion marker. Returns `false` (and
    /// writes nothing) if the key is absent or already deleted.
    pub fn delete(&self, key: &[u8]) -> Result<bool> {
        Ok(self.batch_delete_key_hashes(&[compute_hash(key)])? == 1)
    }

    /// [`Store::delete`] with a precomputed key hash.
    pub fn delete_with_key_hash(&self, key_hash: u64) -> Result<bool> {
        Ok(self.batch_delete_key_hashes(&[key_hash])? == 1)
    }

    /// Deletes every live key of `keys` with one system call. Absent keys
    /// are skipped. Returns how many keys were deleted.
    pub fn batch_delete(&self, keys: &[&[u8]]) -> Result<usize> {
        let hashes: Vec<u64> = keys.iter().map(|k| compute_hash(k)).collect();
        self.batch_delete_key_hashes(&hashes)
    }

    /// [`Store::batch_delete`] with precomputed key hashes.
    pub fn batch_delete_key_hashes(&self, key_hashes: &[u64]) -> Result<usize> {
        let mut w = self.lock_writer()?;
        let index = Arc::clone(&self.state.load().index);
        let mut seen = HashSet::new();
        let targets: Vec<u64> = key_hashes
            .iter()
            .copied()
            .filter(|&h| index.get(h).is_some() && seen.insert(h))
            .collect();
        if targets.is_empty() {
            return Ok(0);
        }
        self.append_encoded(&mut w, |buf, mut tail| {
            let mut updates = Vec::with_capacity(targets.len());
            for &h in &targets {
                let loc = encode_tombstone(buf, tail, h);
                tail = loc.tail();
                updates.push((h, loc));
            }
            updates
        })?;
        Ok(targets.len())
    }

    /// Moves the value of `old_key` to `new_key` (one append holding the new
    /// entry and a deletion marker for the old key). Returns `false` if
    /// `old_key` is absent. Renaming a key onto itself is an invalid
    /// argument.
    pub fn rename(&self, old_key: &[u8], new_key: &[u8]) -> Result<bool> {
        let (old, new) = (compute_hash(old_key), compute_hash(new_key));
        if old == new {
            return Err(Error::invalid("rename: old and new key are the same key"));
        }
        let mut w = self.lock_writer()?;
        let Some(entry) = self.read_with_key_hash(old)? else {
            return Ok(false);
        };
        self.append_encoded(&mut w, |buf, tail| {
            // Keep the stored checksum: a damaged payload stays detectable.
            let moved = encode_entry(buf, tail, new, &entry, entry.checksum());
            let gone = encode_tombstone(buf, moved.tail(), old);
            vec![(new, moved), (old, gone)]
        })?;
        Ok(true)
    }

    /// Whether `self` and `other` are open on the same file (same device and
    /// inode), however they were named.
    pub fn is_same_file(&self, other: &Store) -> bool {
        self.state.load().file_id == other.state.load().file_id
    }

    /// Appends the current value of `key` to `target`, keeping its stored
    /// checksum. Returns `false` if `key` is absent. Copying into the same
    /// file (detected by device and inode) is an invalid argument.
    pub fn copy(&self, key: &[u8], target: &Store) -> Result<bool> {
        Ok(self.copy_hash(compute_hash(key), target)?.is_some())
    }

    fn copy_hash(&self, key_hash: u64, target: &Store) -> Result<Option<u64>> {
        if self.is_same_file(target) {
            return Err(Error::invalid(
                "copy: source and target are the same file (use rename)",
            ));
        }
        let Some(entry) = self.read_with_key_hash(key_hash)? else {
            return Ok(None);
        };
        let mut w = target.lock_writer()?;
        target.append_locked(&mut w, key_hash, &entry, || entry.checksum())?;
        Ok(Some(entry.end_offset() as u64))
    }

    /// Copies `key` to `target`, then deletes it here (unless it was
    /// overwritten here in between, in which case the newer value stays).
    /// Returns `false` if `key` is absent. Not atomic across the two files:
    /// a crash in between leaves the key in both.
    pub fn transfer(&self, key: &[u8], target: &Store) -> Result<bool> {
        let key_hash = compute_hash(key);
        // Refuse up front if this store cannot delete, so a failed transfer
        // leaves no copy behind.
        drop(self.lock_writer()?);
        let Some(copied_at) = self.copy_hash(key_hash, target)? else {
            return Ok(false);
        };
        let mut w = self.lock_writer()?;
        if self.state.load().index.get(key_hash) != Some(copied_at) {
            return Ok(true);
        }
        self.append_encoded(&mut w, |buf, tail| {
            vec![(key_hash, encode_tombstone(buf, tail, key_hash))]
        })?;
        Ok(true)
    }

    /// Makes every write so far durable (`fdatasync`) and records the durable
    /// length beside the file. A no-op on a read-only store.
    pub fn sync(&self) -> Result<()> {
        if self.read_only {
            return Ok(());
        }
        let mut w = self.lock_writer()?;
        self.sync_locked(&mut w)
    }

    pub(crate) fn sync_locked(&self, w: &mut Writer) -> Result<()> {
        if w.synced < w.tail {
            if let Err(e) = w.io.sync_data(&w.file) {
                return Err(self.poison(w, "sync", e));
            }
            w.synced = w.tail;
        }
        self.mark(w, false);
        Ok(())
    }
}
