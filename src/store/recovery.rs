//! Finding the valid data in a store file at open time.
//!
//! Pure logic over the file's bytes (`&[u8]` from offset 0); no I/O.
//!
//! A *candidate tail* `t` is valid when the entry ending at `t` and every
//! entry reached by following prev-tail links from it are well formed, the
//! links walk strictly backward to offset 0, and every entry above the
//! *trusted tail* (a watermark that matches the file: the last tail known
//! to be durable) proves itself:
//!
//! - its payload checksum matches;
//! - it is not a *torn-sector look-alike* (see
//!   [`crate::format::torn_lookalike_region`]), when the store is rdrive's
//!   (it has a watermark): a lost sector can zero a trailer's key hash
//!   while its checksum stays right, and rdrive never leaves such an entry
//!   above a durable watermark when a call returns;
//! - a deletion marker deletes a key that has an older entry: rdrive never
//!   writes one for a key it never saw, so one above the trusted tail is a
//!   marker whose key hash was damaged.
//!
//! Below the trusted tail the chain is trusted without reading payloads.
//!
//! Recovery keeps the longest valid prefix:
//!
//! 1. Fast path: the whole file is one valid chain (the usual case).
//! 2. Otherwise scan candidate tails downward from the end of the file. Each
//!    chain walk stops at the trusted tail (valid by then) or at an offset
//!    whose verdict is memoized, so every offset is judged once. Checksums
//!    of huge regions that share a start (zeros read as trailers all point
//!    at offset 0) come from a per-start table, so a megabyte of zeros costs
//!    one pass over the file, not one per candidate.
//! 3. The deletion-marker rule needs the whole chain below a marker, so it
//!    is applied last, on the chosen chain: the prefix ends below the lowest
//!    marker that breaks it.
//!
//! Damage at or below the trusted tail means bytes that were synced
//! changed: that is reported as corruption (nothing is truncated) unless the
//! caller asked for repair, which recovers the longest valid prefix
//! ignoring the trusted tail.

use std::collections::HashMap;

use crate::digest::{compute_checksum, crc_step};
use crate::format::{EntryMetadata, Located, METADATA_SIZE, entry_ending_at, is_torn_lookalike};

/// What the caller knows about the file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rules {
    /// The tail a matching watermark vouches for: durable, trusted.
    pub trusted: Option<u64>,
    /// Apply the torn-sector rule above the trusted tail (the file carries
    /// rdrive's watermark, so rdrive wrote what lies above it).
    pub torn_rule: bool,
    /// Keep the longest valid prefix even when that discards synced data
    /// or the whole file.
    pub repair: bool,
}

/// An index the caller already has for the chain up to `at` (a cached
/// index): walks end there, and `knows(key)` says whether the key has an
/// entry at or below it.
pub(crate) struct Stop<'a> {
    pub at: u64,
    pub knows: &'a dyn Fn(u64) -> bool,
}

/// Receives the entries of the recovered chain, newest first.
pub(crate) trait Sink {
    /// Forget everything received so far.
    fn reset(&mut self);
    /// One entry: its key hash, its trailer offset, whether it is a
    /// deletion marker.
    fn entry(&mut self, key_hash: u64, meta_at: u64, tombstone: bool);
}

/// Where and why recovery refused the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub offset: u64,
    pub reason: String,
}

/// Result of a successful recovery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Recovered {
    /// Length of the valid prefix.
    pub tail: u64,
    /// The sink received only the entries above the [`Stop`] the caller
    /// gave (the chain passes through it); otherwise the whole chain.
    pub stopped: bool,
    /// Payload bytes checksummed on the way (a measure of the work done).
    pub checksummed: u64,
}

/// Where a walk ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reached {
    Start,
    Stop,
}

