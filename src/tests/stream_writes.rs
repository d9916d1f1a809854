//! A streamed value reaches the file in whole pages while it is read (it is
//! never held whole in memory), and a stream that ends before its first
//! page was written — failed, empty or refused — changes nothing in the
//! file. Sources that are interrupted are read again.

use std::io::{self, Read};

use super::scratch;
use super::sim::{Op, Recorder};
use crate::{Error, OpenOptions};

const PAGE: u64 = 4096;

/// Hands out `data` in pieces of at most `piece` bytes, then fails if
/// `fail` is set; returns `Interrupted` before every other piece.
struct Source {
    data: Vec<u8>,
    at: usize,
    piece: usize,
    fail: bool,
    interrupt: bool,
}

impl Source {
    fn new(data: Vec<u8>, piece: usize) -> Self {
        Self {
            data,
            at: 0,
            piece,
            fail: false,
            interrupt: false,
        }
    }
}

impl Read for Source {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.interrupt {
            self.interrupt = false;
            return Err(io::ErrorKind::Interrupted.into());
        }
        if self.at == self.data.len() {
            return if self.fail {
                Err(io::Error::other("source went away"))
            } else {
                Ok(0)
            };
        }
        let n = buf.len().min(self.piece).min(self.data.len() - self.at);
        buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
        self.at += n;
        self.interrupt = true;
        Ok(n)
    }
}

fn noise(len: usize) -> Vec<u8> {
    let mut rng = super::sim::Rng::new(len as u64);
    rng.bytes(len)
}

/// Writes and size changes the recorder saw on inode `store`.
fn changes(ops: &[Op], store: usize) -> Vec<(u64, usize)> {
    ops.iter()
        .filter_map(|op| match op {
            Op::Write { inode, at, bytes } if *inode == store => Some((*at, bytes.len())),
            Op::SetLen { inode, len } if *inode == store => Some((*len, usize::MAX)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_stream_reaches_the_file_in_whole_pages_while_it_is_read() {
    let _serial = super::serial();
    let dir = scratch("stream-pages");
    let path = dir.join("s.rdrive");
    let rec = Recorder::new();
    let s = OpenOptions::new().storage(rec.clone()).open(&path).unwrap();
    s.write(b"first", b"an odd length").unwrap();
    let tail = s.file_size();
    let store = rec.inode_at(&path);
    let before = rec.ops().len();
    let data = noise(3 << 20);
    let new_tail = s
        .write_stream(b"big", &mut Source::new(data.clone(), 50_000))
        .unwrap();
    let writes = changes(&rec.ops()[before..], store);
    // Contiguous writes from the old tail to the new one; every one but the
    // last ends on a page boundary, and none holds much more than the
    // source's pieces between two writes.
    assert!(writes.len() >= 8, "{} writes for 3 MiB", writes.len());
    let mut at = tail;
    for (i, &(start, len)) in writes.iter().enumerate() {
        assert_ne!(len, usize::MAX, "no size change in a stream that succeeds");
        assert_eq!(start, at, "write {i} continues the previous one");
        assert!(len > 0 && len <= 512 * 1024, "write {i}: {len} bytes");
        at += len as u64;
        if i + 1 < writes.len() {
            assert_eq!(at % PAGE, 0, "write {i} ends on a page boundary");
        }
    }
    assert_eq!(at, new_tail);
    assert_eq!(s.read(b"big").unwrap().unwrap().as_slice(), data.as_slice());
    drop(s);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_stream_that_ends_before_its_first_page_changes_nothing_in_the_file() {
    let _serial = super::serial();
    let dir = scratch("stream-nothing");
    let path = dir.join("s.rdrive");
    let rec = Recorder::new();
    let s = OpenOptions::new().storage(rec.clone()).open(&path).unwrap();
    s.write(b"first", b"value").unwrap();
    let size = s.file_size();
    let store = rec.inode_at(&path);
    let before = rec.ops().len();
    let mut failing = Source::new(noise(10_000), 1000);
    failing.fail = true;
    assert!(matches!(
        s.write_stream(b"k", &mut failing),
        Err(Error::Aborted { .. })
    ));
    assert!(matches!(
        s.write_stream(b"k", &mut io::empty()),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        s.write_stream(b"k", &mut [0u8].as_slice()),
        Err(Error::InvalidArgument(_))
    ));
    assert_eq!(changes(&rec.ops()[before..], store), vec![]);
    assert_eq!(s.file_size(), size);
    assert!(!s.exists(b"k").unwrap());
    drop(s);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_interrupted_source_is_read_again_and_a_one_byte_stream_is_a_value() {
    let dir = scratch("stream-interrupted");
    let s = crate::Store::open(dir.join("s.rdrive")).unwrap();
    let data = noise(300_000);
    let mut src = Source::new(data.clone(), 7_000);
    src.interrupt = true;
    s.write_stream(b"k", &mut src).unwrap();
    assert_eq!(s.read(b"k").unwrap().unwrap().as_slice(), data.as_slice());
    s.write_stream(b"one", &mut [5u8].as_slice()).unwrap();
    assert_eq!(s.read(b"one").unwrap().unwrap().as_slice(), &[5]);
    drop(s);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_streamed_value_whose_trailer_crosses_the_end_of_the_mapping_reads_back() {
    let dir = scratch("stream-boundary");
    let path = dir.join("s.rdrive");
    let s = crate::Store::open(&path).unwrap();
    // A new store maps its first MiB; this value's trailer straddles it.
    let data = noise((1 << 20) - 10);
    s.write_stream(b"k", &mut data.as_slice()).unwrap();
    assert_eq!(s.file_size(), (1 << 20) + 10);
    assert_eq!(s.read(b"k").unwrap().unwrap().as_slice(), data.as_slice());
    drop(s);
    let s = crate::Store::open(&path).unwrap();
    assert_eq!(s.read(b"k").unwrap().unwrap().as_slice(), data.as_slice());
    drop(s);
    std::fs::remove_dir_all(&dir).unwrap();
}
