//! Callbacks that run while the store's writer is held (stream sources,
//! compaction progress) and call a writing function of the same store get
//! an invalid-argument error ("re-entrant call"), never a deadlock; reads
//! from them stay allowed.

mod common;

use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use common::TempDir;
use rdrive::{Error, Store};

/// Runs `f` on another thread; fails the test if it does not finish.
fn within_seconds<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(30))
        .expect("the call did not return: a deadlock")
}

fn is_reentrant(r: &rdrive::Result<impl std::fmt::Debug>) -> bool {
    matches!(r, Err(Error::InvalidArgument(m)) if m.contains("re-entrant call"))
}

#[test]
fn a_compaction_progress_callback_that_writes_gets_an_error_not_a_deadlock() {
    let dir = TempDir::new("reenter-compact");
    let store = Arc::new(Store::open(dir.file("r.rdrive")).unwrap());
    for i in 0..100u32 {
        store.write(&i.to_le_bytes(), b"value").unwrap();
        store.write(&i.to_le_bytes(), b"newer value").unwrap();
    }
    let s = store.clone();
    let (stats, seen) = within_seconds(move || {
        let mut seen = Vec::new();
        let stats = s.compact_with_progress(|_, _| {
            seen.push(is_reentrant(&s.write(b"inside", b"x")));
            seen.push(is_reentrant(&s.sync()));
            seen.push(is_reentrant(&s.compact()));
            seen.push(is_reentrant(&s.delete(&1u32.to_le_bytes())));
            // Reads are fine.
            seen.push(s.read(&1u32.to_le_bytes()).unwrap().is_some());
            true
        });
        (stats, seen)
    });
    assert_eq!(stats.unwrap().entries, 100);
    assert!(!seen.is_empty() && seen.iter().all(|&ok| ok), "{seen:?}");
    assert!(store.read(b"inside").unwrap().is_none());
    store.write(b"after", b"works").unwrap();
}

/// A stream source that tries to write to its own store.
struct Meddling {
    store: Arc<Store>,
    sent: bool,
    reentrant: bool,
}

impl std::io::Read for Meddling {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.sent {
            return Ok(0);
        }
        self.reentrant = is_reentrant(&self.store.write(b"meddle", b"x"));
        assert_eq!(
            self.store.read(b"old").unwrap().unwrap().as_slice(),
            b"value"
        );
        self.sent = true;
        buf[..5].copy_from_slice(b"bytes");
        Ok(5)
    }
}

/// Streams into `streaming` from a source that writes through `meddled`;
/// returns the stream's result and whether the source's write was refused
/// as re-entrant.
fn stream_meddling_with(streaming: Arc<Store>, meddled: Arc<Store>) -> (rdrive::Result<u64>, bool) {
    within_seconds(move || {
        let mut src = Meddling {
            store: meddled,
            sent: false,
            reentrant: false,
        };
        let r = streaming.write_stream(b"streamed", &mut src);
        (r, src.reentrant)
    })
}

#[test]
fn a_stream_source_that_writes_to_its_store_gets_an_error_not_a_deadlock() {
    let dir = TempDir::new("reenter-stream");
    let store = Arc::new(Store::open(dir.file("r.rdrive")).unwrap());
    store.write(b"old", b"value").unwrap();
    let (result, reentrant) = stream_meddling_with(store.clone(), store.clone());
    result.unwrap();
    assert!(reentrant);
    assert_eq!(
        store.read(b"streamed").unwrap().unwrap().as_slice(),
        b"bytes"
    );
    assert!(store.read(b"meddle").unwrap().is_none());
}

#[test]
fn a_stream_source_that_writes_through_another_shared_handle_of_its_store_gets_an_error_not_a_deadlock()
 {
    let dir = TempDir::new("reenter-shared");
    let path = dir.file("r.rdrive");
    let mut o = rdrive::OpenOptions::new();
    o.shared(true);
    let first = Arc::new(o.open(&path).unwrap());
    let second = Arc::new(o.open(&path).unwrap());
    second.write(b"old", b"value").unwrap();
    // The source writes through the other handle: its write call would wait
    // for the write lock this thread holds through `first`.
    let (result, reentrant) = stream_meddling_with(first.clone(), second.clone());
    result.unwrap();
    assert!(reentrant);
    assert_eq!(
        second.read(b"streamed").unwrap().unwrap().as_slice(),
        b"bytes"
    );
    assert!(second.read(b"meddle").unwrap().is_none());
    second.write(b"after", b"works").unwrap();
    assert_eq!(first.read(b"after").unwrap().unwrap().as_slice(), b"works");
}

#[test]
fn another_thread_still_waits_for_the_writer_instead_of_failing() {
    let dir = TempDir::new("reenter-thread");
    let store = Arc::new(Store::open(dir.file("r.rdrive")).unwrap());
    for i in 0..50u32 {
        store.write(&i.to_le_bytes(), b"v").unwrap();
    }
    let s = store.clone();
    let r = within_seconds(move || {
        s.compact_with_progress(|_, _| {
            let t = s.clone();
            // Another thread's write waits for the compaction to end.
            let h = std::thread::spawn(move || t.write(b"from another thread", b"x"));
            std::thread::sleep(Duration::from_millis(5));
            drop(h);
            true
        })
    });
    r.unwrap();
    std::thread::sleep(Duration::from_millis(50));
    store.write(b"last", b"x").unwrap();
}
