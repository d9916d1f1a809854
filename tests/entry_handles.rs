//! Entry handles: zero-copy views that outlive writes, compaction and the
//! store itself; their metadata and stream reader.

mod common;

use std::io::Read;

use common::{TempDir, noise};
use rdrive::{EntryMetadata, EntryStream, NamespaceHasher, Store};

#[test]
fn a_handle_keeps_its_bytes_across_writes_compaction_and_close() {
    let dir = TempDir::new("handle-life");
    let s = Store::open(dir.file("h.rdrive")).unwrap();
    let value = noise(3, 1000);
    s.write(b"pinned", &value).unwrap();
    let e = s.read(b"pinned").unwrap().unwrap();
    let addr = e.address_range();
    // Enough writes to force several larger mappings.
    for i in 0..10_000u32 {
        s.write(format!("filler{i}").as_bytes(), &noise(u64::from(i), 300))
            .unwrap();
    }
    s.write(b"pinned", b"replaced").unwrap();
    s.compact().unwrap();
    drop(s);
    assert_eq!(e.as_slice(), value.as_slice());
    assert_eq!(e.address_range(), addr, "bytes were not moved or copied");
    assert!(e.is_valid_checksum());
}

#[test]
fn handle_accessors_describe_the_stored_entry() {
    let dir = TempDir::new("handle-meta");
    let s = Store::open(dir.file("h.rdrive")).unwrap();
    s.write(b"first", b"abc").unwrap();
    let tail = s.file_size();
    s.write(b"alice", b"hello").unwrap();
    let e = s.read(b"alice").unwrap().unwrap();
    assert_eq!(e.size(), 5);
    assert_eq!(e.size_with_metadata(), 25);
    assert_eq!(e.key_hash(), 0x4da1_0dd6_1a01_16b0);
    assert_eq!(e.checksum(), 0x3610_a686);
    assert_eq!(e.raw_checksum(), 0x3610_a686u32.to_le_bytes());
    assert_eq!(e.start_offset(), 64);
    assert_eq!(e.end_offset(), 69);
    assert_eq!(e.offset_range(), 64..69);
    assert_eq!(
        e.metadata(),
        &EntryMetadata::new(e.key_hash(), tail, 0x3610_a686)
    );
    assert_eq!(s.read_metadata(b"alice").unwrap(), Some(*e.metadata()));
    let bytes = e.metadata().serialize();
    assert_eq!(EntryMetadata::deserialize(&bytes), *e.metadata());
    assert_eq!(
        e.address_range().end as usize - e.address_range().start as usize,
        5
    );
    assert_eq!(
        e.as_ptr() as usize % 64,
        0,
        "payload is 64-byte aligned in memory"
    );
    // Comparisons with byte slices and vectors.
    assert!(e == b"hello"[..]);
    let as_ref: &[u8] = b"hello";
    assert!(e == as_ref);
    assert!(e == b"hello".to_vec());
    assert!(e.clone_arc() == e);
    assert_eq!(&*e, b"hello");
    assert_eq!(e.as_ref(), b"hello");
}

#[test]
fn every_payload_starts_on_a_64_byte_boundary() {
    let dir = TempDir::new("handle-align");
    let s = Store::open(dir.file("h.rdrive")).unwrap();
    for n in 1..200usize {
        let v = noise(n as u64, n);
        let v = if v == [0] { vec![1] } else { v };
        s.write(&n.to_le_bytes(), &v).unwrap();
        if n.is_multiple_of(7) {
            s.delete(&(n - 1).to_le_bytes()).unwrap();
        }
    }
    for e in s.iter_entries() {
        assert_eq!(e.start_offset() % 64, 0);
        assert_eq!(e.as_ptr() as usize % 64, 0);
    }
}

#[test]
fn an_entry_stream_reads_the_payload_in_chunks() {
    let dir = TempDir::new("handle-stream");
    let s = Store::open(dir.file("h.rdrive")).unwrap();
    let value = noise(9, 10_000);
    s.write(b"k", &value).unwrap();
    let mut stream = EntryStream::from(s.read(b"k").unwrap().unwrap());
    let mut out = Vec::new();
    let mut chunk = [0u8; 777];
    loop {
        let n = stream.read(&mut chunk).unwrap();
        if n == 0 {
            break;
        }
        out.extend_from_slice(&chunk[..n]);
    }
    assert_eq!(out, value);
    assert_eq!(stream.remaining(), 0);
}

