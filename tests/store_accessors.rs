//! What a handle says about its store: whether it is empty, how many live
//! keys it has, whether it is read-only, its path, and the memory its index
//! holds.

mod common;

use common::TempDir;
use rdrive::Store;

#[test]
fn a_handle_describes_its_store() {
    let dir = TempDir::new("accessors");
    let path = dir.file("a.rdrive");
    let s = Store::open(&path).unwrap();
    assert!(s.is_empty());
    assert!(!s.is_read_only());
    assert_eq!(s.path(), path.as_path());
    let small = s.index_heap_bytes();
    assert!(small > 0, "an index holds a table from the start");
    s.write(b"k", b"v").unwrap();
    assert!(!s.is_empty());
    assert_eq!(s.len(), 1);
    s.delete(b"k").unwrap();
    assert!(s.is_empty());
    // A large index holds more memory, at least a word per key.
    let items: Vec<([u8; 4], [u8; 1])> = (0..50_000u32).map(|k| (k.to_le_bytes(), [1])).collect();
    let pairs: Vec<(&[u8], &[u8])> = items.iter().map(|(k, v)| (&k[..], &v[..])).collect();
    s.batch_write(&pairs).unwrap();
    assert_eq!(s.len(), 50_000);
    assert!(
        s.index_heap_bytes() >= 50_000 * 8 && s.index_heap_bytes() > small,
        "{} bytes",
        s.index_heap_bytes()
    );
    drop(s);
    let r = Store::open_read_only(&path).unwrap();
    assert!(r.is_read_only());
    assert!(!r.is_empty());
    assert_eq!(r.len(), 50_000);
}
