//! Another program must not modify a store file while it is open (see
//! DESIGN §7). If one does, reads of what it damaged fail with
//! `Error::Corrupt` naming the offset — they never hand out another key's
//! value.

mod common;

use std::os::unix::fs::FileExt;

use common::TempDir;
use rdrive::{Error, Store, compute_hash};

#[test]
fn a_value_whose_trailer_now_names_another_key_reads_as_corrupt() {
    let dir = TempDir::new("damage-key");
    let path = dir.file("d.rdrive");
    let s = Store::open(&path).unwrap();
    s.write(b"a", b"the value of a").unwrap();
    s.write(b"b", b"the value of b").unwrap();
    let e = s.read(b"a").unwrap().unwrap();
    let trailer_at = e.start_offset() as u64 + e.size() as u64;
    drop(e);
    // The key hash of a's trailer now says "c".
    let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    f.write_all_at(&compute_hash(b"c").to_le_bytes(), trailer_at)
        .unwrap();
    drop(f);
    let corrupt = |r: rdrive::Result<Option<Vec<u8>>>| match r {
        Err(Error::Corrupt { offset, .. }) => assert_eq!(offset, trailer_at),
        other => panic!("expected a corruption error, got {other:?}"),
    };
    corrupt(s.read(b"a").map(|v| v.map(|e| e.as_slice().to_vec())));
    corrupt(s.peek(b"a", <[u8]>::to_vec));
    corrupt(
        s.batch_read(&[b"b", b"a"])
            .map(|v| v[1].as_ref().map(|e| e.as_slice().to_vec())),
    );
    // What was not damaged still reads.
    assert_eq!(s.read(b"b").unwrap().unwrap().as_slice(), b"the value of b");
    assert!(s.read(b"c").unwrap().is_none());
}
