//! The in-memory key index: key hash → offset of the live entry's trailer.
//!
//! An open-addressing table (linear probing) of atomic `(key, value)` word
//! pairs in a zeroed anonymous mapping. Readers only load atomics: no lock,
//! no shared write, so reads scale across threads. There is one mutator at a
//! time (the store's writer, or the open path), which the store guarantees;
//! concurrent mutators would lose updates (never memory safety).
//!
//! Deleting a key keeps its slot with a `DELETED` value, so probe chains stay
//! intact for concurrent readers. When the table gets too full the writer
//! builds a larger one holding only live keys and publishes it; readers that
//! still hold the old table keep reading it safely.
//!
//! Slots come in lines of four (one 64-byte cache line). A key's home is
//! the first slot of line `mixed * lines / 2⁶⁴`, where `mixed` is a
//! multiply of the key hash (so caller-chosen, structured hashes spread
//! too), and probing goes on slot by slot from there. A lookup compares the
//! four keys of the home line at once, without branching on each: at the
//! table's load a key is almost always in its home line, so a lookup costs
//! one cache line and its outcome is predictable, which lets the CPU start
//! the next lookup's cache miss before this one's returns. Open
//! builds the table with [`IndexBuilder`], which prefetches each key's home
//! slot a few entries before inserting it, so the table's cache misses
//! overlap instead of costing one memory round trip per key.

use std::io;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

#[allow(unsafe_code)]
mod words;

use words::AtomicWords;

/// Slot key meaning "empty". The real key hash 0 lives in `zero` instead.
const EMPTY: u64 = 0;
/// Value of a deleted key.
const DELETED: u64 = u64::MAX;
/// Value of `zero` when hash 0 has no live entry.
const VACANT: u64 = u64::MAX - 1;
/// Never a value: "no slot seen" while a line is searched.
const NO_SLOT: u64 = u64::MAX - 2;
/// Marks a deletion marker in the pairs handed to [`Index::from_newest_first`].
pub(crate) const TOMBSTONE_BIT: u64 = 1 << 63;

/// Largest fraction of slots in use (live or deleted) before the table is
/// rebuilt: 3/4 keeps linear probing short.
const MAX_LOAD_NUM: usize = 3;
const MAX_LOAD_DEN: usize = 4;
const MIN_SLOTS: usize = 64;
/// Slots per cache line; tables hold whole lines.
const LINE: usize = 4;

