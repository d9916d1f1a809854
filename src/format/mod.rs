//! The on-disk format: byte layout, alignment and the tombstone rule.
//!
//! Pure functions over bytes and offsets; nothing here knows about files.
//!
//! A store file is a plain concatenation of entries, with no header and no
//! footer. One regular entry appended at tail `t` looks like this:
//!
//! ```text
//!   t          t+p                    t+p+n          t+p+n+8        t+p+n+16       t+p+n+20
//!   | pre-pad  | payload (n >= 1)     | key hash u64 | prev tail u64 | crc32 u32   |
//!   | p zeros  | 64-byte aligned      |     LE       |  (= t) LE     |  LE         |
//!                                     `------------- trailer (METADATA_SIZE) -------'
//! ```
//!
//! `p = (64 - t % 64) % 64`. A tombstone (delete marker) is the single byte
//! `0x00` written *without* pre-pad, followed by a trailer whose prev tail is
//! `t` and whose checksum is the CRC-32 of `[0x00]`.
//!
//! Given a trailer at offset `m` with prev tail `P`, the payload is found
//! again like this: if `m - P == 1` and the byte at `P` is `0x00`, it is a
//! tombstone; otherwise the payload is `[P + pad(P), m)`. Writers never emit
//! an empty payload or a lone `0x00` payload, which keeps that rule
//! unambiguous.

use std::ops::Range;

pub mod index_cache;
pub mod lock_page;
pub mod watermark;

/// Alignment of every regular payload's first byte, in bytes.
pub const PAYLOAD_ALIGNMENT: u64 = 64;

/// Size of the trailer that follows every payload, in bytes.
pub const METADATA_SIZE: usize = 20;

const KEY_HASH_AT: usize = 0;
const PREV_OFFSET_AT: usize = KEY_HASH_AT + 8;
const CHECKSUM_AT: usize = PREV_OFFSET_AT + 8;
const _: () = assert!(CHECKSUM_AT + 4 == METADATA_SIZE);

/// The payload of a tombstone: one zero byte.
pub const TOMBSTONE_PAYLOAD: [u8; 1] = [0x00];

/// CRC-32/IEEE of [`TOMBSTONE_PAYLOAD`].
pub const TOMBSTONE_CHECKSUM: u32 = 0xD202_EF8D;

static ZERO_PAD: [u8; PAYLOAD_ALIGNMENT as usize] = [0; PAYLOAD_ALIGNMENT as usize];

/// The trailer a run of zeros reads as. A zero-filled region could pass
/// for a one-entry chain (prev 0, checksum 0), so it never counts as an
/// entry, and writers refuse to produce it (key hash 0 as the first entry
/// with a payload whose checksum is 0).
pub(crate) const ZERO_TRAILER: EntryMetadata = EntryMetadata::new(0, 0, 0);

/// The smallest unit a disk may lose on its own, for
/// [`torn_lookalike_region`].
pub const SECTOR: u64 = 512;

/// Where the bytes of an entry could have been lost without its checksum
/// noticing: the entry's own bytes (its payload, or a tombstone's zero
/// byte, through its trailer) that lie in the sector holding the start of
/// its trailer, when the trailer crosses into the next sector.
///
/// If that sector is lost (reads as zeros) while the next one survives,
/// the trailer keeps its prev tail and checksum but its key hash loses its
/// low bytes; the payload bytes in the lost sector read as zeros. When all
/// of `region` is zero, an intact entry is indistinguishable from such a
/// damaged one. `entry_start` is the first byte of the payload (or of the
/// tombstone), `meta_at` the first byte of the trailer.
pub fn torn_lookalike_region(entry_start: u64, meta_at: u64) -> Option<Range<u64>> {
    let boundary = (meta_at / SECTOR + 1) * SECTOR;
    (boundary < meta_at + METADATA_SIZE as u64)
        .then(|| entry_start.max(boundary - SECTOR)..boundary)
}

