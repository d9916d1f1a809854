//! Many handles, one store: shared read-write handles in one process and in
//! several, waiting opens, and the exclusive/shared conflict.

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::{TempDir, child_path, run_child, serial};
use rdrive::{Error, OpenOptions, Store};

fn shared() -> OpenOptions {
    let mut o = OpenOptions::new();
    o.shared(true);
    o
}

#[test]
fn shared_handles_in_one_process_all_write_and_all_see_every_write() {
    // Ends with an exclusive open: no child may hold a copy of the lock.
    let _serial = serial();
    let dir = TempDir::new("shared-one");
    let path = dir.file("s.rdrive");
    let handles: Vec<Store> = (0..3).map(|_| shared().open(&path).unwrap()).collect();
    let mut model: HashMap<Vec<u8>, Vec<u8>> = HashMap::new();
    for round in 0..200u32 {
        let h = &handles[round as usize % 3];
        let key = format!("k{}", round % 17).into_bytes();
        if round % 7 == 3 {
            let was = model.remove(&key).is_some();
            assert_eq!(h.delete(&key).unwrap(), was, "round {round}");
        } else {
            let value = format!("v{round}").into_bytes();
            h.write(&key, &value).unwrap();
            model.insert(key, value);
        }
        // Every handle sees the write at once.
        for other in &handles {
            assert_eq!(other.len(), model.len());
        }
    }
    for h in &handles {
        for (k, v) in &model {
            assert_eq!(h.read(k).unwrap().unwrap().as_slice(), v.as_slice());
        }
        assert_eq!(h.iter_entries().count(), model.len());
    }
    drop(handles);
    let fresh = Store::open(&path).unwrap();
    assert_eq!(fresh.len(), model.len());
}

#[test]
fn exclusive_and_shared_handles_exclude_each_other() {
    let _serial = serial();
    let dir = TempDir::new("shared-excl");
    let path = dir.file("s.rdrive");
    let a = shared().open(&path).unwrap();
    let b = shared().open(&path).unwrap();
    assert!(matches!(Store::open(&path), Err(Error::Locked { .. })));
    drop((a, b));
    let excl = Store::open(&path).unwrap();
    assert!(matches!(shared().open(&path), Err(Error::Locked { .. })));
    drop(excl);
    shared().open(&path).unwrap();
}

#[test]
fn a_waiting_open_gets_the_store_when_the_holder_closes() {
    let _serial = serial();
    let dir = TempDir::new("shared-wait");
    let path = dir.file("s.rdrive");
    let holder = Store::open(&path).unwrap();
    holder.write(b"k", b"from the holder").unwrap();
    let waiter = {
        let path = path.clone();
        std::thread::spawn(move || {
            let s = OpenOptions::new().wait(true).open(&path).unwrap();
            s.read(b"k").unwrap().unwrap().to_vec()
        })
    };
    std::thread::sleep(Duration::from_millis(100));
    assert!(
        !waiter.is_finished(),
        "the waiting open returned while the store was held"
    );
    drop(holder);
    assert_eq!(waiter.join().unwrap(), b"from the holder");
}

#[test]
fn a_bounded_wait_gives_up_with_the_locked_error() {
    let _serial = serial();
    let dir = TempDir::new("shared-wait-bounded");
    let path = dir.file("s.rdrive");
    let _holder = Store::open(&path).unwrap();
    let started = Instant::now();
    let r = OpenOptions::new()
        .wait_timeout(Duration::from_millis(150))
        .open(&path);
    assert!(matches!(r, Err(Error::Locked { .. })));
    assert!(started.elapsed() >= Duration::from_millis(150));
}

/// Child: a shared writer that writes its own keys and overwrites and
/// deletes common ones, then reports what it last wrote.
#[test]
#[ignore = "run by another test as a writer process"]
fn shared_writer_role() {
    let path = child_path();
    let me: u32 = std::env::var("RDRIVE_TEST_ID").unwrap().parse().unwrap();
    let s = shared().wait(true).open(&path).unwrap();
    for i in 0..300u32 {
        s.write(format!("own-{me}-{i}").as_bytes(), &i.to_le_bytes())
            .unwrap();
        s.write(
            format!("common-{}", i % 10).as_bytes(),
            format!("{me}:{i}").as_bytes(),
        )
        .unwrap();
        if i % 25 == 24 {
            s.delete(format!("own-{me}-{}", i - 1).as_bytes()).unwrap();
        }
    }
    println!("DONE");
}

