//! What a read-write open does on disk, seen through the storage seam:
//! bytes it cuts or newly vouches for are synced before the watermark that
//! covers them is recorded; an open of a cleanly closed store syncs
//! nothing; a watermark that must come down and cannot fails the open.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::faults::{Faulty, Kind, Plan};
use super::sim::{Op, Recorder};
use crate::digest::{compute_checksum, compute_hash};
use crate::format::encode_entry;
use crate::store::io::Storage;
use crate::{OpenOptions, Store};

fn scratch(tag: &str) -> PathBuf {
    super::scratch(&format!("open-{tag}"))
}

/// A cleanly closed store holding keys a and b.
fn closed_store(path: &Path) {
    let s = Store::open(path).unwrap();
    s.write(b"a", b"first").unwrap();
    s.write(b"b", b"second").unwrap();
    s.close().unwrap();
}

/// Opens `path` read-write through a recorder; returns the store and the
/// operations the open made.
fn recorded_open(path: &Path) -> (Store, Vec<Op>) {
    let rec = Recorder::new();
    let mut o = OpenOptions::new();
    o.storage(rec.clone());
    let s = o.open(path).unwrap();
    (s, rec.ops())
}

fn position(ops: &[Op], what: &str, f: impl Fn(&Op) -> bool) -> usize {
    ops.iter()
        .position(f)
        .unwrap_or_else(|| panic!("no {what} in {ops:?}"))
}

