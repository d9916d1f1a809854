//! The watermark record: the durable mark rdrive keeps beside a store file,
//! in the extended attribute `user.rdrive.watermark` (outside the file's
//! bytes, so the file stays byte-identical to simd-r-drive's).
//!
//! ```text
//!   0  version u8 (2)     1  flags u8 (bit 0: closed cleanly)     2  zero u16
//!   4  tail u64           the length of the file known to be durable
//!  12  trailer [20]       the entry trailer that ends at `tail` (zeros for 0)
//!  32  store id u64       random, made when the store is created, kept by
//!                         compaction
//!  40  generation u64     random, new at every compaction and at every
//!                         read-write open that does not use the index cache
//!  48  end
//! ```
//!
//! Version 1 records (rdrive 0.1) are the first 32 bytes with version 1;
//! they decode with store id and generation 0 ("unknown").
//!
//! The trailer copy is the record's fingerprint of the file it vouches for:
//! the file is append-only, so any later state of the same file still holds
//! those 20 bytes at `tail`, and a file restored from a backup or replaced
//! by another program almost never does.

use super::METADATA_SIZE;

/// Name of the extended attribute that holds the record (NUL-terminated).
pub const ATTRIBUTE: &[u8] = b"user.rdrive.watermark\0";

const VERSION_AT: usize = 0;
const FLAGS_AT: usize = VERSION_AT + 1;
const TAIL_AT: usize = FLAGS_AT + 3;
const TRAILER_AT: usize = TAIL_AT + 8;
const STORE_ID_AT: usize = TRAILER_AT + METADATA_SIZE;
const GENERATION_AT: usize = STORE_ID_AT + 8;
/// Encoded length of a record.
pub const ENCODED_LEN: usize = GENERATION_AT + 8;
/// Encoded length of a version 1 record.
const V1_LEN: usize = STORE_ID_AT;

const VERSION: u8 = 2;
const FLAG_CLEAN: u8 = 1;

/// A decoded watermark record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Watermark {
    /// Length of the file known to be durable.
    pub tail: u64,
    /// The 20 bytes of the trailer that ends at `tail` (zeros for 0).
    pub trailer: [u8; METADATA_SIZE],
    /// The last read-write handle closed cleanly.
    pub clean: bool,
    /// Identity of the store (0: unknown, a version 1 record).
    pub store_id: u64,
    /// Identity of this state of the store's file (0: unknown).
    pub generation: u64,
}

/// Whether a watermark matches the file it sits on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The file holds the recorded trailer at the recorded tail.
    Matches,
    /// It does not; the reason, for the caller's report.
    Mismatch(String),
}

impl Watermark {
    /// Encodes the record as stored in the attribute.
    pub fn encode(&self) -> [u8; ENCODED_LEN] {
        let mut out = [0u8; ENCODED_LEN];
        out[VERSION_AT] = VERSION;
        out[FLAGS_AT] = if self.clean { FLAG_CLEAN } else { 0 };
        out[TAIL_AT..TRAILER_AT].copy_from_slice(&self.tail.to_le_bytes());
        out[TRAILER_AT..STORE_ID_AT].copy_from_slice(&self.trailer);
        out[STORE_ID_AT..GENERATION_AT].copy_from_slice(&self.store_id.to_le_bytes());
        out[GENERATION_AT..].copy_from_slice(&self.generation.to_le_bytes());
        out
    }