#[test]
fn reads_by_hash_peek_and_read_into_agree_with_read() {
    let dir = TempDir::new("handle-ways");
    let s = Store::open(dir.file("h.rdrive")).unwrap();
    s.write(b"k", b"twelve bytes").unwrap();
    let h = rdrive::compute_hash(b"k");
    assert_eq!(
        s.read_with_key_hash(h).unwrap().unwrap().as_slice(),
        b"twelve bytes"
    );
    assert_eq!(
        s.peek(b"k", |b| b.to_vec()).unwrap().unwrap(),
        b"twelve bytes"
    );
    assert_eq!(s.peek(b"none", |b| b.len()).unwrap(), None);
    let mut small = [0u8; 4];
    assert_eq!(s.read_into(b"k", &mut small).unwrap(), Some(12));
    assert_eq!(small, [0; 4], "nothing copied when it does not fit");
    let mut big = [0u8; 20];
    assert_eq!(s.read_into(b"k", &mut big).unwrap(), Some(12));
    assert_eq!(&big[..12], b"twelve bytes");
    let batch = s.batch_read(&[b"k", b"none"]).unwrap();
    assert!(batch[0].is_some() && batch[1].is_none());
    let batch = s.batch_read_hashed_keys(&[h, 1]).unwrap();
    assert!(batch[0].is_some() && batch[1].is_none());
    assert!(s.exists_with_key_hash(h).unwrap());
}

#[test]
fn namespaced_keys_are_ordinary_keys() {
    let dir = TempDir::new("handle-ns");
    let s = Store::open(dir.file("h.rdrive")).unwrap();
    let users = NamespaceHasher::new(b"users");
    let groups = NamespaceHasher::new(b"groups");
    s.write(&users.namespace(b"1"), b"ada").unwrap();
    s.write(&groups.namespace(b"1"), b"admins").unwrap();
    assert_eq!(
        s.read(&users.namespace(b"1")).unwrap().unwrap().as_slice(),
        b"ada"
    );
    assert_eq!(
        s.read(&groups.namespace(b"1")).unwrap().unwrap().as_slice(),
        b"admins"
    );
}

#[cfg(feature = "expose-internal-api")]
#[test]
fn the_shared_mapping_is_reachable_behind_the_feature() {
    let dir = TempDir::new("handle-map");
    let s = Store::open(dir.file("h.rdrive")).unwrap();
    s.write(b"a", b"x1").unwrap();
    s.write(b"b", b"x2").unwrap();
    let a = s.read(b"a").unwrap().unwrap();
    let b = s.read(b"b").unwrap().unwrap();
    assert_eq!(a.mmap_arc().as_ptr(), b.mmap_arc().as_ptr());
    assert!(a.mmap_arc().reserved_len() >= 128);
}

#[test]
fn live_mappings_stay_few_however_many_handles_are_held() {
    let dir = TempDir::new("handle-vmas");
    let path = dir.file("many.rdrive");
    let s = Store::open(&path).unwrap();
    // One handle kept after every write while the file grows to ~20 MiB,
    // forcing the mapping to be replaced as it grows.
    let mut held = Vec::new();
    for i in 0..20_000u32 {
        s.write(&i.to_le_bytes(), &noise(u64::from(i), 1000))
            .unwrap();
        held.push(s.read(&i.to_le_bytes()).unwrap().unwrap());
    }
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    let name = path.to_str().unwrap();
    let mappings = maps.lines().filter(|l| l.ends_with(name)).count();
    assert!(mappings >= 1);
    assert!(
        mappings <= 8,
        "{mappings} mappings for {} handles",
        held.len()
    );
    for (i, e) in held.iter().enumerate() {
        assert_eq!(e.as_slice(), noise(i as u64, 1000).as_slice());
    }
}
