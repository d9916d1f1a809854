//! Randomized operation sequences checked against a HashMap, with reopens
//! (and crash-style reopens) in the middle.

mod common;

use std::collections::HashMap;

use common::{Rng, TempDir, as_pairs, noise};
use rdrive::Store;

fn payload(rng: &mut Rng) -> Vec<u8> {
    let n = match rng.below(10) {
        0 => 1,
        1..=5 => 1 + rng.below(80) as usize,
        6..=8 => 60 + rng.below(200) as usize,
        _ => 1 + rng.below(20_000) as usize,
    };
    let mut v = if rng.below(8) == 0 {
        vec![0u8; n]
    } else {
        noise(rng.next(), n)
    };
    if v == [0] {
        v[0] = 1;
    }
    v
}

fn verify(store: &Store, model: &HashMap<Vec<u8>, Vec<u8>>, keys: u64) {
    assert_eq!(store.len(), model.len());
    for k in 0..keys {
        let key = format!("key{k}").into_bytes();
        let got = store.read(&key).unwrap();
        assert_eq!(
            got.as_deref(),
            model.get(&key).map(|v| v.as_slice()),
            "key{k}"
        );
        assert_eq!(store.exists(&key).unwrap(), model.contains_key(&key));
    }
    let mut listed: Vec<Vec<u8>> = store.iter_entries().map(|e| e.to_vec()).collect();
    let mut expect: Vec<Vec<u8>> = model.values().cloned().collect();
    listed.sort();
    expect.sort();
    assert_eq!(listed, expect);
}

fn run(seed: u64, steps: usize, cache_min_keys: usize) {
    const KEYS: u64 = 40;
    let dir = TempDir::new("model");
    let path = dir.file("m.rdrive");
    let mut rng = Rng::new(seed);
    let mut model: HashMap<Vec<u8>, Vec<u8>> = HashMap::new();
    let mut options = rdrive::OpenOptions::new();
    options.index_cache_min_keys(cache_min_keys);
    let open = |p: &std::path::Path| options.open(p).unwrap();
    let mut store = open(&path);
    let key = |rng: &mut Rng| format!("key{}", rng.below(KEYS)).into_bytes();
    for step in 0..steps {
        match rng.below(100) {
            0..=44 => {
                let (k, v) = (key(&mut rng), payload(&mut rng));
                store.write(&k, &v).unwrap();
                model.insert(k, v);
            }
            45..=59 => {
                let k = key(&mut rng);
                assert_eq!(store.delete(&k).unwrap(), model.remove(&k).is_some());
            }
            60..=69 => {
                let items: Vec<(Vec<u8>, Vec<u8>)> = (0..rng.below(6))
                    .map(|_| (key(&mut rng), payload(&mut rng)))
                    .collect();
                let refs = as_pairs(&items);
                store.batch_write(&refs).unwrap();
                model.extend(items);
            }
            70..=74 => {
                let keys: Vec<Vec<u8>> = (0..rng.below(5)).map(|_| key(&mut rng)).collect();
                let refs: Vec<&[u8]> = keys.iter().map(|k| k.as_slice()).collect();
                let mut expect = 0;
                for k in &keys {
                    if model.remove(k).is_some() {
                        expect += 1;
                    }
                }
                assert_eq!(store.batch_delete(&refs).unwrap(), expect);
            }
            75..=81 => {
                let (a, b) = (key(&mut rng), key(&mut rng));
                if a == b {
                    assert!(store.rename(&a, &b).is_err());
                } else {
                    let moved = store.rename(&a, &b).unwrap();
                    assert_eq!(moved, model.contains_key(&a));
                    if let Some(v) = model.remove(&a) {
                        model.insert(b, v);
                    }
                }
            }
            82..=87 => {
                let (k, v) = (key(&mut rng), payload(&mut rng));
                store.write_stream(&k, &mut v.as_slice()).unwrap();
                model.insert(k, v);
            }
            88..=90 => {
                store.compact().unwrap();
            }
            91..=94 => {
                drop(store);
                store = open(&path);
                assert_eq!(store.recovered_bytes(), 0);
                assert_eq!(store.index_cache_used(), cache_min_keys == 0);
            }
            95..=96 => {
                // A crash after a torn append: garbage past the end.
                drop(store);
                let mut f = std::fs::OpenOptions::new()
                    .append(true)
                    .open(&path)
                    .unwrap();
                std::io::Write::write_all(&mut f, &noise(rng.next(), rng.below(500) as usize + 1))
                    .unwrap();
                drop(f);
                store = open(&path);
                assert!(store.recovered_bytes() > 0);
            }
            _ => {
                let last = store.read_last_entry().unwrap();
                assert_eq!(last.is_some(), !model.is_empty(), "step {step}");
                if let Some(e) = last {
                    assert!(model.values().any(|v| v.as_slice() == e.as_slice()));
                }
            }
        }
        if step.is_multiple_of(50) {
            verify(&store, &model, KEYS);
        }
    }
    verify(&store, &model, KEYS);
    drop(store);
    let store = Store::open_read_only(&path).unwrap();
    verify(&store, &model, KEYS);
}

#[test]
fn random_operation_sequences_match_a_hashmap_across_reopens() {
    for seed in [1u64, 2, 3, 0xDEAD_BEEF, 42] {
        run(seed, 600, usize::MAX);
    }
}

#[test]
fn the_same_holds_when_every_reopen_loads_the_index_cache() {
    for seed in [7u64, 8, 9, 0xC0FFEE] {
        run(seed, 600, 0);
    }
}
