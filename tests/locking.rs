//! One writer: a second read-write open, from this process or another,
//! fails with the locked error; read-only opens are not blocked.

mod common;

use common::{TempDir, child_path, run_child, serial};
use rdrive::{Error, Store};

#[test]
fn a_second_read_write_open_in_the_same_process_is_locked_out() {
    let _serial = serial();
    let dir = TempDir::new("lock-same");
    let path = dir.file("l.rdrive");
    let first = Store::open(&path).unwrap();
    first.write(b"k", b"v").unwrap();
    match Store::open(&path) {
        Err(Error::Locked { path: p }) => assert_eq!(p, path),
        other => panic!("expected locked, got {other:?}"),
    }
    let reader = Store::open_read_only(&path).unwrap();
    assert_eq!(reader.read(b"k").unwrap().unwrap().as_slice(), b"v");
    drop(first);
    Store::open(&path).unwrap();
}

#[test]
#[ignore = "run by another test as a second process"]
fn second_process_role() {
    match Store::open(child_path()) {
        Err(Error::Locked { .. }) => println!("RESULT=locked"),
        Ok(s) => println!("RESULT=opened len={}", s.len()),
        Err(e) => println!("RESULT=error {e}"),
    }
}

#[test]
fn a_second_process_gets_the_locked_error_until_the_writer_closes() {
    let _serial = serial();
    let dir = TempDir::new("lock-proc");
    let path = dir.file("l.rdrive");
    let first = Store::open(&path).unwrap();
    first.write(b"k", b"v").unwrap();
    let out = run_child("second_process_role", &[("RDRIVE_TEST_PATH", &path)]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("RESULT=locked"));
    let before = std::fs::read(&path).unwrap();
    drop(first);
    assert_eq!(std::fs::read(&path).unwrap(), before);
    let out = run_child("second_process_role", &[("RDRIVE_TEST_PATH", &path)]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("RESULT=opened len=1"));
}

#[test]
fn compaction_keeps_the_file_locked() {
    let _serial = serial();
    let dir = TempDir::new("lock-compact");
    let path = dir.file("l.rdrive");
    let s = Store::open(&path).unwrap();
    s.write(b"k", b"v").unwrap();
    s.write(b"k", b"w").unwrap();
    s.compact().unwrap();
    // The compacted file replaced the old one; it must be locked too.
    assert!(matches!(Store::open(&path), Err(Error::Locked { .. })));
    let out = run_child("second_process_role", &[("RDRIVE_TEST_PATH", &path)]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("RESULT=locked"));
}
