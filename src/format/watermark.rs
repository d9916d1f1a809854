//! The watermark record: the durable mark rdrive keeps beside a store file,
//! in the extended attribute `user.rdrive.watermark` (outside the file's
//! bytes, so the file stays byte-identical to simd-r-drive's).
//!
//! ```text
//!   0  version u8 (1)     1  flags u8 (bit 0: closed cleanly)     2  zero u16
//!   4  tail u64 LE        12 trailer [20]: the entry trailer that ends at tail
//!  32  end
//! ```

use super::METADATA_SIZE;

/// Name of the extended attribute that holds the record (NUL-terminated).
pub const ATTRIBUTE: &[u8] = b"user.rdrive.watermark\0";

const VERSION_AT: usize = 0;
const FLAGS_AT: usize = VERSION_AT + 1;
const TAIL_AT: usize = FLAGS_AT + 3;
const TRAILER_AT: usize = TAIL_AT + 8;
/// Encoded length of a record.
pub const ENCODED_LEN: usize = TRAILER_AT + METADATA_SIZE;

const VERSION: u8 = 1;
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
}

impl Watermark {
    /// Encodes the record as stored in the attribute.
    pub fn encode(&self) -> [u8; ENCODED_LEN] {
        let mut out = [0u8; ENCODED_LEN];
        out[VERSION_AT] = VERSION;
        out[FLAGS_AT] = if self.clean { FLAG_CLEAN } else { 0 };
        out[TAIL_AT..TRAILER_AT].copy_from_slice(&self.tail.to_le_bytes());
        out[TRAILER_AT..].copy_from_slice(&self.trailer);
        out
    }

    /// Decodes a stored record; `None` for an unknown version or length.
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != ENCODED_LEN || bytes[VERSION_AT] != VERSION {
            return None;
        }
        Some(Self {
            tail: u64::from_le_bytes(bytes[TAIL_AT..TRAILER_AT].try_into().ok()?),
            trailer: bytes[TRAILER_AT..].try_into().ok()?,
            clean: bytes[FLAGS_AT] & FLAG_CLEAN != 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_round_trips_and_foreign_bytes_are_not_a_record() {
        let w = Watermark {
            tail: 0x1234_5678_9abc,
            trailer: [7; METADATA_SIZE],
            clean: true,
        };
        let bytes = w.encode();
        assert_eq!(Watermark::decode(&bytes), Some(w));
        assert_eq!(Watermark::decode(&bytes[1..]), None);
        let mut other = bytes;
        other[VERSION_AT] = 9;
        assert_eq!(Watermark::decode(&other), None);
    }
}
