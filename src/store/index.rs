//! The in-memory key index: key hash → offset of the live entry's trailer.
//!
//! An open-addressing table (linear probing) of atomic `(key, value)` slots.
//! Readers only load atomics: no lock, no shared write, so reads scale across
//! threads. There is one mutator at a time (the store's writer, or the open
//! path), which the store guarantees; concurrent mutators would lose updates
//! (never memory safety).
//!
//! Deleting a key keeps its slot with a `DELETED` value, so probe chains stay
//! intact for concurrent readers. When the table gets too full the writer
//! builds a larger one holding only live keys and publishes it; readers that
//! still hold the old table keep reading it safely.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Slot key meaning "empty". The real key hash 0 lives in `zero` instead.
const EMPTY: u64 = 0;
/// Value of a deleted key.
const DELETED: u64 = u64::MAX;
/// Value of `zero` when hash 0 has never been inserted.
const VACANT: u64 = u64::MAX - 1;

/// Largest fraction of slots in use (live or deleted) before the table is
/// rebuilt: 3/4 keeps linear probing short.
const MAX_LOAD_NUM: usize = 3;
const MAX_LOAD_DEN: usize = 4;
const MIN_SLOTS: usize = 64;

struct Slot {
    key: AtomicU64,
    value: AtomicU64,
}

/// Concurrent hash index; see the module docs.
pub(crate) struct Index {
    slots: Box<[Slot]>,
    zero: AtomicU64,
    live: AtomicU64,
    used: AtomicUsize,
}

/// What [`Index::upsert`] and [`Index::remove`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    Added,
    Replaced,
}

#[inline]
fn home(key: u64, slots: usize) -> usize {
    // Multiply first so that structured (caller-chosen) hashes spread too,
    // then map onto [0, slots) with a multiply-shift.
    let mixed = key.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    ((mixed as u128 * slots as u128) >> 64) as usize
}

impl Index {
    /// An empty index with room for about `keys` keys before it must grow.
    pub(crate) fn with_capacity(keys: usize) -> Self {
        // Size for a load of 2/3: 16 bytes / (2/3) = 24 bytes per key.
        let slots = (keys.saturating_mul(3) / 2).max(MIN_SLOTS);
        Self {
            slots: (0..slots)
                .map(|_| Slot {
                    key: AtomicU64::new(EMPTY),
                    value: AtomicU64::new(0),
                })
                .collect(),
            zero: AtomicU64::new(VACANT),
            live: AtomicU64::new(0),
            used: AtomicUsize::new(0),
        }
    }

    /// Number of live keys.
    pub(crate) fn len(&self) -> u64 {
        self.live.load(Ordering::Acquire)
    }

