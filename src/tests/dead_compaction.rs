//! A compaction whose process dies after it renamed the new file over the
//! store and before it published it: the next shared writer adopts the
//! file at the path, so its writes (and everybody's earlier ones) are in
//! the store — never in the unlinked old file.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::store::io::{Create, Os, Storage};
use crate::{OpenOptions, Store};

/// The operating system, except that the process dies at the first
/// directory sync (which a compaction makes right after its rename).
struct DieAtDirectorySync;

impl Storage for DieAtDirectorySync {
    fn write_at(&self, f: &std::fs::File, p: &[&[u8]], at: u64) -> std::io::Result<()> {
        Os.write_at(f, p, at)
    }
    fn sync_data(&self, f: &std::fs::File) -> std::io::Result<()> {
        Os.sync_data(f)
    }
    fn sync_all(&self, f: &std::fs::File) -> std::io::Result<()> {
        Os.sync_all(f)
    }
    fn set_len(&self, f: &std::fs::File, len: u64) -> std::io::Result<()> {
        Os.set_len(f, len)
    }
    fn set_watermark(&self, f: &std::fs::File, v: &[u8]) -> std::io::Result<bool> {
        Os.set_watermark(f, v)
    }
    fn create(&self, path: &Path, how: Create) -> std::io::Result<std::fs::File> {
        Os.create(path, how)
    }
    fn rename(&self, from: &Path, to: &Path) -> std::io::Result<()> {
        Os.rename(from, to)
    }
    fn remove(&self, path: &Path) -> std::io::Result<()> {
        Os.remove(path)
    }
    fn sync_dir(&self, _: &Path) -> std::io::Result<()> {
        std::process::exit(7)
    }
}

fn path() -> PathBuf {
    PathBuf::from(std::env::var_os("RDRIVE_TEST_PATH").expect("set by the parent"))
}

#[test]
#[ignore = "run by another test as a process that dies mid-compaction"]
fn compactor_role() {
    let s = OpenOptions::new()
        .shared(true)
        .storage(Arc::new(DieAtDirectorySync))
        .open(path())
        .unwrap();
    for i in 0..50u32 {
        s.write(b"churn", &i.to_le_bytes()).unwrap();
    }
    s.write(b"from the compactor", b"acknowledged").unwrap();
    let _ = s.compact();
    unreachable!("the storage ends the process at the directory sync");
}

#[test]
fn a_compaction_that_died_after_its_rename_is_adopted_by_the_next_writer() {
    let _serial = super::serial();
    let dir = std::env::temp_dir().join(format!("rdrive-dead-compact-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("d.rdrive");
    let survivor = OpenOptions::new().shared(true).open(&path).unwrap();
    survivor.write(b"before", b"the compaction").unwrap();
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "tests::dead_compaction::compactor_role",
            "--test-threads=1",
        ])
        .env("RDRIVE_TEST_PATH", &path)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(7),
        "the compactor died where planned"
    );
    // The file at the path is the compacted one; the page still describes
    // the old one, marked busy.
    survivor.write(b"after", b"the compaction").unwrap();
    for (k, v) in [
        (&b"before"[..], &b"the compaction"[..]),
        (b"from the compactor", b"acknowledged"),
        (b"after", b"the compaction"),
    ] {
        assert_eq!(survivor.read(k).unwrap().unwrap().as_slice(), v);
    }
    drop(survivor);
    let fresh = Store::open(&path).unwrap();
    assert_eq!(fresh.len(), 4);
    assert_eq!(
        fresh.read(b"after").unwrap().unwrap().as_slice(),
        b"the compaction"
    );
    assert_eq!(
        fresh.read(b"churn").unwrap().unwrap().as_slice(),
        &49u32.to_le_bytes()
    );
    drop(fresh);
    std::fs::remove_dir_all(&dir).unwrap();
}