    /// Decodes a stored record; `None` for an unknown version or length.
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let (store_id, generation) = match (bytes.first(), bytes.len()) {
            (Some(&VERSION), ENCODED_LEN) => {
                (u64_at(bytes, STORE_ID_AT), u64_at(bytes, GENERATION_AT))
            }
            (Some(1), V1_LEN) => (0, 0),
            _ => return None,
        };
        Some(Self {
            tail: u64_at(bytes, TAIL_AT),
            trailer: bytes[TRAILER_AT..STORE_ID_AT].try_into().ok()?,
            clean: bytes[FLAGS_AT] & FLAG_CLEAN != 0,
            store_id,
            generation,
        })
    }

    /// Whether this record vouches for `data`, the whole file.
    pub fn check(&self, data: &[u8]) -> Verdict {
        let len = data.len() as u64;
        if self.tail > len {
            return Verdict::Mismatch(format!(
                "the file ({len} bytes) is shorter than its recorded durable length {}",
                self.tail
            ));
        }
        let found: &[u8] = match self.tail {
            0 => &[0; METADATA_SIZE],
            // No entry ends before byte 21 (a trailer and one payload byte).
            t if t <= METADATA_SIZE as u64 => &[],
            t => &data[(t as usize - METADATA_SIZE)..t as usize],
        };
        if found != self.trailer {
            return Verdict::Mismatch(format!(
                "the file does not hold the recorded entry at offset {} (restored from a backup or replaced?)",
                self.tail
            ));
        }
        Verdict::Matches
    }
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    let mut v = [0u8; 8];
    v.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Watermark {
        Watermark {
            tail: 0x1234_5678_9abc,
            trailer: [7; METADATA_SIZE],
            clean: true,
            store_id: 0xAAAA_BBBB_CCCC_DDDD,
            generation: 42,
        }
    }

    #[test]
    fn a_record_round_trips_through_its_fixed_layout() {
        let w = sample();
        let bytes = w.encode();
        assert_eq!(bytes.len(), 48);
        assert_eq!(bytes[0], 2);
        assert_eq!(bytes[1], 1);
        assert_eq!(&bytes[4..12], &w.tail.to_le_bytes());
        assert_eq!(&bytes[32..40], &w.store_id.to_le_bytes());
        assert_eq!(&bytes[40..48], &42u64.to_le_bytes());
        assert_eq!(Watermark::decode(&bytes), Some(w));
        let dirty = Watermark { clean: false, ..w };
        assert_eq!(dirty.encode()[1], 0);
        assert_eq!(Watermark::decode(&dirty.encode()), Some(dirty));
    }

    #[test]
    fn foreign_bytes_are_not_a_record() {
        let bytes = sample().encode();
        assert_eq!(Watermark::decode(&bytes[1..]), None);
        assert_eq!(Watermark::decode(&bytes[..47]), None);
        assert_eq!(Watermark::decode(&[]), None);
        let mut other = bytes;
        other[VERSION_AT] = 9;
        assert_eq!(Watermark::decode(&other), None);
    }

    #[test]
    fn a_version_one_record_decodes_with_an_unknown_identity() {
        let mut v1 = [0u8; 32];
        v1[0] = 1;
        v1[1] = 1;
        v1[4..12].copy_from_slice(&99u64.to_le_bytes());
        v1[12..32].copy_from_slice(&[3; 20]);
        let w = Watermark::decode(&v1).unwrap();
        assert_eq!((w.tail, w.trailer, w.clean), (99, [3; 20], true));
        assert_eq!((w.store_id, w.generation), (0, 0));
    }

    #[test]
    fn a_record_matches_only_a_file_holding_its_trailer_at_its_tail() {
        let mut data = vec![5u8; 100];
        data[60..80].copy_from_slice(&[9; 20]);
        let w = Watermark {
            tail: 80,
            trailer: [9; 20],
            ..sample()
        };
        assert_eq!(w.check(&data), Verdict::Matches);
        assert_eq!(w.check(&data[..80]), Verdict::Matches);
        assert!(matches!(w.check(&data[..79]), Verdict::Mismatch(_)));
        data[61] = 0;
        assert!(matches!(w.check(&data), Verdict::Mismatch(_)));
        let at_zero = Watermark {
            tail: 0,
            trailer: [0; 20],
            ..sample()
        };
        assert_eq!(at_zero.check(&[]), Verdict::Matches);
        assert_eq!(at_zero.check(&data), Verdict::Matches);
        let short = Watermark { tail: 10, ..w };
        assert!(matches!(short.check(&data), Verdict::Mismatch(_)));
        // A tail of 20 cannot end an entry, whatever the first 20 bytes hold.
        let no_room = Watermark {
            tail: 20,
            trailer: [5; 20],
            ..w
        };
        assert!(matches!(no_room.check(&data), Verdict::Mismatch(_)));
    }
}
