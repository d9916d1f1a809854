//! Files are interchangeable with simd-r-drive 0.17.5-alpha, both ways.

mod common;

use std::collections::HashMap;

use common::{TempDir, as_pairs, noise};
use simd_r_drive::DataStore;
use simd_r_drive::traits::{DataStoreReader, DataStoreWriter};

enum Op {
    Write(Vec<u8>, Vec<u8>),
    Stream(Vec<u8>, Vec<u8>),
    Batch(Vec<(Vec<u8>, Vec<u8>)>),
    Delete(Vec<u8>),
    Rename(Vec<u8>, Vec<u8>),
}

fn key(i: usize) -> Vec<u8> {
    format!("key-{i:04}").into_bytes()
}

/// Sizes around the alignment boundaries, overwrites, deletes (also of an
/// absent key), a batch with a repeated key, a 1 MiB stream, a rename and a
/// multi-byte all-zero value.
fn operations() -> Vec<Op> {
    let mut ops = Vec::new();
    let sizes = [
        1usize, 2, 20, 43, 44, 45, 63, 64, 65, 127, 128, 129, 4095, 4096, 4097,
    ];
    for (i, &n) in sizes.iter().enumerate() {
        let mut v = noise(i as u64 + 1, n);
        if n == 1 {
            v[0] = 0x41;
        }
        ops.push(Op::Write(key(i), v));
    }
    ops.push(Op::Stream(b"stream".to_vec(), noise(99, 1 << 20)));
    ops.push(Op::Write(key(3), b"overwritten".to_vec()));
    ops.push(Op::Delete(key(5)));
    ops.push(Op::Delete(b"never-written".to_vec()));
    ops.push(Op::Batch(vec![
        (key(100), noise(100, 10)),
        (key(101), noise(101, 64)),
        (key(100), noise(102, 70)),
        (key(7), noise(103, 3)),
    ]));
    ops.push(Op::Write(b"zeros".to_vec(), vec![0u8; 100]));
    ops.push(Op::Rename(key(8), b"renamed".to_vec()));
    ops.push(Op::Delete(key(0)));
    ops.push(Op::Write(key(0), b"back again".to_vec()));
    ops
}

/// What every key should read as after `operations()`.
fn model() -> HashMap<Vec<u8>, Vec<u8>> {
    let mut m = HashMap::new();
    for op in operations() {
        match op {
            Op::Write(k, v) | Op::Stream(k, v) => {
                m.insert(k, v);
            }
            Op::Batch(items) => {
                for (k, v) in items {
                    m.insert(k, v);
                }
            }
            Op::Delete(k) => {
                m.remove(&k);
            }
            Op::Rename(a, b) => {
                let v = m.remove(&a).unwrap();
                m.insert(b, v);
            }
        }
    }
    m
}

fn apply_simd(path: &std::path::Path) {
    let s = DataStore::open(path).unwrap();
    for op in operations() {
        match op {
            Op::Write(k, v) => {
                s.write(&k, &v).unwrap();
            }
            Op::Stream(k, v) => {
                s.write_stream(&k, &mut v.as_slice()).unwrap();
            }
            Op::Batch(items) => {
                let refs = as_pairs(&items);
                s.batch_write(&refs).unwrap();
            }
            Op::Delete(k) => {
                s.delete(&k).unwrap();
            }
            Op::Rename(a, b) => {
                s.rename(&a, &b).unwrap();
            }
        }
    }
}

fn apply_rdrive(path: &std::path::Path) {
    let s = rdrive::Store::open(path).unwrap();
    for op in operations() {
        match op {
            Op::Write(k, v) => {
                s.write(&k, &v).unwrap();
            }
            Op::Stream(k, v) => {
                s.write_stream(&k, &mut v.as_slice()).unwrap();
            }
            Op::Batch(items) => {
                let refs = as_pairs(&items);
                s.batch_write(&refs).unwrap();
            }
            Op::Delete(k) => {
                s.delete(&k).unwrap();
            }
            Op::Rename(a, b) => {
                assert!(s.rename(&a, &b).unwrap());
            }
        }
    }
    s.close().unwrap();
}

fn all_keys() -> Vec<Vec<u8>> {
    let mut keys: Vec<Vec<u8>> = (0..16).map(key).collect();
    keys.extend([key(100), key(101), b"stream".to_vec(), b"zeros".to_vec()]);
    keys.extend([b"renamed".to_vec(), b"never-written".to_vec()]);
    keys
}

#[test]
fn a_store_written_by_simd_r_drive_opens_with_every_value_equal() {
    let dir = TempDir::new("compat-a");
    let path = dir.file("simd.bin");
    apply_simd(&path);
    let expect = model();
    let store = rdrive::Store::open_read_only(&path).unwrap();
    assert_eq!(store.recovered_bytes(), 0);
    assert_eq!(store.len(), expect.len());
    let mut checked = 0;
    for k in all_keys() {
        let got = store.read(&k).unwrap();
        match expect.get(&k) {
            Some(v) => {
                assert_eq!(got.unwrap().as_slice(), v.as_slice(), "{k:?}");
                checked += 1;
            }
            None => assert!(got.is_none(), "{k:?} should be absent"),
        }
    }
    assert_eq!(checked, expect.len());
    // A read-write open finds the same and leaves the bytes alone.
    let before = std::fs::read(&path).unwrap();
    let rw = rdrive::Store::open(&path).unwrap();
    assert_eq!(rw.len(), expect.len());
    drop(rw);
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn the_same_operations_through_rdrive_produce_a_byte_identical_file() {
    let dir = TempDir::new("compat-b");
    let theirs = dir.file("simd.bin");
    let ours = dir.file("rdrive.bin");
    apply_simd(&theirs);
    apply_rdrive(&ours);
    let a = std::fs::read(&theirs).unwrap();
    let b = std::fs::read(&ours).unwrap();
    assert_eq!(a.len(), b.len());
    assert!(a == b, "files differ");
}

#[test]
fn simd_r_drive_reads_a_store_written_by_rdrive() {
    let dir = TempDir::new("compat-c");
    let path = dir.file("rdrive.bin");
    apply_rdrive(&path);
    let expect = model();
    let theirs = DataStore::open(&path).unwrap();
    for k in all_keys() {
        let got = theirs.read(&k).unwrap();
        match expect.get(&k) {
            Some(v) => assert_eq!(got.unwrap().as_slice(), v.as_slice(), "{k:?}"),
            None => assert!(got.is_none(), "{k:?} should be absent"),
        }
    }
}
