//! Compaction keeps the open handle working and never merges stale files.

mod common;

use common::{TempDir, noise};
use rdrive::{CompactionStats, Error, Store};

/// Compacts `s`, recording every `(done, total)` progress call.
fn compact_recording_progress(s: &Store) -> (CompactionStats, Vec<(u64, u64)>) {
    let mut seen = Vec::new();
    let stats = s
        .compact_with_progress(|done, total| {
            seen.push((done, total));
            true
        })
        .unwrap();
    (stats, seen)
}

#[test]
fn the_handle_keeps_reading_and_writing_after_compaction() {
    let dir = TempDir::new("compact");
    let path = dir.file("c.rdrive");
    let s = Store::open(&path).unwrap();
    for round in 0..5u8 {
        for i in 0..100u32 {
            s.write(
                format!("k{i}").as_bytes(),
                &noise(u64::from(i) + u64::from(round) * 1000, 50),
            )
            .unwrap();
        }
    }
    for i in 0..10u32 {
        s.delete(format!("k{i}").as_bytes()).unwrap();
    }
    let old = s.read(b"k50").unwrap().unwrap();
    let old_bytes = old.to_vec();
    let before = s.file_size();
    let reclaimable = s.reclaimable_bytes();
    let stats = s.compact().unwrap();
    assert_eq!(stats.bytes_before, before);
    assert_eq!(stats.entries, 90);
    assert_eq!(stats.bytes_after, s.file_size());
    assert_eq!(before - stats.bytes_after, reclaimable);
    assert_eq!(s.reclaimable_bytes(), 0);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), stats.bytes_after);
    // Old handles still hold their bytes.
    assert_eq!(old.as_slice(), old_bytes.as_slice());
    // Reads and writes continue on the same handle.
    assert_eq!(s.len(), 90);
    assert_eq!(
        s.read(b"k50").unwrap().unwrap().as_slice(),
        old_bytes.as_slice()
    );
    assert!(s.read(b"k5").unwrap().is_none());
    s.write(b"new", b"after compaction").unwrap();
    s.delete(b"k60").unwrap();
    drop(s);
    let s = Store::open(&path).unwrap();
    assert_eq!(s.recovered_bytes(), 0);
    assert_eq!(s.len(), 90);
    assert_eq!(
        s.read(b"new").unwrap().unwrap().as_slice(),
        b"after compaction"
    );
    assert_eq!(
        s.read(b"k50").unwrap().unwrap().as_slice(),
        old_bytes.as_slice()
    );
    assert!(!dir.file("c.rdrive.rdrive-compact").exists());
}

#[test]
fn compaction_preserves_write_order_for_read_last_entry() {
    let dir = TempDir::new("compact-order");
    let s = Store::open(dir.file("c.rdrive")).unwrap();
    s.write(b"a", b"1").unwrap();
    s.write(b"b", b"2").unwrap();
    s.write(b"a", b"3").unwrap();
    s.compact().unwrap();
    assert_eq!(s.read_last_entry().unwrap().unwrap().as_slice(), b"3");
    let order: Vec<Vec<u8>> = s.iter_entries().map(|e| e.to_vec()).collect();
    assert_eq!(order, vec![b"3".to_vec(), b"2".to_vec()]);
}

#[test]
fn a_stale_temporary_file_from_an_earlier_crash_is_not_merged() {
    let dir = TempDir::new("compact-stale");
    let path = dir.file("c.rdrive");
    // A leftover temp file that is itself a valid store with other keys.
    {
        let stale = Store::open(dir.file("c.rdrive.rdrive-compact")).unwrap();
        stale.write(b"ghost", b"should not appear").unwrap();
        stale.write(b"k", b"stale value").unwrap();
    }
    let s = Store::open(&path).unwrap();
    s.write(b"k", b"real").unwrap();
    s.write(b"k", b"real2").unwrap();
    s.compact().unwrap();
    assert!(s.read(b"ghost").unwrap().is_none());
    assert_eq!(s.read(b"k").unwrap().unwrap().as_slice(), b"real2");
    assert_eq!(s.len(), 1);
    drop(s);
    let s = Store::open(&path).unwrap();
    assert!(s.read(b"ghost").unwrap().is_none());
    assert_eq!(s.len(), 1);
}