#[cfg(test)]
thread_local! {
    /// The largest table (in bytes) this thread has created: tests check
    /// that open sizes the index from what it saw.
    pub(crate) static LARGEST_TABLE: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// What a key's home line says about it.
enum Line {
    /// The key's slot is in the line, with this value.
    Found(u64),
    /// The line has an empty slot and not the key: the key has no slot.
    Absent,
    /// The line is full without the key: probe on.
    Full,
}

/// Concurrent hash index; see the module docs.
pub(crate) struct Index {
    /// `2 * i` is slot `i`'s key, `2 * i + 1` its value.
    words: AtomicWords,
    slots: usize,
    zero: AtomicU64,
    live: AtomicU64,
    used: AtomicUsize,
}

/// Adds to a counter that only the single mutator changes: a plain load and
/// store (readers only load), no locked read-modify-write.
#[inline]
fn bump(counter: &AtomicUsize, by: usize) {
    counter.store(counter.load(Ordering::Relaxed) + by, Ordering::Relaxed);
}

#[inline]
fn mixed(key: u64) -> u64 {
    // Spread caller-chosen (structured) hashes as well as xxh3 ones.
    key.wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// First slot of `key`'s home line.
#[inline]
fn home(key: u64, slots: usize) -> usize {
    (((mixed(key) as u128 * (slots / LINE) as u128) >> 64) as usize) * LINE
}

impl Index {
    /// An empty index with room for about `keys` keys before it must grow.
    pub(crate) fn with_capacity(keys: usize) -> io::Result<Self> {
        // A load of 2/3: 16 bytes / (2/3) = 24 bytes per key.
        let slots = (keys.saturating_mul(3) / 2)
            .max(MIN_SLOTS)
            .next_multiple_of(LINE);
        #[cfg(test)]
        LARGEST_TABLE.with(|l| l.set(l.get().max(slots * 16)));
        Ok(Self {
            words: AtomicWords::zeroed(slots.saturating_mul(2))?,
            slots,
            zero: AtomicU64::new(VACANT),
            live: AtomicU64::new(0),
            used: AtomicUsize::new(0),
        })
    }

    #[inline]
    fn key(&self, i: usize) -> &AtomicU64 {
        &self.words.words()[2 * i]
    }

    #[inline]
    fn value(&self, i: usize) -> &AtomicU64 {
        &self.words.words()[2 * i + 1]
    }

    /// Number of live keys.
    pub(crate) fn len(&self) -> u64 {
        self.live.load(Ordering::Acquire)
    }

    /// Number of slots holding a key, live or deleted.
    pub(crate) fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }

    /// Bytes of memory reserved for the table.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.slots * 16
    }

    /// Slot holding `key` (non-zero), or `None` if it has none.
    #[inline]
    fn find(&self, key: u64) -> Option<usize> {
        let mut i = home(key, self.slots);
        loop {
            let k = self.key(i).load(Ordering::Acquire);
            if k == key {
                return Some(i);
            }
            if k == EMPTY {
                return None;
            }
            i += 1;
            if i == self.slots {
                i = 0;
            }
        }
    }

    /// Trailer offset of the live entry for `key`.
    #[inline(always)]
    pub(crate) fn get(&self, key: u64) -> Option<u64> {
        let value = if key == EMPTY {
            self.zero.load(Ordering::Acquire)
        } else {
            match self.in_home_line(key) {
                Line::Found(v) => v,
                Line::Absent => return None,
                Line::Full => return self.get_past_home_line(key),
            }
        };
        (value != DELETED && value != VACANT).then_some(value)
    }

    /// [`Index::get`] for a key whose home line is full: probes on.
    #[inline(never)]
    fn get_past_home_line(&self, key: u64) -> Option<u64> {
        let value = self.value(self.find(key)?).load(Ordering::Acquire);
        (value != DELETED).then_some(value)
    }

    /// Looks `key` (non-zero) up in its home line: all four slots are
    /// loaded and compared, and the value picked, without a branch per
    /// slot.
    #[inline(always)]
    fn in_home_line(&self, key: u64) -> Line {
        let start = 2 * home(key, self.slots);
        let Some(line) = self.words.words().get(start..start + 2 * LINE) else {
            return Line::Full;
        };
        // Keys first (Acquire), then values: a key seen implies its value
        // is visible (upsert stores the value before the key).
        let keys: [u64; LINE] = std::array::from_fn(|i| line[2 * i].load(Ordering::Acquire));
        let values: [u64; LINE] = std::array::from_fn(|i| line[2 * i + 1].load(Ordering::Acquire));
        // Conditional moves, not branches: which slot holds the key is
        // random, and a mispredicted branch on a cache miss would stall
        // everything after it. A key has one slot, so one move at most.
        let mut value = NO_SLOT;
        for i in 0..LINE {
            value = std::hint::select_unpredictable(keys[i] == key, values[i], value);
        }
        if value != NO_SLOT {
            Line::Found(value)
        } else if keys.contains(&EMPTY) {
            // Probing from the line's start stops at the first empty slot.
            Line::Absent
        } else {
            Line::Full
        }
    }

    /// Whether `key` has a slot: a live entry, or one recorded as deleted.
    pub(crate) fn has_slot(&self, key: u64) -> bool {
        if key == EMPTY {
            self.zero.load(Ordering::Acquire) != VACANT
        } else {
            self.find(key).is_some()
        }
    }

    /// Whether `additional` more new keys fit without a rebuild.
    pub(crate) fn has_room_for(&self, additional: usize) -> bool {
        let used = self.used().saturating_add(additional);
        used.saturating_mul(MAX_LOAD_DEN) <= self.slots.saturating_mul(MAX_LOAD_NUM)
    }

    /// A new table with the live keys of `self`, sized for them plus
    /// `additional` more (and at least twice as many, so rebuilds stay rare).
    /// Mutator only.
    pub(crate) fn rebuilt(&self, additional: usize) -> io::Result<Self> {
        let live = self.len() as usize;
        let next = Self::with_capacity(live.saturating_add(additional).max(2 * live).max(1024))?;
        // Table order is mixed-hash order, so the copy fills `next` almost
        // sequentially.
        for (key, value) in self.live_pairs() {
            next.upsert(key, value);
        }
        Ok(next)
    }

    /// Points `key` at `value` (a trailer offset). Returns whether the key
    /// was live before. Mutator only; the caller ensures there is room (see
    /// [`Index::has_room_for`]).
    pub(crate) fn upsert(&self, key: u64, value: u64) -> bool {
        debug_assert!(value < VACANT);
        let was_live = if key == EMPTY {
            let old = self.zero.swap(value, Ordering::AcqRel);
            old != VACANT && old != DELETED
        } else {
            let mut i = home(key, self.slots);
            loop {
                let k = self.key(i).load(Ordering::Relaxed);
                if k == key {
                    break self.value(i).swap(value, Ordering::AcqRel) != DELETED;
                }
                if k == EMPTY {
                    assert!(
                        self.has_room_for(1),
                        "index full: caller must rebuild first"
                    );
                    // Value first, then key (Release): a reader that sees the
                    // key also sees its value.
                    self.value(i).store(value, Ordering::Relaxed);
                    self.key(i).store(key, Ordering::Release);
                    bump(&self.used, 1);
                    break false;
                }
                i += 1;
                if i == self.slots {
                    i = 0;
                }
            }
        };
        if !was_live {
            self.live
                .store(self.live.load(Ordering::Relaxed) + 1, Ordering::Release);
        }
        was_live
    }

    /// Starts loading `key`'s home slot into cache, so a later insert or
    /// update does not stall on it.
    #[inline]
    pub(crate) fn prefetch(&self, key: u64) {
        self.words.prefetch(2 * home(key, self.slots));
    }

    /// Records `key` with `value` as its live entry (or as deleted when
    /// `value` is `None`) unless the key has a slot already. Mutator only;
    /// the caller ensures there is room.
    fn insert_if_absent(&self, key: u64, value: Option<u64>) {
        let raw = value.unwrap_or(DELETED);
        if key == EMPTY {
            if self.zero.load(Ordering::Relaxed) != VACANT {
                return;
            }
            self.zero.store(raw, Ordering::Release);
        } else {
            let mut i = home(key, self.slots);
            loop {
                let k = self.key(i).load(Ordering::Relaxed);
                if k == key {
                    return;
                }
                if k == EMPTY {
                    self.value(i).store(raw, Ordering::Relaxed);
                    self.key(i).store(key, Ordering::Release);
                    bump(&self.used, 1);
                    break;
                }
                i += 1;
                if i == self.slots {
                    i = 0;
                }
            }
        }
        if value.is_some() {
            self.live
                .store(self.live.load(Ordering::Relaxed) + 1, Ordering::Release);
        }
    }

    /// A larger table with every key of `self`, deleted ones included.
    fn grown(&self, keys: usize) -> io::Result<Self> {
        let next = Self::with_capacity(keys.max(self.used() * 2))?;
        let z = self.zero.load(Ordering::Relaxed);
        if z != VACANT {
            next.insert_if_absent(EMPTY, (z != DELETED).then_some(z));
        }
        for pair in self.words.words().chunks_exact(2) {
            let k = pair[0].load(Ordering::Relaxed);
            if k != EMPTY {
                let v = pair[1].load(Ordering::Relaxed);
                next.insert_if_absent(k, (v != DELETED).then_some(v));
            }
        }
        Ok(next)
    }

    /// Marks `key` deleted. Returns whether it was live. Mutator only.
    pub(crate) fn remove(&self, key: u64) -> bool {
        let cell = if key == EMPTY {
            &self.zero
        } else {
            match self.find(key) {
                Some(i) => self.value(i),
                None => return false,
            }
        };
        let old = cell.load(Ordering::Relaxed);
        if old == DELETED || old == VACANT {
            return false;
        }
        cell.store(DELETED, Ordering::Release);
        self.live
            .store(self.live.load(Ordering::Relaxed) - 1, Ordering::Release);
        true
    }

    /// Number of slots.
    pub(crate) fn slots(&self) -> usize {
        self.slots
    }

    /// The table as stored: `2 * slots` words (key, value per slot), the value
    /// of key hash 0, and the used-slot count.
    pub(crate) fn raw(&self) -> (&[AtomicU64], u64, usize) {
        (
            self.words.words(),
            self.zero.load(Ordering::Acquire),
            self.used(),
        )
    }

    /// Rebuilds an index from [`Index::raw`] parts: `fill` writes the
    /// `2 * slots` words as little-endian bytes. Returns `None` if the parts
    /// are inconsistent.
    pub(crate) fn from_raw(
        slots: usize,
        zero: u64,
        live: u64,
        used: usize,
        fill: impl FnOnce(&mut [u8]) -> io::Result<()>,
    ) -> io::Result<Option<Self>> {
        if slots < MIN_SLOTS
            || !slots.is_multiple_of(LINE)
            || used > slots
            || live > used as u64 + 1
        {
            return Ok(None);
        }
        let count = slots
            .checked_mul(2)
            .ok_or_else(|| io::Error::other("index too large"))?;
        let mut words = AtomicWords::for_filling(count)?;
        fill(words.bytes_mut())?;
        #[cfg(target_endian = "big")]
        for w in words.words() {
            w.store(u64::from_le(w.load(Ordering::Relaxed)), Ordering::Relaxed);
        }
        let index = Self {
            words,
            slots,
            zero: AtomicU64::new(zero),
            live: AtomicU64::new(live),
            used: AtomicUsize::new(used),
        };
        // The counts must describe the table, and a table that cannot be
        // probed (no empty slot) would loop forever.
        if !index.has_room_for(0) || !index.is_consistent(used, live, zero) {
            return Ok(None);
        }
        Ok(Some(index))
    }

    /// Whether the table holds `used` keys, `live` of them live (counting
    /// hash 0's, kept in `zero`), and every key is found where it is:
    /// probing from its home line reaches its slot before an empty one, and
    /// no earlier slot on the way holds the same key. One pass in slot
    /// order, starting after an empty slot so that no run of full slots
    /// wraps around the start unseen; homes are near their slots, so the
    /// pass stays in cache.
    fn is_consistent(&self, used: usize, live: u64, zero: u64) -> bool {
        let Some(first_empty) =
            (0..self.slots).find(|&i| self.key(i).load(Ordering::Relaxed) == EMPTY)
        else {
            return false;
        };
        let (mut seen_used, mut seen_live) = (0usize, u64::from(zero != VACANT && zero != DELETED));
        // Steps from the first empty slot to the start of the current run
        // of full slots.
        let mut run_start = 1;
        let mut i = first_empty;
        for step in 1..=self.slots {
            // (No `%` in this loop: a division per slot would dominate it.)
            i += 1;
            if i == self.slots {
                i = 0;
            }
            let k = self.key(i).load(Ordering::Relaxed);
            if k == EMPTY {
                run_start = step + 1;
                continue;
            }
            seen_used += 1;
            if self.value(i).load(Ordering::Relaxed) != DELETED {
                seen_live += 1;
            }
            // The home line must lie within this run, at or before `i`.
            let h = home(k, self.slots);
            let back = if i >= h { i - h } else { i + self.slots - h };
            if back > step - run_start {
                return false;
            }
            let before = |d: usize| if i >= d { i - d } else { i + self.slots - d };
            if (1..=back).any(|d| self.key(before(d)).load(Ordering::Relaxed) == k) {
                return false;
            }
        }
        seen_used == used && seen_live == live
    }

    /// Every key with a slot, with its live offset or `None` if deleted.
    pub(crate) fn all_entries(&self) -> Vec<(u64, Option<u64>)> {
        let mut out = Vec::new();
        let z = self.zero.load(Ordering::Acquire);
        if z != VACANT {
            out.push((EMPTY, (z != DELETED).then_some(z)));
        }
        for pair in self.words.words().chunks_exact(2) {
            let k = pair[0].load(Ordering::Acquire);
            if k != EMPTY {
                let v = pair[1].load(Ordering::Acquire);
                out.push((k, (v != DELETED).then_some(v)));
            }
        }
        out
    }

    /// Calls `f(key, offset)` for every live key, in table order.
    pub(crate) fn for_each_live(&self, mut f: impl FnMut(u64, u64)) {
        if let Some(v) = self.get(EMPTY) {
            f(EMPTY, v);
        }
        for pair in self.words.words().chunks_exact(2) {
            let k = pair[0].load(Ordering::Acquire);
            if k != EMPTY {
                let v = pair[1].load(Ordering::Acquire);
                if v != DELETED {
                    f(k, v);
                }
            }
        }
    }

    /// Calls `f` with the trailer offset of every live key, in table order.
    pub(crate) fn for_each_live_offset(&self, mut f: impl FnMut(u64)) {
        self.for_each_live(|_, v| f(v));
    }

    /// Live `(key, offset)` pairs, in table order.
    pub(crate) fn live_pairs(&self) -> Vec<(u64, u64)> {
        let mut out = Vec::with_capacity(self.len() as usize);
        self.for_each_live(|k, v| out.push((k, v)));
        out
    }

    /// Trailer offsets of all live keys, in table order.
    pub(crate) fn live_offsets(&self) -> Vec<u64> {
        let mut out = Vec::with_capacity(self.len() as usize);
        self.for_each_live_offset(|v| out.push(v));
        out
    }
}

