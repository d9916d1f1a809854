//! Opening a file with a torn or damaged end keeps its longest valid prefix;
//! a file that is not a store is refused and left untouched.

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::{TempDir, noise, write_plain};
use rdrive::{Error, OpenOptions, Store};

/// Writes 14 mixed entries (sizes around the alignment, an overwrite, a
/// delete, a zero run) and returns the file's bytes, the tail after each
/// entry, and the expected contents after each entry.
type Contents = HashMap<Vec<u8>, Vec<u8>>;

fn build(dir: &TempDir) -> (Vec<u8>, Vec<u64>, Vec<Contents>) {
    let path = dir.file("source.rdrive");
    let store = Store::open(&path).unwrap();
    let mut tails = vec![0u64];
    let mut states = vec![HashMap::new()];
    let mut model: HashMap<Vec<u8>, Vec<u8>> = HashMap::new();
    let sizes = [5usize, 63, 64, 65, 1, 200, 44, 45, 3000, 7, 100, 2, 90];
    for (i, &n) in sizes.iter().enumerate() {
        let k = format!("k{}", i % 11).into_bytes();
        let mut v = noise(i as u64, n);
        if i == 10 {
            v = vec![0; n];
        }
        if v == [0] {
            v[0] = 9;
        }
        tails.push(store.write(&k, &v).unwrap());
        model.insert(k, v);
        states.push(model.clone());
        if i == 6 {
            assert!(store.delete(b"k2").unwrap());
            model.remove(b"k2".as_slice());
            tails.push(store.file_size());
            states.push(model.clone());
        }
    }
    drop(store);
    (std::fs::read(&path).unwrap(), tails, states)
}

fn assert_contents(store: &Store, expect: &HashMap<Vec<u8>, Vec<u8>>) {
    assert_eq!(store.len(), expect.len());
    for i in 0..11 {
        let k = format!("k{i}").into_bytes();
        let got = store.read(&k).unwrap();
        assert_eq!(
            got.as_deref(),
            expect.get(&k).map(|v| v.as_slice()),
            "key k{i}"
        );
    }
}

#[test]
fn every_cut_inside_the_last_two_entries_reopens_at_the_previous_boundary() {
    let dir = TempDir::new("rec-cut");
    let (bytes, tails, states) = build(&dir);
    assert!(tails.len() >= 13);
    let n = tails.len() - 1;
    let from = tails[n - 2];
    let to = tails[n];
    assert_eq!(to, bytes.len() as u64);
    let path = dir.file("cut.rdrive");
    let mut checked = 0;
    for cut in from + 1..to {
        write_plain(&path, &bytes[..cut as usize]);
        let boundary = tails.iter().rposition(|&t| t <= cut).unwrap();
        let store = Store::open(&path).unwrap();
        assert_eq!(store.file_size(), tails[boundary], "cut at {cut}");
        assert_eq!(store.recovered_bytes(), cut - tails[boundary]);
        assert_contents(&store, &states[boundary]);
        drop(store);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), tails[boundary]);
        checked += 1;
    }
    assert_eq!(checked, to - from - 1);
    assert!(
        checked > 100,
        "the last two entries span {checked} cut points"
    );
}

#[test]
fn a_read_only_open_of_a_torn_file_recovers_in_memory_and_changes_nothing() {
    let dir = TempDir::new("rec-ro");
    let (bytes, tails, states) = build(&dir);
    let n = tails.len() - 1;
    let path = dir.file("torn.rdrive");
    let torn = &bytes[..tails[n] as usize - 7];
    write_plain(&path, torn);
    let store = Store::open_read_only(&path).unwrap();
    assert_eq!(store.file_size(), tails[n - 1]);
    assert_contents(&store, &states[n - 1]);
    assert!(matches!(store.write(b"x", b"y"), Err(Error::ReadOnly)));
    drop(store);
    assert_eq!(std::fs::read(&path).unwrap(), torn);
    assert_eq!(rdrive::sync_mark(&path).unwrap(), None);
}

fn reopen_with_tail_appended(tail: &[u8]) -> (Store, u64, Contents, TempDir) {
    let dir = TempDir::new("rec-append");
    let (mut bytes, tails, states) = build(&dir);
    let len = bytes.len() as u64;
    bytes.extend_from_slice(tail);
    let path = dir.file("appended.rdrive");
    write_plain(&path, &bytes);
    let store = Store::open(&path).unwrap();
    assert_eq!(*tails.last().unwrap(), len);
    (store, len, states.last().unwrap().clone(), dir)
}

#[test]
fn a_megabyte_of_appended_zeros_is_discarded_with_nothing_lost() {
    let (store, len, expect, _dir) = reopen_with_tail_appended(&vec![0u8; 1 << 20]);
    assert_eq!(store.file_size(), len);
    assert_eq!(store.recovered_bytes(), 1 << 20);
    assert_contents(&store, &expect);
}

#[test]
fn appended_garbage_is_discarded_with_nothing_lost() {
    let (store, len, expect, _dir) = reopen_with_tail_appended(&noise(7, 100_000));
    assert_eq!(store.file_size(), len);
    assert_contents(&store, &expect);
}

