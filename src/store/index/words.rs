//! The index table's memory: zero-initialized words in an anonymous
//! mapping. Its `unsafe` (viewing the mapping as atomics, prefetch hints)
//! is fenced here.

use std::sync::atomic::AtomicU64;

/// Zero-initialized shared words in an anonymous mapping, for the index
/// table. Pages are allocated on first touch (an empty table costs no
/// initialization pass), and the region is advised for transparent huge
/// pages, which cuts TLB misses on random lookups.
pub(crate) struct AtomicWords {
    map: Option<memmap2::MmapMut>,
    /// The mapping's address (dangling when empty), kept beside it so a
    /// lookup reads the words without unwrapping the `Option`.
    ptr: std::ptr::NonNull<AtomicU64>,
    len: usize,
}

// SAFETY: the words are atomics, shared by design; the mapping is owned.
unsafe impl Send for AtomicWords {}
// SAFETY: as above: shared access only goes through the atomics.
unsafe impl Sync for AtomicWords {}

impl AtomicWords {
    /// `len` zeroed words.
    pub(crate) fn zeroed(len: usize) -> std::io::Result<Self> {
        Self::new(len, true)
    }

    /// `len` words whose bytes the caller fills right away: not pre-faulted,
    /// since filling them faults the pages in anyway.
    pub(crate) fn for_filling(len: usize) -> std::io::Result<Self> {
        Self::new(len, false)
    }

    fn new(len: usize, prefault: bool) -> std::io::Result<Self> {
        if len == 0 {
            return Ok(Self {
                map: None,
                ptr: std::ptr::NonNull::dangling(),
                len: 0,
            });
        }
        let bytes = len
            .checked_mul(8)
            .ok_or_else(|| std::io::Error::other("index too large"))?;
        let mut map = memmap2::MmapMut::map_anon(bytes)?;
        // Advice only: without huge pages the table still works. Tables
        // beyond a huge page are faulted in up front, in one call: random
        // keys touch every page soon anyway, and this avoids two faults per
        // page (read of the zero page, then copy on first write).
        #[cfg(target_os = "linux")]
        {
            let _ = map.advise(memmap2::Advice::HugePage);
            if prefault && bytes >= 2 << 20 {
                let _ = map.advise(memmap2::Advice::PopulateWrite);
            }
        }
        let ptr = std::ptr::NonNull::new(map.as_mut_ptr().cast::<AtomicU64>())
            .ok_or_else(|| std::io::Error::other("anonymous mapping at address 0"))?;
        Ok(Self {
            map: Some(map),
            ptr,
            len,
        })
    }

    /// The words as bytes (native order), for filling a table that nothing
    /// else references yet.
    pub(crate) fn bytes_mut(&mut self) -> &mut [u8] {
        match &mut self.map {
            Some(map) => map,
            None => &mut [],
        }
    }

    /// Hints the CPU to start loading word `i` into cache. A no-op where
    /// unsupported or when `i` is out of range.
    #[inline]
    pub(crate) fn prefetch(&self, i: usize) {
        #[cfg(target_arch = "x86_64")]
        if let Some(word) = self.words().get(i) {
            // SAFETY: a prefetch is only a hint: it never faults and does not
            // access memory architecturally; SSE is part of the x86_64
            // baseline.
            // Into L2 (T1): callers prefetch up to a batch of slots ahead,
            // more than L1 holds.
            unsafe {
                core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(
                    word.as_ptr().cast_const().cast(),
                )
            };
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = i;
    }

    #[inline]
    pub(crate) fn words(&self) -> &[AtomicU64] {
        // SAFETY: `ptr` is the anonymous mapping's address: page-aligned
        // (more than `AtomicU64`'s alignment), `len * 8` bytes long,
        // zero-filled by the kernel (a valid `AtomicU64` bit pattern) and
        // alive as long as `self` (it owns the mapping); or dangling and
        // aligned with `len` 0. Apart from `bytes_mut` (which needs `&mut
        // self`, so no slice from here is alive), the words are only
        // accessed through these atomics, which permit shared mutation.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}
