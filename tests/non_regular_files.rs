//! A path that is not a regular file (a directory, a FIFO) is refused at
//! once with an invalid-argument error, by read-only and read-write opens
//! alike — never a hang, never a different error.

mod common;

use std::time::Duration;

use common::TempDir;
use rdrive::{Error, OpenOptions, Store};

#[test]
fn a_directory_is_refused_as_an_invalid_argument_by_every_open() {
    let dir = TempDir::new("dir-open");
    for opened in [
        Store::open(dir.path()),
        Store::open_existing(dir.path()),
        Store::open_read_only(dir.path()),
    ] {
        assert!(
            matches!(opened, Err(Error::InvalidArgument(_))),
            "{opened:?}"
        );
    }
}

#[test]
fn a_fifo_is_refused_at_once_instead_of_blocking() {
    let dir = TempDir::new("fifo-open");
    let fifo = dir.file("pipe");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: `c` is a valid NUL-terminated path for the call.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    // Opening a FIFO blocks until someone opens its other end: run the
    // opens on a thread and give up on them if they do not return.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut o = OpenOptions::new();
        o.create(false);
        let _ = tx.send([
            Store::open_read_only(&fifo).map(drop),
            Store::open(&fifo).map(drop),
            o.open(&fifo).map(drop),
        ]);
    });
    let results = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("opening a FIFO blocked");
    for r in results {
        assert!(matches!(r, Err(Error::InvalidArgument(_))), "{r:?}");
    }
}
