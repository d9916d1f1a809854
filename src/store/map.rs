//! Memory mappings of the store file.
//!
//! A [`Mapping`] is a read-only `MAP_SHARED` view of the file that may be
//! reserved larger than the file, so appended bytes become visible without a
//! new mapping per write. Pages past the end of the file must never be
//! touched (that raises `SIGBUS`), so each mapping carries a *valid length*:
//! the number of leading bytes known to be written to the file. The writer
//! raises it after each append; nothing here hands out bytes past it.
//!
//! Invariants the `unsafe` below relies on (established by the store):
//! 1. Bytes below a published valid length are never rewritten and the file
//!    is never truncated below it while a mapping exists. rdrive truncates
//!    only unpublished bytes; other processes must not modify or truncate
//!    the file (a documented caveat of the library).
//! 2. A mapping is unmapped only when its last `Arc` is dropped.

use std::fs::File;
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use memmap2::{MmapOptions, MmapRaw};

/// One read-only, shared memory mapping of a store file.
///
/// Shared by every entry handle read through it; unmapped when the last of
/// them (and the store) lets go.
#[derive(Debug)]
pub struct Mapping {
    /// Owns the mapping (unmapped on drop); reads go through `base`.
    _raw: Option<MmapRaw>,
    /// The mapping's address (dangling when empty), kept beside it so reads
    /// do not unwrap the `Option`.
    base: std::ptr::NonNull<u8>,
    reserved: usize,
    valid: AtomicU64,
}

// SAFETY: the mapping is read-only and owned; `base` only points into it.
unsafe impl Send for Mapping {}
// SAFETY: as above: shared access only reads immutable bytes (invariant 1).
unsafe impl Sync for Mapping {}

impl Mapping {
    /// Maps `reserved` bytes of `file` (which may exceed its length), of
    /// which the first `valid` are written.
    pub(crate) fn new(file: &File, reserved: usize, valid: u64) -> std::io::Result<Self> {
        debug_assert!(valid <= reserved as u64);
        let raw = if reserved == 0 {
            None
        } else {
            Some(MmapOptions::new().len(reserved).map_raw_read_only(file)?)
        };
        let base = raw
            .as_ref()
            .and_then(|r| std::ptr::NonNull::new(r.as_mut_ptr()))
            .unwrap_or(std::ptr::NonNull::dangling());
        Ok(Self {
            _raw: raw,
            base,
            reserved,
            valid: AtomicU64::new(valid),
        })
    }

    /// Address of the first byte of the mapping (dangling if it is empty).
    #[inline]
    pub fn as_ptr(&self) -> *const u8 {
        self.base.as_ptr()
    }

    /// Number of bytes reserved (mapped) for this view of the file.
    pub fn reserved_len(&self) -> usize {
        self.reserved
    }

    /// Number of leading bytes known to be written to the file.
    #[inline]
    pub fn valid_len(&self) -> u64 {
        self.valid.load(Ordering::Acquire)
    }

    /// Marks the first `len` bytes as written. Call only after the bytes
    /// reached the file (the write call returned), and only from the store's
    /// single writer (a plain store suffices; valid lengths only grow).
    pub(crate) fn publish(&self, len: u64) {
        assert!(len <= self.reserved as u64, "publish past the reservation");
        if len > self.valid.load(Ordering::Relaxed) {
            self.valid.store(len, Ordering::Release);
        }
    }