/// Whether the entry whose payload (or tombstone byte) starts at
/// `entry_start` and whose trailer starts at `meta_at` is a torn-sector
/// look-alike (see [`torn_lookalike_region`]) in `data`, the file from
/// offset 0.
#[inline]
pub(crate) fn is_torn_lookalike(data: &[u8], entry_start: u64, meta_at: u64) -> bool {
    // The key hash's low byte is in the region: most entries fail here.
    if data.get(meta_at as usize) != Some(&0) {
        return false;
    }
    torn_lookalike_region(entry_start, meta_at).is_some_and(|r| {
        data.get(r.start as usize..r.end as usize)
            .is_some_and(|b| b.iter().all(|&x| x == 0))
    })
}

/// Number of zero bytes written before a regular payload appended at `offset`
/// so that the payload starts on a [`PAYLOAD_ALIGNMENT`] boundary (0..=63).
#[inline]
pub const fn pad_len(offset: u64) -> u64 {
    (PAYLOAD_ALIGNMENT - offset % PAYLOAD_ALIGNMENT) % PAYLOAD_ALIGNMENT
}

/// The 20-byte trailer stored after each payload.
///
/// `checksum` is the CRC-32/IEEE of the payload, as the number it encodes
/// (the file holds it little-endian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EntryMetadata {
    /// xxh3-64 (seed 0) of the key, or a caller-supplied precomputed hash.
    pub key_hash: u64,
    /// Tail of the file before this entry was appended (0 for the first).
    pub prev_offset: u64,
    /// CRC-32/IEEE of the payload.
    pub checksum: u32,
}

impl EntryMetadata {
    /// Builds a trailer from its three fields.
    pub const fn new(key_hash: u64, prev_offset: u64, checksum: u32) -> Self {
        Self {
            key_hash,
            prev_offset,
            checksum,
        }
    }

    /// Encodes the trailer as the 20 bytes stored on disk.
    pub fn serialize(&self) -> [u8; METADATA_SIZE] {
        let mut out = [0u8; METADATA_SIZE];
        out[KEY_HASH_AT..PREV_OFFSET_AT].copy_from_slice(&self.key_hash.to_le_bytes());
        out[PREV_OFFSET_AT..CHECKSUM_AT].copy_from_slice(&self.prev_offset.to_le_bytes());
        out[CHECKSUM_AT..].copy_from_slice(&self.checksum.to_le_bytes());
        out
    }

    /// Decodes the 20 bytes of a trailer.
    pub fn deserialize(bytes: &[u8; METADATA_SIZE]) -> Self {
        Self {
            key_hash: u64_at(bytes, KEY_HASH_AT),
            prev_offset: u64_at(bytes, PREV_OFFSET_AT),
            checksum: u32::from_le_bytes([
                bytes[CHECKSUM_AT],
                bytes[CHECKSUM_AT + 1],
                bytes[CHECKSUM_AT + 2],
                bytes[CHECKSUM_AT + 3],
            ]),
        }
    }

    /// Decodes a trailer from the start of `bytes`; `None` if it is shorter
    /// than [`METADATA_SIZE`].
    #[inline]
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        let head: &[u8; METADATA_SIZE] = bytes.get(..METADATA_SIZE)?.try_into().ok()?;
        Some(Self::deserialize(head))
    }

    /// The checksum as the four bytes stored on disk.
    pub fn raw_checksum(&self) -> [u8; 4] {
        self.checksum.to_le_bytes()
    }
}

fn u64_at(bytes: &[u8; METADATA_SIZE], at: usize) -> u64 {
    let mut v = [0u8; 8];
    v.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(v)
}

/// Why a payload cannot be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PayloadError {
    Empty,
    LoneZero,
}

impl PayloadError {
    pub(crate) fn message(self) -> &'static str {
        match self {
            PayloadError::Empty => "payload is empty",
            PayloadError::LoneZero => {
                "payload is the single byte 0x00, which the format reserves for deletion markers"
            }
        }
    }
}

