//! The storage seam: every change the engine makes on disk goes through
//! [`Storage`], so that tests can record the operations (and build the
//! images a power loss could leave from them) or make any one of them fail.
//!
//! Reads do not go through it: the engine reads files through memory
//! mappings and `pread`, which cannot change what is on disk.

use std::fs::File;
use std::io;
use std::path::Path;

use super::sys;

/// How [`Storage::create`] treats an existing file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Create {
    /// Fail with `AlreadyExists` if the path exists.
    New,
    /// Create the file, or empty an existing one.
    Truncate,
}

/// The file operations that change what is on disk.
pub(crate) trait Storage: Send + Sync {
    /// Writes all of `parts`, concatenated, at offset `at`. The parts go to
    /// the system in one request (a short write continues where it stopped),
    /// so an entry's last payload bytes and its trailer are never written
    /// by separate calls.
    fn write_at(&self, file: &File, parts: &[&[u8]], at: u64) -> io::Result<()>;
    /// `fdatasync`: the file's bytes and length are durable.
    fn sync_data(&self, file: &File) -> io::Result<()>;
    /// `fsync`: also the file's metadata, extended attributes included.
    fn sync_all(&self, file: &File) -> io::Result<()>;
    /// Truncates or extends the file.
    fn set_len(&self, file: &File, len: u64) -> io::Result<()>;
    /// Stores the watermark attribute. `Ok(false)` when the filesystem has
    /// no extended attributes.
    fn set_watermark(&self, file: &File, value: &[u8]) -> io::Result<bool>;
    /// Creates `path`, open for reading and writing.
    fn create(&self, path: &Path, how: Create) -> io::Result<File>;
    /// Renames `from` over `to`.
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()>;
    /// Removes `path`.
    fn remove(&self, path: &Path) -> io::Result<()>;
    /// `fsync` of a directory: creations and renames in it are durable.
    fn sync_dir(&self, dir: &Path) -> io::Result<()>;
}

/// The operating system.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Os;

impl Storage for Os {
    fn write_at(&self, file: &File, parts: &[&[u8]], at: u64) -> io::Result<()> {
        sys::write_all_vectored_at(file, parts, at)
    }

    fn sync_data(&self, file: &File) -> io::Result<()> {
        file.sync_data()
    }

    fn sync_all(&self, file: &File) -> io::Result<()> {
        file.sync_all()
    }

    fn set_len(&self, file: &File, len: u64) -> io::Result<()> {
        file.set_len(len)
    }

    fn set_watermark(&self, file: &File, value: &[u8]) -> io::Result<bool> {
        sys::set_watermark_attr(file, value)
    }

    fn create(&self, path: &Path, how: Create) -> io::Result<File> {
        let mut o = std::fs::OpenOptions::new();
        o.read(true).write(true);
        match how {
            Create::New => o.create_new(true),
            Create::Truncate => o.create(true).truncate(true),
        };
        o.open(path)
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        std::fs::rename(from, to)
    }

    fn remove(&self, path: &Path) -> io::Result<()> {
        std::fs::remove_file(path)
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        File::open(dir)?.sync_all()
    }
}

/// The directory holding `path` (`.` for a bare file name).
pub(crate) fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}