/// Finds the longest valid prefix of `data`; see the module docs.
pub(crate) fn recover(
    data: &[u8],
    rules: Rules,
    stop: Option<Stop<'_>>,
    sink: &mut impl Sink,
) -> Result<Recovered, Refusal> {
    let len = data.len() as u64;
    let known_store = rules.trusted.is_some();
    let base = rules.trusted.unwrap_or(0);
    let retry_without_watermark = |sink: &mut _| {
        let rules = Rules {
            trusted: None,
            torn_rule: false,
            repair: true,
        };
        recover(data, rules, None, sink)
    };
    // A cached index is only trusted for synced data.
    let stop = stop.filter(|s| known_store && s.at <= base);
    let mut work = Work {
        data,
        base,
        torn_rule: rules.torn_rule,
        checksummed: 0,
    };

    sink.reset();
    if let Ok(walked) = work.walk(len, base, true, stop.as_ref(), sink) {
        return work.finish(len, walked, stop, sink);
    }

    // The file has a torn or damaged end, or damage in its synced part.
    // First make sure the synced part is sound (a walk from 0 is empty),
    // then look for the longest valid extension of it. (The last synced
    // entry's checksum is verified here as on the fast path: a damaged one
    // is refused whether or not a torn end follows.)
    if let Err(fail) = work.walk(base, base, true, stop.as_ref(), &mut NoSink) {
        if rules.repair {
            return retry_without_watermark(sink);
        }
        return Err(fail.refusal("damage in data that was synced"));
    }
    let mut search = Search {
        data,
        base,
        torn_rule: rules.torn_rule,
        memo: HashMap::new(),
        crc: SpanCrc::default(),
    };
    let mut tail = base;
    let mut t = len;
    while t > base {
        // Cheap filter first: a candidate's prev tail must point below its
        // trailer and not below the trusted tail. Random bytes almost never
        // do, so most of a garbage region is rejected with one load.
        if plausible_link(data, t, base) && search.good(t) {
            tail = t;
            break;
        }
        t -= 1;
    }
    work.checksummed += search.crc.checksummed;
    // (An empty file never gets here: the fast path takes it.)
    if tail == 0 && !known_store && !rules.repair {
        return Err(Refusal {
            offset: 0,
            reason: "no valid entry chain: not a store, or damaged throughout (open with repair to discard it)".into(),
        });
    }
    // Everything up to `tail` has been verified: walk it trusting checksums.
    sink.reset();
    let walked = work
        .walk(tail, tail, false, stop.as_ref(), sink)
        .map_err(|fail| fail.refusal("recovered chain failed to re-walk"))?;
    work.finish(tail, walked, stop, sink)
}

/// Whether the trailer that would end at `t` has a prev tail in
/// `[base, t - METADATA_SIZE)`: necessary for `t` to be a valid tail.
#[inline]
fn plausible_link(data: &[u8], t: u64, base: u64) -> bool {
    let Some(meta_at) = t.checked_sub(METADATA_SIZE as u64) else {
        return false;
    };
    let at = (meta_at + 8) as usize;
    let prev = u64::from_le_bytes(data[at..at + 8].try_into().expect("8 bytes"));
    (base..meta_at).contains(&prev)
}

struct NoSink;

impl Sink for NoSink {
    fn reset(&mut self) {}
    fn entry(&mut self, _: u64, _: u64, _: bool) {}
}

struct WalkFailure {
    offset: u64,
    why: &'static str,
}

impl WalkFailure {
    fn refusal(&self, what: &str) -> Refusal {
        Refusal {
            offset: self.offset,
            reason: format!("{what}: {}", self.why),
        }
    }
}

/// A finished walk: where it ended, and the deletion markers above the
/// trusted tail whose key had no older entry on the way (key → the
/// marker's start, which is the tail before it).
struct Walked {
    reached: Reached,
    orphans: HashMap<u64, u64>,
}

/// Chain walks over one file.
struct Work<'a> {
    data: &'a [u8],
    /// The trusted tail.
    base: u64,
    torn_rule: bool,
    checksummed: u64,
}

