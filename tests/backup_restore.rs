//! A store restored from a backup (`cp backup store`, which keeps the old
//! file and its extended attributes) opens: the watermark that described
//! the newer file is discarded with a report, never trusted, never fatal.

mod common;

use common::TempDir;
use rdrive::{OpenOptions, Store};

#[test]
fn a_store_restored_over_its_file_from_a_backup_opens_with_a_report() {
    let dir = TempDir::new("restore");
    let path = dir.file("s.rdrive");
    let s = Store::open(&path).unwrap();
    for i in 0..100u32 {
        s.write(&i.to_le_bytes(), format!("first {i}").as_bytes())
            .unwrap();
    }
    s.close().unwrap();
    let backup = std::fs::read(&path).unwrap();
    // The store moves on, and its watermark with it.
    let s = Store::open(&path).unwrap();
    for i in 0..100u32 {
        s.write(&i.to_le_bytes(), format!("second {i}").as_bytes())
            .unwrap();
    }
    s.close().unwrap();
    assert!(rdrive::sync_mark(&path).unwrap().unwrap().synced_len > backup.len() as u64);
    // `cp backup store`: same file, old bytes, newer watermark.
    std::fs::write(&path, &backup).unwrap();

    let ro = Store::open_read_only(&path).unwrap();
    let notes = ro.recovery_notes();
    assert!(
        notes.watermark_discarded.is_some(),
        "the mismatch is reported"
    );
    assert_eq!(ro.len(), 100);
    assert_eq!(
        ro.read(&7u32.to_le_bytes()).unwrap().unwrap().as_slice(),
        b"first 7"
    );
    drop(ro);

    let rw = OpenOptions::new().open(&path).unwrap();
    assert!(rw.recovery_notes().watermark_discarded.is_some());
    assert_eq!(rw.recovery_notes().discarded_bytes, 0);
    assert_eq!(
        rw.read(&99u32.to_le_bytes()).unwrap().unwrap().as_slice(),
        b"first 99"
    );
    rw.write(b"after", b"the restore").unwrap();
    rw.close().unwrap();
    // The read-write open wrote a fresh watermark for this file.
    let again = Store::open(&path).unwrap();
    assert_eq!(again.recovery_notes().watermark_discarded, None);
    assert_eq!(again.len(), 101);
}

#[test]
fn damage_below_a_matching_watermark_is_still_refused_and_the_file_left_alone() {
    let dir = TempDir::new("restore-damage");
    let path = dir.file("s.rdrive");
    let s = Store::open(&path).unwrap();
    s.write(b"a", b"one").unwrap();
    s.write(b"b", b"the last synced value").unwrap();
    let at = s.read(b"b").unwrap().unwrap().start_offset();
    s.close().unwrap();
    // The watermark still matches (its trailer is intact), but a synced
    // payload changed.
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[at] ^= 0x01;
    std::fs::write(&path, &bytes).unwrap();
    match Store::open(&path) {
        Err(rdrive::Error::Corrupt { .. }) => {}
        other => panic!("expected corrupt, got {other:?}"),
    }
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "nothing was cut");
    // Repair keeps the longest valid prefix.
    let r = OpenOptions::new().repair(true).open(&path).unwrap();
    assert_eq!(r.len(), 1);
    assert!(r.read(b"b").unwrap().is_none());
}