    /// Hints the CPU to start loading the byte at `at` into cache. A no-op
    /// past the valid length or where unsupported.
    #[inline]
    pub(crate) fn prefetch(&self, at: u64) {
        #[cfg(target_arch = "x86_64")]
        if at < self.valid_len() {
            // SAFETY: a prefetch is only a hint: it never faults and does
            // not access memory architecturally; the address lies inside
            // the mapping (below the valid length); SSE is part of the
            // x86_64 baseline.
            unsafe {
                core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(
                    self.as_ptr().add(at as usize).cast(),
                )
            };
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = at;
    }

    /// The bytes in `range`, if they are all below the valid length.
    #[inline]
    pub(crate) fn get(&self, range: Range<u64>) -> Option<&[u8]> {
        if range.start > range.end || range.end > self.valid_len() {
            return None;
        }
        // SAFETY: `range` lies below the valid length, so (invariant 1) the
        // bytes are backed by the file and never change while `self` lives;
        // the mapping itself lives as long as `&self`.
        Some(unsafe { self.unchecked(range.start as usize..range.end as usize) })
    }

    /// # Safety
    /// `range.end` must not exceed a valid length this mapping has published.
    unsafe fn unchecked(&self, range: Range<usize>) -> &[u8] {
        if range.is_empty() {
            return &[];
        }
        // SAFETY: the caller guarantees the range is below the valid length,
        // which never exceeds `reserved` (checked in `publish`), so it lies
        // inside the live mapping and the bytes are immutable (invariant 1).
        unsafe { std::slice::from_raw_parts(self.as_ptr().add(range.start), range.len()) }
    }
}

/// Number of reference-count stripes per mapping. Entry handles on different
/// threads clone different `Arc`s, so concurrent readers do not fight over one
/// cache line.
const STRIPES: usize = 16;

/// One reference-count stripe: an `Arc` to the mapping on its own cache lines.
#[derive(Debug)]
#[repr(align(128))]
pub(crate) struct Stripe {
    mapping: Arc<Mapping>,
}

/// The current mapping of a store, plus its reference-count stripes.
#[derive(Debug)]
pub(crate) struct MapView {
    mapping: Arc<Mapping>,
    stripes: Box<[Arc<Stripe>]>,
}

impl MapView {
    pub(crate) fn new(mapping: Mapping) -> Self {
        let mapping = Arc::new(mapping);
        let stripes = (0..STRIPES)
            .map(|_| {
                Arc::new(Stripe {
                    mapping: Arc::clone(&mapping),
                })
            })
            .collect();
        Self { mapping, stripes }
    }

    pub(crate) fn mapping(&self) -> &Mapping {
        &self.mapping
    }

    /// A counted reference to `range` of the mapping, if it is all valid.
    #[inline]
    pub(crate) fn range(&self, range: Range<u64>) -> Option<MappedRange> {
        self.mapping.get(range.clone())?;
        let stripe = Arc::clone(&self.stripes[super::published::stripe_of_caller(STRIPES)]);
        Some(MappedRange {
            stripe,
            start: range.start as usize,
            end: range.end as usize,
        })
    }
}

/// Valid bytes of a mapping, kept alive by a counted reference.
#[derive(Debug, Clone)]
pub(crate) struct MappedRange {
    stripe: Arc<Stripe>,
    start: usize,
    end: usize,
}

impl MappedRange {
    #[inline]
    pub(crate) fn bytes(&self) -> &[u8] {
        // SAFETY: a `MappedRange` is only built by `MapView::range`, which
        // checked that the range lies below the mapping's valid length; valid
        // lengths never shrink and `self.stripe` keeps the mapping alive.
        unsafe { self.stripe.mapping.unchecked(self.start..self.end) }
    }

    pub(crate) fn range(&self) -> Range<usize> {
        self.start..self.end
    }

    #[cfg(feature = "expose-internal-api")]
    pub(crate) fn mapping(&self) -> &Arc<Mapping> {
        &self.stripe.mapping
    }
}

/// A read-only view of a whole file, for recovery at open time. It is a
/// separate mapping so the pages it touches leave the process when it is
/// dropped.
pub(crate) struct FileView {
    map: Option<memmap2::Mmap>,
}

impl FileView {
    /// Maps the first `len` bytes of `file` (its current length).
    pub(crate) fn new(file: &File, len: u64) -> std::io::Result<Self> {
        if len == 0 {
            return Ok(Self { map: None });
        }
        let len = usize::try_from(len)
            .map_err(|_| std::io::Error::other("file is too large to map on this platform"))?;
        // SAFETY: the mapping covers exactly `len` bytes, the file's current
        // length; while it is alive rdrive does not write or truncate the file
        // (recovery runs before any write), and other processes must not
        // modify the file (invariant 1).
        let map = unsafe { MmapOptions::new().len(len).map(file)? };
        Ok(Self { map: Some(map) })
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        match &self.map {
            Some(m) => m,
            None => &[],
        }
    }
}
