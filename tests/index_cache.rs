//! The index cache (`<file>.rdrive-index`): used when it matches the file,
//! newer entries replayed on top of it, ignored whenever it is stale or
//! damaged. Values read back are always those of the file.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use common::{TempDir, child_path, run_child, serial};
use rdrive::{OpenOptions, Store};

const KEYS: u32 = 3000;

/// Read-write options with a cache threshold small enough for test stores.
fn opts() -> OpenOptions {
    let mut o = OpenOptions::new();
    o.index_cache_min_keys(1000);
    o
}

fn cache_of(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap().to_os_string();
    name.push(".rdrive-index");
    path.with_file_name(name)
}

fn value(k: u32, version: u32) -> Vec<u8> {
    format!("value of {k} v{version}").into_bytes()
}

/// Writes KEYS keys, overwrites some, deletes some; returns the model.
fn populate(path: &Path) -> HashMap<u32, Vec<u8>> {
    let s = opts().open(path).unwrap();
    let mut model = HashMap::new();
    for k in 0..KEYS {
        s.write(&k.to_le_bytes(), &value(k, 0)).unwrap();
        model.insert(k, value(k, 0));
    }
    for k in (0..KEYS).step_by(7) {
        s.write(&k.to_le_bytes(), &value(k, 1)).unwrap();
        model.insert(k, value(k, 1));
    }
    for k in (0..KEYS).step_by(11) {
        s.delete(&k.to_le_bytes()).unwrap();
        model.remove(&k);
    }
    s.close().unwrap();
    model
}

fn check(s: &Store, model: &HashMap<u32, Vec<u8>>) {
    assert_eq!(s.len(), model.len());
    for k in 0..KEYS + 100 {
        let got = s.read(&k.to_le_bytes()).unwrap();
        assert_eq!(
            got.as_deref(),
            model.get(&k).map(|v| v.as_slice()),
            "key {k}"
        );
    }
}

#[test]
fn a_clean_close_writes_a_cache_that_the_next_open_uses() {
    let _serial = serial();
    let dir = TempDir::new("cache-basic");
    let path = dir.file("c.rdrive");
    let model = populate(&path);
    assert!(cache_of(&path).exists());
    let s = opts().open(&path).unwrap();
    assert!(s.index_cache_used());
    check(&s, &model);
    drop(s);
    let ro = Store::open_read_only(&path).unwrap();
    assert!(ro.index_cache_used());
    check(&ro, &model);
}

#[test]
fn entries_appended_by_another_program_are_replayed_on_top_of_the_cache() {
    let _serial = serial();
    use simd_r_drive::traits::DataStoreWriter;
    let dir = TempDir::new("cache-foreign");
    let path = dir.file("c.rdrive");
    let mut model = populate(&path);
    {
        let other = simd_r_drive::DataStore::open(&path).unwrap();
        for k in [1u32, 2, 3, 7, KEYS + 5] {
            other.write(&k.to_le_bytes(), &value(k, 9)).unwrap();
            model.insert(k, value(k, 9));
        }
        for k in [4u32, 5, 14] {
            other.delete(&k.to_le_bytes()).unwrap();
            model.remove(&k);
        }
    }
    let s = opts().open(&path).unwrap();
    assert!(s.index_cache_used());
    check(&s, &model);
}

#[test]
#[ignore = "run by another test as a crashing process"]
fn writer_that_crashes_after_more_writes_role() {
    let path = child_path();
    let s = opts().open(&path).unwrap();
    for k in 0..50u32 {
        s.write(&k.to_le_bytes(), &value(k, 5)).unwrap();
    }
    s.delete(&60u32.to_le_bytes()).unwrap();
    s.sync().unwrap();
    s.write(&61u32.to_le_bytes(), &value(61, 5)).unwrap();
    std::process::exit(0);
}

#[test]
fn a_crash_after_more_writes_replays_them_on_top_of_the_cache() {
    let _serial = serial();
    let dir = TempDir::new("cache-crash");
    let path = dir.file("c.rdrive");
    let mut model = populate(&path);
    let out = run_child(
        "writer_that_crashes_after_more_writes_role",
        &[("RDRIVE_TEST_PATH", &path)],
    );
    assert!(out.status.success());
    for k in 0..50u32 {
        model.insert(k, value(k, 5));
    }
    model.remove(&60);
    model.insert(61, value(61, 5));
    let s = opts().open(&path).unwrap();
    assert!(s.index_cache_used());
    check(&s, &model);
}

