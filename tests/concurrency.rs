//! Many readers, one writer: readers verify every value they see while a
//! writer appends, deletes and compacts. Zero wrong reads.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use common::{Rng, TempDir, as_pairs};
use rdrive::Store;

const KEYS: u32 = 200;

/// Value for version `v` of key `k`: self-describing so readers can check it.
fn value(k: u32, v: u32) -> Vec<u8> {
    let len = 8 + ((k * 7 + v * 13) % 300) as usize;
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(&k.to_le_bytes());
    out.extend_from_slice(&v.to_le_bytes());
    while out.len() < len {
        out.push((k ^ v ^ out.len() as u32) as u8);
    }
    out
}

fn check(k: u32, bytes: &[u8]) -> Option<u32> {
    if bytes.len() < 8 || bytes[..4] != k.to_le_bytes() {
        return None;
    }
    let v = u32::from_le_bytes(bytes[4..8].try_into().unwrap());
    (value(k, v) == bytes).then_some(v)
}

#[test]
fn readers_see_only_correct_values_while_a_writer_appends_and_compacts() {
    let dir = TempDir::new("conc");
    let store = Arc::new(Store::open(dir.file("c.rdrive")).unwrap());
    for k in 0..KEYS {
        store.write(&k.to_le_bytes(), &value(k, 0)).unwrap();
    }
    let done = Arc::new(AtomicBool::new(false));
    let wrong = Arc::new(AtomicU64::new(0));
    let reads = Arc::new(AtomicU64::new(0));
    let readers: Vec<_> = (0..3)
        .map(|t| {
            let (store, done, wrong, reads) =
                (store.clone(), done.clone(), wrong.clone(), reads.clone());
            std::thread::spawn(move || {
                let mut last = vec![0u32; KEYS as usize];
                let mut held = Vec::new();
                let mut rng = Rng::new(0x1234_5678u64 + t);
                while !done.load(Ordering::Acquire) {
                    let x = rng.next();
                    let k = (x % u64::from(KEYS)) as u32;
                    if let Some(e) = store.read(&k.to_le_bytes()).unwrap() {
                        match check(k, &e) {
                            // Versions of one key never go backwards.
                            Some(v) if v >= last[k as usize] => last[k as usize] = v,
                            _ => {
                                wrong.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        if x.is_multiple_of(64) {
                            held.push((k, e));
                        }
                    }
                    if x.is_multiple_of(512) {
                        for e in store.iter_entries() {
                            let k = u32::from_le_bytes(e[..4].try_into().unwrap());
                            if check(k, &e).is_none() {
                                wrong.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                    reads.fetch_add(1, Ordering::Relaxed);
                }
                // Handles taken during the run still hold correct bytes.
                for (k, e) in held {
                    if check(k, &e).is_none() {
                        wrong.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();

    let mut version = vec![0u32; KEYS as usize];
    for round in 1..=6_000u32 {
        let k = (round * 7919) % KEYS;
        version[k as usize] = round;
        if round.is_multiple_of(97) {
            store.delete(&k.to_le_bytes()).unwrap();
        } else if round.is_multiple_of(10) {
            let items: Vec<(Vec<u8>, Vec<u8>)> = (0..5)
                .map(|j| {
                    let k2 = (k + j) % KEYS;
                    version[k2 as usize] = round;
                    (k2.to_le_bytes().to_vec(), value(k2, round))
                })
                .collect();
            let refs = as_pairs(&items);
            store.batch_write(&refs).unwrap();
        } else {
            store.write(&k.to_le_bytes(), &value(k, round)).unwrap();
        }
        if round.is_multiple_of(1500) {
            store.compact().unwrap();
        }
    }
    done.store(true, Ordering::Release);
    for r in readers {
        r.join().unwrap();
    }
    assert_eq!(wrong.load(Ordering::Relaxed), 0, "wrong reads");
    assert!(reads.load(Ordering::Relaxed) > 1000);
    for e in store.iter_entries() {
        let k = u32::from_le_bytes(e[..4].try_into().unwrap());
        assert_eq!(check(k, &e), Some(version[k as usize]));
    }
}

#[test]
fn threads_writing_through_one_handle_wait_for_each_other_and_all_succeed() {
    // A write waits while another thread holds the writer: only a call
    // made from inside a write of the same thread is refused.
    let dir = TempDir::new("conc-writers");
    let s = Arc::new(Store::open(dir.file("w.rdrive")).unwrap());
    let threads: Vec<_> = (0..4u32)
        .map(|t| {
            let s = Arc::clone(&s);
            std::thread::spawn(move || {
                for i in 0..500u32 {
                    s.write(&(t * 1000 + i).to_le_bytes(), &value(t, i))
                        .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(s.len(), 2000);
}

#[test]
fn store_and_handles_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Store>();
    assert_send_sync::<rdrive::EntryHandle>();
    assert_send_sync::<rdrive::EntryIter>();
}

/// A self-describing value whose length grows with `k` now and then.
fn grown_value(k: u32) -> Vec<u8> {
    let len = if k.is_multiple_of(10) {
        1 << 20
    } else {
        64 + (k as usize * 997) % 4000
    };
    let mut out = k.to_le_bytes().to_vec();
    while out.len() < len {
        out.push((k ^ out.len() as u32) as u8);
    }
    out
}

#[test]
fn readers_never_see_a_spurious_corrupt_error_while_the_mapping_keeps_growing() {
    // The writer appends values, some large (the mapping is replaced as
    // the file grows), and publishes the newest key; readers read it at
    // once, from states that may be several mappings old.
    let dir = TempDir::new("conc-grow");
    let store = Arc::new(Store::open(dir.file("g.rdrive")).unwrap());
    let newest = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (store, newest, done) = (store.clone(), newest.clone(), done.clone());
            std::thread::spawn(move || {
                let mut reads = 0u64;
                while !done.load(Ordering::Acquire) {
                    let k = newest.load(Ordering::Acquire) as u32;
                    if k == 0 {
                        continue;
                    }
                    let e = store
                        .read(&k.to_le_bytes())
                        .expect("no error while the file grows")
                        .expect("a published key is readable");
                    assert_eq!(e.as_slice(), grown_value(k).as_slice());
                    reads += 1;
                }
                reads
            })
        })
        .collect();
    for k in 1..=400u32 {
        store.write(&k.to_le_bytes(), &grown_value(k)).unwrap();
        newest.store(u64::from(k), Ordering::Release);
    }
    done.store(true, Ordering::Release);
    let reads: u64 = readers.into_iter().map(|r| r.join().unwrap()).sum();
    assert!(reads > 0);
}
