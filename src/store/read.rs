//! Read paths: lock-free index lookups and zero-copy entry handles.

use std::sync::atomic::Ordering;

use super::index::Index;
use super::map::MapView;
use super::{State, Store};
use crate::digest::compute_hash;
use crate::entry::EntryHandle;
use crate::error::{Error, Result};
use crate::format::{EntryMetadata, Located, METADATA_SIZE, locate};

/// Why an offset could not be turned into an entry.
pub(crate) enum Miss {
    /// The offset is past this mapping's valid length: a newer mapping has
    /// been published since the state was loaded.
    Stale,
    /// The bytes there are not a well-formed entry.
    Corrupt(&'static str),
}

/// Decodes the entry whose trailer starts at `meta_at` in `map`.
#[inline]
pub(crate) fn locate_in(map: &MapView, meta_at: u64) -> Result<(EntryMetadata, Located), Miss> {
    let m = map.mapping();
    let trailer = m
        .get(meta_at..meta_at + METADATA_SIZE as u64)
        .ok_or(Miss::Stale)?;
    let meta = EntryMetadata::from_slice(trailer).ok_or(Miss::Stale)?;
    let loc = locate(meta_at, meta.prev_offset, |at| {
        m.get(at..at + 1).map_or(1, |b| b[0])
    })
    .map_err(|e| Miss::Corrupt(e.message()))?;
    Ok((meta, loc))
}

/// How far ahead of the key being decoded a batch read looks keys up (and
/// twice as far, prefetches their index lines).
const AHEAD: usize = 8;

/// Prefetches the index lines of the first `2·AHEAD` keys of a batch. A
/// hint: which lines it fetches, or none, changes only the speed.
fn prefetch_first(index: &Index, key_hashes: &[u64]) {
    for &h in key_hashes.iter().take(2 * AHEAD) {
        index.prefetch(h);
    }
}

/// Prefetches the index line of the key `2·AHEAD` places after the `i`-th
/// of a batch. A hint, like [`prefetch_first`].
fn prefetch_far(index: &Index, key_hashes: &[u64], i: usize) {
    if let Some(&h) = key_hashes.get(i + 2 * AHEAD) {
        index.prefetch(h);
    }
}

/// The common case of [`locate_in`]: a regular entry of two bytes or more
/// whose trailer lies in `map`'s valid bytes. `None` for anything else
/// (deletion markers, one-byte payloads, a newer mapping, damage), which
/// [`locate_in`] then sorts out.
#[inline(always)]
fn locate_regular(
    map: &crate::store::map::Mapping,
    meta_at: u64,
) -> Option<(EntryMetadata, Located)> {
    let trailer = map.get(meta_at..meta_at.checked_add(METADATA_SIZE as u64)?)?;
    let meta = EntryMetadata::from_slice(trailer)?;
    let prev = meta.prev_offset;
    let start = prev.checked_add(crate::format::pad_len(prev))?;
    // At least two payload bytes: neither a deletion marker nor a padded
    // zero byte, whatever the bytes (the tombstone rule needs them only for
    // one-byte payloads). `start` is never below `prev`.
    let len = meta_at.checked_sub(start)?;
    (len >= 2).then_some((
        meta,
        Located {
            start,
            end: meta_at,
            tombstone: false,
        },
    ))
}

/// The entry handle for the trailer at `meta_at`.
pub(crate) fn entry_in(map: &MapView, meta_at: u64) -> Result<EntryHandle, Miss> {
    let (meta, loc) = locate_in(map, meta_at)?;
    let bytes = map.range(loc.start..loc.end).ok_or(Miss::Stale)?;
    Ok(EntryHandle::new(bytes, meta))
}

impl Store {
    #[cold]
    #[inline(never)]
    fn corrupt(&self, offset: u64, why: &str) -> Error {
        Error::Corrupt {
            path: self.path.clone(),
            offset,
            reason: format!(
                "index points at a bad entry: {why} (was the file modified by another program?)"
            ),
        }
    }

