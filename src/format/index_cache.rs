//! The header of the index cache file (`<store>.rdrive-index`), a copy of
//! the in-memory index written at a clean close. The table of `slots`
//! `(key hash, trailer offset)` word pairs follows the 128-byte header.
//!
//! ```text
//!   0  magic "RDRVIDX3"
//!   8  tail u64            the store length the index describes
//!  16  trailer [20]        the entry trailer that ends at `tail`
//!  36  zero u32
//!  40  store id u64        of the watermark the cache was written under
//!  48  generation u64      of that watermark
//!  56  slots u64          64  live u64          72  used u64
//!  80  value of key hash 0 u64
//!  88  table CRC-32 u32    92  header CRC-32 u32 (of bytes 0..92)
//!  96  zeros to 128
//! ```

use super::METADATA_SIZE;

const MAGIC: &[u8; 8] = b"RDRVIDX3";
const MAGIC_AT: usize = 0;
const TAIL_AT: usize = MAGIC_AT + 8;
const TRAILER_AT: usize = TAIL_AT + 8;
const STORE_ID_AT: usize = TRAILER_AT + METADATA_SIZE + 4;
const GENERATION_AT: usize = STORE_ID_AT + 8;
const SLOTS_AT: usize = GENERATION_AT + 8;
const LIVE_AT: usize = SLOTS_AT + 8;
const USED_AT: usize = LIVE_AT + 8;
const ZERO_KEY_AT: usize = USED_AT + 8;
const TABLE_CRC_AT: usize = ZERO_KEY_AT + 8;
const HEADER_CRC_AT: usize = TABLE_CRC_AT + 4;
/// Size of the header; the table starts here.
pub const HEADER_LEN: usize = 128;
const _: () = assert!(HEADER_CRC_AT + 4 <= HEADER_LEN);

/// A decoded cache header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheHeader {
    /// The store length the index describes.
    pub tail: u64,
    /// The entry trailer that ends at `tail` (zeros for 0).
    pub trailer: [u8; METADATA_SIZE],
    /// Store id of the watermark the cache belongs to.
    pub store_id: u64,
    /// Generation of that watermark.
    pub generation: u64,
    /// Number of table slots.
    pub slots: u64,
    /// Live keys.
    pub live: u64,
    /// Slots in use (live or deleted keys).
    pub used: u64,
    /// The index value of key hash 0.
    pub zero_key: u64,
    /// CRC-32 of the table's bytes.
    pub table_crc: u32,
}

impl CacheHeader {
    /// Encodes the header, with its own checksum.
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut h = [0u8; HEADER_LEN];
        h[MAGIC_AT..TAIL_AT].copy_from_slice(MAGIC);
        h[TAIL_AT..TRAILER_AT].copy_from_slice(&self.tail.to_le_bytes());
        h[TRAILER_AT..TRAILER_AT + METADATA_SIZE].copy_from_slice(&self.trailer);
        for (at, v) in [
            (STORE_ID_AT, self.store_id),
            (GENERATION_AT, self.generation),
            (SLOTS_AT, self.slots),
            (LIVE_AT, self.live),
            (USED_AT, self.used),
            (ZERO_KEY_AT, self.zero_key),
        ] {
            h[at..at + 8].copy_from_slice(&v.to_le_bytes());
        }
        h[TABLE_CRC_AT..HEADER_CRC_AT].copy_from_slice(&self.table_crc.to_le_bytes());
        let crc = crc32fast::hash(&h[..HEADER_CRC_AT]);
        h[HEADER_CRC_AT..HEADER_CRC_AT + 4].copy_from_slice(&crc.to_le_bytes());
        h
    }

    /// Decodes a header; `None` unless the magic and its checksum match.
    pub fn decode(h: &[u8]) -> Option<Self> {
        let h: &[u8; HEADER_LEN] = h.get(..HEADER_LEN)?.try_into().ok()?;
        if &h[MAGIC_AT..TAIL_AT] != MAGIC
            || u32_at(h, HEADER_CRC_AT) != crc32fast::hash(&h[..HEADER_CRC_AT])
        {
            return None;
        }
        Some(Self {
            tail: u64_at(h, TAIL_AT),
            trailer: h[TRAILER_AT..TRAILER_AT + METADATA_SIZE].try_into().ok()?,
            store_id: u64_at(h, STORE_ID_AT),
            generation: u64_at(h, GENERATION_AT),
            slots: u64_at(h, SLOTS_AT),
            live: u64_at(h, LIVE_AT),
            used: u64_at(h, USED_AT),
            zero_key: u64_at(h, ZERO_KEY_AT),
            table_crc: u32_at(h, TABLE_CRC_AT),
        })
    }

    /// Size of the whole cache file this header describes, if it fits.
    pub fn file_len(&self) -> Option<u64> {
        self.slots.checked_mul(16)?.checked_add(HEADER_LEN as u64)
    }
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut v = [0u8; 8];
    v.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(v)
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    let mut v = [0u8; 4];
    v.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> CacheHeader {
        CacheHeader {
            tail: 4096,
            trailer: [1; METADATA_SIZE],
            store_id: 7,
            generation: 8,
            slots: 64,
            live: 3,
            used: 5,
            zero_key: u64::MAX - 1,
            table_crc: 0xDEAD_BEEF,
        }
    }

    #[test]
    fn a_header_round_trips_at_its_named_offsets() {
        let h = sample().encode();
        assert_eq!(&h[..8], b"RDRVIDX3");
        assert_eq!(&h[8..16], &4096u64.to_le_bytes());
        assert_eq!(&h[40..48], &7u64.to_le_bytes());
        assert_eq!(&h[56..64], &64u64.to_le_bytes());
        assert!(h[96..].iter().all(|&b| b == 0));
        assert_eq!(CacheHeader::decode(&h), Some(sample()));
        assert_eq!(sample().file_len(), Some(128 + 64 * 16));
    }

    #[test]
    fn any_changed_header_byte_is_refused() {
        let h = sample().encode();
        for i in 0..HEADER_CRC_AT + 4 {
            let mut bad = h;
            bad[i] ^= 0x10;
            assert_eq!(CacheHeader::decode(&bad), None, "byte {i}");
        }
        assert_eq!(CacheHeader::decode(&h[..100]), None);
    }
}