#[test]
fn an_open_that_cuts_a_torn_tail_syncs_the_cut_before_recording_the_watermark() {
    let _serial = super::serial();
    let dir = scratch("torn");
    let path = dir.join("s.rdrive");
    closed_store(&path);
    let len = std::fs::metadata(&path).unwrap().len();
    // Half an entry: a write that a crash interrupted.
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(&[0x5A; 37]);
    std::fs::write(&path, &bytes).unwrap();

    let (s, ops) = recorded_open(&path);
    let cut = position(
        &ops,
        "cut",
        |op| matches!(op, Op::SetLen { len: l, .. } if *l == len),
    );
    let synced = position(&ops, "sync", |op| matches!(op, Op::SyncData { .. }));
    let marked = position(&ops, "watermark", |op| matches!(op, Op::SetAttr { .. }));
    assert!(cut < synced && synced < marked, "{ops:?}");
    assert_eq!(s.len(), 2);
    drop(s);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_open_that_keeps_entries_past_the_watermark_syncs_them_before_vouching_for_them() {
    let _serial = super::serial();
    let dir = scratch("past");
    let path = dir.join("s.rdrive");
    closed_store(&path);
    // A whole entry past the watermark: written by a process that died
    // before syncing.
    let mut bytes = std::fs::read(&path).unwrap();
    let tail = bytes.len() as u64;
    let value = b"third";
    encode_entry(
        &mut bytes,
        tail,
        compute_hash(b"c"),
        value,
        compute_checksum(value),
    );
    std::fs::write(&path, &bytes).unwrap();

    let (s, ops) = recorded_open(&path);
    assert_eq!(s.len(), 3, "the entry past the watermark is kept");
    let synced = position(&ops, "sync", |op| matches!(op, Op::SyncData { .. }));
    let marked = position(&ops, "watermark", |op| matches!(op, Op::SetAttr { .. }));
    assert!(synced < marked, "{ops:?}");
    assert!(
        !ops.iter().any(|op| matches!(op, Op::SetLen { .. })),
        "nothing to cut: {ops:?}"
    );
    drop(s);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_open_of_a_cleanly_closed_store_syncs_nothing() {
    let _serial = super::serial();
    let dir = scratch("clean");
    let path = dir.join("s.rdrive");
    closed_store(&path);
    let (s, ops) = recorded_open(&path);
    let syncs: Vec<&Op> = ops
        .iter()
        .filter(|op| {
            matches!(
                op,
                Op::SyncData { .. } | Op::SyncAll { .. } | Op::SyncDir | Op::SetLen { .. }
            )
        })
        .collect();
    assert!(syncs.is_empty(), "{syncs:?}");
    assert!(
        ops.iter().any(|op| matches!(op, Op::SetAttr { .. })),
        "the watermark is rewritten (a new generation, not clean): {ops:?}"
    );
    assert_eq!(s.len(), 2);
    drop(s);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_open_that_creates_a_store_makes_the_file_and_its_name_durable() {
    let _serial = super::serial();
    let dir = scratch("create");
    let path = dir.join("s.rdrive");
    let (s, ops) = recorded_open(&path);
    let created = position(&ops, "create", |op| matches!(op, Op::Create { .. }));
    let dir_synced = position(&ops, "directory sync", |op| matches!(op, Op::SyncDir));
    let synced = position(&ops, "sync", |op| matches!(op, Op::SyncData { .. }));
    let marked = position(&ops, "watermark", |op| matches!(op, Op::SetAttr { .. }));
    let fsynced = position(&ops, "fsync", |op| matches!(op, Op::SyncAll { .. }));
    assert!(created < dir_synced, "{ops:?}");
    assert!(synced < marked && marked < fsynced, "{ops:?}");
    drop(s);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_repairing_open_that_cannot_lower_the_watermark_fails() {
    let _serial = super::serial();
    let dir = scratch("lower");
    let path = dir.join("s.rdrive");
    let s = Store::open(&path).unwrap();
    s.write(b"a", b"first value").unwrap();
    s.write(b"b", b"second value").unwrap();
    let at = s.read(b"b").unwrap().unwrap().start_offset();
    s.close().unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[at] ^= 0xFF;
    std::fs::write(&path, &bytes).unwrap();

    // The watermark vouches for b, which the repair cuts: keeping it
    // would vouch for bytes that are gone.
    let io = Arc::new(Faulty::new(Some(Plan::first(
        Kind::SetWatermark,
        libc::EIO,
        true,
    ))));
    let mut o = OpenOptions::new();
    o.repair(true).storage(io.clone() as Arc<dyn Storage>);
    let err = o
        .open(&path)
        .expect_err("the watermark could not come down");
    assert!(err.to_string().contains("watermark"), "{err}");
    assert!(io.hit());
    // Without the fault, the repair goes through.
    let mut o = OpenOptions::new();
    o.repair(true);
    let s = o.open(&path).unwrap();
    assert_eq!(s.len(), 1);
    drop(s);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_open_that_cannot_write_a_watermark_it_may_do_without_still_opens() {
    // Nothing was cut: the old watermark still vouches for a prefix of
    // the file, so a failed rewrite only costs verification later.
    let _serial = super::serial();
    let dir = scratch("keep");
    let path = dir.join("s.rdrive");
    closed_store(&path);
    let io = Arc::new(Faulty::new(Some(Plan::first(
        Kind::SetWatermark,
        libc::EIO,
        false,
    ))));
    let mut o = OpenOptions::new();
    o.storage(io.clone() as Arc<dyn Storage>);
    let s = o.open(&path).unwrap();
    assert!(io.hit());
    assert_eq!(s.len(), 2);
    s.write(b"c", b"third").unwrap();
    s.close().unwrap();
    let s = Store::open(&path).unwrap();
    assert_eq!(s.len(), 3);
    drop(s);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A cleanly closed store with enough keys to leave an index cache.
fn closed_store_with_cache(path: &Path) {
    let mut o = OpenOptions::new();
    o.index_cache_min_keys(1);
    let s = o.open(path).unwrap();
    for i in 0..50u32 {
        s.write(&i.to_le_bytes(), b"value").unwrap();
    }
    s.close().unwrap();
    assert!(crate::store::cache::path_for(path).exists());
}

fn open_with_cache(path: &Path, cache: bool) -> Store {
    let mut o = OpenOptions::new();
    o.index_cache(cache).index_cache_min_keys(1);
    o.open(path).unwrap()
}

#[test]
fn a_cache_left_before_an_open_that_did_not_use_it_is_never_used_again() {
    let _serial = super::serial();
    for lock_file_kept in [false, true] {
        let dir = scratch("stale-cache");
        let path = dir.join("s.rdrive");
        closed_store_with_cache(&path);
        if !lock_file_kept {
            // As after a reboot, or a store copied elsewhere: nothing but
            // the file, its watermark and its cache.
            std::fs::remove_file(crate::store::coord::lock_path(&path)).unwrap();
        }
        let s = open_with_cache(&path, false);
        s.write(b"late", b"entry").unwrap();
        s.close().unwrap();
        let s = open_with_cache(&path, true);
        assert!(
            !s.index_cache_used(),
            "lock file kept: {lock_file_kept}: a cache from an earlier generation was used"
        );
        assert_eq!(s.len(), 51);
        drop(s);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn an_open_that_used_the_cache_keeps_it_bound_to_the_watermark() {
    // Until the next clean close rewrites it, the cache on disk is the one
    // this open used: the watermark recorded at open must still name its
    // generation, or a crash before the close would leave it unusable.
    let _serial = super::serial();
    for lock_file_kept in [false, true] {
        let dir = scratch("bound-cache");
        let path = dir.join("s.rdrive");
        closed_store_with_cache(&path);
        if !lock_file_kept {
            std::fs::remove_file(crate::store::coord::lock_path(&path)).unwrap();
        }
        let s = open_with_cache(&path, true);
        assert!(s.index_cache_used());
        let file = std::fs::File::open(&path).unwrap();
        let mark = crate::store::sys::watermark_attr(&file)
            .unwrap()
            .and_then(|b| crate::format::watermark::Watermark::decode(&b))
            .expect("a watermark");
        let cache = std::fs::read(crate::store::cache::path_for(&path)).unwrap();
        let header = crate::format::index_cache::CacheHeader::decode(&cache).expect("a cache");
        assert_eq!(
            (mark.store_id, mark.generation),
            (header.store_id, header.generation),
            "lock file kept: {lock_file_kept}"
        );
        drop(s);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// The operating system, except that creating a file races with another
/// program: the file appears just before our exclusive create.
struct CreateRace;

impl Storage for CreateRace {
    fn write_at(&self, f: &std::fs::File, parts: &[&[u8]], at: u64) -> std::io::Result<()> {
        crate::store::io::Os.write_at(f, parts, at)
    }
    fn sync_data(&self, f: &std::fs::File) -> std::io::Result<()> {
        crate::store::io::Os.sync_data(f)
    }
    fn sync_all(&self, f: &std::fs::File) -> std::io::Result<()> {
        crate::store::io::Os.sync_all(f)
    }
    fn set_len(&self, f: &std::fs::File, len: u64) -> std::io::Result<()> {
        crate::store::io::Os.set_len(f, len)
    }
    fn set_watermark(&self, f: &std::fs::File, value: &[u8]) -> std::io::Result<bool> {
        crate::store::io::Os.set_watermark(f, value)
    }
    fn create(&self, path: &Path, how: crate::store::io::Create) -> std::io::Result<std::fs::File> {
        std::fs::write(path, b"")?;
        crate::store::io::Os.create(path, how)
    }
    fn rename(&self, from: &Path, to: &Path) -> std::io::Result<()> {
        crate::store::io::Os.rename(from, to)
    }
    fn remove(&self, path: &Path) -> std::io::Result<()> {
        crate::store::io::Os.remove(path)
    }
    fn sync_dir(&self, dir: &Path) -> std::io::Result<()> {
        crate::store::io::Os.sync_dir(dir)
    }
}

#[test]
fn an_open_whose_create_loses_a_race_opens_the_file_the_other_program_made() {
    let _serial = super::serial();
    let dir = scratch("race");
    let path = dir.join("s.rdrive");
    let mut o = OpenOptions::new();
    o.storage(Arc::new(CreateRace));
    let s = o.open(&path).expect("the file exists now: open it");
    s.write(b"a", b"one").unwrap();
    s.close().unwrap();
    assert_eq!(Store::open(&path).unwrap().len(), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_open_that_may_not_create_the_store_leaves_no_lock_file_beside_a_missing_one() {
    let _serial = super::serial();
    let dir = scratch("nocreate");
    let path = dir.join("missing.rdrive");
    let mut o = OpenOptions::new();
    o.create(false);
    let err = o.open(&path).expect_err("nothing to open");
    assert_eq!(err.raw_os_error(), Some(libc::ENOENT), "{err}");
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_compaction_file_left_by_a_dead_compaction_is_noted_and_removed_at_open() {
    let _serial = super::serial();
    let dir = scratch("stale");
    let path = dir.join("s.rdrive");
    closed_store(&path);
    let temp = dir.join("s.rdrive.rdrive-compact");
    std::fs::write(&temp, [7u8; 300]).unwrap();
    let s = Store::open(&path).unwrap();
    assert_eq!(s.recovery_notes().stale_temp_file, Some(300));
    assert!(!temp.exists(), "removed: it is never merged");
    assert_eq!(s.len(), 2);
    drop(s);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_path_that_is_a_symlink_loop_is_reported_as_the_system_error() {
    let _serial = super::serial();
    let dir = scratch("loop");
    let path = dir.join("s.rdrive");
    std::os::unix::fs::symlink(&path, &path).unwrap();
    let err = Store::open(&path).expect_err("a loop opens nothing");
    assert_eq!(err.raw_os_error(), Some(libc::ELOOP), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_open_whose_create_fails_reports_the_create_error() {
    let _serial = super::serial();
    let dir = scratch("create-eio");
    let path = dir.join("s.rdrive");
    let io = Arc::new(Faulty::new(Some(Plan::first(
        Kind::Create,
        libc::EIO,
        false,
    ))));
    let mut o = OpenOptions::new();
    o.storage(io.clone() as Arc<dyn Storage>);
    let err = o.open(&path).expect_err("the create failed");
    assert!(io.hit());
    assert_eq!(err.raw_os_error(), Some(libc::EIO), "{err}");
    assert!(!path.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}