    /// Runs `f` on the live entry of `key_hash`: its trailer, location and
    /// the state whose mapping holds it. A state loaded before the mapping
    /// that holds the entry was published is replaced by the current one
    /// until a state can see it; the same state failing twice means the
    /// file is damaged. The trailer must carry the key hash looked up: a
    /// read never returns another key's value.
    ///
    /// The common case (a regular entry inside the loaded state's mapping)
    /// runs inline with as few instructions as possible, so that a caller's
    /// independent reads overlap in the CPU; anything else takes the full
    /// path, out of line.
    #[inline(always)]
    fn with_live<T>(
        &self,
        key_hash: u64,
        mut f: impl FnMut(&State, EntryMetadata, Located) -> Result<T, Miss>,
    ) -> Result<Option<T>> {
        self.follow();
        let state = self.state.load();
        let Some(at) = state.index.get(key_hash) else {
            return Ok(None);
        };
        if let Some((meta, loc)) = locate_regular(state.map.mapping(), at)
            && meta.key_hash == key_hash
            && let Ok(v) = f(&state, meta, loc)
        {
            return Ok(Some(v));
        }
        drop(state);
        self.with_live_checked(key_hash, f)
    }

    /// [`Store::with_live`] with every check and the retry on a newer
    /// state.
    #[inline(never)]
    fn with_live_checked<T>(
        &self,
        key_hash: u64,
        mut f: impl FnMut(&State, EntryMetadata, Located) -> Result<T, Miss>,
    ) -> Result<Option<T>> {
        let mut state = self.state.load();
        loop {
            let Some(at) = state.index.get(key_hash) else {
                return Ok(None);
            };
            let miss = match locate_in(&state.map, at) {
                Ok((meta, _)) if meta.key_hash != key_hash => {
                    Miss::Corrupt("the entry there belongs to another key")
                }
                Ok((meta, loc)) => match f(&state, meta, loc) {
                    Ok(v) => return Ok(Some(v)),
                    Err(miss) => miss,
                },
                Err(miss) => miss,
            };
            match miss {
                Miss::Corrupt(why) => return Err(self.corrupt(at, why)),
                Miss::Stale => {
                    let fresh = self.state.load();
                    if std::ptr::eq(&*fresh, &*state) {
                        return Err(self.corrupt(at, "entry beyond the mapped data"));
                    }
                    state = fresh;
                }
            }
        }
    }

    /// The current value of `key`, read in place. `Ok(None)` if the key is
    /// absent or deleted.
    #[inline(always)]
    pub fn read(&self, key: &[u8]) -> Result<Option<EntryHandle>> {
        self.read_with_key_hash(compute_hash(key))
    }

    /// [`Store::read`] with a precomputed key hash.
    #[inline(always)]
    pub fn read_with_key_hash(&self, key_hash: u64) -> Result<Option<EntryHandle>> {
        self.with_live(key_hash, |state, meta, loc| {
            let bytes = state.map.range(loc.start..loc.end).ok_or(Miss::Stale)?;
            Ok(EntryHandle::new(bytes, meta))
        })
    }

    /// Calls `f` with the current value of `key` while it is pinned, without
    /// creating a handle (no allocation, no reference count). `Ok(None)` if
    /// the key is absent.
    #[inline]
    pub fn peek<T>(&self, key: &[u8], f: impl FnOnce(&[u8]) -> T) -> Result<Option<T>> {
        self.peek_with_key_hash(compute_hash(key), f)
    }

    /// [`Store::peek`] with a precomputed key hash.
    #[inline]
    pub fn peek_with_key_hash<T>(
        &self,
        key_hash: u64,
        f: impl FnOnce(&[u8]) -> T,
    ) -> Result<Option<T>> {
        let mut f = Some(f);
        self.with_live(key_hash, |state, _, loc| {
            let bytes = state
                .map
                .mapping()
                .get(loc.start..loc.end)
                .ok_or(Miss::Stale)?;
            let f = f.take().ok_or(Miss::Corrupt("callback already used"))?;
            Ok(f(bytes))
        })
    }

    /// Copies the current value of `key` into `buf` when it fits. Returns
    /// the value's full length (`Ok(None)` if absent); when that exceeds
    /// `buf.len()` nothing is copied.
    pub fn read_into(&self, key: &[u8], buf: &mut [u8]) -> Result<Option<usize>> {
        self.peek(key, |bytes| {
            if let Some(dst) = buf.get_mut(..bytes.len()) {
                dst.copy_from_slice(bytes);
            }
            bytes.len()
        })
    }

    /// Whether `key` has a live value.
    #[inline]
    pub fn exists(&self, key: &[u8]) -> Result<bool> {
        self.exists_with_key_hash(compute_hash(key))
    }

    /// [`Store::exists`] with a precomputed key hash.
    #[inline]
    pub fn exists_with_key_hash(&self, key_hash: u64) -> Result<bool> {
        self.follow();
        Ok(self.state.load().index.get(key_hash).is_some())
    }