    /// Bytes of memory held by the table.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.slots.len() * std::mem::size_of::<Slot>()
    }

    /// Trailer offset of the live entry for `key`.
    #[inline]
    pub(crate) fn get(&self, key: u64) -> Option<u64> {
        let value = if key == EMPTY {
            self.zero.load(Ordering::Acquire)
        } else {
            self.probe(key)?
        };
        (value != DELETED && value != VACANT).then_some(value)
    }

    /// Raw value stored for `key` (including `DELETED`), if it has a slot.
    #[inline]
    fn probe(&self, key: u64) -> Option<u64> {
        let n = self.slots.len();
        let mut i = home(key, n);
        loop {
            let slot = &self.slots[i];
            let k = slot.key.load(Ordering::Acquire);
            if k == key {
                return Some(slot.value.load(Ordering::Acquire));
            }
            if k == EMPTY {
                return None;
            }
            i += 1;
            if i == n {
                i = 0;
            }
        }
    }

    /// Whether `additional` more new keys fit without a rebuild.
    pub(crate) fn has_room_for(&self, additional: usize) -> bool {
        let used = self.used.load(Ordering::Relaxed).saturating_add(additional);
        used.saturating_mul(MAX_LOAD_DEN) <= self.slots.len().saturating_mul(MAX_LOAD_NUM)
    }

    /// Number of slots holding a key, live or deleted.
    pub(crate) fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }

    /// A new table with the live keys of `self`, sized for them plus
    /// `additional` more (and at least half again, so rebuilds stay rare).
    /// Mutator only.
    pub(crate) fn rebuilt(&self, additional: usize) -> Self {
        let live = self.len() as usize;
        self.copy_into(live.saturating_add(additional).max(live + live / 2), false)
    }

    /// A new table with every key of `self`, deleted ones included, sized
    /// for `keys` keys. Used while recovery still needs deletion markers.
    pub(crate) fn grown(&self, keys: usize) -> Self {
        let used = self.used();
        self.copy_into(keys.max(used + used / 2), true)
    }

    fn copy_into(&self, keys: usize, keep_deleted: bool) -> Self {
        let next = Self::with_capacity(keys);
        let copy = |k: u64, v: u64| {
            if v == DELETED {
                if keep_deleted {
                    next.insert_if_absent(k, None);
                }
            } else {
                next.upsert(k, v);
            }
        };
        let z = self.zero.load(Ordering::Relaxed);
        if z != VACANT {
            copy(EMPTY, z);
        }
        for slot in self.slots.iter() {
            let k = slot.key.load(Ordering::Relaxed);
            if k != EMPTY {
                copy(k, slot.value.load(Ordering::Relaxed));
            }
        }
        next
    }

    /// Points `key` at `value` (a trailer offset). Mutator only; the caller
    /// ensures there is room (see [`Index::has_room_for`]).
    pub(crate) fn upsert(&self, key: u64, value: u64) -> Change {
        debug_assert!(value < VACANT);
        if key == EMPTY {
            let old = self.zero.swap(value, Ordering::AcqRel);
            return self.count_upsert(old != VACANT && old != DELETED);
        }
        let n = self.slots.len();
        let mut i = home(key, n);
        loop {
            let slot = &self.slots[i];
            let k = slot.key.load(Ordering::Relaxed);
            if k == key {
                let old = slot.value.swap(value, Ordering::AcqRel);
                return self.count_upsert(old != DELETED);
            }
            if k == EMPTY {
                assert!(
                    self.has_room_for(1),
                    "index full: caller must rebuild first"
                );
                // Value first, then key (Release): a reader that sees the key
                // also sees its value.
                slot.value.store(value, Ordering::Relaxed);
                slot.key.store(key, Ordering::Release);
                self.used.fetch_add(1, Ordering::Relaxed);
                return self.count_upsert(false);
            }
            i += 1;
            if i == n {
                i = 0;
            }
        }
    }

    fn count_upsert(&self, was_live: bool) -> Change {
        if was_live {
            Change::Replaced
        } else {
            self.live.fetch_add(1, Ordering::AcqRel);
            Change::Added
        }
    }

    /// Records `key` as seen, with `value` as its live entry or as deleted
    /// (`value == None`), unless it was seen already. Used while walking the
    /// file from newest to oldest: the first sighting of a key is its latest
    /// version. Returns whether it was new. Mutator only.
    pub(crate) fn insert_if_absent(&self, key: u64, value: Option<u64>) -> bool {
        let raw = value.unwrap_or(DELETED);
        if key == EMPTY {
            if self.zero.load(Ordering::Relaxed) != VACANT {
                return false;
            }
            self.zero.store(raw, Ordering::Release);
        } else {
            if self.probe(key).is_some() {
                return false;
            }
            let n = self.slots.len();
            let mut i = home(key, n);
            while self.slots[i].key.load(Ordering::Relaxed) != EMPTY {
                i = if i + 1 == n { 0 } else { i + 1 };
            }
            let slot = &self.slots[i];
            slot.value.store(raw, Ordering::Relaxed);
            slot.key.store(key, Ordering::Release);
            self.used.fetch_add(1, Ordering::Relaxed);
        }
        if value.is_some() {
            self.live.fetch_add(1, Ordering::AcqRel);
        }
        true
    }

    /// Marks `key` deleted. Returns whether it was live. Mutator only.
    pub(crate) fn remove(&self, key: u64) -> bool {
        let cell = if key == EMPTY {
            &self.zero
        } else {
            let n = self.slots.len();
            let mut i = home(key, n);
            loop {
                let slot = &self.slots[i];
                let k = slot.key.load(Ordering::Relaxed);
                if k == key {
                    break &slot.value;
                }
                if k == EMPTY {
                    return false;
                }
                i = if i + 1 == n { 0 } else { i + 1 };
            }
        };
        let old = cell.load(Ordering::Relaxed);
        if old == DELETED || old == VACANT {
            return false;
        }
        cell.store(DELETED, Ordering::Release);
        self.live.fetch_sub(1, Ordering::AcqRel);
        true
    }

    /// Trailer offsets of all live keys, in table order.
    pub(crate) fn live_offsets(&self) -> Vec<u64> {
        let mut out = Vec::with_capacity(self.len() as usize);
        if let Some(v) = self.get(EMPTY) {
            out.push(v);
        }
        for slot in self.slots.iter() {
            if slot.key.load(Ordering::Acquire) == EMPTY {
                continue;
            }
            let v = slot.value.load(Ordering::Acquire);
            if v != DELETED {
                out.push(v);
            }
        }
        out
    }

    /// Live `(key, offset)` pairs, in table order.
    pub(crate) fn live_pairs(&self) -> Vec<(u64, u64)> {
        let mut out = Vec::with_capacity(self.len() as usize);
        if let Some(v) = self.get(EMPTY) {
            out.push((EMPTY, v));
        }
        for slot in self.slots.iter() {
            let k = slot.key.load(Ordering::Acquire);
            if k == EMPTY {
                continue;
            }
            let v = slot.value.load(Ordering::Acquire);
            if v != DELETED {
                out.push((k, v));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn index_agrees_with_a_hashmap_under_mixed_operations() {
        let mut model: HashMap<u64, u64> = HashMap::new();
        let mut index = Index::with_capacity(0);
        let mut x: u64 = 12345;
        for step in 0..20_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // A small key space, including hash 0, so keys collide and repeat.
            let key = x % 700;
            if !index.has_room_for(1) {
                index = index.rebuilt(1);
            }
            if x.is_multiple_of(5) {
                assert_eq!(index.remove(key), model.remove(&key).is_some());
            } else {
                let change = index.upsert(key, step);
                let old = model.insert(key, step);
                assert_eq!(change == Change::Replaced, old.is_some());
            }
            assert_eq!(index.len(), model.len() as u64);
        }
        for key in 0..700 {
            assert_eq!(index.get(key), model.get(&key).copied());
        }
        let mut offsets = index.live_offsets();
        let mut expect: Vec<u64> = model.values().copied().collect();
        offsets.sort_unstable();
        expect.sort_unstable();
        assert_eq!(offsets, expect);
    }

    #[test]
    fn first_sighting_wins_when_walking_newest_to_oldest() {
        let index = Index::with_capacity(4);
        assert!(index.insert_if_absent(7, None)); // newest: deleted
        assert!(!index.insert_if_absent(7, Some(10))); // older version ignored
        assert!(index.insert_if_absent(0, Some(3)));
        assert!(!index.insert_if_absent(0, Some(1)));
        assert_eq!(index.get(7), None);
        assert_eq!(index.get(0), Some(3));
        assert_eq!(index.len(), 1);
    }

    #[test]
    fn rebuilt_table_keeps_only_live_keys() {
        let index = Index::with_capacity(10);
        for k in 1..=10 {
            index.upsert(k, k * 100);
        }
        for k in 1..=5 {
            index.remove(k);
        }
        let next = index.rebuilt(0);
        assert_eq!(next.len(), 5);
        assert_eq!(next.used.load(Ordering::Relaxed), 5);
        assert_eq!(next.get(3), None);
        assert_eq!(next.get(8), Some(800));
    }
}
