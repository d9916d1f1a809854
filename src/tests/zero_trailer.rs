//! The one trailer a run of zeros also reads as — key hash 0, previous
//! tail 0, checksum 0 — is refused on every write path, and the refusal
//! leaves the file as it was. Stored, it would read back as padding: an
//! open would take the store's first entry, and everything after it, for a
//! torn end.

use super::scratch;
use crate::{Error, Store};

/// `prefix` followed by four bytes chosen so that the CRC-32 of the whole
/// is 0. The CRC of the four appended bits is affine in them and the map is
/// a bijection, so Gaussian elimination over GF(2) finds them.
fn with_checksum_zero(prefix: &[u8]) -> Vec<u8> {
    let crc_with = |x: u32| {
        let mut v = prefix.to_vec();
        v.extend_from_slice(&x.to_le_bytes());
        crc32fast::hash(&v)
    };
    let base = crc_with(0);
    // Row i: the change in the CRC when bit i of the suffix is set.
    let mut rows: Vec<(u32, u32)> = (0..32)
        .map(|i| (crc_with(1 << i) ^ base, 1u32 << i))
        .collect();
    // Reduce to a basis keyed by the highest bit of the CRC change.
    let mut basis: Vec<(u32, u32)> = Vec::new();
    for (mut delta, mut bits) in rows.drain(..) {
        for &(d, b) in &basis {
            if delta ^ d < delta {
                delta ^= d;
                bits ^= b;
            }
        }
        assert_ne!(delta, 0, "the suffix map is a bijection");
        basis.push((delta, bits));
        basis.sort_by_key(|&(delta, _)| std::cmp::Reverse(delta));
    }
    let (mut want, mut suffix) = (base, 0u32);
    for &(d, b) in &basis {
        if want ^ d < want {
            want ^= d;
            suffix ^= b;
        }
    }
    assert_eq!(want, 0);
    let mut v = prefix.to_vec();
    v.extend_from_slice(&suffix.to_le_bytes());
    assert_eq!(crc32fast::hash(&v), 0);
    v
}

fn refused<T: std::fmt::Debug>(r: crate::Result<T>) {
    match r {
        Err(Error::InvalidArgument(m)) => assert!(m.contains("checksum is 0"), "{m}"),
        other => panic!("expected the zero trailer to be refused, got {other:?}"),
    }
}

#[test]
fn a_first_entry_under_key_hash_zero_whose_checksum_is_zero_is_refused_on_every_write_path() {
    let _serial = super::serial();
    let dir = scratch("zero-trailer");
    let path = dir.join("s.rdrive");
    let small = with_checksum_zero(b"small value");
    // Larger than a write's copy limit and than a stream's held bytes, so
    // pages are on disk before the checksum is known.
    let large = with_checksum_zero(&vec![0xC3; 700_000]);
    let s = Store::open(&path).unwrap();
    refused(s.write_with_key_hash(0, &small));
    refused(s.write_with_key_hash(0, &large));
    refused(s.batch_write_with_key_hashes(&[(0, &small), (7, b"second")]));
    refused(s.write_stream_with_key_hash(0, &mut small.as_slice()));
    refused(s.write_stream_with_key_hash(0, &mut large.as_slice()));
    // Nothing of the refused writes is left behind, and the handle works.
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
    assert_eq!(s.len(), 0);
    assert_eq!(s.file_size(), 0);
    // Under another key hash the same value is an ordinary first entry;
    // after it, key hash 0 may hold it too (its trailer links to a tail).
    s.write_with_key_hash(1, &small).unwrap();
    s.write_with_key_hash(0, &large).unwrap();
    drop(s);
    let s = Store::open(&path).unwrap();
    assert_eq!(s.recovered_bytes(), 0);
    assert_eq!(s.len(), 2);
    assert_eq!(
        s.read_with_key_hash(1).unwrap().unwrap().as_slice(),
        small.as_slice()
    );
    assert_eq!(
        s.read_with_key_hash(0).unwrap().unwrap().as_slice(),
        large.as_slice()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