/// Checks the write-side rule that keeps the tombstone rule unambiguous.
#[inline]
pub(crate) fn check_payload(payload: &[u8]) -> Result<(), PayloadError> {
    match payload {
        [] => Err(PayloadError::Empty),
        [0] => Err(PayloadError::LoneZero),
        _ => Ok(()),
    }
}

/// Where an entry sits, derived from its trailer position and prev tail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Located {
    /// First byte of the payload.
    pub start: u64,
    /// One past the payload's last byte; the trailer starts here.
    pub end: u64,
    /// The entry is a deletion marker.
    pub tombstone: bool,
}

impl Located {
    pub(crate) fn range(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    /// Tail of the file just after this entry.
    pub(crate) fn tail(&self) -> u64 {
        self.end + METADATA_SIZE as u64
    }
}

/// Why bytes do not form a well-formed entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Malformed {
    /// Fewer than 21 bytes before the candidate tail.
    TooShort,
    /// The prev tail does not point strictly backward.
    NotBackward,
    /// The aligned payload start is at or past the trailer.
    EmptyPayload,
    /// Pre-pad bytes are not zero.
    DirtyPad,
    /// A lone zero byte behind pre-pad: no writer produces that.
    PaddedZero,
    /// A deletion marker whose checksum is not CRC-32 of `[0x00]`.
    TombstoneChecksum,
    /// A trailer of twenty zero bytes: what zeros look like, never written.
    ZeroTrailer,
}

impl Malformed {
    pub(crate) fn message(self) -> &'static str {
        match self {
            Malformed::TooShort => "too few bytes for an entry",
            Malformed::NotBackward => "previous-tail offset does not point backward",
            Malformed::EmptyPayload => "payload region is empty",
            Malformed::DirtyPad => "alignment padding is not zero",
            Malformed::PaddedZero => "padded single zero byte",
            Malformed::TombstoneChecksum => "deletion marker has a wrong checksum",
            Malformed::ZeroTrailer => "trailer is all zeros",
        }
    }
}

/// Decodes and checks the entry whose trailer ends at `tail` in `data` (a
/// view of the file from offset 0). Checks structure only, not the payload
/// checksum (except for tombstones, whose checksum is a constant).
pub(crate) fn entry_ending_at(
    data: &[u8],
    tail: u64,
) -> Result<(EntryMetadata, Located), Malformed> {
    if tail < METADATA_SIZE as u64 + 1 || tail > data.len() as u64 {
        return Err(Malformed::TooShort);
    }
    let m = tail - METADATA_SIZE as u64;
    let meta = EntryMetadata::from_slice(&data[m as usize..]).ok_or(Malformed::TooShort)?;
    if meta == ZERO_TRAILER {
        return Err(Malformed::ZeroTrailer);
    }
    let loc = locate(m, meta.prev_offset, |at| data[at as usize])?;
    if loc.tombstone {
        if meta.checksum != TOMBSTONE_CHECKSUM {
            return Err(Malformed::TombstoneChecksum);
        }
    } else {
        let pad = &data[meta.prev_offset as usize..loc.start as usize];
        if pad != &ZERO_PAD[..pad.len()] {
            return Err(Malformed::DirtyPad);
        }
    }
    Ok((meta, loc))
}

/// Applies the tombstone rule: where is the payload of the entry whose
/// trailer starts at `meta_at`, given its prev tail? `byte_at` reads one byte
/// of the file (called only for offsets below `meta_at`).
#[inline]
pub(crate) fn locate(
    meta_at: u64,
    prev: u64,
    byte_at: impl Fn(u64) -> u8,
) -> Result<Located, Malformed> {
    if prev >= meta_at {
        return Err(Malformed::NotBackward);
    }
    if meta_at - prev == 1 && byte_at(prev) == 0 {
        return Ok(Located {
            start: prev,
            end: meta_at,
            tombstone: true,
        });
    }
    let start = prev + pad_len(prev);
    if start >= meta_at {
        return Err(Malformed::EmptyPayload);
    }
    if meta_at - start == 1 && byte_at(start) == 0 {
        return Err(Malformed::PaddedZero);
    }
    Ok(Located {
        start,
        end: meta_at,
        tombstone: false,
    })
}

