//! The shared page of the lock file, mapped as atomic words (see
//! [`crate::format::lock_page`] for the layout).

use std::fs::File;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};

use memmap2::{MmapOptions, MmapRaw};

use super::super::sys::{self, LockKind};
use crate::format::lock_page::{MUTEX_BOOT_AT, MUTEX_OFFSET, MUTEX_ROOM, PAGE_LEN, WORDS};

const _: () = assert!(std::mem::size_of::<libc::pthread_mutex_t>() <= MUTEX_ROOM);

/// A mapping of the page.
pub(crate) struct Page {
    map: MmapRaw,
    writable: bool,
}

impl Page {
    /// Maps the first [`PAGE_LEN`] bytes of `file`, writable when `write`.
    /// The file must be at least that long and must never be shortened
    /// (rdrive never does; the lock file is documented as not to be
    /// edited).
    pub(crate) fn map(file: &File, write: bool) -> io::Result<Self> {
        if file.metadata()?.len() < PAGE_LEN as u64 {
            return Err(io::Error::other("the lock file is shorter than its page"));
        }
        let mut o = MmapOptions::new();
        o.len(PAGE_LEN);
        let map = if write {
            o.map_raw(file)?
        } else {
            o.map_raw_read_only(file)?
        };
        Ok(Self {
            map,
            writable: write,
        })
    }

    fn words(&self) -> &[AtomicU64] {
        // SAFETY: the mapping is page-aligned (more than `AtomicU64`'s
        // alignment), `PAGE_LEN` bytes long and backed by the file for its
        // whole length (checked in `map`; the file never shrinks), and lives
        // as long as `self`. Other processes change it only through atomic
        // word accesses as well; any bit pattern is a valid `AtomicU64`.
        unsafe { std::slice::from_raw_parts(self.map.as_ptr().cast::<AtomicU64>(), WORDS) }
    }

    /// Loads word `at`.
    #[inline]
    pub(crate) fn load(&self, at: usize) -> u64 {
        self.words()[at].load(Ordering::Acquire)
    }

    /// Stores word `at`. The mapping must be writable (a store to a
    /// read-only mapping would fault: refuse it as a bug instead).
    #[inline]
    pub(crate) fn store(&self, at: usize, value: u64) {
        assert!(self.writable, "store to a read-only page");
        self.words()[at].store(value, Ordering::Release);
    }
}

/// The page's write-call mutex, held; released on drop by the thread that
/// took it (not `Send`).
pub(crate) struct Locked<'a> {
    page: &'a Page,
    _thread: std::marker::PhantomData<*const ()>,
}

impl Drop for Locked<'_> {
    fn drop(&mut self) {
        // SAFETY: this thread took the mutex in `lock_writes` (a `Locked`
        // never leaves its thread) and releases it once.
        unsafe {
            libc::pthread_mutex_unlock(self.page.mutex());
        }
    }
}

impl Page {
    fn mutex(&self) -> *mut libc::pthread_mutex_t {
        // SAFETY: `MUTEX_OFFSET + MUTEX_ROOM <= PAGE_LEN` (asserted in the
        // layout), so the pointer stays inside the mapping.
        unsafe { self.map.as_mut_ptr().add(MUTEX_OFFSET).cast() }
    }

    /// Takes the write-call mutex, waiting for it, also from a holder that
    /// died with it (the page's busy flag says whether it died inside a
    /// write). `boot` names this boot (never 0); a mutex initialized in
    /// another boot (or never) is initialized first, under the write lock
    /// on byte `first` of `file` (the lock file), which every caller
    /// takes for that. A second take by the thread holding the mutex fails
    /// with [`io::ErrorKind::Deadlock`] instead of waiting forever.
    pub(crate) fn lock_writes(&self, file: &File, first: u64, boot: u64) -> io::Result<Locked<'_>> {
        assert!(self.writable && boot != 0, "write lock of a read-only page");
        if self.load(MUTEX_BOOT_AT) != boot {
            sys::byte_lock(file, first, Some(LockKind::Write), true)?;
            let init = if self.load(MUTEX_BOOT_AT) != boot {
                // SAFETY: no process of this boot has used the mutex: the
                // boot word is set only after initialization and only to
                // the current boot, and the byte lock keeps the other
                // initializers out until it is set.
                unsafe { self.init_mutex() }
            } else {
                Ok(())
            };
            if init.is_ok() {
                self.store(MUTEX_BOOT_AT, boot);
            }
            let _ = sys::byte_lock(file, first, None, false);
            init?;
        }
        // SAFETY: initialized in this boot (above, or by the process that
        // set the boot word), and it lives in the mapping as long as `self`.
        match unsafe { libc::pthread_mutex_lock(self.mutex()) } {
            0 => {}
            libc::EOWNERDEAD => {
                // SAFETY: EOWNERDEAD means this thread was granted the
                // mutex; the caller repairs what the busy flag says.
                let rc = unsafe { libc::pthread_mutex_consistent(self.mutex()) };
                if rc != 0 {
                    return Err(io::Error::from_raw_os_error(rc));
                }
            }
            libc::EDEADLK => {
                return Err(io::Error::new(
                    io::ErrorKind::Deadlock,
                    "this thread holds the write lock through another handle",
                ));
            }
            e => return Err(io::Error::from_raw_os_error(e)),
        }
        Ok(Locked {
            page: self,
            _thread: std::marker::PhantomData,
        })
    }

    /// Makes the mutex a fresh, unlocked, process-shared, robust,
    /// error-checking mutex.
    ///
    /// # Safety
    ///
    /// Nobody, in any process, may use the mutex while this runs or hold it.
    unsafe fn init_mutex(&self) -> io::Result<()> {
        let mut attr = std::mem::MaybeUninit::<libc::pthread_mutexattr_t>::uninit();
        // SAFETY: `attr` is initialized by `pthread_mutexattr_init` before
        // any other use and destroyed once; the mutex memory is writable,
        // aligned (page offset 128) and unused by anybody (this function's
        // contract).
        let rc = unsafe {
            let a = attr.as_mut_ptr();
            let mut rc = libc::pthread_mutexattr_init(a);
            if rc == 0 {
                rc = libc::pthread_mutexattr_setpshared(a, libc::PTHREAD_PROCESS_SHARED);
                if rc == 0 {
                    rc = libc::pthread_mutexattr_setrobust(a, libc::PTHREAD_MUTEX_ROBUST);
                }
                if rc == 0 {
                    rc = libc::pthread_mutexattr_settype(a, libc::PTHREAD_MUTEX_ERRORCHECK);
                }
                if rc == 0 {
                    std::ptr::write_bytes(self.mutex().cast::<u8>(), 0, MUTEX_ROOM);
                    rc = libc::pthread_mutex_init(self.mutex(), a);
                }
                libc::pthread_mutexattr_destroy(a);
            }
            rc
        };
        match rc {
            0 => Ok(()),
            e => Err(io::Error::from_raw_os_error(e)),
        }
    }
}