    /// The trailer of the live entry of `key`.
    pub fn read_metadata(&self, key: &[u8]) -> Result<Option<EntryMetadata>> {
        self.with_live(compute_hash(key), |_, meta, _| Ok(meta))
    }

    /// [`Store::read`] for many keys, in order.
    pub fn batch_read(&self, keys: &[&[u8]]) -> Result<Vec<Option<EntryHandle>>> {
        let hashes: Vec<u64> = keys.iter().map(|k| compute_hash(k)).collect();
        self.batch_read_hashed_keys(&hashes)
    }

    /// Runs `f(i, state, trailer, location)` for the live entry of each of
    /// `key_hashes` (`None` when absent), in order: the engine of the batch
    /// reads.
    ///
    /// Lookups run as a pipeline, so that one call keeps many cache misses
    /// in flight instead of waiting for each in turn: the home line of key
    /// `i + 2·AHEAD` is prefetched, key `i + AHEAD` is looked up in the
    /// (by then cached) line and its trailer prefetched, and key `i` is
    /// decoded from its (by then cached) trailer. Each value is the key's
    /// value at some moment during the call.
    #[inline]
    fn batch_with_live(
        &self,
        key_hashes: &[u64],
        mut f: impl FnMut(usize, &State, Option<(EntryMetadata, Located)>),
    ) -> Result<usize> {
        self.follow();
        let mut state = self.state.load();
        let mut pending = [None; AHEAD];
        prefetch_first(&state.index, key_hashes);
        for (i, &h) in key_hashes.iter().enumerate().take(AHEAD) {
            pending[i] = state.index.get(h);
            if let Some(at) = pending[i] {
                state.map.mapping().prefetch(at);
            }
        }
        let mut found = 0;
        for (i, &key_hash) in key_hashes.iter().enumerate() {
            prefetch_far(&state.index, key_hashes, i);
            let at = pending[i % AHEAD];
            if let Some(&h) = key_hashes.get(i + AHEAD) {
                let next = state.index.get(h);
                if let Some(next_at) = next {
                    state.map.mapping().prefetch(next_at);
                }
                pending[i % AHEAD] = next;
            }
            let Some(at) = at else {
                f(i, &state, None);
                continue;
            };
            let located = match locate_regular(state.map.mapping(), at) {
                Some(hit) => Ok(hit),
                None => locate_in(&state.map, at),
            };
            match located {
                Ok((meta, loc)) if meta.key_hash == key_hash => {
                    found += 1;
                    f(i, &state, Some((meta, loc)));
                }
                Ok(_) => {
                    return Err(self.corrupt(at, "the entry there belongs to another key"));
                }
                Err(Miss::Corrupt(why)) => return Err(self.corrupt(at, why)),
                Err(Miss::Stale) => {
                    // Written after this state was loaded, into a mapping
                    // published since: go on with the current state.
                    let fresh = self.state.load();
                    if std::ptr::eq(&*fresh, &*state) {
                        return Err(self.corrupt(at, "entry beyond the mapped data"));
                    }
                    state = fresh;
                    // The lookups under way came from the old state's
                    // index, which may describe another file (compaction):
                    // redo them.
                    for (j, &h) in key_hashes.iter().enumerate().skip(i + 1).take(AHEAD) {
                        pending[j % AHEAD] = state.index.get(h);
                    }
                    let hit = self.with_live(key_hash, |s, meta, loc| {
                        f(i, s, Some((meta, loc)));
                        Ok(())
                    })?;
                    match hit {
                        Some(()) => found += 1,
                        None => f(i, &state, None),
                    }
                }
            }
        }
        Ok(found)
    }

    /// Calls `f(i, value)` for each key hash, in order, with the value of key
    /// `i` in place (`None` when absent), without creating handles. Each
    /// value is the key's value at some moment during the call. Returns how
    /// many were present.
    pub fn batch_peek_with_key_hashes(
        &self,
        key_hashes: &[u64],
        mut f: impl FnMut(usize, Option<&[u8]>),
    ) -> Result<usize> {
        self.batch_with_live(key_hashes, |i, state, hit| match hit {
            Some((_, loc)) => f(i, state.map.mapping().get(loc.start..loc.end)),
            None => f(i, None),
        })
    }

