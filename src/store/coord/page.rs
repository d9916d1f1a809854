//! The shared page of the lock file, mapped as atomic words (see
//! [`crate::format::lock_page`] for the layout).

use std::fs::File;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};

use memmap2::{MmapOptions, MmapRaw};

use crate::format::lock_page::{PAGE_LEN, WORDS};

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