/// Builds an index from a chain's entries listed newest first (as recovery
/// walks them): the first sighting of a key is its live version, and a key
/// first seen as a deletion marker stays deleted.
///
/// Inserts lag a few entries behind the walk, and each entry's home slot is
/// prefetched when it arrives, so the table's cache misses overlap instead
/// of costing one full memory round trip per key.
pub(crate) struct IndexBuilder {
    index: Index,
    pending: [(u64, u64); Self::LAG],
    count: usize,
}

impl IndexBuilder {
    const LAG: usize = 16;

    /// A builder expecting about `keys` keys.
    pub(crate) fn with_capacity(keys: usize) -> io::Result<Self> {
        Ok(Self {
            index: Index::with_capacity(keys)?,
            pending: [(0, 0); Self::LAG],
            count: 0,
        })
    }

    /// The next older entry: `value` is its trailer offset with
    /// [`TOMBSTONE_BIT`] set for a deletion marker.
    pub(crate) fn push(&mut self, key: u64, value: u64) -> io::Result<()> {
        let slot = self.count % Self::LAG;
        if self.count >= Self::LAG {
            let (k, v) = self.pending[slot];
            self.insert(k, v)?;
        }
        self.index.prefetch(key);
        self.pending[slot] = (key, value);
        self.count += 1;
        Ok(())
    }