#[test]
fn a_damaged_cache_is_ignored_and_replaced() {
    let _serial = serial();
    let dir = TempDir::new("cache-damaged");
    let path = dir.file("c.rdrive");
    let model = populate(&path);
    let cache = cache_of(&path);
    let mut bytes = std::fs::read(&cache).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x40;
    std::fs::write(&cache, &bytes).unwrap();
    let s = opts().open(&path).unwrap();
    assert!(!s.index_cache_used());
    check(&s, &model);
    assert!(!cache.exists(), "a read-write open drops an unusable cache");
    drop(s);
    assert!(cache.exists(), "a clean close writes a fresh one");
    assert!(opts().open(&path).unwrap().index_cache_used());
    // A truncated cache is ignored as well.
    let len = std::fs::metadata(&cache).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&cache)
        .unwrap()
        .set_len(len - 16)
        .unwrap();
    let s = Store::open_read_only(&path).unwrap();
    assert!(!s.index_cache_used());
    check(&s, &model);
}

#[test]
fn a_cache_next_to_a_copy_of_the_store_is_not_trusted() {
    let _serial = serial();
    let dir = TempDir::new("cache-copy");
    let path = dir.file("c.rdrive");
    let model = populate(&path);
    let copy = dir.file("copy.rdrive");
    std::fs::copy(&path, &copy).unwrap();
    std::fs::copy(cache_of(&path), cache_of(&copy)).unwrap();
    let s = Store::open_read_only(&copy).unwrap();
    assert!(
        !s.index_cache_used(),
        "another inode: the cache describes another file"
    );
    check(&s, &model);
}

#[test]
fn compaction_drops_the_cache_and_the_next_close_writes_a_new_one() {
    let _serial = serial();
    let dir = TempDir::new("cache-compact");
    let path = dir.file("c.rdrive");
    let model = populate(&path);
    let s = opts().open(&path).unwrap();
    s.compact().unwrap();
    assert!(!cache_of(&path).exists());
    drop(s);
    let s = opts().open(&path).unwrap();
    assert!(s.index_cache_used());
    check(&s, &model);
}

#[test]
fn read_only_handles_never_write_a_cache_and_small_stores_get_none() {
    let _serial = serial();
    let dir = TempDir::new("cache-ro");
    let path = dir.file("c.rdrive");
    populate(&path);
    std::fs::remove_file(cache_of(&path)).unwrap();
    drop(Store::open_read_only(&path).unwrap());
    assert!(!cache_of(&path).exists());
    // Default threshold: far more keys than this store has.
    drop(Store::open(&path).unwrap());
    assert!(!cache_of(&path).exists());
    // Disabled: neither written nor read.
    let mut off = opts();
    off.index_cache(false);
    drop(off.open(&path).unwrap());
    assert!(!cache_of(&path).exists());
    drop(opts().open(&path).unwrap());
    assert!(cache_of(&path).exists());
    assert!(!off.open(&path).unwrap().index_cache_used());
}

#[test]
fn a_cache_from_before_compactions_is_never_trusted_when_the_inode_number_returns() {
    use std::os::unix::fs::MetadataExt;
    let _serial = serial();
    let dir = TempDir::new("cache-inode");
    let path = dir.file("c.rdrive");
    let mut small = OpenOptions::new();
    small.index_cache_min_keys(1);
    // The cache describes [k1: v1, k2: v2].
    let s = small.open(&path).unwrap();
    s.write(b"k1", b"value one").unwrap();
    s.write(b"k2", b"value two").unwrap();
    s.close().unwrap();
    let cache = cache_of(&path);
    assert!(cache.exists());
    let first_inode = std::fs::metadata(&path).unwrap().ino();
    // A session without the cache deletes k1, writes k3 (as long as k1's
    // value) and rewrites k2 unchanged, then compacts: the file becomes
    // [k3: v3, k2: v2], the same bytes at the cached tail as before. File
    // systems hand the freed inode number back within a few compactions.
    let mut plain = OpenOptions::new();
    plain.index_cache(false);
    let s = plain.open(&path).unwrap();
    s.delete(b"k1").unwrap();
    s.write(b"k3", b"value 333").unwrap();
    s.write(b"k2", b"value two").unwrap();
    let mut returned = false;
    for _ in 0..40 {
        s.compact().unwrap();
        if std::fs::metadata(&path).unwrap().ino() == first_inode {
            returned = true;
            break;
        }
    }
    s.close().unwrap();
    assert!(
        cache.exists(),
        "a session without the cache leaves it alone"
    );
    for s in [
        small.open(&path).unwrap(),
        Store::open_read_only(&path).unwrap(),
    ] {
        assert!(
            !s.index_cache_used(),
            "a cache of another generation is ignored"
        );
        assert!(
            s.read(b"k1").unwrap().is_none(),
            "the deleted key stays deleted"
        );
        assert_eq!(s.read(b"k3").unwrap().unwrap().as_slice(), b"value 333");
        assert_eq!(s.read(b"k2").unwrap().unwrap().as_slice(), b"value two");
        assert_eq!(s.len(), 2);
    }
    eprintln!("inode number returned: {returned}");
}

