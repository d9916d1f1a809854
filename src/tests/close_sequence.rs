//! The close sequence, seen through the storage seam: what a close syncs,
//! and when it leaves an index cache beside the store.

use std::path::PathBuf;
use std::sync::Arc;

use super::faults::{Faulty, Kind, Plan};
use super::sim::{Op, Recorder};
use crate::store::cache;
use crate::store::io::Storage;
use crate::{OpenOptions, Store};

fn scratch(tag: &str) -> PathBuf {
    super::scratch(&format!("close-{tag}"))
}

#[test]
fn a_close_with_everything_synced_does_not_sync_the_file_again() {
    let _serial = super::serial();
    let dir = scratch("synced");
    let path = dir.join("s.rdrive");
    let rec = Recorder::new();
    let mut o = OpenOptions::new();
    o.storage(rec.clone());
    let s = o.open(&path).unwrap();
    s.write(b"a", b"one").unwrap();
    s.write(b"b", b"two").unwrap();
    s.sync().unwrap();
    let before = rec.ops().len();
    s.close().unwrap();
    let ops = rec.ops();
    let syncs: Vec<&Op> = ops[before..]
        .iter()
        .filter(|op| matches!(op, Op::SyncData { .. } | Op::SyncAll { .. }))
        .collect();
    assert!(syncs.is_empty(), "close synced again: {syncs:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_close_with_unsynced_writes_syncs_them_once() {
    let _serial = super::serial();
    let dir = scratch("unsynced");
    let path = dir.join("s.rdrive");
    let rec = Recorder::new();
    let mut o = OpenOptions::new();
    o.storage(rec.clone());
    let s = o.open(&path).unwrap();
    s.write(b"a", b"one").unwrap();
    let before = rec.ops().len();
    s.close().unwrap();
    let ops = rec.ops();
    let syncs = ops[before..]
        .iter()
        .filter(|op| matches!(op, Op::SyncData { .. }))
        .count();
    assert_eq!(syncs, 1, "{:?}", &ops[before..]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_close_that_cannot_record_its_watermark_leaves_no_index_cache() {
    let _serial = super::serial();
    let dir = scratch("nomark");
    let path = dir.join("s.rdrive");
    // Every watermark write fails: the store works, the close cannot say
    // it was clean, so a cache would describe a state no watermark vouches
    // for and could never be used.
    let io = Arc::new(Faulty::new(Some(Plan::first(
        Kind::SetWatermark,
        libc::EIO,
        true,
    ))));
    let mut o = OpenOptions::new();
    o.storage(io.clone() as Arc<dyn Storage>)
        .index_cache_min_keys(1);
    let s = o.open(&path).unwrap();
    for i in 0..20u32 {
        s.write(&i.to_le_bytes(), b"value").unwrap();
    }
    s.sync().unwrap();
    s.close().unwrap();
    assert!(io.hit(), "the watermark write was attempted and failed");
    assert!(
        !cache::path_for(&path).exists(),
        "a cache was left with no watermark to bind it"
    );
    let s = Store::open(&path).unwrap();
    assert_eq!(s.len(), 20);
    drop(s);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_clean_close_of_a_store_with_enough_keys_leaves_an_index_cache() {
    // The counterpart of the test above, on the same workload: with the
    // watermark written, the cache appears.
    let _serial = super::serial();
    let dir = scratch("mark");
    let path = dir.join("s.rdrive");
    let io = Arc::new(Faulty::new(None));
    let mut o = OpenOptions::new();
    o.storage(io as Arc<dyn Storage>).index_cache_min_keys(1);
    let s = o.open(&path).unwrap();
    for i in 0..20u32 {
        s.write(&i.to_le_bytes(), b"value").unwrap();
    }
    s.sync().unwrap();
    s.close().unwrap();
    assert!(cache::path_for(&path).exists());
    std::fs::remove_dir_all(&dir).unwrap();
}