/// Appends one regular entry at file offset `tail` to `out` (pre-pad,
/// payload, trailer) and returns its location. The payload must already
/// have passed [`check_payload`]; `checksum` is its CRC-32.
pub(crate) fn encode_entry(
    out: &mut Vec<u8>,
    tail: u64,
    key_hash: u64,
    payload: &[u8],
    checksum: u32,
) -> Located {
    let pad = pad_len(tail) as usize;
    out.resize(out.len() + pad, 0);
    out.extend_from_slice(payload);
    let meta = EntryMetadata::new(key_hash, tail, checksum);
    out.extend_from_slice(&meta.serialize());
    let start = tail + pad as u64;
    Located {
        start,
        end: start + payload.len() as u64,
        tombstone: false,
    }
}

/// Appends one tombstone for `key_hash` at file offset `tail` to `out`.
pub(crate) fn encode_tombstone(out: &mut Vec<u8>, tail: u64, key_hash: u64) -> Located {
    out.push(0);
    let meta = EntryMetadata::new(key_hash, tail, TOMBSTONE_CHECKSUM);
    out.extend_from_slice(&meta.serialize());
    Located {
        start: tail,
        end: tail + 1,
        tombstone: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pad_len_aligns_every_offset_to_sixty_four() {
        for t in 0..300u64 {
            let p = pad_len(t);
            assert!(p < 64);
            assert_eq!((t + p) % 64, 0);
        }
    }

    #[test]
    fn metadata_round_trips_through_twenty_little_endian_bytes() {
        let m = EntryMetadata::new(0x0102_0304_0506_0708, 0x1122_3344_5566_7788, 0xAABB_CCDD);
        let b = m.serialize();
        assert_eq!(b[0], 0x08);
        assert_eq!(b[8], 0x88);
        assert_eq!(&b[16..], &[0xDD, 0xCC, 0xBB, 0xAA]);
        assert_eq!(EntryMetadata::deserialize(&b), m);
        assert_eq!(EntryMetadata::from_slice(&b[..19]), None);
    }

    #[test]
    fn tombstone_checksum_is_crc_of_a_zero_byte() {
        assert_eq!(crc32fast::hash(&TOMBSTONE_PAYLOAD), TOMBSTONE_CHECKSUM);
    }

    #[test]
    fn empty_and_lone_zero_payloads_are_rejected_but_zero_runs_are_not() {
        assert_eq!(check_payload(b""), Err(PayloadError::Empty));
        assert_eq!(check_payload(&[0]), Err(PayloadError::LoneZero));
        assert_eq!(check_payload(&[0, 0]), Ok(()));
        assert_eq!(check_payload(&[1]), Ok(()));
    }

    #[test]
    fn encoded_entries_locate_back_to_their_payload() {
        let mut file = Vec::new();
        let a = encode_entry(&mut file, 0, 1, b"hello", crc32fast::hash(b"hello"));
        let t1 = file.len() as u64;
        let b = encode_tombstone(&mut file, t1, 1);
        let t2 = file.len() as u64;
        let c = encode_entry(&mut file, t2, 2, &[0, 0, 0], crc32fast::hash(&[0, 0, 0]));
        let t3 = file.len() as u64;
        assert_eq!(entry_ending_at(&file, t1).unwrap().1, a);
        assert_eq!(entry_ending_at(&file, t2).unwrap().1, b);
        assert_eq!(entry_ending_at(&file, t3).unwrap().1, c);
        assert!(b.tombstone && !c.tombstone);
        assert_eq!(c.start % 64, 0);
    }

    #[test]
    fn a_trailer_across_a_sector_boundary_exposes_the_entry_bytes_before_it() {
        // Trailer at 500..520 crosses 512: the entry's bytes in 0..512.
        assert_eq!(torn_lookalike_region(448, 500), Some(448..512));
        assert_eq!(torn_lookalike_region(0, 500), Some(0..512));
        assert_eq!(torn_lookalike_region(1000, 1020), Some(1000..1024));
        assert_eq!(torn_lookalike_region(1000, 1030), None);
        // Trailer wholly inside one sector, or starting on a boundary.
        assert_eq!(torn_lookalike_region(0, 400), None);
        assert_eq!(torn_lookalike_region(0, 492), None);
        assert_eq!(torn_lookalike_region(0, 512), None);
        assert_eq!(torn_lookalike_region(0, 493), Some(0..512));
        assert_eq!(torn_lookalike_region(0, 511), Some(0..512));
    }

    #[test]
    fn only_an_all_zero_exposed_region_is_a_torn_lookalike() {
        let mut file = vec![0u8; 600];
        // Payload 448..506 (zeros), trailer 506..526: the key hash's six
        // low bytes (zero) lie before offset 512, its prev tail after.
        file[512] = 0x77;
        file[514..522].copy_from_slice(&448u64.to_le_bytes());
        assert!(is_torn_lookalike(&file, 448, 506));
        file[506] = 1;
        assert!(!is_torn_lookalike(&file, 448, 506));
        file[506] = 0;
        file[470] = 9;
        assert!(!is_torn_lookalike(&file, 448, 506));
        // Bytes of earlier entries in the sector do not matter.
        file[470] = 0;
        file[10] = 9;
        assert!(is_torn_lookalike(&file, 448, 506));
        assert!(!is_torn_lookalike(&file, 0, 400));
    }

    #[test]
    fn a_trailer_of_zeros_is_not_an_entry() {
        let file = vec![0u8; 200];
        assert_eq!(entry_ending_at(&file, 200), Err(Malformed::ZeroTrailer));
        assert_eq!(entry_ending_at(&file, 21), Err(Malformed::ZeroTrailer));
    }

    #[test]
    fn malformed_trailers_are_named() {
        let mut file = vec![0u8; 64];
        // prev tail pointing forward
        file.extend_from_slice(&EntryMetadata::new(1, 100, 0).serialize());
        assert_eq!(
            entry_ending_at(&file, file.len() as u64),
            Err(Malformed::NotBackward)
        );
        assert_eq!(entry_ending_at(&file, 10), Err(Malformed::TooShort));
        // dirty pre-pad: prev 1, payload would start at 64
        let mut file = vec![7u8; 70];
        file.extend_from_slice(&EntryMetadata::new(1, 1, 0).serialize());
        assert_eq!(
            entry_ending_at(&file, file.len() as u64),
            Err(Malformed::DirtyPad)
        );
        // a lone zero byte after a pre-pad: a deletion marker is never
        // padded, and no value is a lone zero byte
        let mut file = Vec::new();
        encode_entry(&mut file, 0, 1, b"hello", crc32fast::hash(b"hello"));
        let prev = file.len() as u64;
        file.resize(64, 0);
        file.push(0);
        file.extend_from_slice(&EntryMetadata::new(2, prev, TOMBSTONE_CHECKSUM).serialize());
        assert_eq!(
            entry_ending_at(&file, file.len() as u64),
            Err(Malformed::PaddedZero)
        );
        // tombstone with a wrong checksum
        let mut file = vec![0u8];
        file.extend_from_slice(&EntryMetadata::new(1, 0, 5).serialize());
        assert_eq!(
            entry_ending_at(&file, file.len() as u64),
            Err(Malformed::TombstoneChecksum)
        );
    }
}