#[test]
fn a_zero_prepad_false_chain_does_not_truncate_older_entries() {
    // Pre-pad zeros then a zero trailer: a "first entry" spanning the whole
    // file with checksum 0 — simd-r-drive accepts it and drops everything.
    let (store, len, expect, _dir) = reopen_with_tail_appended(&[0u8; 63 + 20]);
    assert_eq!(store.file_size(), len);
    assert_contents(&store, &expect);
}

#[test]
fn a_flipped_payload_byte_in_an_unsynced_last_entry_drops_only_that_entry() {
    let dir = TempDir::new("rec-flip");
    let (mut bytes, tails, states) = build(&dir);
    let n = tails.len() - 1;
    // The last entry's payload starts at the aligned offset after tails[n-1].
    let start = tails[n - 1].div_ceil(64) * 64;
    bytes[start as usize + 3] ^= 0x20;
    let path = dir.file("flipped.rdrive");
    write_plain(&path, &bytes);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.file_size(), tails[n - 1]);
    assert_contents(&store, &states[n - 1]);
}

#[test]
fn a_flipped_byte_in_synced_data_is_refused_untouched_and_repair_drops_it() {
    let dir = TempDir::new("rec-synced");
    let path = dir.file("s.rdrive");
    let store = Store::open(&path).unwrap();
    store.write(b"a", b"first value").unwrap();
    let before_last = store.write(b"b", b"second value").unwrap();
    store.write(b"c", b"third value").unwrap();
    store.close().unwrap();
    let mark = rdrive::sync_mark(&path)
        .unwrap()
        .expect("xattrs on the test fs");
    assert!(mark.clean);
    let mut bytes = std::fs::read(&path).unwrap();
    let start = before_last.div_ceil(64) * 64;
    bytes[start as usize] ^= 1;
    std::fs::write(&path, &bytes).unwrap(); // same inode: keeps the mark
    match Store::open(&path) {
        Err(Error::Corrupt { .. }) => {}
        other => panic!("expected a corrupt-file error, got {other:?}"),
    }
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    let repaired = OpenOptions::new().repair(true).open(&path).unwrap();
    assert_eq!(repaired.file_size(), before_last);
    assert_eq!(
        repaired.read(b"b").unwrap().unwrap().as_slice(),
        b"second value"
    );
    assert!(repaired.read(b"c").unwrap().is_none());
}

fn assert_refused_untouched(path: &Path) {
    let before = std::fs::read(path).unwrap();
    for ro in [false, true] {
        match OpenOptions::new().read_only(ro).open(path) {
            Err(Error::Corrupt { offset, .. }) => assert_eq!(offset, 0),
            other => panic!("expected a corrupt-file error, got {other:?}"),
        }
        assert_eq!(std::fs::read(path).unwrap(), before);
    }
}

#[test]
fn a_text_file_is_refused_and_stays_byte_identical() {
    let dir = TempDir::new("rec-text");
    let path = dir.file("notes.txt");
    let text = "Shopping list\n- milk\n- bread\n- 64 eggs\n".repeat(20);
    std::fs::write(&path, &text).unwrap();
    assert_refused_untouched(&path);
    // The repair flag discards it explicitly.
    let store = OpenOptions::new().repair(true).open(&path).unwrap();
    assert_eq!(store.file_size(), 0);
    assert_eq!(store.recovered_bytes(), text.len() as u64);
}

#[test]
fn a_short_file_of_zeros_is_refused() {
    let dir = TempDir::new("rec-zeros");
    let path = dir.file("zeros.bin");
    std::fs::write(&path, [0u8; 500]).unwrap();
    assert_refused_untouched(&path);
}

#[test]
fn the_worked_example_of_the_format_is_reproduced_exactly() {
    let dir = TempDir::new("rec-example");
    let path = dir.file("example.rdrive");
    let store = Store::open(&path).unwrap();
    assert_eq!(store.write(b"a", b"hello").unwrap(), 25);
    assert_eq!(store.write(b"b", b"A").unwrap(), 85);
    assert_eq!(store.write(b"c", &[0x11; 70]).unwrap(), 218);
    assert!(store.delete(b"b").unwrap());
    assert_eq!(store.file_size(), 239);
    let c = store.read(b"c").unwrap().unwrap();
    assert_eq!(c.offset_range(), 128..198);
    drop(store);
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(bytes.len(), 239);
    assert_eq!(&bytes[0..5], b"hello");
    assert_eq!(&bytes[5..13], &rdrive::compute_hash(b"a").to_le_bytes());
    assert_eq!(&bytes[13..21], &0u64.to_le_bytes());
    assert_eq!(&bytes[21..25], &0x3610_a686u32.to_le_bytes());
    assert!(bytes[25..64].iter().all(|&b| b == 0));
    assert_eq!(bytes[64], b'A');
    assert_eq!(&bytes[73..81], &25u64.to_le_bytes());
    assert!(bytes[128..198].iter().all(|&b| b == 0x11));
    assert_eq!(bytes[218], 0);
    assert_eq!(&bytes[219..227], &rdrive::compute_hash(b"b").to_le_bytes());
    assert_eq!(&bytes[227..235], &218u64.to_le_bytes());
    assert_eq!(&bytes[235..239], &0xD202_EF8Du32.to_le_bytes());
    let store = Store::open_read_only(&path).unwrap();
    assert_eq!(store.len(), 2);
    assert!(store.read(b"b").unwrap().is_none());
}