    /// [`Store::read_with_key_hash`] for many hashes, in order.
    pub fn batch_read_hashed_keys(&self, key_hashes: &[u64]) -> Result<Vec<Option<EntryHandle>>> {
        let mut out = Vec::with_capacity(key_hashes.len());
        self.batch_read_hashed_keys_with(key_hashes, |_, entry| out.push(entry))?;
        Ok(out)
    }

    /// [`Store::batch_read_hashed_keys`] handing each entry (`None` when
    /// absent) to `f(i, entry)` instead of collecting them.
    pub fn batch_read_hashed_keys_with(
        &self,
        key_hashes: &[u64],
        mut f: impl FnMut(usize, Option<EntryHandle>),
    ) -> Result<usize> {
        self.batch_with_live(key_hashes, |i, state, hit| {
            let entry = hit.and_then(|(meta, loc)| {
                let bytes = state.map.range(loc.start..loc.end)?;
                Some(EntryHandle::new(bytes, meta))
            });
            f(i, entry)
        })
    }

    /// The newest entry whose key is still live: the most recent write that
    /// has not been overwritten or deleted since. Never a deletion marker.
    pub fn read_last_entry(&self) -> Result<Option<EntryHandle>> {
        self.follow();
        let (state, tail) = {
            let _snapshot = self.publish.read().unwrap_or_else(|p| p.into_inner());
            (self.state.load_full(), self.tail.load(Ordering::Acquire))
        };
        let mut at = tail;
        while at > 0 {
            let meta_at = at - METADATA_SIZE as u64;
            let (meta, loc) = match locate_in(&state.map, meta_at) {
                Ok(v) => v,
                Err(Miss::Corrupt(why)) => return Err(self.corrupt(meta_at, why)),
                Err(Miss::Stale) => return Err(self.corrupt(meta_at, "beyond mapped data")),
            };
            if !loc.tombstone && state.index.get(meta.key_hash) == Some(meta_at) {
                return match state.map.range(loc.start..loc.end) {
                    Some(bytes) => Ok(Some(EntryHandle::new(bytes, meta))),
                    None => Err(self.corrupt(meta_at, "beyond mapped data")),
                };
            }
            at = meta.prev_offset;
        }
        Ok(None)
    }

    /// Number of live keys.
    pub fn len(&self) -> usize {
        self.follow();
        self.state.load().index.len() as usize
    }

    /// Whether the store has no live keys.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Length of the store's valid data: the file's length, except on a
    /// read-only open of a file with a torn tail, whose torn bytes are not
    /// counted.
    pub fn file_size(&self) -> u64 {
        self.follow();
        self.tail.load(Ordering::Acquire)
    }

    /// The store's path, as given to open.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Whether the store was opened read-only.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// Bytes of a torn or damaged tail that recovery discarded at open (a
    /// read-only open discards them in memory only).
    pub fn recovered_bytes(&self) -> u64 {
        self.notes.discarded_bytes
    }

    /// What opening the store found: a discarded tail, a watermark that did
    /// not match the file, a leftover compaction file.
    pub fn recovery_notes(&self) -> &super::RecoveryNotes {
        &self.notes
    }

    /// Whether this open loaded the index cache (`<file>.rdrive-index`)
    /// instead of walking the whole file.
    pub fn index_cache_used(&self) -> bool {
        self.from_cache
    }

    /// Bytes of memory held by the index.
    pub fn index_heap_bytes(&self) -> usize {
        self.state.load().index.heap_bytes()
    }
}

#[cfg(test)]
mod tests {
    use crate::{Error, Store, compute_hash};

    #[test]
    fn a_read_never_returns_the_value_of_another_key() {
        let dir = std::env::temp_dir().join(format!("rdrive-read-key-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let s = Store::open(dir.join("r.rdrive")).unwrap();
        s.write(b"alice", b"alice's value").unwrap();
        s.write(b"bob", b"bob's value").unwrap();
        let bob_at = s.read(b"bob").unwrap().unwrap().end_offset() as u64;
        // An index entry that points at another key's entry (what a stale
        // or damaged index would do).
        s.state.load().index.upsert(compute_hash(b"alice"), bob_at);
        assert!(matches!(s.read(b"alice"), Err(Error::Corrupt { .. })));
        assert!(matches!(
            s.peek(b"alice", |v| v.len()),
            Err(Error::Corrupt { .. })
        ));
        assert!(matches!(
            s.read_metadata(b"alice"),
            Err(Error::Corrupt { .. })
        ));
        assert_eq!(s.read(b"bob").unwrap().unwrap().as_slice(), b"bob's value");
        drop(s);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