impl Work<'_> {
    /// Whether the entry `loc` (with trailer `meta`) proves itself.
    fn proves_itself(&mut self, meta: &EntryMetadata, loc: &Located) -> Result<(), &'static str> {
        if !loc.tombstone {
            self.checksummed += loc.end - loc.start;
            if compute_checksum(&self.data[loc.range()]) != meta.checksum {
                return Err("checksum mismatch");
            }
        }
        if self.torn_rule && is_torn_lookalike(self.data, loc.start, loc.end) {
            return Err("entry looks like a torn sector (zeros over its key hash)");
        }
        Ok(())
    }

    /// Walks the chain from tail `from` toward offset 0, feeding `sink`.
    /// Entries ending above `verify_above` must link to the trusted tail or
    /// above and prove themselves; entries at or below are checked for
    /// structure only. With `check_last`, the checksum of the entry ending
    /// at `from` is verified whatever its position. The walk ends early at
    /// `stop` if the chain passes through it.
    fn walk(
        &mut self,
        from: u64,
        verify_above: u64,
        check_last: bool,
        stop: Option<&Stop<'_>>,
        sink: &mut impl Sink,
    ) -> Result<Walked, WalkFailure> {
        let fail = |offset, why| WalkFailure { offset, why };
        if check_last && from > 0 {
            let (meta, loc) =
                entry_ending_at(self.data, from).map_err(|e| fail(from, e.message()))?;
            if !loc.tombstone {
                self.checksummed += loc.end - loc.start;
                if compute_checksum(&self.data[loc.range()]) != meta.checksum {
                    return Err(fail(from, "checksum mismatch"));
                }
            }
        }
        let mut orphans: HashMap<u64, u64> = HashMap::new();
        let mut x = from;
        while x > 0 {
            if stop.is_some_and(|s| s.at == x) {
                return Ok(Walked {
                    reached: Reached::Stop,
                    orphans,
                });
            }
            let (meta, loc) = entry_ending_at(self.data, x).map_err(|e| fail(x, e.message()))?;
            if x > verify_above {
                if meta.prev_offset < self.base {
                    return Err(fail(x, "chain skips the last synced entry"));
                }
                self.proves_itself(&meta, &loc)
                    .map_err(|why| fail(x, why))?;
            }
            // An older entry of the key answers a newer marker's question.
            orphans.remove(&meta.key_hash);
            if loc.tombstone && x > self.base {
                orphans.insert(meta.key_hash, meta.prev_offset);
            }
            sink.entry(meta.key_hash, loc.end, loc.tombstone);
            x = meta.prev_offset;
        }
        Ok(Walked {
            reached: Reached::Start,
            orphans,
        })
    }

    /// Applies the deletion-marker rule to a walk from `tail`: ends the
    /// prefix below the lowest marker for a key with no older entry, and
    /// walks again from there (or without `stop` when the cached index
    /// cannot answer for a key).
    fn finish(
        &mut self,
        mut tail: u64,
        mut walked: Walked,
        mut stop: Option<Stop<'_>>,
        sink: &mut impl Sink,
    ) -> Result<Recovered, Refusal> {
        loop {
            if walked.reached == Reached::Stop {
                let knows = stop.as_ref().map(|s| s.knows);
                walked
                    .orphans
                    .retain(|&key, _| !knows.is_some_and(|k| k(key)));
                if !walked.orphans.is_empty() {
                    // The cache cannot vouch for these keys: walk it all.
                    stop = None;
                    sink.reset();
                    walked = self
                        .walk(tail, tail, false, None, sink)
                        .map_err(|f| f.refusal("recovered chain failed to re-walk"))?;
                    continue;
                }
            }
            let Some(&cut) = walked.orphans.values().min() else {
                return Ok(Recovered {
                    tail,
                    stopped: walked.reached == Reached::Stop,
                    checksummed: self.checksummed,
                });
            };
            tail = cut;
            sink.reset();
            walked = self
                .walk(tail, tail, false, stop.as_ref(), sink)
                .map_err(|f| f.refusal("recovered chain failed to re-walk"))?;
        }
    }
}

/// Memoized search for valid candidate tails above `base`.
struct Search<'a> {
    data: &'a [u8],
    base: u64,
    torn_rule: bool,
    /// Verdicts for offsets reached as a prev-tail link.
    memo: HashMap<u64, bool>,
    crc: SpanCrc,
}

