//! Large values (written straight from the caller's memory, checksummed on
//! a helper thread) round-trip exactly.

mod common;

use common::{TempDir, noise};
use rdrive::Store;

#[test]
fn multi_megabyte_values_round_trip_with_valid_checksums() {
    let dir = TempDir::new("large");
    let path = dir.file("l.rdrive");
    let s = Store::open(&path).unwrap();
    let sizes = [(1 << 20) - 1, 1 << 20, (1 << 20) + 1, 5 << 20];
    let values: Vec<Vec<u8>> = sizes
        .iter()
        .enumerate()
        .map(|(i, &n)| noise(i as u64, n))
        .collect();
    for (i, v) in values.iter().enumerate() {
        s.write(format!("big{i}").as_bytes(), v).unwrap();
        s.write(b"small", &[i as u8 + 1]).unwrap(); // keeps offsets unaligned
    }
    s.write(b"zeros", &vec![0u8; 2 << 20]).unwrap();
    let check = |s: &Store| {
        for (i, v) in values.iter().enumerate() {
            let e = s.read(format!("big{i}").as_bytes()).unwrap().unwrap();
            assert_eq!(e.as_slice(), v.as_slice());
            assert_eq!(e.checksum(), rdrive::compute_checksum(v));
            assert!(e.is_valid_checksum());
            assert_eq!(e.start_offset() % 64, 0);
        }
        assert_eq!(
            s.read(b"zeros").unwrap().unwrap().as_slice(),
            vec![0u8; 2 << 20].as_slice()
        );
    };
    check(&s);
    drop(s);
    // No watermark on a plain copy: every checksum is verified on open.
    let copy = dir.file("copy.rdrive");
    std::fs::copy(&path, &copy).unwrap();
    let s = Store::open(&copy).unwrap();
    assert_eq!(s.recovered_bytes(), 0);
    check(&s);
}
