//! Where entries live.
//!
//! - An entry of a single read gets a box of its own, and boxes are
//!   recycled: rdrive_entry_free() parks the emptied box in a small
//!   process-wide set of slots, and the next read takes it from there
//!   instead of asking the allocator. A read followed by a free, the common
//!   C pattern, then costs no allocator call. The slots are striped by the
//!   caller's stack (see `stripe_of_caller`), so threads rarely share a
//!   cache line; a full or empty stripe falls back to the allocator. At
//!   most `STRIPES * PER_STRIPE` boxes are kept.
//! - The entries of one batch read share one allocation (a [`Block`]),
//!   released when the last of them is freed.

use std::alloc::Layout;
use std::mem::MaybeUninit;
use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering, fence};

use super::rdrive_entry;
use crate::EntryHandle;
use crate::store::published::stripe_of_caller;

const STRIPES: usize = 16;
const PER_STRIPE: usize = 4;

/// Parked boxes: allocated as `Box<rdrive_entry>`, holding no value.
#[repr(align(64))]
struct Stripe([AtomicPtr<MaybeUninit<rdrive_entry>>; PER_STRIPE]);

static PARKED: [Stripe; STRIPES] =
    [const { Stripe([const { AtomicPtr::new(ptr::null_mut()) }; PER_STRIPE]) }; STRIPES];

/// Moves `value` into a box (a parked one if there is one) and leaks it.
#[inline]
pub(crate) fn boxed(value: rdrive_entry) -> *mut rdrive_entry {
    match take() {
        Some(slot) => {
            let slot = slot.as_ptr();
            // SAFETY: a parked pointer came from `Box::into_raw` of a
            // `Box<rdrive_entry>` whose value was dropped (`free`) and was
            // taken out of its slot by exactly one caller (the swap), so it
            // is ours: an allocation of the right layout to write into.
            unsafe { (*slot).write(value) };
            slot.cast()
        }
        None => Box::into_raw(Box::new(value)),
    }
}

/// Drops the entry at `entry` and parks or frees its box, or releases its
/// block.
///
/// # Safety
/// `entry` is NULL, or was returned by [`boxed`] or [`BlockFiller::put`],
/// has not been freed, is not in use by another call, and is never used
/// again.
#[inline]
pub(crate) unsafe fn free(entry: *mut rdrive_entry) {
    let Some(entry) = NonNull::new(entry) else {
        return;
    };
    // SAFETY: by this function's # Safety `entry` holds a live value that
    // nobody else uses: it is read, then dropped once, here.
    let block = unsafe {
        let block = (*entry.as_ptr()).block;
        ptr::drop_in_place(entry.as_ptr());
        block
    };
    if let Some(block) = block {
        // SAFETY: the entry lived in `block`, which its reference kept
        // alive; that reference is given up here, once.
        unsafe { release(block, 1) };
        return;
    }
    let emptied = entry.cast::<MaybeUninit<rdrive_entry>>();
    if !park(emptied) {
        // SAFETY: `boxed` made the allocation with `Box<rdrive_entry>`
        // (directly or by reusing one that did); `MaybeUninit` has the same
        // layout and needs no drop, so this frees it without dropping the
        // value again.
        drop(unsafe { Box::from_raw(emptied.as_ptr()) });
    }
}

#[inline]
fn take() -> Option<NonNull<MaybeUninit<rdrive_entry>>> {
    let stripe = &PARKED[stripe_of_caller(STRIPES)];
    for slot in &stripe.0 {
        if !slot.load(Ordering::Relaxed).is_null() {
            // Acquire: the parker's drop of the old value happened before.
            if let Some(p) = NonNull::new(slot.swap(ptr::null_mut(), Ordering::Acquire)) {
                return Some(p);
            }
        }
    }
    None
}

#[inline]
fn park(emptied: NonNull<MaybeUninit<rdrive_entry>>) -> bool {
    let stripe = &PARKED[stripe_of_caller(STRIPES)];
    stripe.0.iter().any(|slot| {
        slot.load(Ordering::Relaxed).is_null()
            && slot
                .compare_exchange(
                    ptr::null_mut(),
                    emptied.as_ptr(),
                    Ordering::Release,
                    Ordering::Relaxed,
                )
                .is_ok()
    })
}

/// The shared allocation of a batch's entries: this head, then `cap`
/// entry slots.
pub(crate) struct Block {
    /// References: one per entry handed out and not yet freed, plus one
    /// while the block is being filled.
    refs: AtomicUsize,
    cap: usize,
}

fn block_layout(cap: usize) -> (Layout, usize) {
    let entries = Layout::array::<rdrive_entry>(cap).expect("batch too large");
    let (layout, offset) = Layout::new::<Block>()
        .extend(entries)
        .expect("batch too large");
    (layout.pad_to_align(), offset)
}

/// Gives up `n` references to `block`, freeing it with the last.
///
/// # Safety
/// The caller holds `n` references to the live `block` and uses none of
/// them (nor the entries they stood for) again.
unsafe fn release(block: NonNull<Block>, n: usize) {
    // SAFETY: the block is alive while the caller's references are.
    let head = unsafe { block.as_ref() };
    if head.refs.fetch_sub(n, Ordering::Release) != n {
        return;
    }
    // Every holder's use of its entry happened before this free.
    fence(Ordering::Acquire);
    let (layout, _) = block_layout(head.cap);
    // SAFETY: the last reference is gone: nobody uses the block or its
    // entries (all were dropped by `free`, or never written); it was
    // allocated with this layout by `BlockFiller::new`.
    unsafe { std::alloc::dealloc(block.as_ptr().cast(), layout) };
}

