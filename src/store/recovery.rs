//! Finding the valid data in a store file at open time.
//!
//! Pure logic over the file's bytes (`&[u8]` from offset 0); no I/O.
//!
//! A *candidate tail* `t` is valid when the entry ending at `t` and every
//! entry reached by following prev-tail links from it are well formed, the
//! links walk strictly backward to offset 0, and every entry above the
//! *watermark* has a matching CRC. The watermark is the last tail known to be
//! durable (kept outside the file's bytes): below it the chain is trusted
//! without reading payloads; above it writes may have reached the disk out of
//! order, so each entry's checksum is verified. Without a watermark every
//! entry is verified.
//!
//! Recovery keeps the longest valid prefix:
//!
//! 1. Fast path: the whole file is one valid chain (the usual case).
//! 2. Otherwise scan candidate tails downward from the end of the file. Each
//!    chain walk stops at the watermark (valid by then) or at an offset whose
//!    verdict is memoized, so every offset is judged once. Checksums of huge
//!    regions that share a start (zeros read as trailers all point at offset
//!    0) come from a per-start table, so a megabyte of zeros costs one pass
//!    over the file, not one per candidate.
//!
//! Damage at or below the watermark means bytes that were synced changed:
//! that is reported as corruption (nothing is truncated) unless the caller
//! asked for repair, which recovers the longest valid prefix ignoring the
//! watermark.

use std::collections::HashMap;

use crate::digest::{compute_checksum, crc_step};
use crate::format::{EntryMetadata, METADATA_SIZE, entry_ending_at};

/// The durable mark kept beside the file: a tail known to be synced and the
/// trailer of the entry that ends there (all zero for tail 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Watermark {
    pub tail: u64,
    pub trailer: [u8; METADATA_SIZE],
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
    /// The sink received only the entries above the `stop` offset the caller
    /// gave (the chain passes through it); otherwise it received the whole
    /// chain.
    pub stopped: bool,
}

/// Where a walk ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reached {
    Start,
    Stop,
}

/// Finds the longest valid prefix of `data`; see the module docs.
///
/// `stop` is an offset at or below the watermark whose index the caller
/// already has (a cached index): walks end there when the chain passes
/// through it, so the sink receives only newer entries.
pub(crate) fn recover(
    data: &[u8],
    watermark: Option<Watermark>,
    repair: bool,
    stop: Option<u64>,
    sink: &mut impl Sink,
) -> Result<Recovered, Refusal> {
    let len = data.len() as u64;
    let base = match watermark {
        None => None,
        Some(w) => match check_watermark(data, &w) {
            Ok(()) => Some(w.tail),
            Err(_) if repair => None,
            Err(refusal) => return Err(refusal),
        },
    };
    let known_store = base.is_some();
    let base = base.unwrap_or(0);

    // A cached index is only trusted for synced data.
    let stop = stop.filter(|&s| known_store && s <= base);
    sink.reset();
    match walk(data, len, base, true, stop, sink) {
        Ok(reached) => {
            return Ok(Recovered {
                tail: len,
                stopped: reached == Reached::Stop,
            });
        }
        Err(fail) if fail.offset <= base && known_store => {
            if repair {
                return recover(data, None, true, None, sink);
            }
            return Err(fail.refusal("damage in data that was synced"));
        }
        Err(_) => {}
    }

    // The file has a torn or damaged end. First make sure the synced part is
    // sound, then look for the longest valid extension of it.
    if base > 0
        && let Err(fail) = walk(data, base, base, false, stop, &mut NoSink)
    {
        if repair {
            return recover(data, None, true, None, sink);
        }
        return Err(fail.refusal("damage in data that was synced"));
    }
    let mut search = Search {
        data,
        base,
        memo: HashMap::new(),
        crc: SpanCrc::default(),
    };
    let mut tail = base;
    let mut t = len;
    while t > base {
        // Cheap filter first: a candidate's prev tail must point below its
        // trailer and not below the watermark. Random bytes almost never do,
        // so most of a garbage region is rejected with one load.
        if plausible_link(data, t, base) && search.good(t) {
            tail = t;
            break;
        }
        t -= 1;
    }
    if tail == 0 && len > 0 && !known_store && !repair {
        return Err(Refusal {
            offset: 0,
            reason: "no valid entry chain: not a store, or damaged throughout (open with repair to discard it)".into(),
        });
    }
    sink.reset();
    // Everything up to `tail` has been verified: walk it trusting checksums.
    let reached = walk(data, tail, tail, false, stop, sink)
        .map_err(|fail| fail.refusal("recovered chain failed to re-walk"))?;
    Ok(Recovered {
        tail,
        stopped: reached == Reached::Stop,
    })
}

