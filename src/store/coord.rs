//! Coordination between handles and processes: the lock file
//! `<store>.rdrive-lock` beside the store.
//!
//! Locks are open-file-description byte locks on the lock file (not on the
//! store file): they conflict between any two opens, in one process or
//! many; they vanish when their holder's descriptor closes, and no memory
//! mapping of the store keeps them (an entry that outlives its store never
//! keeps the store locked). The lock file is never renamed, so the lock
//! follows the path through compactions. It is created on demand, holds no
//! data, and may be deleted while no process has the store open.
//!
//! Bytes:
//! - [`MODE`]: a read-write handle holds a write lock for its lifetime.
//! - [`FENCE`]: a read-only open holds a read lock while it recovers the
//!   file; a writer holds a write lock while it shortens the file, so a
//!   reader never maps bytes that disappear under it.
//! - [`COMPACT`]: held (write) while a compaction writes its temporary
//!   file, so others can tell a live compaction from a stale leftover.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use super::sys::{self, LockKind};

const MODE: u64 = 0;
const FENCE: u64 = 2;
const COMPACT: u64 = 3;

/// Path of the lock file of the store at `path`.
pub(crate) fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".rdrive-lock");
    path.with_file_name(name)
}

/// An open lock file.
#[derive(Debug)]
pub(crate) struct LockFile {
    file: File,
}

/// A byte lock, released on drop.
#[derive(Debug)]
pub(crate) struct Held<'a> {
    file: &'a File,
    byte: u64,
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        let _ = sys::byte_lock(self.file, self.byte, None, false);
    }
}

impl LockFile {
    /// Opens the lock file of the store at `path`, creating it (with the
    /// store file's permissions, so whoever may write the store may lock
    /// it).
    pub(crate) fn create(path: &Path) -> io::Result<Self> {
        let lock = lock_path(path);
        let mut o = std::fs::OpenOptions::new();
        o.read(true).write(true);
        let file = match o.clone().create_new(true).open(&lock) {
            Ok(file) => {
                if let Ok(meta) = std::fs::metadata(path) {
                    use std::os::unix::fs::PermissionsExt;
                    let mode = meta.permissions().mode() & 0o666;
                    let _ = file.set_permissions(std::fs::Permissions::from_mode(mode));
                }
                file
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => o.open(&lock)?,
            Err(e) => return Err(e),
        };
        Ok(Self { file })
    }

    /// Opens the lock file for a reader: created if it can be, read-only
    /// if it cannot, `None` if it does not exist and cannot be created (a
    /// read-only filesystem or directory, where no writer can run either).
    pub(crate) fn for_reader(path: &Path) -> Option<Self> {
        if let Ok(lock) = Self::create(path) {
            return Some(lock);
        }
        File::open(lock_path(path)).ok().map(|file| Self { file })
    }

    /// Takes the writer's lock without waiting: `Ok(false)` if another
    /// handle holds it.
    pub(crate) fn try_lock_writer(&self) -> io::Result<bool> {
        sys::byte_lock(&self.file, MODE, Some(LockKind::Write), false)
    }

    /// Waits until no writer is shortening the file, and keeps writers
    /// from doing so until the guard is dropped.
    pub(crate) fn fence_reader(&self) -> io::Result<Held<'_>> {
        self.hold(FENCE, LockKind::Read)
    }

    /// Waits until no reader is recovering the file, and keeps readers out
    /// until the guard is dropped.
    pub(crate) fn fence_writer(&self) -> io::Result<Held<'_>> {
        self.hold(FENCE, LockKind::Write)
    }

    /// Marks a compaction as running until the guard is dropped.
    pub(crate) fn compacting(&self) -> io::Result<Held<'_>> {
        self.hold(COMPACT, LockKind::Write)
    }

    /// Whether another handle is compacting the store now.
    pub(crate) fn compaction_running(&self) -> bool {
        sys::byte_locked_by_other(&self.file, COMPACT, LockKind::Write).unwrap_or(false)
    }

    fn hold(&self, byte: u64, kind: LockKind) -> io::Result<Held<'_>> {
        sys::byte_lock(&self.file, byte, Some(kind), true)?;
        Ok(Held {
            file: &self.file,
            byte,
        })
    }
}
