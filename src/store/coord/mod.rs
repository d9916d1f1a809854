//! Coordination between handles and processes: the lock file
//! `<store>.rdrive-lock` beside the store, its byte locks and its shared
//! page.
//!
//! Locks are open-file-description byte locks on the lock file (not on the
//! store file): they conflict between any two opens, in one process or
//! many; they vanish when their holder's descriptor closes, and no memory
//! mapping of the store keeps them (an entry that outlives its store never
//! keeps the store locked). The lock file is never renamed, so the locks
//! follow the path through compactions. It is created on demand, and may be
//! deleted while no process has the store open.
//!
//! Bytes:
//! - [`MODE`]: an exclusive read-write handle holds a write lock for its
//!   lifetime; a shared one holds a read lock (shared handles coexist, an
//!   exclusive one excludes everybody).
//! - [`WRITES`]: serializes the first use of the write-call mutex in a boot
//!   (see below); where the boot cannot be told (no `/proc`), it is the
//!   write-call lock itself.
//! - [`FENCE`]: a read-only open holds a read lock while it recovers the
//!   file; a writer holds a write lock while it shortens the file, so a
//!   reader never maps bytes that disappear under it.
//! - [`COMPACT`]: held (write) while a compaction writes its temporary
//!   file, so others can tell a live compaction from a stale leftover.
//!
//! The shared page (the first 4 KiB, [`crate::format::lock_page`]) holds the
//! published tail: writers publish after each call completes, readers catch
//! up to it, and bytes past it belong to a call that has not finished (or
//! never will: its writer died), so nobody trusts them.
//!
//! The page also holds the write-call mutex: a shared handle holds it for
//! the duration of each write call (and an opening writer while it settles
//! the file). It is a process-shared, robust mutex: taking it costs one
//! atomic instruction when nobody holds it (a byte-lock pair costs two
//! system calls, about twice an exclusive write call), and the kernel
//! hands it on when its holder dies, telling the next holder so (who
//! repairs what the busy flag says was left unfinished). A mutex is only
//! trusted in the boot that initialized it: the page records the boot, and
//! the first writer of a new boot initializes it again under the `WRITES`
//! byte lock.

#[allow(unsafe_code)]
mod page;

use std::fs::File;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::sys::{self, LockKind};
use crate::format::lock_page::*;
use page::{Locked, Page};

const MODE: u64 = 0;
const WRITES: u64 = 1;
const FENCE: u64 = 2;
const COMPACT: u64 = 3;

/// Path of the lock file of the store at `path`.
pub(crate) fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".rdrive-lock");
    path.with_file_name(name)
}

/// How a read-write handle holds the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Alone, for the handle's lifetime.
    Exclusive,
    /// With other shared handles; writes lock per call.
    Shared,
}

/// How long an open waits for the writer lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wait {
    /// Not at all: `Ok(false)` when it is taken.
    No,
    /// Until it is free.
    Forever,
    /// Up to this long.
    For(Duration),
}

/// What the shared page says about the store file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Published {
    pub device: u64,
    pub inode: u64,
    pub epoch: u64,
    pub tail: u64,
    pub generation: u64,
    /// A write call was under way and has not published (its writer may
    /// have died).
    pub busy: bool,
    pub version: u64,
}

/// An open lock file, with its page mapped when it could be.
pub(crate) struct Coord {
    file: File,
    page: Option<Page>,
    writable: bool,
    /// The lock file's identity (device, inode).
    id: (u64, u64),
}

thread_local! {
    /// Lock files whose write-call lock this thread holds: taking it again
    /// through another handle would wait for itself.
    static WRITING: std::cell::RefCell<Vec<(u64, u64)>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl std::fmt::Debug for Coord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Coord")
            .field("writable", &self.writable)
            .finish_non_exhaustive()
    }
}

/// A byte lock or the page's mutex, released on drop (by the thread that
/// took it: not `Send`).
pub(crate) struct Held<'a> {
    file: &'a File,
    byte: u64,
    /// The page's write-call mutex, when this is it.
    mutex: Option<Locked<'a>>,
    /// The lock file, when this is the write-call lock.
    writing: Option<(u64, u64)>,
    _thread: std::marker::PhantomData<*const ()>,
}