#[test]
fn a_stopped_compaction_leaves_the_store_as_it_was() {
    let dir = TempDir::new("compact-abort");
    let path = dir.file("c.rdrive");
    let s = Store::open(&path).unwrap();
    for i in 0..20u32 {
        s.write(b"same", &i.to_le_bytes()).unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let mut calls = 0;
    let r = s.compact_with_progress(|_, _| {
        calls += 1;
        false
    });
    assert!(matches!(r, Err(Error::Aborted { .. })));
    assert_eq!(calls, 1);
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert!(!dir.file("c.rdrive.rdrive-compact").exists());
    assert_eq!(
        s.read(b"same").unwrap().unwrap().as_slice(),
        &19u32.to_le_bytes()
    );
    let (stats, seen) = compact_recording_progress(&s);
    // Bytes of the new file: from 0 to all of it.
    assert_eq!(seen.first(), Some(&(0, stats.bytes_after)));
    assert_eq!(seen.last(), Some(&(stats.bytes_after, stats.bytes_after)));
}

#[test]
fn progress_is_reported_about_once_per_mebibyte_not_once_per_entry() {
    let dir = TempDir::new("compact-progress-cadence");
    let s = Store::open(dir.file("c.rdrive")).unwrap();
    for i in 0..20_000u32 {
        s.write(&i.to_le_bytes(), &[7u8; 100]).unwrap();
    }
    s.write(&0u32.to_le_bytes(), b"replaced").unwrap();
    let (stats, seen) = compact_recording_progress(&s);
    let mib = stats.bytes_after >> 20;
    assert!(mib >= 2, "{} bytes", stats.bytes_after);
    // The start, one call per MiB written, the end.
    assert!(
        seen.len() as u64 <= mib + 3,
        "{} calls for {} bytes",
        seen.len(),
        stats.bytes_after
    );
    assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0));
    assert_eq!(seen.last(), Some(&(stats.bytes_after, stats.bytes_after)));
}

#[test]
fn a_large_value_after_an_entry_of_odd_length_is_compacted_intact() {
    let dir = TempDir::new("compact-big-after-odd");
    let path = dir.file("c.rdrive");
    let s = Store::open(&path).unwrap();
    let big = noise(11, 3 << 20);
    // In the new file too, the large value follows an entry ending at 23.
    s.write(b"odd", b"xyz").unwrap();
    s.write(b"dead", b"gone").unwrap();
    s.write(b"big", &big).unwrap();
    s.write(b"after", b"five!").unwrap();
    s.delete(b"dead").unwrap();
    let stats = s.compact().unwrap();
    assert_eq!(stats.entries, 3);
    let check = |s: &Store| {
        let e = s.read(b"big").unwrap().unwrap();
        assert_eq!(e.start_offset() % 64, 0);
        assert_eq!(e.as_slice(), big.as_slice());
        assert!(e.is_valid_checksum());
        assert_eq!(s.read(b"odd").unwrap().unwrap().as_slice(), b"xyz");
        assert_eq!(s.read(b"after").unwrap().unwrap().as_slice(), b"five!");
    };
    check(&s);
    drop(s);
    let s = Store::open(&path).unwrap();
    assert_eq!(s.recovered_bytes(), 0);
    assert_eq!(s.file_size(), stats.bytes_after);
    check(&s);
}

#[test]
fn progress_moves_inside_one_large_value() {
    let dir = TempDir::new("compact-progress-big");
    let s = Store::open(dir.file("c.rdrive")).unwrap();
    let big: Vec<u8> = (0..9 << 20).map(|i| (i % 251) as u8).collect();
    s.write(b"big", &big).unwrap();
    s.write(b"big", &big).unwrap();
    let (stats, seen) = compact_recording_progress(&s);
    assert!(seen.len() >= 9, "{} calls for 9 MiB", seen.len());
    assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0));
    assert!(seen.iter().all(|&(_, t)| t == stats.bytes_after));
    assert_eq!(s.read(b"big").unwrap().unwrap().as_slice(), big.as_slice());
}

#[test]
fn compacting_a_read_only_store_is_refused() {
    let dir = TempDir::new("compact-ro");
    Store::open(dir.file("c.rdrive"))
        .unwrap()
        .write(b"k", b"v")
        .unwrap();
    let s = Store::open_read_only(dir.file("c.rdrive")).unwrap();
    assert!(matches!(s.compact(), Err(Error::ReadOnly)));
}
