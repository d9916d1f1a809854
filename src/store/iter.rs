//! Iteration over live entries: a snapshot of the index, newest first.

use std::sync::Arc;

use super::Store;
use super::map::MapView;
use super::read::entry_in;
use crate::entry::EntryHandle;
use crate::format::{EntryMetadata, locate};

/// Iterator over the live entries of a store as they were when it was
/// created, newest first, one per key. Writes made after its creation do
/// not appear; the entries it yields stay valid like any handle.
pub struct EntryIter {
    map: Arc<MapView>,
    /// The mapping's valid length when the snapshot was taken.
    valid: u64,
    offsets: std::vec::IntoIter<u64>,
}

impl std::fmt::Debug for EntryIter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EntryIter")
            .field("remaining", &self.offsets.len())
            .finish()
    }
}

impl EntryIter {
    /// The next entry's trailer and value bytes, without creating a handle
    /// (no allocation, no reference count). The bytes belong to the
    /// iterator's snapshot mapping, which stays alive as long as the
    /// iterator does.
    pub fn next_view(&mut self) -> Option<(EntryMetadata, &[u8])> {
        // All snapshot offsets lie below the snapshot mapping's valid length
        // at creation; decode from one slice of it.
        // The entries were validated when they were recovered or written;
        // only the tombstone rule is needed to find the payload again.
        let data = self.map.mapping().get(0..self.valid)?;
        for at in self.offsets.by_ref() {
            let Some(meta) = data.get(at as usize..).and_then(EntryMetadata::from_slice) else {
                continue;
            };
            if let Ok(loc) = locate(at, meta.prev_offset, |x| data[x as usize]) {
                return Some((meta, &data[loc.range()]));
            }
        }
        None
    }

    /// Number of entries not yet returned.
    pub fn remaining(&self) -> usize {
        self.offsets.len()
    }
}

impl Iterator for EntryIter {
    type Item = EntryHandle;

    fn next(&mut self) -> Option<EntryHandle> {
        for at in self.offsets.by_ref() {
            // Snapshot offsets were published below the snapshot mapping's
            // valid length, so they decode unless the file was modified by
            // another program; such entries are skipped.
            if let Ok(entry) = entry_in(&self.map, at) {
                return Some(entry);
            }
        }
        None
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.offsets.len()))
    }
}

impl IntoIterator for &Store {
    type Item = EntryHandle;
    type IntoIter = EntryIter;

    fn into_iter(self) -> EntryIter {
        self.iter_entries()
    }
}

impl Store {
    /// Trailer offsets of all live entries, newest first, and the mapping
    /// that holds them, taken atomically with respect to writes.
    pub(crate) fn snapshot(&self) -> (Arc<MapView>, Vec<u64>) {
        self.follow();
        let _snapshot = self.publish.read().unwrap_or_else(|p| p.into_inner());
        let state = self.state.load();
        let map = Arc::clone(&state.map);
        let valid = map.mapping().valid_len();
        let live = state.index.len();
        let blocks = (valid >> 6) + 1;
        if live >= 4096 && blocks <= live.saturating_mul(16) {
            return (map, newest_first_dense(&state.index, blocks, live));
        }
        let mut offsets = state.index.live_offsets();
        drop(_snapshot);
        sort_descending(&mut offsets, valid);
        (map, offsets)
    }

    /// Iterates over the live entries, newest first, one per key, as of
    /// this call.
    pub fn iter_entries(&self) -> EntryIter {
        let (map, offsets) = self.snapshot();
        EntryIter {
            valid: map.mapping().valid_len(),
            map,
            offsets: offsets.into_iter(),
        }
    }

    /// Parallel iteration over the live entries as of this call (no order).
    #[cfg(feature = "parallel")]
    pub fn par_iter_entries(&self) -> impl rayon::iter::ParallelIterator<Item = EntryHandle> {
        use rayon::iter::{IntoParallelIterator, ParallelIterator};
        let (map, offsets) = self.snapshot();
        offsets
            .into_par_iter()
            .filter_map(move |at| entry_in(&map, at).ok())
    }
}