/// Whether the trailer that would end at `t` has a prev tail in
/// `[base, t - METADATA_SIZE)`: necessary for `t` to be a valid tail.
#[inline]
fn plausible_link(data: &[u8], t: u64, base: u64) -> bool {
    let meta = METADATA_SIZE as u64;
    if t < meta + 1 {
        return false;
    }
    let at = (t - meta + 8) as usize;
    let prev = u64::from_le_bytes(data[at..at + 8].try_into().expect("8 bytes"));
    prev >= base && prev < t - meta
}

fn check_watermark(data: &[u8], w: &Watermark) -> Result<(), Refusal> {
    let len = data.len() as u64;
    if w.tail > len {
        return Err(Refusal {
            offset: len,
            reason: format!("file is shorter than its last synced length {}", w.tail),
        });
    }
    if w.tail > 0 {
        let at = w.tail.saturating_sub(METADATA_SIZE as u64);
        if w.tail < METADATA_SIZE as u64 || data[at as usize..w.tail as usize] != w.trailer {
            return Err(Refusal {
                offset: at,
                reason: "the last synced entry was changed".into(),
            });
        }
    }
    Ok(())
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

/// Walks the chain from tail `from` toward offset 0, feeding `sink`.
/// Entries ending above `base` must link to `base` or above and have
/// matching checksums; entries at or below are checked for structure only.
/// With `check_last`, the checksum of the entry ending at `from` is verified
/// whatever its position. The walk ends early at `stop` if the chain passes
/// through it.
fn walk(
    data: &[u8],
    from: u64,
    base: u64,
    check_last: bool,
    stop: Option<u64>,
    sink: &mut impl Sink,
) -> Result<Reached, WalkFailure> {
    let fail = |offset, why| WalkFailure { offset, why };
    if check_last && from > 0 {
        let (meta, loc) = entry_ending_at(data, from).map_err(|e| fail(from, e.message()))?;
        if !loc.tombstone && !checksum_ok(data, &meta, loc.range()) {
            return Err(fail(from, "checksum mismatch"));
        }
    }
    let mut x = from;
    while x > 0 {
        if stop == Some(x) {
            return Ok(Reached::Stop);
        }
        let (meta, loc) = entry_ending_at(data, x).map_err(|e| fail(x, e.message()))?;
        if x > base && meta.prev_offset < base {
            return Err(fail(x, "chain skips the last synced entry"));
        }
        if x > base && !loc.tombstone && !checksum_ok(data, &meta, loc.range()) {
            return Err(fail(x, "checksum mismatch"));
        }
        sink.entry(meta.key_hash, loc.end, loc.tombstone);
        x = meta.prev_offset;
    }
    Ok(Reached::Start)
}

fn checksum_ok(data: &[u8], meta: &EntryMetadata, range: std::ops::Range<usize>) -> bool {
    compute_checksum(&data[range]) == meta.checksum
}

/// Memoized search for valid candidate tails above `base`.
struct Search<'a> {
    data: &'a [u8],
    base: u64,
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
            if x == self.base {
                break true;
            }
            if x < self.base {
                break false;
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
}

const SMALL_SPAN: u64 = 64 * 1024;
const BLOCK: u64 = 64 * 1024;

impl SpanCrc {
    fn crc(&mut self, data: &[u8], start: u64, end: u64) -> u32 {
        if end - start <= SMALL_SPAN {
            return compute_checksum(&data[start as usize..end as usize]);
        }
        if self.start != Some(start) {
            // First large request for this start: compute it directly and
            // remember the start; build tables only if it comes back.
            self.start = Some(start);
            self.checkpoints.clear();
            self.block_at = None;
            return compute_checksum(&data[start as usize..end as usize]);
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

    /// A file of `n` entries with varied sizes; returns it and its tails.
    fn sample(n: u64) -> (Vec<u8>, Vec<u64>) {
        let mut file = Vec::new();
        let mut tails = vec![0];
        for i in 0..n {
            let tail = file.len() as u64;
            if i % 5 == 4 {
                encode_tombstone(&mut file, tail, i - 1);
            } else {
                let payload: Vec<u8> = (0..(i * 13 % 150 + 1)).map(|j| (i + j) as u8).collect();
                encode_entry(&mut file, tail, i, &payload, compute_checksum(&payload));
            }
            tails.push(file.len() as u64);
        }
        (file, tails)
    }

    fn run(data: &[u8], w: Option<Watermark>, repair: bool) -> Result<u64, Refusal> {
        recover(data, w, repair, None, &mut Collect::default()).map(|r| r.tail)
    }

    #[test]
    fn a_clean_file_recovers_whole() {
        let (file, tails) = sample(20);
        let mut sink = Collect::default();
        let r = recover(&file, None, false, None, &mut sink).unwrap();
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
            let got = run(
                &file[..cut as usize],
                Some(Watermark {
                    tail: 0,
                    trailer: [0; 20],
                }),
                false,
            );
            assert_eq!(got, Ok(expect), "cut at {cut}");
            checked += 1;
        }
        assert_eq!(checked, file.len() + 1);
    }

    #[test]
    fn a_megabyte_of_zeros_is_discarded_in_near_linear_time() {
        let (mut file, _) = sample(30);
        let len = file.len();
        file.resize(len + (1 << 20), 0);
        let started = std::time::Instant::now();
        assert_eq!(run(&file, None, false), Ok(len as u64));
        // Generous bound: the quadratic algorithm takes minutes here.
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
    }

    #[test]
    fn a_non_store_is_refused_without_repair_and_emptied_with_it() {
        let text = b"this is a plain text file, not a store\n".repeat(10);
        assert!(run(&text, None, false).is_err());
        assert_eq!(run(&text, None, true), Ok(0));
    }

    fn mark_at(file: &[u8], tail: u64) -> Watermark {
        Watermark {
            tail,
            trailer: file[tail as usize - 20..tail as usize].try_into().unwrap(),
        }
    }

    #[test]
    fn a_damaged_last_synced_entry_is_refused_and_repair_drops_it() {
        let (file, tails) = sample(10);
        let mut file = file[..tails[8] as usize].to_vec();
        let w = mark_at(&file, tails[8]);
        assert_eq!(run(&file, Some(w), false), Ok(tails[8]));
        let (_, loc) = entry_ending_at(&file, tails[8]).unwrap();
        file[loc.start as usize] ^= 0xFF;
        assert!(run(&file, Some(w), false).is_err());
        assert_eq!(run(&file, Some(w), true), Ok(tails[7]));
    }

    #[test]
    fn a_broken_chain_below_the_watermark_is_refused_even_with_a_torn_end() {
        let (mut file, tails) = sample(10);
        let w = mark_at(&file, tails[8]);
        // Point entry 4's prev link forward: the synced chain is broken.
        let m = tails[4] as usize - 20;
        file[m + 8..m + 16].copy_from_slice(&(tails[6]).to_le_bytes());
        let refused = run(&file, Some(w), false).unwrap_err();
        assert_eq!(refused.offset, tails[4]);
        // Also when the end is torn, so the slow path runs.
        file.truncate(tails[10] as usize - 3);
        assert!(run(&file, Some(w), false).is_err());
        // Repair keeps the longest valid prefix: entries 0..4.
        assert_eq!(run(&file, Some(w), true), Ok(tails[3]));
    }

    #[test]
    fn a_file_shorter_than_its_watermark_is_refused() {
        let (file, tails) = sample(6);
        let w = mark_at(&file, tails[6]);
        assert!(run(&file[..tails[5] as usize], Some(w), false).is_err());
        assert_eq!(run(&file[..tails[5] as usize], Some(w), true), Ok(tails[5]));
    }

    #[test]
    fn an_unsynced_entry_with_a_bad_checksum_ends_the_prefix() {
        let (mut file, tails) = sample(12);
        // Damage entry 9 (not the last): entries 10.. were written after it
        // but it never reached the disk intact.
        let (_, loc) = entry_ending_at(&file, tails[9]).unwrap();
        file[loc.start as usize] ^= 0x01;
        assert_eq!(run(&file, None, false), Ok(tails[8]));
        let w = Watermark {
            tail: tails[8],
            trailer: file[tails[8] as usize - 20..tails[8] as usize]
                .try_into()
                .unwrap(),
        };
        assert_eq!(run(&file, Some(w), false), Ok(tails[8]));
    }

    #[test]
    fn a_stop_offset_on_the_chain_limits_the_walk_to_newer_entries() {
        let (file, tails) = sample(10);
        let w = mark_at(&file, tails[10]);
        let mut sink = Collect::default();
        let r = recover(&file, Some(w), false, Some(tails[7]), &mut sink).unwrap();
        assert_eq!(r.tail, tails[10]);
        assert!(r.stopped);
        assert_eq!(sink.0.len(), 3);
        // An offset not on the chain (inside an entry) is never reached.
        let r = recover(&file, Some(w), false, Some(tails[7] + 1), &mut sink).unwrap();
        assert!(!r.stopped);
        assert_eq!(sink.0.len(), 10);
        // A stop above the watermark is not trusted.
        let w = mark_at(&file, tails[5]);
        let r = recover(&file, Some(w), false, Some(tails[7]), &mut sink).unwrap();
        assert!(!r.stopped);
        assert_eq!(sink.0.len(), 10);
    }

    #[test]
    fn span_crc_matches_direct_checksums_for_repeated_starts() {
        let data: Vec<u8> = (0..300_000u32).map(|i| (i * 31 % 251) as u8).collect();
        let mut s = SpanCrc::default();
        for end in (100_000..300_000u64).rev().step_by(997) {
            assert_eq!(
                s.crc(&data, 5, end),
                compute_checksum(&data[5..end as usize])
            );
        }
    }
}
