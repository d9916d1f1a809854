//! Iteration is a snapshot, newest first, one entry per live key;
//! read_last_entry never returns a deletion marker.

mod common;

use common::TempDir;
use rdrive::Store;

#[test]
fn iteration_yields_live_entries_newest_first_once_each() {
    let dir = TempDir::new("iter");
    let s = Store::open(dir.file("i.rdrive")).unwrap();
    s.write(b"a", b"a1").unwrap();
    s.write(b"b", b"b1").unwrap();
    s.write(b"c", b"c1").unwrap();
    s.write(b"a", b"a2").unwrap();
    s.delete(b"b").unwrap();
    let got: Vec<Vec<u8>> = s.iter_entries().map(|e| e.to_vec()).collect();
    assert_eq!(got, vec![b"a2".to_vec(), b"c1".to_vec()]);
    let via_ref: Vec<Vec<u8>> = (&s).into_iter().map(|e| e.to_vec()).collect();
    assert_eq!(via_ref, got);
}

#[test]
fn views_match_handles_and_outlive_the_store() {
    let dir = TempDir::new("iter-view");
    let s = Store::open(dir.file("i.rdrive")).unwrap();
    for i in 0..5000u32 {
        s.write(&(i % 3000).to_le_bytes(), &i.to_be_bytes())
            .unwrap();
    }
    let handles: Vec<Vec<u8>> = s.iter_entries().map(|e| e.to_vec()).collect();
    let mut it = s.iter_entries();
    drop(s);
    let mut views = Vec::new();
    assert_eq!(it.remaining(), 3000);
    while let Some((meta, bytes)) = it.next_view() {
        assert_eq!(meta.checksum, rdrive::compute_checksum(bytes));
        views.push(bytes.to_vec());
    }
    assert_eq!(views, handles);
}

/// Writes `keys` keys `rounds` times over (newest round wins), deletes every
/// 10th, then checks iteration: every live key once, newest first.
fn check_large(tag: &str, keys: u32, rounds: u32) {
    let dir = TempDir::new(tag);
    let s = Store::open(dir.file("i.rdrive")).unwrap();
    for round in 0..rounds {
        for k in 0..keys {
            s.write(&k.to_le_bytes(), &(k ^ round).to_le_bytes())
                .unwrap();
        }
    }
    for k in (0..keys).step_by(10) {
        s.delete(&k.to_le_bytes()).unwrap();
    }
    let entries: Vec<_> = s.iter_entries().collect();
    assert_eq!(entries.len(), s.len());
    assert_eq!(entries.len() as u32, keys - keys.div_ceil(10));
    for pair in entries.windows(2) {
        assert!(
            pair[0].start_offset() > pair[1].start_offset(),
            "newest first"
        );
    }
    for e in &entries {
        let k = u32::from_le_bytes(e[..4].try_into().unwrap()) ^ (rounds - 1);
        assert_ne!(k % 10, 0, "deleted key listed");
        assert_eq!(
            s.read(&k.to_le_bytes()).unwrap().unwrap().offset_range(),
            e.offset_range()
        );
    }
}

#[test]
fn a_large_dense_store_iterates_newest_first_once_per_key() {
    check_large("iter-dense", 20_000, 1);
}

#[test]
fn a_large_store_with_mostly_dead_entries_iterates_newest_first() {
    check_large("iter-sparse", 5_000, 30);
}

#[test]
fn an_iterator_is_a_snapshot_taken_when_it_is_created() {
    let dir = TempDir::new("iter-snap");
    let s = Store::open(dir.file("i.rdrive")).unwrap();
    for i in 0..100u32 {
        s.write(&i.to_le_bytes(), b"v").unwrap();
    }
    let it = s.iter_entries();
    for i in 100..5000u32 {
        s.write(&i.to_le_bytes(), b"later").unwrap();
    }
    s.delete(&5u32.to_le_bytes()).unwrap();
    s.compact().unwrap();
    let seen: Vec<_> = it.collect();
    assert_eq!(seen.len(), 100);
    assert!(seen.iter().all(|e| e.as_slice() == b"v"));
}

#[test]
fn read_last_entry_skips_deletion_markers_and_overwritten_values() {
    let dir = TempDir::new("iter-last");
    let s = Store::open(dir.file("i.rdrive")).unwrap();
    assert!(s.read_last_entry().unwrap().is_none());
    s.write(b"a", b"first").unwrap();
    s.write(b"b", b"second").unwrap();
    assert_eq!(s.read_last_entry().unwrap().unwrap().as_slice(), b"second");
    s.delete(b"b").unwrap();
    assert_eq!(s.read_last_entry().unwrap().unwrap().as_slice(), b"first");
    s.delete(b"a").unwrap();
    assert!(s.read_last_entry().unwrap().is_none());
    s.write(b"c", b"third").unwrap();
    s.write(b"d", b"fourth").unwrap();
    s.write(b"c", b"fifth").unwrap();
    s.delete(b"c").unwrap();
    assert_eq!(s.read_last_entry().unwrap().unwrap().as_slice(), b"fourth");
}

#[cfg(feature = "parallel")]
#[test]
fn the_parallel_iterator_sees_the_same_entries() {
    use rayon::iter::ParallelIterator;
    let dir = TempDir::new("iter-par");
    let s = Store::open(dir.file("i.rdrive")).unwrap();
    for i in 0..1000u32 {
        s.write(&i.to_le_bytes(), &i.to_be_bytes()).unwrap();
    }
    s.delete(&7u32.to_le_bytes()).unwrap();
    let mut par: Vec<Vec<u8>> = s.par_iter_entries().map(|e| e.to_vec()).collect();
    let mut seq: Vec<Vec<u8>> = s.iter_entries().map(|e| e.to_vec()).collect();
    par.sort();
    seq.sort();
    assert_eq!(par.len(), 999);
    assert_eq!(par, seq);
}