/// Live trailer offsets, newest first, for a store whose file is not much
/// larger than its live data: each live trailer lies in its own 64-byte
/// block (see [`sort_descending`]), so marking blocks in a bitmap — with the
/// offset within the block kept aside — and reading the bitmap from the top
/// yields the order without sorting.
fn newest_first_dense(index: &super::index::Index, blocks: u64, live: u64) -> Vec<u64> {
    let blocks = blocks as usize;
    let mut bits = vec![0u64; blocks.div_ceil(64)];
    let mut within = vec![0u8; blocks];
    index.for_each_live_offset(|at| {
        let b = (at >> 6) as usize;
        debug_assert_eq!(
            bits[b / 64] & (1 << (b % 64)),
            0,
            "two live trailers in one block"
        );
        bits[b / 64] |= 1 << (b % 64);
        within[b] = (at & 63) as u8;
    });
    let mut out = Vec::with_capacity(live as usize);
    for (w, &word) in bits.iter().enumerate().rev() {
        let mut word = word;
        while word != 0 {
            let top = 63 - word.leading_zeros() as usize;
            word &= !(1u64 << top);
            let b = w * 64 + top;
            out.push(((b as u64) << 6) | u64::from(within[b]));
        }
    }
    out
}

/// Sorts live trailer offsets (all below `max`) in decreasing order: LSD
/// radix sort on `offset >> 6` for large inputs. The trailers of live
/// entries always lie in distinct 64-byte blocks (each regular payload
/// starts on a new block after the previous trailer), so that key orders
/// them fully with one digit pass fewer.
fn sort_descending(v: &mut Vec<u64>, max: u64) {
    const BITS: u32 = 11;
    const BUCKETS: usize = 1 << BITS;
    const SKIP: u32 = 6;
    if v.len() < 4096 {
        v.sort_unstable_by(|a, b| b.cmp(a));
        return;
    }
    let bits = u64::BITS - max.leading_zeros();
    let mut tmp = vec![0u64; v.len()];
    let mut shift = SKIP;
    while shift < bits {
        let mut slots = [0usize; BUCKETS];
        for &x in v.iter() {
            slots[((x >> shift) as usize) & (BUCKETS - 1)] += 1;
        }
        let mut pos = 0;
        for slot in slots.iter_mut().rev() {
            let count = *slot;
            *slot = pos;
            pos += count;
        }
        for &x in v.iter() {
            let b = ((x >> shift) as usize) & (BUCKETS - 1);
            tmp[slots[b]] = x;
            slots[b] += 1;
        }
        std::mem::swap(v, &mut tmp);
        shift += BITS;
    }
}

#[cfg(test)]
mod tests {
    use super::sort_descending;

    #[test]
    fn clustered_offsets_in_a_large_file_sort_correctly() {
        // 50,000 live trailers packed at the end of a 1 TiB file.
        let base = 1u64 << 40;
        let mut v: Vec<u64> = (0..50_000u64)
            .map(|i| base + (i * 7919 % 50_000) * 64 + 5)
            .collect();
        let mut expect = v.clone();
        expect.sort_unstable_by(|a, b| b.cmp(a));
        sort_descending(&mut v, base + 50_000 * 64);
        assert_eq!(v, expect);
    }

    #[test]
    fn bucket_sort_orders_like_the_standard_sort() {
        for n in [0usize, 1, 100, 5000, 70_000] {
            let mut x: u64 = 99;
            // Distinct 64-byte blocks, any offset within each, as for live
            // trailers.
            let mut v: Vec<u64> = (0..n as u64)
                .map(|i| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    (i * 7919 % 100_003) * 64 + x % 44
                })
                .collect();
            let mut expect = v.clone();
            expect.sort_unstable_by(|a, b| b.cmp(a));
            let max = v.iter().copied().max().unwrap_or(0) + 1;
            sort_descending(&mut v, max);
            assert_eq!(v, expect);
        }
    }
}
