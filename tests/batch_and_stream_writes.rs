//! Batch writes are all-or-nothing; stream writes commit nothing on failure.

mod common;

use std::io::{self, Read};

use common::{TempDir, noise};
use rdrive::{Error, Store};

#[test]
fn a_batch_with_one_invalid_payload_leaves_no_trace() {
    let dir = TempDir::new("batch");
    let path = dir.file("b.rdrive");
    let s = Store::open(&path).unwrap();
    s.write(b"keep", b"value").unwrap();
    let size = s.file_size();
    for bad in [&b""[..], &[0u8][..]] {
        let r = s.batch_write(&[(b"x", b"fine"), (b"y", bad), (b"z", b"fine")]);
        assert!(matches!(r, Err(Error::InvalidArgument(_))), "{r:?}");
        assert_eq!(s.file_size(), size);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), size);
        assert!(!s.exists(b"x").unwrap());
        assert_eq!(s.len(), 1);
    }
}

#[test]
fn within_a_batch_the_last_write_of_a_key_wins() {
    let dir = TempDir::new("batch-last");
    let path = dir.file("b.rdrive");
    let s = Store::open(&path).unwrap();
    s.batch_write(&[(b"k", b"one"), (b"j", b"x"), (b"k", b"two")])
        .unwrap();
    assert_eq!(s.read(b"k").unwrap().unwrap().as_slice(), b"two");
    assert_eq!(s.len(), 2);
    drop(s);
    let s = Store::open(&path).unwrap();
    assert_eq!(s.read(b"k").unwrap().unwrap().as_slice(), b"two");
}

#[test]
fn an_empty_batch_is_a_no_op() {
    let dir = TempDir::new("batch-empty");
    let s = Store::open(dir.file("b.rdrive")).unwrap();
    assert_eq!(s.batch_write(&[]).unwrap(), 0);
    assert_eq!(s.file_size(), 0);
}

/// Yields `good` bytes in small pieces, then fails.
struct FailingReader {
    good: Vec<u8>,
    pos: usize,
}

impl Read for FailingReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos == self.good.len() {
            return Err(io::Error::other("source went away"));
        }
        let n = buf.len().min(1000).min(self.good.len() - self.pos);
        buf[..n].copy_from_slice(&self.good[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[test]
fn a_failing_stream_reader_commits_nothing_and_the_next_write_and_reopen_are_fine() {
    let dir = TempDir::new("stream-fail");
    let path = dir.file("s.rdrive");
    let s = Store::open(&path).unwrap();
    s.write(b"before", b"x").unwrap();
    let size = s.file_size();
    let before = std::fs::read(&path).unwrap();
    // A reader that fails while its bytes are still held, and one that
    // fails after whole pages of them reached the file.
    for good in [200_000, 1_500_000] {
        let mut reader = FailingReader {
            good: noise(1, good),
            pos: 0,
        };
        let r = s.write_stream(b"big", &mut reader);
        assert!(matches!(r, Err(Error::Aborted { .. })), "{r:?}");
        assert_eq!(s.file_size(), size);
        assert_eq!(
            std::fs::read(&path).unwrap(),
            before,
            "file exactly as before after {good} bytes"
        );
        assert!(!s.exists(b"big").unwrap());
    }
    s.write(b"after", b"works").unwrap();
    drop(s);
    let s = Store::open(&path).unwrap();
    assert_eq!(s.recovered_bytes(), 0);
    assert_eq!(s.len(), 2);
    assert_eq!(s.read(b"after").unwrap().unwrap().as_slice(), b"works");
}

#[test]
fn a_stream_is_stored_exactly_and_aligned() {
    let dir = TempDir::new("stream-ok");
    let path = dir.file("s.rdrive");
    let s = Store::open(&path).unwrap();
    s.write(b"odd", b"abc").unwrap();
    let data = noise(5, 300_001);
    s.write_stream(b"big", &mut data.as_slice()).unwrap();
    let e = s.read(b"big").unwrap().unwrap();
    assert_eq!(e.as_slice(), data.as_slice());
    assert_eq!(e.start_offset() % 64, 0);
    assert_eq!(e.checksum(), rdrive::compute_checksum(&data));
    // An all-zero stream is a legal value; an empty one and a lone 0x00 are not.
    s.write_stream(b"zeros", &mut [0u8; 5000].as_slice())
        .unwrap();
    assert_eq!(s.read(b"zeros").unwrap().unwrap().as_slice(), &[0u8; 5000]);
    let size = s.file_size();
    assert!(matches!(
        s.write_stream(b"e", &mut io::empty()),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        s.write_stream(b"z", &mut [0u8].as_slice()),
        Err(Error::InvalidArgument(_))
    ));
    assert_eq!(std::fs::metadata(&path).unwrap().len(), size);
}

#[test]
fn empty_and_lone_zero_payloads_are_invalid_arguments() {
    let dir = TempDir::new("payload-rules");
    let s = Store::open(dir.file("p.rdrive")).unwrap();
    // The message says what is wrong, whichever way the value came.
    let says = |r: rdrive::Result<u64>, what: &str| match r {
        Err(Error::InvalidArgument(m)) => assert!(m.contains(what), "{m}"),
        other => panic!("{other:?}"),
    };
    says(s.write(b"k", b""), "empty");
    says(s.write(b"k", &[0]), "single byte 0x00");
    says(s.batch_write(&[(b"a", b"1"), (b"k", b"")]), "batch item 1");
    says(s.batch_write(&[(b"k", &[0])]), "single byte 0x00");
    says(s.write_stream(b"k", &mut &b""[..]), "no bytes");
    says(s.write_stream(b"k", &mut &[0u8][..]), "single byte 0x00");
    assert_eq!(s.file_size(), 0);
    s.write(b"k", &[0, 0]).unwrap();
    s.write(b"k1", &[1]).unwrap();
    assert_eq!(s.read(b"k").unwrap().unwrap().as_slice(), &[0, 0]);
}
