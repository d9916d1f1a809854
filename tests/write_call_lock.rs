//! The write-call lock of shared handles: it serializes every write call
//! of every handle, and nothing a previous holder left behind (a lock from
//! before a reboot) makes a writer wait for it.

mod common;

use std::io::{Seek, SeekFrom, Write};
use std::sync::mpsc;
use std::time::Duration;

use common::TempDir;
use rdrive::format::lock_page::{MUTEX_BOOT_AT, MUTEX_OFFSET};
use rdrive::{OpenOptions, Store};

fn shared() -> OpenOptions {
    let mut o = OpenOptions::new();
    o.shared(true);
    o
}

fn lock_file(path: &std::path::Path) -> std::path::PathBuf {
    let mut name = path.file_name().unwrap().to_os_string();
    name.push(".rdrive-lock");
    path.with_file_name(name)
}

#[test]
fn threads_writing_through_their_own_shared_handles_lose_no_write() {
    let dir = TempDir::new("wlock-threads");
    let path = dir.file("s.rdrive");
    const THREADS: usize = 4;
    const EACH: usize = 400;
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let path = &path;
            s.spawn(move || {
                let store = shared().open(path).unwrap();
                for i in 0..EACH {
                    // Values of varying length, so entries that overlapped
                    // would not line up by chance.
                    let value = format!("{t}-{i}-{}", "x".repeat((i * 7 + t) % 150));
                    store
                        .write(format!("t{t}k{i}").as_bytes(), value.as_bytes())
                        .unwrap();
                }
            });
        }
    });
    let fresh = Store::open(&path).unwrap();
    assert_eq!(fresh.recovered_bytes(), 0);
    assert_eq!(fresh.len(), THREADS * EACH);
    for t in 0..THREADS {
        for i in 0..EACH {
            let value = format!("{t}-{i}-{}", "x".repeat((i * 7 + t) % 150));
            let got = fresh.read(format!("t{t}k{i}").as_bytes()).unwrap().unwrap();
            assert_eq!(got.as_slice(), value.as_bytes(), "t{t}k{i}");
        }
    }
}

#[test]
// The page is native-endian shared memory of one machine.
#[allow(clippy::host_endian_bytes)]
fn a_write_lock_held_in_another_boot_is_not_waited_for() {
    let dir = TempDir::new("wlock-boot");
    let path = dir.file("s.rdrive");
    {
        let store = shared().open(&path).unwrap();
        store.write(b"before", b"1").unwrap();
    }
    // The page as a machine that went down with a writer inside a call
    // leaves it: the mutex says it is held (by thread 1, which never exits
    // here), and it was initialized in another boot.
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .open(lock_file(&path))
        .unwrap();
    f.seek(SeekFrom::Start(MUTEX_BOOT_AT as u64 * 8)).unwrap();
    f.write_all(&0x5eed_u64.to_ne_bytes()).unwrap();
    let mut held = [0u8; 40];
    held[0..4].copy_from_slice(&1u32.to_ne_bytes()); // lock word: owner tid 1
    held[8..12].copy_from_slice(&1u32.to_ne_bytes()); // owner
    f.seek(SeekFrom::Start(MUTEX_OFFSET as u64)).unwrap();
    f.write_all(&held).unwrap();
    drop(f);

    let (done, finished) = mpsc::channel();
    let p = path.clone();
    std::thread::spawn(move || {
        let outcome = shared()
            .open(&p)
            .and_then(|s| s.write(b"after", b"2").map(|_| s.len()));
        let _ = done.send(outcome.map_err(|e| e.to_string()));
    });
    match finished.recv_timeout(Duration::from_secs(30)) {
        Ok(outcome) => assert_eq!(outcome, Ok(2)),
        Err(_) => panic!("the writer waited for a lock held in another boot"),
    }
}
