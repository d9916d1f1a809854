//! Write paths: append at the tracked tail with positioned writes, then
//! publish to readers.

use std::collections::HashSet;
use std::io::{self, Read};
use std::sync::atomic::Ordering;
use std::sync::{Arc, MutexGuard};

use super::map::{MapView, Mapping};
use super::{State, Store, Writer, reservation_for};
use crate::digest::{compute_checksum, compute_hash};
use crate::error::{Error, Result};
use crate::format::watermark::Watermark;
use crate::format::{
    EntryMetadata, Located, METADATA_SIZE, check_payload, encode_entry, encode_tombstone, pad_len,
};

/// Payloads up to this size are copied into one buffer and written with a
/// single call; larger ones are written straight from the caller's memory.
const COPY_LIMIT: usize = 256 * 1024;
/// Payloads at least this large get their checksum computed on a second
/// thread while they are being written (only the trailer needs it).
const PARALLEL_CHECKSUM: usize = 1 << 20;
/// Chunk size for stream writes.
const STREAM_CHUNK: usize = 64 * 1024;
/// With per-write sync, the watermark attribute is refreshed after this many
/// newly synced bytes (it only bounds how much a later open re-verifies).
const MARK_EVERY: u64 = 4 << 20;

static ZEROS: [u8; 64] = [0; 64];

/// One index change: a key now points at `loc` (or is deleted).
type Update = (u64, Located);

fn payload_error(payload: &[u8]) -> Result<()> {
    check_payload(payload).map_err(|e| Error::invalid(e.message()))
}