/// Fills a [`Block`] with the entries of one batch call.
pub(crate) struct BlockFiller {
    block: NonNull<Block>,
    first: *mut rdrive_entry,
    used: usize,
}

impl BlockFiller {
    /// A block with room for `cap` (> 0) entries.
    pub(crate) fn new(cap: usize) -> Self {
        assert!(cap > 0);
        let (layout, offset) = block_layout(cap);
        // SAFETY: the layout has a non-zero size (the head).
        let raw = unsafe { std::alloc::alloc(layout) };
        let Some(block) = NonNull::new(raw.cast::<Block>()) else {
            std::alloc::handle_alloc_error(layout);
        };
        // Every slot counts as handed out until `finish` takes back the
        // unused ones, so entries need no count update as they are made.
        // SAFETY: `block` is a fresh allocation of `layout`, which starts
        // with a `Block`; the entry slots start `offset` bytes in.
        let first = unsafe {
            block.as_ptr().write(Block {
                refs: AtomicUsize::new(cap + 1),
                cap,
            });
            raw.add(offset).cast::<rdrive_entry>()
        };
        Self {
            block,
            first,
            used: 0,
        }
    }

    /// Places `entry` in the next slot; the returned entry is freed with
    /// [`free`].
    pub(crate) fn put(&mut self, entry: EntryHandle) -> *mut rdrive_entry {
        // SAFETY: the head is alive while the filler holds its reference.
        assert!(self.used < unsafe { self.block.as_ref() }.cap, "block full");
        // SAFETY: slot `used` is inside the allocation (checked above) and
        // was never written: it is initialized here, once.
        unsafe {
            let slot = self.first.add(self.used);
            slot.write(rdrive_entry {
                entry,
                block: Some(self.block),
            });
            self.used += 1;
            slot
        }
    }
}

impl Drop for BlockFiller {
    fn drop(&mut self) {
        // SAFETY: the references of the unused slots and the filler's own
        // were counted at creation and are given up here, once.
        unsafe {
            let unused = self.block.as_ref().cap - self.used;
            release(self.block, unused + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parked_boxes_are_reused_by_the_next_entries_and_never_shared() {
        // Threads churn entries; each checks its entry's bytes are its own
        // while it holds it (a box handed out twice would be overwritten).
        let dir = std::env::temp_dir().join(format!("rdrive-recycle-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let store = crate::Store::open(dir.join("r.rdrive")).unwrap();
        for i in 0u32..64 {
            store.write(&i.to_le_bytes(), &[i as u8 + 1; 40]).unwrap();
        }
        let store = &store;
        std::thread::scope(|s| {
            for t in 0..4u32 {
                s.spawn(move || {
                    let mut held = Vec::new();
                    for round in 0..20_000u32 {
                        let i = (round * 7 + t * 13) % 64;
                        let e = boxed(rdrive_entry::new(
                            store.read(&i.to_le_bytes()).unwrap().unwrap(),
                        ));
                        held.push((e, i));
                        if held.len() > (round as usize % 9) {
                            for (e, i) in held.drain(..) {
                                // SAFETY: `e` is live and ours until freed.
                                let bytes = unsafe { (*e).entry.as_slice() };
                                assert_eq!(bytes, &[i as u8 + 1; 40][..]);
                                // SAFETY: freed once, not used again.
                                unsafe { free(e) };
                            }
                        }
                    }
                    for (e, _) in held {
                        // SAFETY: freed once, not used again.
                        unsafe { free(e) };
                    }
                });
            }
        });
        drop(std::fs::remove_dir_all(&dir));
    }

    #[test]
    fn a_block_lives_until_its_last_entry_is_freed_in_any_order() {
        let dir = std::env::temp_dir().join(format!("rdrive-blocks-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let store = crate::Store::open(dir.join("b.rdrive")).unwrap();
        for i in 0u32..50 {
            store.write(&i.to_le_bytes(), &[i as u8 + 1; 24]).unwrap();
        }
        for (cap, take) in [(1usize, 1u32), (8, 8), (8, 3), (50, 0), (50, 50)] {
            let mut filler = BlockFiller::new(cap);
            let mut entries: Vec<(*mut rdrive_entry, u32)> = (0..take)
                .map(|i| {
                    (
                        filler.put(store.read(&i.to_le_bytes()).unwrap().unwrap()),
                        i,
                    )
                })
                .collect();
            drop(filler);
            // Free in a scrambled order; every entry still reads its own
            // bytes until it is freed (valgrind and ASan runs check the
            // block is freed exactly once).
            entries.sort_by_key(|&(_, i)| (i * 37) % 11);
            for (e, i) in entries {
                // SAFETY: `e` is live and ours until freed.
                assert_eq!(unsafe { (*e).entry.as_slice() }, &[i as u8 + 1; 24][..]);
                // SAFETY: freed once, not used again.
                unsafe { free(e) };
            }
        }
        drop(std::fs::remove_dir_all(&dir));
    }
}
