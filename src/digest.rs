//! Key hashing and payload checksums.
//!
//! Keys are identified only by their xxh3-64 hash (seed 0); the key bytes
//! themselves are never stored. Payloads are protected by CRC-32/IEEE (the
//! zlib polynomial), computed with `crc32fast`.

use xxhash_rust::xxh3::xxh3_64;

/// The 64-bit hash that identifies `key` in a store: xxh3-64 with seed 0.
///
/// Two keys with the same hash are the same key to the store. For `n`
/// distinct keys the chance of any collision is about `n² / 2⁶⁵`.
#[inline(always)]
pub fn compute_hash(key: &[u8]) -> u64 {
    // Typical keys are short: their hash inlines into the caller (the
    // length test prunes xxh3's longer paths); longer ones take a call.
    if key.len() <= 16 {
        xxh3_64(key)
    } else {
        hash_longer_key(key)
    }
}

#[inline(never)]
fn hash_longer_key(key: &[u8]) -> u64 {
    xxh3_64(key)
}

/// [`compute_hash`] for each key, in order.
pub fn compute_hash_batch(keys: &[&[u8]]) -> Vec<u64> {
    keys.iter().map(|k| compute_hash(k)).collect()
}

/// CRC-32/IEEE of `payload`, as stored in an entry's trailer.
#[inline]
pub fn compute_checksum(payload: &[u8]) -> u32 {
    crc32fast::hash(payload)
}

/// Builds namespaced keys the way simd-r-drive's `NamespaceHasher` does: the
/// 16 bytes `xxh3(prefix)` LE followed by `xxh3(key)` LE, which are then
/// stored like any other key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NamespaceHasher {
    prefix: u64,
}

impl NamespaceHasher {
    /// A hasher for the namespace named `prefix`.
    pub fn new(prefix: &[u8]) -> Self {
        Self {
            prefix: compute_hash(prefix),
        }
    }

    /// The 16-byte namespaced form of `key`.
    pub fn namespace(&self, key: &[u8]) -> [u8; 16] {
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&self.prefix.to_le_bytes());
        out[8..].copy_from_slice(&compute_hash(key).to_le_bytes());
        out
    }
}

/// Byte-at-a-time CRC-32 table (reflected polynomial 0xEDB88320).
const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

/// Extends a finished CRC-32 value by one byte: for any `a`,
/// `crc_step(compute_checksum(a), b) == compute_checksum(a ++ [b])`.
/// Recovery uses it to get the checksum of many prefixes of one region in a
/// single pass.
#[inline]
pub(crate) fn crc_step(crc: u32, byte: u8) -> u32 {
    let c = !crc;
    !(CRC_TABLE[((c ^ byte as u32) & 0xFF) as usize] ^ (c >> 8))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_hashes_match_the_published_xxh3_vectors() {
        assert_eq!(compute_hash(b""), 0x2d06_8005_38d3_94c2);
        assert_eq!(compute_hash(b"alice"), 0x4da1_0dd6_1a01_16b0);
        assert_eq!(compute_hash(b"key1"), 0x384d_070c_d5d8_29e2);
        assert_eq!(compute_hash(b"a"), 0xe6c6_32b6_1e96_4e1f);
        assert_eq!(
            compute_hash_batch(&[b"a", b"key1"]),
            vec![0xe6c6_32b6_1e96_4e1f, 0x384d_070c_d5d8_29e2]
        );
    }

    #[test]
    fn checksum_of_hello_is_the_zlib_crc() {
        assert_eq!(compute_checksum(b"hello"), 0x3610_a686);
    }

    #[test]
    fn namespaced_key_matches_the_reference_vector() {
        let k = NamespaceHasher::new(b"namespace1").namespace(b"key1");
        let expect = [
            0x7c, 0x06, 0x6c, 0x9d, 0xf2, 0xe6, 0xec, 0xcb, 0xe2, 0x29, 0xd8, 0xd5, 0x0c, 0x07,
            0x4d, 0x38,
        ];
        assert_eq!(k, expect);
    }

    #[test]
    fn crc_step_extends_a_checksum_byte_by_byte() {
        let data: Vec<u8> = (0..300u32).map(|i| (i * 7 + 3) as u8).collect();
        let mut c = compute_checksum(b"");
        for (i, &b) in data.iter().enumerate() {
            c = crc_step(c, b);
            assert_eq!(c, compute_checksum(&data[..=i]));
        }
    }
}