impl Store {
    /// Locks the writer; refuses read-only and poisoned handles.
    pub(crate) fn lock_writer(&self) -> Result<MutexGuard<'_, Writer>> {
        let Some(mutex) = &self.writer else {
            return Err(Error::ReadOnly);
        };
        let w = mutex.lock().map_err(|_| Error::Poisoned {
            reason: "a write panicked while holding the writer".into(),
        })?;
        if let Some(reason) = &w.poisoned {
            return Err(Error::Poisoned {
                reason: reason.clone(),
            });
        }
        Ok(w)
    }

    /// Records an I/O failure: the handle refuses writes from now on.
    fn poison(&self, w: &mut Writer, what: &str, source: io::Error) -> Error {
        let context = format!("{}: {what}", self.path.display());
        w.poisoned = Some(format!("{context}: {source}"));
        Error::io(context, source)
    }

    fn write_at(&self, w: &mut Writer, bytes: &[u8], at: u64) -> Result<()> {
        match w.io.write_at(&w.file, &[bytes], at) {
            Ok(()) => Ok(()),
            Err(e) => Err(self.poison(w, "write", e)),
        }
    }

    /// Makes room for an append ending at `new_tail` that adds up to
    /// `new_keys` keys: a larger mapping and/or index, published before the
    /// bytes are written, so that after the write nothing can fail but the
    /// optional sync.
    fn prepare(&self, w: &Writer, new_tail: u64, new_keys: usize) -> Result<()> {
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
    fn publish(&self, w: &mut Writer, new_tail: u64, updates: &[Update]) -> Result<u64> {
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
        {
            let _snapshot = self.publish.write().unwrap_or_else(|p| p.into_inner());
            for &(key_hash, loc) in updates {
                if loc.tombstone {
                    state.index.remove(key_hash);
                } else {
                    state.index.upsert(key_hash, loc.end);
                }
            }
            self.tail.store(new_tail, Ordering::Release);
        }
        w.tail = new_tail;
        if self.sync_writes && w.synced >= w.watermark + MARK_EVERY {
            self.mark(w, false);
        }
        Ok(new_tail)
    }

    /// Records the synced tail in the watermark attribute (best effort: a
    /// stale watermark only means more checksums to verify at open).
    pub(crate) fn mark(&self, w: &mut Writer, clean: bool) {
        if !w.xattrs || (w.watermark == w.synced && !clean) {
            return;
        }
        let tail = w.synced;
        let trailer = if tail == 0 {
            Some([0; METADATA_SIZE])
        } else {
            let state = self.state.load();
            state
                .map
                .mapping()
                .get(tail - METADATA_SIZE as u64..tail)
                .and_then(|b| b.try_into().ok())
        };
        let Some(trailer) = trailer else { return };
        let mark = Watermark {
            tail,
            trailer,
            clean,
        };
        match w.io.set_watermark(&w.file, &mark.encode()) {
            Ok(true) => w.watermark = tail,
            Ok(false) => w.xattrs = false,
            Err(_) => {}
        }
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
            .and_then(|()| self.write_at(w, &buf, start));
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
            let mut buf = std::mem::take(&mut w.buf);
            buf.clear();
            encode_entry(&mut buf, tail, key_hash, payload, checksum());
            let written = self.write_at(w, &buf, tail);
            w.buf = buf;
            written?;
        } else {
            self.write_at(w, &ZEROS[..(start - tail) as usize], tail)?;
            self.write_at(w, payload, start)?;
            let meta = EntryMetadata::new(key_hash, tail, checksum());
            self.write_at(w, &meta.serialize(), loc.end)?;
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
        let index = Arc::clone(&self.state.load().index);
        self.append_encoded(&mut w, |buf, mut tail| {
            let mut updates = Vec::with_capacity(entries.len());
            for (&(key_hash, payload), &checksum) in entries.iter().zip(&checksums) {
                // The slot loads while the bytes are written; publishing
                // then finds it in cache.
                index.prefetch(key_hash);
                let loc = encode_entry(buf, tail, key_hash, payload, checksum);
                tail = loc.tail();
                updates.push((key_hash, loc));
            }
            updates
        })
    }

    /// Writes the bytes produced by `reader` under `key`, in chunks, without
    /// holding the whole payload in memory. If the reader fails, nothing is
    /// committed and the file is exactly as before ([`Error::Aborted`]).
    /// Returns the new tail offset.
    pub fn write_stream<R: Read + ?Sized>(&self, key: &[u8], reader: &mut R) -> Result<u64> {
        self.write_stream_with_key_hash(compute_hash(key), reader)
    }

    /// [`Store::write_stream`] with a precomputed key hash.
    pub fn write_stream_with_key_hash<R: Read + ?Sized>(
        &self,
        key_hash: u64,
        reader: &mut R,
    ) -> Result<u64> {
        let mut w = self.lock_writer()?;
        let tail = w.tail;
        let start = tail + pad_len(tail);
        let mut buf = std::mem::take(&mut w.buf);
        buf.clear();
        buf.resize(STREAM_CHUNK, 0);
        let outcome = self.stream_body(&mut w, &mut buf, reader, key_hash, tail, start);
        w.buf = buf;
        match outcome {
            Ok(loc) => self.publish(&mut w, loc.tail(), &[(key_hash, loc)]),
            Err(StreamFail::Io(e)) => {
                // The handle is poisoned already; trimming is best effort
                // (recovery at the next open discards the bytes anyway).
                let _ = w.io.set_len(&w.file, tail);
                Err(e)
            }
            Err(StreamFail::Caller(e)) => {
                if let Err(io) = w.io.set_len(&w.file, tail) {
                    return Err(self.poison(&mut w, "truncate aborted stream", io));
                }
                Err(e)
            }
        }
    }

    fn stream_body<R: Read + ?Sized>(
        &self,
        w: &mut Writer,
        buf: &mut [u8],
        reader: &mut R,
        key_hash: u64,
        tail: u64,
        start: u64,
    ) -> Result<Located, StreamFail> {
        self.write_at(w, &ZEROS[..(start - tail) as usize], tail)
            .map_err(StreamFail::Io)?;
        let mut hasher = crc32fast::Hasher::new();
        let mut len: u64 = 0;
        let mut first = 0u8;
        loop {
            let n = match reader.read(buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(StreamFail::Caller(Error::Aborted {
                        reason: format!("stream reader failed: {e}"),
                    }));
                }
            };
            if len == 0 {
                first = buf[0];
            }
            hasher.update(&buf[..n]);
            self.write_at(w, &buf[..n], start + len)
                .map_err(StreamFail::Io)?;
            len += n as u64;
        }
        match (len, first) {
            (0, _) => {
                return Err(StreamFail::Caller(Error::invalid(
                    "stream produced no bytes",
                )));
            }
            (1, 0) => {
                return Err(StreamFail::Caller(Error::invalid(
                    crate::format::PayloadError::LoneZero.message(),
                )));
            }
            _ => {}
        }
        self.prepare(w, start + len + METADATA_SIZE as u64, 1)
            .map_err(StreamFail::Caller)?;
        let meta = EntryMetadata::new(key_hash, tail, hasher.finalize());
        self.write_at(w, &meta.serialize(), start + len)
            .map_err(StreamFail::Io)?;
        Ok(Located {
            start,
            end: start + len,
            tombstone: false,
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

    /// Syncs, records a clean close and closes the store, reporting any
    /// error (dropping the store does the same but cannot report).
    pub fn close(mut self) -> Result<()> {
        self.close_inner()
    }

    pub(crate) fn close_inner(&mut self) -> Result<()> {
        let Some(mutex) = self.writer.take() else {
            return Ok(());
        };
        let Ok(mut w) = mutex.into_inner() else {
            return Ok(());
        };
        if w.poisoned.is_some() {
            return Ok(());
        }
        if w.synced < w.tail {
            w.io.sync_data(&w.file)
                .map_err(|e| Error::io(format!("{}: sync", self.path.display()), e))?;
            w.synced = w.tail;
        }
        self.mark(&mut w, true);
        self.save_index_cache(&w);
        Ok(())
    }

    /// Writes the index cache at a clean close (best effort: it is only a
    /// cache), or removes a cache the store no longer earns.
    fn save_index_cache(&self, w: &Writer) {
        let Some((path, min_keys)) = &self.cache else {
            return;
        };
        let state = self.state.load();
        if state.index.len() < *min_keys as u64 || w.synced != w.tail {
            super::cache::remove(w.io.as_ref(), path);
            return;
        }
        let trailer = match w.tail {
            0 => Some([0; METADATA_SIZE]),
            t => state
                .map
                .mapping()
                .get(t - METADATA_SIZE as u64..t)
                .and_then(|b| b.try_into().ok()),
        };
        if let Some(trailer) = trailer {
            let _ = super::cache::save(
                w.io.as_ref(),
                path,
                &state.index,
                w.tail,
                &trailer,
                state.file_id,
            );
        }
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        let _ = self.close_inner();
    }
}

enum StreamFail {
    /// Writing failed: the handle is poisoned.
    Io(Error),
    /// The caller's reader failed or the stream is not a valid payload.
    Caller(Error),
}
