//! Deleted keys stay deleted, also after reopen; len counts live keys.

mod common;

use common::TempDir;
use rdrive::{Store, compute_hash};

#[test]
fn deleted_keys_stay_deleted_and_len_stays_right_after_reopen() {
    let dir = TempDir::new("del");
    let path = dir.file("d.rdrive");
    {
        let s = Store::open(&path).unwrap();
        for i in 0..50u32 {
            s.write(format!("k{i}").as_bytes(), &i.to_le_bytes())
                .unwrap();
        }
        for i in (0..50u32).step_by(3) {
            assert!(s.delete(format!("k{i}").as_bytes()).unwrap());
        }
        // Re-write one deleted key: it is live again.
        s.write(b"k3", b"again").unwrap();
        assert_eq!(s.len(), 50 - 17 + 1);
    }
    for read_only in [false, true] {
        let s = rdrive::OpenOptions::new()
            .read_only(read_only)
            .open(&path)
            .unwrap();
        assert_eq!(s.len(), 34);
        assert!(!s.is_empty());
        for i in 0..50u32 {
            let k = format!("k{i}");
            let got = s.read(k.as_bytes()).unwrap();
            if i == 3 {
                assert_eq!(got.unwrap().as_slice(), b"again");
            } else if i.is_multiple_of(3) {
                assert!(got.is_none(), "{k} came back");
                assert!(!s.exists(k.as_bytes()).unwrap());
            } else {
                assert_eq!(got.unwrap().as_slice(), &i.to_le_bytes());
            }
        }
        let listed: Vec<_> = s.iter_entries().collect();
        assert_eq!(listed.len(), 34);
    }
}

#[test]
fn deleting_an_absent_or_deleted_key_writes_nothing_and_reports_not_found() {
    let dir = TempDir::new("del-absent");
    let s = Store::open(dir.file("d.rdrive")).unwrap();
    assert!(!s.delete(b"nothing").unwrap());
    assert_eq!(s.file_size(), 0);
    s.write(b"k", b"v").unwrap();
    assert!(s.delete(b"k").unwrap());
    let size = s.file_size();
    assert!(!s.delete(b"k").unwrap());
    assert_eq!(s.file_size(), size);
    assert_eq!(s.batch_delete(&[b"k", b"nothing"]).unwrap(), 0);
    assert_eq!(s.file_size(), size);
    // The same by key hash.
    assert!(!s.delete_with_key_hash(compute_hash(b"k")).unwrap());
    s.write(b"h", b"v").unwrap();
    assert!(s.delete_with_key_hash(compute_hash(b"h")).unwrap());
    assert!(!s.delete_with_key_hash(compute_hash(b"h")).unwrap());
    assert!(s.read(b"h").unwrap().is_none());
}

#[test]
fn batch_delete_removes_each_live_key_once() {
    let dir = TempDir::new("del-batch");
    let s = Store::open(dir.file("d.rdrive")).unwrap();
    s.batch_write(&[(b"a", b"1"), (b"b", b"2"), (b"c", b"3")])
        .unwrap();
    let before = s.file_size();
    assert_eq!(s.batch_delete(&[b"a", b"a", b"c", b"zzz"]).unwrap(), 2);
    // Two tombstones of 21 bytes each.
    assert_eq!(s.file_size(), before + 42);
    assert_eq!(s.len(), 1);
    assert!(s.exists(b"b").unwrap());
}