#[test]
fn a_cache_larger_than_one_write_chunk_round_trips() {
    // The cache is written in chunks of 2^17 words (1 MiB); 70,000 keys
    // need a table of 131,072 slots, two chunks' worth.
    let _serial = serial();
    let dir = TempDir::new("cache-chunks");
    let path = dir.file("c.rdrive");
    let s = opts().open(&path).unwrap();
    let keys: Vec<[u8; 4]> = (0..70_000u32).map(|k| k.to_le_bytes()).collect();
    let values: Vec<Vec<u8>> = (0..70_000u32).map(|k| value(k, 0)).collect();
    for (ks, vs) in keys.chunks(1000).zip(values.chunks(1000)) {
        let batch: Vec<(&[u8], &[u8])> = ks
            .iter()
            .zip(vs)
            .map(|(k, v)| (&k[..], v.as_slice()))
            .collect();
        s.batch_write(&batch).unwrap();
    }
    s.close().unwrap();
    assert!(std::fs::metadata(cache_of(&path)).unwrap().len() > 2 << 20);
    let s = opts().open(&path).unwrap();
    assert!(s.index_cache_used());
    assert_eq!(s.len(), 70_000);
    for (k, v) in keys.iter().zip(&values) {
        assert_eq!(s.read(k).unwrap().as_deref(), Some(v.as_slice()));
    }
}

#[test]
fn of_shared_handles_only_the_last_to_close_leaves_a_cache() {
    let _serial = serial();
    let dir = TempDir::new("cache-shared");
    let path = dir.file("c.rdrive");
    let mut shared = opts();
    shared.shared(true);
    let a = shared.open(&path).unwrap();
    let b = shared.open(&path).unwrap();
    let mut model = HashMap::new();
    for k in 0..KEYS {
        let (h, v) = if k % 2 == 0 { (&a, 0) } else { (&b, 1) };
        h.write(&k.to_le_bytes(), &value(k, v)).unwrap();
        model.insert(k, value(k, v));
    }
    // b may still be writing: a leaves neither a cache nor a clean mark.
    a.close().unwrap();
    assert!(!cache_of(&path).exists());
    b.write(&KEYS.to_le_bytes(), &value(KEYS, 2)).unwrap();
    model.insert(KEYS, value(KEYS, 2));
    b.close().unwrap();
    assert!(cache_of(&path).exists());
    let s = opts().open(&path).unwrap();
    assert!(s.index_cache_used());
    check(&s, &model);
}

#[test]
fn by_default_a_store_gets_a_cache_from_16384_live_keys() {
    let _serial = serial();
    let dir = TempDir::new("cache-default");
    for (keys, cached) in [(16_383u32, false), (16_384, true)] {
        let path = dir.file(&format!("d{keys}.rdrive"));
        let s = Store::open(&path).unwrap();
        let items: Vec<([u8; 4], [u8; 1])> = (0..keys).map(|k| (k.to_le_bytes(), [1])).collect();
        let pairs: Vec<(&[u8], &[u8])> = items.iter().map(|(k, v)| (&k[..], &v[..])).collect();
        s.batch_write(&pairs).unwrap();
        s.close().unwrap();
        assert_eq!(cache_of(&path).exists(), cached, "{keys} keys");
    }
}

#[test]
fn a_store_gets_a_cache_from_exactly_the_threshold_of_keys() {
    let _serial = serial();
    let dir = TempDir::new("cache-threshold");
    for (keys, cached) in [(999u32, false), (1000, true)] {
        let path = dir.file(&format!("t{keys}.rdrive"));
        let s = opts().open(&path).unwrap();
        for k in 0..keys {
            s.write(&k.to_le_bytes(), &value(k, 0)).unwrap();
        }
        s.close().unwrap();
        assert_eq!(cache_of(&path).exists(), cached, "{keys} keys");
        assert_eq!(opts().open(&path).unwrap().index_cache_used(), cached);
    }
}
