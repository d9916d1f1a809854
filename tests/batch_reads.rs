//! Batch reads return, for each key in order, what a single read returns —
//! for batches far longer than their lookahead, with absent, deleted and
//! repeated keys — and stay right when the file is remapped or replaced
//! while they run (a callback that writes and compacts).

mod common;

use common::{Rng, TempDir};
use rdrive::{Store, compute_hash};

/// The value of key `k` at version `v`: names both, so a value returned for
/// the wrong key or version is seen.
fn value(k: u32, v: u32, len: usize) -> Vec<u8> {
    let mut out = format!("key {k} version {v} ").into_bytes();
    out.resize(len.max(out.len()), (k % 251) as u8);
    out
}

#[test]
fn every_batch_read_agrees_with_single_reads_in_order() {
    let dir = TempDir::new("batch-model");
    let s = Store::open(dir.file("b.rdrive")).unwrap();
    let mut rng = Rng::new(7);
    for k in 0..300u32 {
        s.write(&k.to_le_bytes(), &value(k, 0, (k as usize * 37) % 700))
            .unwrap();
    }
    for k in (0..300u32).step_by(3) {
        s.write(&k.to_le_bytes(), &value(k, 1, 50)).unwrap();
    }
    for k in (0..300u32).step_by(7) {
        s.delete(&k.to_le_bytes()).unwrap();
    }
    for round in 0..20 {
        // Keys present, deleted and never written, some repeated.
        let n = [0, 1, 5, 8, 9, 16, 17, 33, 200][round % 9];
        let keys: Vec<[u8; 4]> = (0..n)
            .map(|_| (rng.below(400) as u32).to_le_bytes())
            .collect();
        let keys: Vec<&[u8]> = keys.iter().map(|k| &k[..]).collect();
        let hashes: Vec<u64> = keys.iter().map(|k| compute_hash(k)).collect();
        let single: Vec<Option<Vec<u8>>> = keys
            .iter()
            .map(|k| s.read(k).unwrap().map(|e| e.as_slice().to_vec()))
            .collect();
        let present = single.iter().filter(|v| v.is_some()).count();
        let as_bytes = |v: Vec<Option<rdrive::EntryHandle>>| -> Vec<Option<Vec<u8>>> {
            v.into_iter()
                .map(|e| e.map(|e| e.as_slice().to_vec()))
                .collect()
        };
        assert_eq!(as_bytes(s.batch_read(&keys).unwrap()), single, "{n} keys");
        assert_eq!(as_bytes(s.batch_read_hashed_keys(&hashes).unwrap()), single);
        let mut peeked = vec![None; n];
        let mut order = Vec::new();
        let found = s
            .batch_peek_with_key_hashes(&hashes, |i, v| {
                order.push(i);
                peeked[i] = v.map(<[u8]>::to_vec);
            })
            .unwrap();
        assert_eq!(found, present);
        assert_eq!(order, (0..n).collect::<Vec<_>>());
        assert_eq!(peeked, single);
        let mut handed = vec![None; n];
        let found = s
            .batch_read_hashed_keys_with(&hashes, |i, e| {
                handed[i] = e.map(|e| e.as_slice().to_vec());
            })
            .unwrap();
        assert_eq!(found, present);
        assert_eq!(handed, single);
    }
}

#[test]
fn a_batch_read_stays_right_when_its_callback_writes_remaps_and_compacts_the_file() {
    let dir = TempDir::new("batch-remap");
    let s = Store::open(dir.file("b.rdrive")).unwrap();
    const N: u32 = 64;
    for k in 0..N {
        s.write(&k.to_le_bytes(), &value(k, 1, 100)).unwrap();
    }
    let keys: Vec<u64> = (0..N).map(|k| compute_hash(&k.to_le_bytes())).collect();
    let mut seen: Vec<Option<Vec<u8>>> = vec![None; N as usize];
    let found = s
        .batch_peek_with_key_hashes(&keys, |i, v| {
            seen[i] = v.map(<[u8]>::to_vec);
            if i == 0 {
                // Larger than the mapping reserved so far: the file is
                // mapped anew; then every key after the first few gets a
                // new version in the new mapping.
                s.write(b"big", &vec![0xB1; 4 << 20]).unwrap();
                for k in 10..N {
                    s.write(&k.to_le_bytes(), &value(k, 2, 100)).unwrap();
                }
                // And a new file: lookups made before this point name
                // offsets in the old one.
                s.compact().unwrap();
            }
        })
        .unwrap();
    assert_eq!(found, N as usize);
    for k in 0..N {
        let got = seen[k as usize].as_deref().expect("every key is present");
        // Each key's own value, at some moment during the call; the keys
        // rewritten before the batch reached them, at their new version.
        if k >= 20 {
            assert_eq!(got, value(k, 2, 100).as_slice(), "key {k}");
        } else {
            assert!(
                got == value(k, 1, 100).as_slice() || got == value(k, 2, 100).as_slice(),
                "key {k}: {:?}",
                String::from_utf8_lossy(&got[..20])
            );
        }
    }
}