impl Search<'_> {
    /// Whether `t` (> base) is a valid tail.
    fn good(&mut self, t: u64) -> bool {
        let mut path: Vec<u64> = Vec::new();
        let mut x = t;
        let verdict = loop {
            // Never below the base: a link below it ends the walk (below).
            if x == self.base {
                break true;
            }
            if let Some(&v) = self.memo.get(&x) {
                break v;
            }
            let Ok((meta, loc)) = entry_ending_at(self.data, x) else {
                break false;
            };
            // Candidates are visited once from the top (in decreasing order,
            // and links only point down), so only linked-to offsets are
            // worth remembering.
            if x != t {
                path.push(x);
            }
            if meta.prev_offset < self.base {
                break false;
            }
            if !loc.tombstone && self.crc.crc(self.data, loc.start, loc.end) != meta.checksum {
                break false;
            }
            if self.torn_rule && is_torn_lookalike(self.data, loc.start, loc.end) {
                break false;
            }
            x = meta.prev_offset;
        };
        for p in path {
            self.memo.insert(p, verdict);
        }
        verdict
    }
}

/// Checksums of payload regions, with a table for a start that keeps coming
/// back (candidate tails inside a run of zeros all claim to be one huge
/// first entry starting at offset 0, each with a different end).
#[derive(Default)]
struct SpanCrc {
    start: Option<u64>,
    /// `checkpoints[i]` = CRC of `[start, start + i * BLOCK)`.
    checkpoints: Vec<u32>,
    /// CRC of `[block_at, block_at + j)` for `j` in `0..=BLOCK` (clamped).
    block: Vec<u32>,
    block_at: Option<u64>,
    /// The start of the last request computed directly.
    direct: Option<u64>,
    /// Bytes fed to the checksum so far.
    checksummed: u64,
}

/// Table granularity (64 KiB).
const BLOCK: u64 = 0x1_0000;