impl std::fmt::Debug for Held<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Held")
            .field("byte", &self.byte)
            .field("mutex", &self.mutex.is_some())
            .finish_non_exhaustive()
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        // The mutex, if it is one, is released when `mutex` drops.
        if self.mutex.is_none() {
            let _ = sys::byte_lock(self.file, self.byte, None, false);
        }
        if let Some(id) = self.writing {
            let _ = WRITING.try_with(|w| w.borrow_mut().retain(|&x| x != id));
        }
    }
}

fn id_of(file: &File) -> io::Result<(u64, u64)> {
    let m = file.metadata()?;
    Ok((m.dev(), m.ino()))
}

/// A hash of the kernel's boot id: shared pages from before a reboot (or a
/// power loss) describe nothing.
fn boot_id() -> u64 {
    static BOOT: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *BOOT.get_or_init(|| {
        std::fs::read("/proc/sys/kernel/random/boot_id")
            .map(|b| crate::compute_hash(&b))
            .unwrap_or(0)
    })
}

/// How long a reader waits for a writer to finish changing the page before
/// it takes the page as describing nothing (its writer died mid-change; the
/// next writer rewrites it).
const CHANGE_PATIENCE: Duration = Duration::from_millis(200);

impl Coord {
    /// Opens the lock file of the store at `path` for a writer, creating
    /// it (with the store file's permissions, so whoever may write the store
    /// may lock it) and giving it its page.
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
        // Growing never loses a byte another handle relies on.
        if file.metadata()?.len() < PAGE_LEN as u64 {
            file.set_len(PAGE_LEN as u64)?;
        }
        let page = Some(Page::map(&file, true)?);
        Ok(Self {
            id: id_of(&file)?,
            file,
            page,
            writable: true,
        })
    }

    /// Opens the lock file for a reader: read-write if it can (creating
    /// it), read-only if it cannot, `None` if it does not exist and cannot
    /// be created (a read-only filesystem or directory, where no writer can
    /// run either).
    pub(crate) fn for_reader(path: &Path) -> Option<Self> {
        if let Ok(c) = Self::create(path) {
            return Some(c);
        }
        let file = File::open(lock_path(path)).ok()?;
        let page = Page::map(&file, false).ok();
        Some(Self {
            id: id_of(&file).ok()?,
            file,
            page,
            writable: false,
        })
    }

    /// Takes the writer lock for `mode`, waiting as `wait` says. `Ok(false)`
    /// when it is held elsewhere (and the wait is over).
    pub(crate) fn lock_mode(&self, mode: Mode, wait: Wait) -> io::Result<bool> {
        let kind = match mode {
            Mode::Exclusive => LockKind::Write,
            Mode::Shared => LockKind::Read,
        };
        match wait {
            Wait::No => sys::byte_lock(&self.file, MODE, Some(kind), false),
            Wait::Forever => sys::byte_lock(&self.file, MODE, Some(kind), true),
            Wait::For(limit) => {
                // Byte locks have no timeout: poll, backing off to 10 ms.
                let started = Instant::now();
                let mut pause = Duration::from_micros(200);
                loop {
                    if sys::byte_lock(&self.file, MODE, Some(kind), false)? {
                        return Ok(true);
                    }
                    let left = limit.saturating_sub(started.elapsed());
                    if left.is_zero() {
                        return Ok(false);
                    }
                    std::thread::sleep(pause.min(left));
                    pause = (pause * 2).min(Duration::from_millis(10));
                }
            }
        }
    }

    /// Whether another read-write handle (in any process) holds the store.
    pub(crate) fn others_hold_the_store(&self) -> bool {
        sys::byte_locked_by_other(&self.file, MODE, LockKind::Write).unwrap_or(true)
    }

    /// Serializes write calls of shared handles (and opening writers).
    /// Fails with [`io::ErrorKind::Deadlock`] when this thread holds it
    /// already through another handle of the same store.
    pub(crate) fn lock_writes(&self) -> io::Result<Held<'_>> {
        if WRITING.with(|w| w.borrow().contains(&self.id)) {
            return Err(io::Error::new(
                io::ErrorKind::Deadlock,
                "this thread holds the write lock through another handle",
            ));
        }
        let boot = boot_id();
        let mut held = match self.page.as_ref().filter(|_| self.writable && boot != 0) {
            // A holder that died mid-call left the busy flag set; the
            // caller checks it under the lock either way.
            Some(page) => Held {
                file: &self.file,
                byte: WRITES,
                mutex: Some(page.lock_writes(&self.file, WRITES, boot)?),
                writing: None,
                _thread: std::marker::PhantomData,
            },
            None => self.hold(WRITES, LockKind::Write)?,
        };
        WRITING.with(|w| w.borrow_mut().push(self.id));
        held.writing = Some(self.id);
        Ok(held)
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
            mutex: None,
            writing: None,
            _thread: std::marker::PhantomData,
        })
    }

    /// The page's change counter: one load, compared by readers to know
    /// whether they must catch up.
    #[inline]
    pub(crate) fn version(&self) -> u64 {
        self.page.as_ref().map_or(0, |p| p.load(VERSION_AT))
    }

    /// What the page says about `file`, if it describes it (same boot, same
    /// file), with the file's length read in the same moment: no write call
    /// began or ended in between. `None` when the page describes something
    /// else or nothing.
    pub(crate) fn read_for(&self, file: &File) -> Option<(Published, u64)> {
        for _ in 0..1000 {
            let before = self.read()?;
            let meta = file.metadata().ok()?;
            if self.read()?.version != before.version {
                continue;
            }
            return (before.device == meta.dev() && before.inode == meta.ino())
                .then_some((before, meta.len()));
        }
        None
    }

    /// What the page says, read consistently (a writer bumps the version to
    /// an odd number before changing fields and to an even one after).
    pub(crate) fn read(&self) -> Option<Published> {
        let page = self.page.as_ref()?;
        let mut since: Option<Instant> = None;
        loop {
            let v1 = page.load(VERSION_AT);
            if v1 % 2 == 1 {
                let started = *since.get_or_insert_with(Instant::now);
                if started.elapsed() > CHANGE_PATIENCE {
                    return None;
                }
                std::thread::yield_now();
                continue;
            }
            let read = Published {
                device: page.load(DEVICE_AT),
                inode: page.load(INODE_AT),
                epoch: page.load(EPOCH_AT),
                tail: page.load(TAIL_AT),
                generation: page.load(GENERATION_AT),
                busy: page.load(BUSY_AT) != 0,
                version: v1,
            };
            let valid = page.load(MAGIC_AT) == MAGIC && page.load(BOOT_AT) == boot_id();
            if page.load(VERSION_AT) == v1 {
                return valid.then_some(read);
            }
        }
    }

    fn change(&self, f: impl FnOnce(&Page)) {
        let Some(page) = self.page.as_ref().filter(|_| self.writable) else {
            return;
        };
        let v = page.load(VERSION_AT);
        let odd = v | 1;
        page.store(VERSION_AT, odd);
        f(page);
        page.store(VERSION_AT, odd + 1);
    }

    /// Describes `file` afresh: a new state (a new file, or a page that
    /// described nothing valid). Writers only, holding the write lock.
    pub(crate) fn reset(&self, file: &File, tail: u64, generation: u64) -> io::Result<u64> {
        let meta = file.metadata()?;
        let epoch = self
            .page
            .as_ref()
            .map_or(0, |p| p.load(EPOCH_AT))
            .wrapping_add(1);
        self.change(|p| {
            p.store(MAGIC_AT, MAGIC);
            p.store(BOOT_AT, boot_id());
            p.store(DEVICE_AT, meta.dev());
            p.store(INODE_AT, meta.ino());
            p.store(EPOCH_AT, epoch);
            p.store(TAIL_AT, tail);
            p.store(GENERATION_AT, generation);
            p.store(BUSY_AT, 0);
        });
        Ok(epoch)
    }

    /// Marks a write call as under way (before its first byte).
    pub(crate) fn begin_write(&self) {
        if let Some(page) = self.page.as_ref().filter(|_| self.writable)
            && page.load(BUSY_AT) == 0
        {
            self.change(|p| p.store(BUSY_AT, 1));
        }
    }

    /// A writer that opened the file the page describes, at the tail it
    /// publishes: the same file and entries (followers keep their epoch
    /// and index), under the writer's generation.
    pub(crate) fn republish(&self, tail: u64, generation: u64) {
        self.change(|p| {
            p.store(TAIL_AT, tail);
            p.store(GENERATION_AT, generation);
            p.store(BUSY_AT, 0);
        });
    }

    /// Publishes `tail`: every byte below it was written by a call that
    /// completed.
    pub(crate) fn publish(&self, tail: u64) {
        self.change(|p| {
            p.store(TAIL_AT, tail);
            p.store(BUSY_AT, 0);
        });
    }
}