#[test]
fn shared_writer_processes_agree_on_the_final_state() {
    let _serial = serial();
    let dir = TempDir::new("shared-procs");
    let path = dir.file("s.rdrive");
    shared().open(&path).unwrap();
    let ids: Vec<String> = (1..=3).map(|i| i.to_string()).collect();
    let children: Vec<_> = ids
        .iter()
        .map(|id| {
            std::process::Command::new(std::env::current_exe().unwrap())
                .args([
                    "--ignored",
                    "--exact",
                    "shared_writer_role",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env("RDRIVE_TEST_PATH", &path)
                .env("RDRIVE_TEST_ID", id)
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success());
        assert!(String::from_utf8_lossy(&out.stdout).contains("DONE"));
    }
    let fresh = Store::open_read_only(&path).unwrap();
    for me in 1..=3u32 {
        for i in 0..300u32 {
            let key = format!("own-{me}-{i}");
            let deleted = i % 25 == 23;
            assert_eq!(fresh.exists(key.as_bytes()).unwrap(), !deleted, "{key}");
        }
    }
    // Each common key holds the last value some writer wrote to it.
    for k in 0..10 {
        let v = fresh
            .read(format!("common-{k}").as_bytes())
            .unwrap()
            .unwrap();
        let text = String::from_utf8(v.to_vec()).unwrap();
        let (_, i) = text.split_once(':').unwrap();
        assert_eq!(i.parse::<u32>().unwrap() % 10, k);
    }
    assert_eq!(fresh.len(), 3 * (300 - 12) + 10);
}

#[test]
#[ignore = "run by another test as a reader process"]
fn shared_reader_role() {
    let s = shared().open(child_path()).unwrap();
    // The parent wrote `ready` before starting this process.
    let v = s
        .read(b"ready")
        .unwrap()
        .expect("a write that completed before is visible");
    println!("GOT={}", String::from_utf8_lossy(&v));
}

#[test]
fn a_shared_handle_in_another_process_reads_what_was_written_before() {
    let _serial = serial();
    let dir = TempDir::new("shared-other");
    let path = dir.file("s.rdrive");
    let mine = shared().open(&path).unwrap();
    mine.write(b"ready", b"yes").unwrap();
    let out = run_child("shared_reader_role", &[("RDRIVE_TEST_PATH", &path)]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("GOT=yes"));
}

#[test]
fn a_shared_compaction_moves_every_handle_to_the_new_file_and_keeps_entries_valid() {
    // Ends with an exclusive open: no child may hold a copy of the lock.
    let _serial = serial();
    let dir = TempDir::new("shared-compact");
    let path = dir.file("s.rdrive");
    let a = shared().open(&path).unwrap();
    let b = shared().open(&path).unwrap();
    for i in 0..100u32 {
        a.write(&i.to_le_bytes(), b"old").unwrap();
        b.write(&i.to_le_bytes(), format!("new {i}").as_bytes())
            .unwrap();
    }
    let held = b.read(&7u32.to_le_bytes()).unwrap().unwrap();
    let before = a.file_size();
    a.compact().unwrap();
    assert!(a.file_size() < before);
    // b follows at its next call, reads and writes the new file.
    assert_eq!(b.file_size(), a.file_size());
    assert_eq!(
        b.read(&7u32.to_le_bytes()).unwrap().unwrap().as_slice(),
        b"new 7"
    );
    b.write(b"after", b"compaction").unwrap();
    assert_eq!(a.read(b"after").unwrap().unwrap().as_slice(), b"compaction");
    assert_eq!(held.as_slice(), b"new 7");
    drop((a, b));
    let fresh = Store::open(&path).unwrap();
    assert_eq!(fresh.len(), 101);
}
