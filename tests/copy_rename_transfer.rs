//! rename, copy and transfer, including all-zero values and same-file checks.

mod common;

use common::TempDir;
use rdrive::{Error, Store};

#[test]
fn rename_moves_a_value_and_survives_reopen() {
    let dir = TempDir::new("rename");
    let path = dir.file("r.rdrive");
    let s = Store::open(&path).unwrap();
    s.write(b"old", b"payload").unwrap();
    assert!(s.rename(b"old", b"new").unwrap());
    assert!(s.read(b"old").unwrap().is_none());
    assert_eq!(s.read(b"new").unwrap().unwrap().as_slice(), b"payload");
    assert!(!s.rename(b"missing", b"other").unwrap());
    assert!(matches!(
        s.rename(b"new", b"new"),
        Err(Error::InvalidArgument(_))
    ));
    drop(s);
    let s = Store::open(&path).unwrap();
    assert_eq!(s.len(), 1);
    assert_eq!(s.read(b"new").unwrap().unwrap().as_slice(), b"payload");
}

#[test]
fn multi_byte_zero_values_survive_copy_rename_and_compaction() {
    let dir = TempDir::new("zeros");
    let a = Store::open(dir.file("a.rdrive")).unwrap();
    let b = Store::open(dir.file("b.rdrive")).unwrap();
    let zeros = vec![0u8; 4096];
    a.write(b"z", &zeros).unwrap();
    a.write(b"z2", &[0, 0]).unwrap();
    assert!(a.copy(b"z", &b).unwrap());
    assert!(a.rename(b"z2", b"z3").unwrap());
    a.compact().unwrap();
    b.compact().unwrap();
    assert_eq!(a.read(b"z").unwrap().unwrap().as_slice(), zeros.as_slice());
    assert_eq!(a.read(b"z3").unwrap().unwrap().as_slice(), &[0, 0]);
    assert_eq!(b.read(b"z").unwrap().unwrap().as_slice(), zeros.as_slice());
    assert!(b.read(b"z").unwrap().unwrap().is_valid_checksum());
}

#[test]
fn copy_keeps_the_source_and_transfer_removes_it() {
    let dir = TempDir::new("copy");
    let a = Store::open(dir.file("a.rdrive")).unwrap();
    let b = Store::open(dir.file("b.rdrive")).unwrap();
    a.write(b"k", b"v1").unwrap();
    a.write(b"t", b"moving").unwrap();
    assert!(a.copy(b"k", &b).unwrap());
    assert!(a.transfer(b"t", &b).unwrap());
    assert!(!a.copy(b"missing", &b).unwrap());
    assert!(!a.transfer(b"missing", &b).unwrap());
    assert_eq!(a.read(b"k").unwrap().unwrap().as_slice(), b"v1");
    assert!(a.read(b"t").unwrap().is_none());
    assert_eq!(b.read(b"k").unwrap().unwrap().as_slice(), b"v1");
    assert_eq!(b.read(b"t").unwrap().unwrap().as_slice(), b"moving");
    assert_eq!(b.len(), 2);
}

#[test]
fn copy_to_the_same_file_by_another_path_is_refused() {
    let dir = TempDir::new("copy-self");
    let path = dir.file("a.rdrive");
    let a = Store::open(&path).unwrap();
    a.write(b"k", b"v").unwrap();
    // Another name for the same file: a hard link and a "./.." detour.
    let link = dir.file("link.rdrive");
    std::fs::hard_link(&path, &link).unwrap();
    let detour = dir
        .path()
        .join("..")
        .join(dir.path().file_name().unwrap())
        .join("a.rdrive");
    let same = Store::open_read_only(&link).unwrap();
    let same2 = Store::open_read_only(&detour).unwrap();
    assert!(a.is_same_file(&same) && a.is_same_file(&same2));
    assert!(matches!(
        a.copy(b"k", &same),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        a.copy(b"k", &same2),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(a.copy(b"k", &a), Err(Error::InvalidArgument(_))));
    assert!(matches!(
        a.transfer(b"k", &a),
        Err(Error::InvalidArgument(_))
    ));
    assert!(a.exists(b"k").unwrap());
}

#[test]
fn a_transfer_out_of_a_read_only_store_fails_without_copying() {
    let dir = TempDir::new("transfer-ro");
    Store::open(dir.file("a.rdrive"))
        .unwrap()
        .write(b"k", b"v")
        .unwrap();
    let a = Store::open_read_only(dir.file("a.rdrive")).unwrap();
    let b = Store::open(dir.file("b.rdrive")).unwrap();
    assert!(matches!(a.transfer(b"k", &b), Err(Error::ReadOnly)));
    assert!(!b.exists(b"k").unwrap());
    assert_eq!(b.file_size(), 0);
}

#[test]
fn copy_into_a_read_only_store_is_refused() {
    let dir = TempDir::new("copy-ro");
    let a = Store::open(dir.file("a.rdrive")).unwrap();
    Store::open(dir.file("b.rdrive")).unwrap();
    let b = Store::open_read_only(dir.file("b.rdrive")).unwrap();
    a.write(b"k", b"v").unwrap();
    assert!(matches!(a.copy(b"k", &b), Err(Error::ReadOnly)));
}