    fn insert(&mut self, key: u64, value: u64) -> io::Result<()> {
        if !self.index.has_room_for(1) {
            self.index = self.index.grown(self.index.used() * 2)?;
        }
        let live = (value & TOMBSTONE_BIT == 0).then_some(value);
        self.index.insert_if_absent(key, live);
        Ok(())
    }

    /// The finished table as built, deletion markers included.
    pub(crate) fn finish_with_deleted(mut self) -> io::Result<Index> {
        let start = self.count.saturating_sub(Self::LAG);
        for n in start..self.count {
            let (k, v) = self.pending[n % Self::LAG];
            self.insert(k, v)?;
        }
        Ok(self.index)
    }

    /// The finished index, with deleted keys dropped if they take up much
    /// of the table.
    pub(crate) fn finish(self) -> io::Result<Index> {
        let index = self.finish_with_deleted()?;
        if index.used() > 2 * index.len() as usize + MIN_SLOTS {
            return index.rebuilt(0);
        }
        Ok(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn index_agrees_with_a_hashmap_under_mixed_operations() {
        let mut model: HashMap<u64, u64> = HashMap::new();
        let mut index = Index::with_capacity(0).unwrap();
        let mut x: u64 = 12345;
        for step in 0..20_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // A small key space, including hash 0, so keys collide and repeat.
            let key = x % 700;
            if !index.has_room_for(1) {
                index = index.rebuilt(1).unwrap();
            }
            if x.is_multiple_of(5) {
                assert_eq!(index.remove(key), model.remove(&key).is_some());
            } else {
                let was_live = index.upsert(key, step);
                assert_eq!(was_live, model.insert(key, step).is_some());
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

    fn build(walk: Vec<(u64, u64)>) -> Index {
        // Start small so the builder has to grow while it works.
        let mut b = IndexBuilder::with_capacity(0).unwrap();
        for (k, v) in walk {
            b.push(k, v).unwrap();
        }
        b.finish().unwrap()
    }

    #[test]
    fn bulk_build_keeps_the_first_sighting_of_each_key() {
        // Newest first: key 7 deleted, then older live versions of it; key 0
        // live; key 9 live twice (first wins); key 11 only deleted.
        let walk = vec![
            (7, 500 | TOMBSTONE_BIT),
            (0, 400),
            (9, 300),
            (7, 200),
            (9, 100),
            (11, 50 | TOMBSTONE_BIT),
            (0, 10),
        ];
        let index = build(walk);
        assert_eq!(index.get(7), None);
        assert_eq!(index.get(0), Some(400));
        assert_eq!(index.get(9), Some(300));
        assert_eq!(index.get(11), None);
        assert_eq!(index.len(), 2);
    }

    #[test]
    fn bulk_build_matches_a_hashmap_on_many_keys() {
        let mut x: u64 = 7;
        let mut walk = Vec::new();
        let mut first: HashMap<u64, u64> = HashMap::new();
        for i in 0..50_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Mostly spread keys, plus one key overwritten thousands of times.
            let key = if i % 5 == 0 { 4242 } else { x % 20_000 };
            let value = if i % 7 == 0 { i | TOMBSTONE_BIT } else { i };
            first.entry(key).or_insert(value);
            walk.push((key, value));
        }
        let index = build(walk);
        let live: HashMap<u64, u64> = first
            .into_iter()
            .filter(|(_, v)| v & TOMBSTONE_BIT == 0)
            .collect();
        assert_eq!(index.len(), live.len() as u64);
        for key in 0..20_000 {
            assert_eq!(index.get(key), live.get(&key).copied(), "key {key}");
        }
    }

    /// `count` distinct non-zero keys whose home is line `line` of a table
    /// of `slots` slots.
    fn keys_homed_at(line: usize, slots: usize, count: usize) -> Vec<u64> {
        (1u64..)
            .filter(|&k| home(k, slots) == line * LINE)
            .take(count)
            .collect()
    }

    #[test]
    fn keys_that_overflow_their_home_line_are_found_past_it() {
        let index = Index::with_capacity(0).unwrap();
        let slots = index.slots();
        let lines = slots / LINE;
        // Three full lines' worth homed on the last line: they wrap around
        // to the first lines of the table.
        let crowd = keys_homed_at(lines - 1, slots, 3 * LINE);
        let strangers = keys_homed_at(lines - 1, slots, 3 * LINE + 3);
        for (n, &k) in crowd.iter().enumerate() {
            assert!(!index.upsert(k, 1000 + n as u64));
        }
        for (n, &k) in crowd.iter().enumerate() {
            assert_eq!(index.get(k), Some(1000 + n as u64), "key {n}");
        }
        for &k in &strangers[crowd.len()..] {
            assert_eq!(index.get(k), None, "an absent key sharing the line");
        }
        // A key homed on line 0 probes past the wrapped-around crowd.
        let early = keys_homed_at(0, slots, 1)[0];
        index.upsert(early, 7);
        assert_eq!(index.get(early), Some(7));
        index.remove(crowd[0]);
        assert_eq!(index.get(crowd[0]), None);
        assert_eq!(index.get(crowd[LINE]), Some(1000 + LINE as u64));
    }

    #[test]
    fn a_stored_table_is_accepted_only_if_every_key_is_found_once() {
        let slots = MIN_SLOTS;
        let last = slots / LINE - 1;
        // Five keys homed on the last line fill it and wrap to slot 0.
        let keys = keys_homed_at(last, slots, 5);
        let table = |placed: Vec<(usize, u64)>| {
            move |bytes: &mut [u8]| {
                for (at, key) in &placed {
                    bytes[16 * at..16 * at + 8].copy_from_slice(&key.to_le_bytes());
                    bytes[16 * at + 8..16 * at + 16]
                        .copy_from_slice(&(64 * *at as u64 + 64).to_le_bytes());
                }
                Ok(())
            }
        };
        let wrapped: Vec<(usize, u64)> = (0..5)
            .map(|j| ((last * LINE + j) % slots, keys[j]))
            .collect();
        let index = Index::from_raw(slots, VACANT, 5, 5, table(wrapped.clone()))
            .unwrap()
            .expect("a run wrapping past the end is fine");
        for (at, key) in &wrapped {
            assert_eq!(index.get(*key), Some(64 * *at as u64 + 64));
        }
        // The same key twice on its probe path: the second could never be
        // found or updated, but iteration would list it.
        let twice = vec![(last * LINE, keys[0]), (last * LINE + 1, keys[0])];
        assert!(
            Index::from_raw(slots, VACANT, 2, 2, table(twice))
                .unwrap()
                .is_none()
        );
        // Counts that do not describe the table.
        assert!(
            Index::from_raw(slots, VACANT, 4, 5, table(wrapped.clone()))
                .unwrap()
                .is_none()
        );
        assert!(
            Index::from_raw(slots, VACANT, 5, 4, table(wrapped))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn a_stored_table_with_a_key_out_of_its_place_is_refused() {
        let slots = MIN_SLOTS;
        let key = keys_homed_at(2, slots, 1)[0];
        let fill = |at: usize| {
            move |bytes: &mut [u8]| {
                bytes[16 * at..16 * at + 8].copy_from_slice(&key.to_le_bytes());
                bytes[16 * at + 8..16 * at + 16].copy_from_slice(&640u64.to_le_bytes());
                Ok(())
            }
        };
        // First in its home line: accepted and found.
        let ok = Index::from_raw(slots, VACANT, 1, 1, fill(2 * LINE))
            .unwrap()
            .unwrap();
        assert_eq!(ok.get(key), Some(640));
        // Before its home line, or past an empty slot (in its line or
        // after): a lookup would miss it, so the table is refused.
        for at in [0, 2 * LINE + 1, 3 * LINE + 2] {
            assert!(
                Index::from_raw(slots, VACANT, 1, 1, fill(at))
                    .unwrap()
                    .is_none()
            );
        }
    }

    #[test]
    fn rebuilt_table_keeps_only_live_keys() {
        let index = Index::with_capacity(10).unwrap();
        for k in 1..=10 {
            index.upsert(k, k * 100);
        }
        for k in 1..=5 {
            index.remove(k);
        }
        let next = index.rebuilt(0).unwrap();
        assert_eq!(next.len(), 5);
        assert_eq!(next.used(), 5);
        assert_eq!(next.get(3), None);
        assert_eq!(next.get(8), Some(800));
    }
}