impl SpanCrc {
    fn crc(&mut self, data: &[u8], start: u64, end: u64) -> u32 {
        if self.start != Some(start) {
            if self.direct != Some(start) {
                // First request for this start: compute it directly,
                // keeping the tables of the start they serve (a walk may
                // pass through other entries between two candidates).
                self.direct = Some(start);
                self.checksummed += end - start;
                return compute_checksum(&data[start as usize..end as usize]);
            }
            // It came back: tables for it from now on.
            self.start = Some(start);
            self.checkpoints.clear();
            self.block_at = None;
        }
        let k = (end - start) / BLOCK;
        while (self.checkpoints.len() as u64) <= k {
            let i = self.checkpoints.len() as u64;
            let crc = if i == 0 {
                compute_checksum(&[])
            } else {
                let prev = self.checkpoints[i as usize - 1];
                let from = (start + (i - 1) * BLOCK) as usize;
                let mut h = crc32fast::Hasher::new_with_initial(prev);
                h.update(&data[from..from + BLOCK as usize]);
                self.checksummed += BLOCK;
                h.finalize()
            };
            self.checkpoints.push(crc);
        }
        let at = start + k * BLOCK;
        if self.block_at != Some(at) {
            let stop = (at + BLOCK).min(data.len() as u64);
            self.block.clear();
            let mut c = self.checkpoints[k as usize];
            self.block.push(c);
            for &b in &data[at as usize..stop as usize] {
                c = crc_step(c, b);
                self.block.push(c);
            }
            self.checksummed += stop - at;
            self.block_at = Some(at);
        }
        self.block[(end - at) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{encode_entry, encode_tombstone};

    #[derive(Default)]
    struct Collect(Vec<(u64, u64, bool)>);

    impl Sink for Collect {
        fn reset(&mut self) {
            self.0.clear();
        }
        fn entry(&mut self, key_hash: u64, meta_at: u64, tombstone: bool) {
            self.0.push((key_hash, meta_at, tombstone));
        }
    }

    /// A file of `n` entries with varied sizes (every fifth deletes the
    /// key written just before it); returns it and its tails.
    fn sample(n: u64) -> (Vec<u8>, Vec<u64>) {
        let mut file = Vec::new();
        let mut tails = vec![0];
        for i in 0..n {
            let tail = file.len() as u64;
            if i % 5 == 4 {
                encode_tombstone(&mut file, tail, 1000 + i - 1);
            } else {
                let payload: Vec<u8> = (0..(i * 13 % 150 + 1)).map(|j| (i + j + 1) as u8).collect();
                encode_entry(
                    &mut file,
                    tail,
                    1000 + i,
                    &payload,
                    compute_checksum(&payload),
                );
            }
            tails.push(file.len() as u64);
        }
        (file, tails)
    }

    fn rules(trusted: Option<u64>, repair: bool) -> Rules {
        Rules {
            trusted,
            torn_rule: trusted.is_some(),
            repair,
        }
    }

    fn run(data: &[u8], trusted: Option<u64>, repair: bool) -> Result<u64, Refusal> {
        recover(data, rules(trusted, repair), None, &mut Collect::default()).map(|r| r.tail)
    }

    #[test]
    fn a_clean_file_recovers_whole() {
        let (file, tails) = sample(20);
        let mut sink = Collect::default();
        let r = recover(&file, rules(None, false), None, &mut sink).unwrap();
        assert_eq!(r.tail, file.len() as u64);
        assert_eq!(sink.0.len(), 20);
        assert_eq!(sink.0[0].1 + 20, *tails.last().unwrap());
    }

    #[test]
    fn every_cut_recovers_to_the_previous_boundary() {
        let (file, tails) = sample(14);
        let mut checked = 0;
        for cut in 0..=file.len() as u64 {
            let expect = *tails.iter().rev().find(|&&t| t <= cut).unwrap();
            assert_eq!(
                run(&file[..cut as usize], Some(0), false),
                Ok(expect),
                "cut at {cut}"
            );
            checked += 1;
        }
        assert_eq!(checked, file.len() + 1);
    }

    #[test]
    fn a_megabyte_of_zeros_is_discarded_with_work_linear_in_the_file() {
        let (mut file, _) = sample(30);
        let len = file.len();
        file.resize(len + (1 << 20), 0);
        let r = recover(&file, rules(None, false), None, &mut Collect::default()).unwrap();
        assert_eq!(r.tail, len as u64);
        // Quadratic work would checksum about 2^39 bytes here.
        assert!(
            r.checksummed < 4 * file.len() as u64,
            "checksummed {} bytes for a file of {}",
            r.checksummed,
            file.len()
        );
    }

    #[test]
    fn the_work_measure_counts_every_payload_the_search_verifies() {
        // No watermark and a torn end: the search verifies every entry's
        // checksum. The measure the test above bounds must see that work.
        let (mut file, tails) = sample(30);
        let payload_bytes: u64 = (1..tails.len())
            .map(|i| {
                let (_, loc) = entry_ending_at(&file, tails[i]).unwrap();
                if loc.tombstone {
                    0
                } else {
                    loc.end - loc.start
                }
            })
            .sum();
        file.extend_from_slice(&[0xEE; 37]);
        let r = recover(&file, rules(None, false), None, &mut Collect::default()).unwrap();
        assert_eq!(r.tail, *tails.last().unwrap());
        assert_eq!(r.checksummed, payload_bytes, "each payload once");
    }

    #[test]
    fn damage_deep_in_a_long_unsynced_chain_costs_work_linear_in_the_file() {
        // Entries that fill whole 64-byte lines with no zero byte outside
        // their trailers' prev tails, and key hashes whose top byte is
        // 0xFF: the only candidate tails are the real ones. Each of them
        // walks down to the damage; each offset's verdict is remembered,
        // so each payload is checksummed about once, not once per
        // candidate above it.
        let mut file = Vec::new();
        let mut tails = vec![0];
        for i in 0..300u64 {
            let payload: Vec<u8> = (0..108).map(|j| (i as u8 ^ j as u8) | 0x80).collect();
            let tail = file.len() as u64;
            let key = 0xFF00_0000_0000_0000 | (i + 1);
            encode_entry(&mut file, tail, key, &payload, compute_checksum(&payload));
            tails.push(file.len() as u64);
        }
        assert_eq!(file.len() % 64, 0, "no padding");
        let (_, loc) = entry_ending_at(&file, tails[6]).unwrap();
        file[loc.start as usize] ^= 0x01;
        let r = recover(&file, rules(None, false), None, &mut Collect::default()).unwrap();
        assert_eq!(r.tail, tails[5]);
        assert!(
            r.checksummed <= 2 * file.len() as u64,
            "checksummed {} bytes for a file of {}",
            r.checksummed,
            file.len()
        );
    }

    #[test]
    fn an_entry_above_the_watermark_that_links_below_it_ends_the_prefix() {
        // The entry after the last synced one must link to it: one that
        // skips it (its prev tail points further down) is not its
        // successor, however well formed.
        let (file, tails) = sample(8);
        let mut file = file[..tails[7] as usize].to_vec();
        file.extend_from_slice(b"skips the synced entry");
        // A trailer whose prev tail is tails[5]: its payload is everything
        // from there (entries 5 and 6 included), with a matching checksum.
        let start = tails[5] + crate::format::pad_len(tails[5]);
        let checksum = compute_checksum(&file[start as usize..]);
        file.extend_from_slice(&EntryMetadata::new(4242, tails[5], checksum).serialize());
        assert!(
            entry_ending_at(&file, file.len() as u64).is_ok(),
            "well formed"
        );
        assert_eq!(run(&file, Some(tails[7]), false), Ok(tails[7]));
        // Without a watermark nothing says where the synced part ends.
        assert_eq!(run(&file, None, false), Ok(file.len() as u64));
    }

    #[test]
    fn an_intact_file_has_each_payload_verified_once() {
        // No watermark (a store another program wrote: the torn-sector
        // rule does not apply), so every payload is verified, on the fast
        // path, once; the last one twice (it is checked before the walk).
        // An entry shaped like a torn-sector look-alike is among them.
        let (mut file, _) = sample(12);
        let zeros = vec![0u8; crate::tests::sim::lookalike_len(file.len() as u64)];
        let tail = file.len() as u64;
        encode_entry(
            &mut file,
            tail,
            0xABCD_EF00,
            &zeros,
            compute_checksum(&zeros),
        );
        for k in 0..3u64 {
            let tail = file.len() as u64;
            encode_entry(
                &mut file,
                tail,
                7000 + k,
                b"after",
                compute_checksum(b"after"),
            );
        }
        let mut payload_bytes = 0;
        let mut last = None;
        let mut t = file.len() as u64;
        while t > 0 {
            let (meta, loc) = entry_ending_at(&file, t).unwrap();
            if !loc.tombstone {
                payload_bytes += loc.end - loc.start;
                last.get_or_insert(loc.end - loc.start);
            }
            t = meta.prev_offset;
        }
        let r = recover(&file, rules(None, false), None, &mut Collect::default()).unwrap();
        assert_eq!(r.tail, file.len() as u64);
        assert_eq!(r.checksummed, payload_bytes + last.unwrap());
    }

    #[test]
    fn a_non_store_is_refused_without_repair_and_emptied_with_it() {
        let text = b"this is a plain text file, not a store\n".repeat(10);
        assert!(run(&text, None, false).is_err());
        assert_eq!(run(&text, None, true), Ok(0));
    }

    #[test]
    fn a_damaged_last_synced_entry_is_refused_and_repair_drops_it() {
        let (file, tails) = sample(10);
        let mut file = file[..tails[8] as usize].to_vec();
        assert_eq!(run(&file, Some(tails[8]), false), Ok(tails[8]));
        let (_, loc) = entry_ending_at(&file, tails[8]).unwrap();
        file[loc.start as usize] ^= 0xFF;
        let refused = run(&file, Some(tails[8]), false).unwrap_err();
        assert_eq!(refused.offset, tails[8]);
        assert_eq!(run(&file, Some(tails[8]), true), Ok(tails[7]));
        // Also with a torn end after it (the slow path).
        let mut torn = file.clone();
        torn.extend_from_slice(&[0xEE; 37]);
        assert!(run(&torn, Some(tails[8]), false).is_err());
        assert_eq!(run(&torn, Some(tails[8]), true), Ok(tails[7]));
        // Without a watermark the same bytes are an unsynced torn end.
        assert_eq!(run(&file, None, false), Ok(tails[7]));
    }

    #[test]
    fn a_broken_chain_below_the_watermark_is_refused_even_with_a_torn_end() {
        let (mut file, tails) = sample(10);
        // Point entry 4's prev link forward: the synced chain is broken.
        let m = tails[4] as usize - 20;
        file[m + 8..m + 16].copy_from_slice(&(tails[6]).to_le_bytes());
        let refused = run(&file, Some(tails[8]), false).unwrap_err();
        assert_eq!(refused.offset, tails[4]);
        assert!(
            refused.reason.contains("does not point backward"),
            "{}",
            refused.reason
        );
        // Also when the end is torn, so the slow path runs.
        file.truncate(tails[10] as usize - 3);
        assert!(run(&file, Some(tails[8]), false).is_err());
        // Repair keeps the longest valid prefix: entries 0..4.
        assert_eq!(run(&file, Some(tails[8]), true), Ok(tails[3]));
    }

    #[test]
    fn an_unsynced_entry_with_a_bad_checksum_ends_the_prefix() {
        let (mut file, tails) = sample(12);
        // Damage entry 9 (not the last): entries 10.. were written after it
        // but it never reached the disk intact.
        let (_, loc) = entry_ending_at(&file, tails[9]).unwrap();
        file[loc.start as usize] ^= 0x01;
        assert_eq!(run(&file, None, false), Ok(tails[8]));
        assert_eq!(run(&file, Some(tails[8]), false), Ok(tails[8]));
    }

    /// Entries: A, B, delete A, C, then `marker` (a deletion marker for
    /// `key`), then D.
    fn with_marker(key: u64) -> (Vec<u8>, Vec<u64>) {
        let mut file = Vec::new();
        let mut tails = vec![0];
        let mut put = |file: &mut Vec<u8>, k: u64, v: Option<&[u8]>| {
            let t = file.len() as u64;
            match v {
                Some(v) => encode_entry(file, t, k, v, compute_checksum(v)),
                None => encode_tombstone(file, t, k),
            };
            tails.push(file.len() as u64);
        };
        put(&mut file, 1, Some(b"aaaa"));
        put(&mut file, 2, Some(b"bbbb"));
        put(&mut file, 1, None);
        put(&mut file, 3, Some(b"cccc"));
        put(&mut file, key, None);
        put(&mut file, 4, Some(b"dddd"));
        (file, tails)
    }

    #[test]
    fn a_deletion_marker_for_a_key_never_written_ends_the_prefix_above_the_watermark() {
        let (file, tails) = with_marker(0xBAD);
        // Unsynced (above the watermark, or no watermark): the marker and
        // everything after it are discarded.
        assert_eq!(run(&file, Some(0), false), Ok(tails[4]));
        assert_eq!(run(&file, Some(tails[2]), false), Ok(tails[4]));
        assert_eq!(run(&file, None, false), Ok(tails[4]));
        // Below the watermark the chain is trusted as written.
        assert_eq!(run(&file, Some(tails[5]), false), Ok(tails[6]));
    }

    #[test]
    fn deletion_markers_for_keys_with_older_entries_are_kept() {
        // Deleting a live key, and deleting an already deleted key again
        // (simd-r-drive writes those after a reopen).
        for key in [2, 1] {
            let (file, tails) = with_marker(key);
            assert_eq!(run(&file, Some(0), false), Ok(tails[6]), "key {key}");
            assert_eq!(run(&file, None, false), Ok(tails[6]), "key {key}");
        }
    }

    #[test]
    fn a_torn_sector_lookalike_above_the_watermark_ends_the_prefix() {
        // An entry whose trailer (508..528) crosses offset 512 with zeros
        // before it: a payload of zeros and a key hash whose four low
        // bytes are zero.
        let mut file = Vec::new();
        encode_entry(&mut file, 0, 7, b"first", compute_checksum(b"first"));
        let t1 = file.len() as u64;
        let zeros = vec![0u8; 508 - 64];
        let key = 0xABCD_0000_0000_0000;
        encode_entry(&mut file, t1, key, &zeros, compute_checksum(&zeros));
        let t2 = file.len() as u64;
        assert_eq!(t2, 528);
        encode_entry(&mut file, t2, 9, b"after", compute_checksum(b"after"));
        assert_eq!(run(&file, Some(0), false), Ok(t1));
        assert_eq!(run(&file, Some(t1), false), Ok(t1));
        // Synced: trusted. Without rdrive's watermark: not applied.
        assert_eq!(run(&file, Some(t2), false), Ok(file.len() as u64));
        assert_eq!(run(&file, None, false), Ok(file.len() as u64));
        // A key hash with a non-zero low byte is not a look-alike.
        let mut other = Vec::new();
        encode_entry(&mut other, 0, 7, b"first", compute_checksum(b"first"));
        encode_entry(&mut other, t1, key | 1, &zeros, compute_checksum(&zeros));
        assert_eq!(run(&other, Some(0), false), Ok(other.len() as u64));
    }

    #[test]
    fn a_stop_offset_on_the_chain_limits_the_walk_to_newer_entries() {
        let (file, tails) = sample(10);
        let yes = |_: u64| true;
        let stop = |at| Some(Stop { at, knows: &yes });
        let mut sink = Collect::default();
        let r = recover(
            &file,
            rules(Some(tails[10]), false),
            stop(tails[7]),
            &mut sink,
        )
        .unwrap();
        assert_eq!(r.tail, tails[10]);
        assert!(r.stopped);
        assert_eq!(sink.0.len(), 3);
        // An offset not on the chain (inside an entry) is never reached.
        let r = recover(
            &file,
            rules(Some(tails[10]), false),
            stop(tails[7] + 1),
            &mut sink,
        )
        .unwrap();
        assert!(!r.stopped);
        assert_eq!(sink.0.len(), 10);
        // A stop above the watermark is not trusted.
        let r = recover(
            &file,
            rules(Some(tails[5]), false),
            stop(tails[7]),
            &mut sink,
        )
        .unwrap();
        assert!(!r.stopped);
        assert_eq!(sink.0.len(), 10);
    }

    #[test]
    fn a_cached_index_that_cannot_vouch_for_a_marker_is_walked_past() {
        let (file, tails) = with_marker(2);
        let mut sink = Collect::default();
        // The cache (up to tails[3]) knows key 2: the walk stops there.
        let knows_2 = |k: u64| k == 2 || k == 1;
        let stop = Stop {
            at: tails[3],
            knows: &knows_2,
        };
        let r = recover(&file, rules(Some(tails[3]), false), Some(stop), &mut sink).unwrap();
        assert!(r.stopped);
        assert_eq!(r.tail, tails[6]);
        // A cache that does not know key 2 cannot vouch: full walk, same
        // prefix.
        let knows_nothing = |_: u64| false;
        let stop = Stop {
            at: tails[3],
            knows: &knows_nothing,
        };
        let r = recover(&file, rules(Some(tails[3]), false), Some(stop), &mut sink).unwrap();
        assert!(!r.stopped);
        assert_eq!(r.tail, tails[6]);
        assert_eq!(sink.0.len(), 6);
    }

    #[test]
    fn span_crc_matches_direct_checksums_for_repeated_starts() {
        let data: Vec<u8> = (0..300_000u32).map(|i| (i * 31 % 251) as u8).collect();
        let len = data.len() as u64;
        for start in [5, 70_001] {
            let mut s = SpanCrc::default();
            // Descending ends, as the search asks for them, with ends on
            // and next to table block boundaries among them.
            let mut ends: Vec<u64> = (start + 1..=len).rev().step_by(997).collect();
            for k in 1..=(len - start) / BLOCK {
                let at = start + k * BLOCK;
                ends.extend([at + 1, at, at - 1].into_iter().filter(|&e| e <= len));
            }
            ends.sort_unstable_by(|a, b| b.cmp(a));
            ends.dedup();
            for &end in &ends {
                assert_eq!(
                    s.crc(&data, start, end),
                    compute_checksum(&data[start as usize..end as usize]),
                    "start {start}, end {end}"
                );
            }
            // The first request directly, then tables that cover the span
            // once more: linear work, and all of it counted.
            let span = len - start;
            assert!(
                (2 * span..=4 * span).contains(&s.checksummed),
                "start {start}: {} bytes for a span of {span}",
                s.checksummed
            );
        }
    }
}
