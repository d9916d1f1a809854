//! The store's current [`State`](super::State), published to readers
//! without locks and without thread-local storage.
//!
//! A reader *pins* the current value: it adds one to a counter of the
//! current epoch, checks that the epoch did not move meanwhile, and then
//! may use the value until it drops the pin. Replacing the value never
//! waits: the old one is *retired*. A retired value is freed once every
//! reader that could have seen it is gone, which is what the epochs tell:
//! the writer moves the epoch on, and when the counters of the old epoch
//! read zero, no reader that pinned before the move remains (a reader that
//! pinned after it loaded the newer value). Whoever next replaces a value,
//! or the last reader of a draining epoch as it leaves, frees what can be
//! freed.
//!
//! Counters are striped over cache lines by the address of the reader's
//! stack, so threads reading at once rarely touch the same line; a
//! collision only costs contention. Pinning is two atomic additions and a
//! few loads.

use std::ops::Deref;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering::*};
use std::sync::{Arc, Mutex};

/// Counter stripes per epoch (a power of two).
const STRIPES: usize = 16;

#[repr(align(128))]
#[derive(Default)]
struct Counter(AtomicUsize);

/// Retired values, by how far their reclamation has come.
struct Retired<T> {
    /// Replaced since the last epoch move.
    pending: Vec<Arc<T>>,
    /// Replaced before the last epoch move, freed when the readers of the
    /// epoch before it (counter array `.0`) are gone.
    draining: Option<(usize, Vec<Arc<T>>)>,
}

/// A value readers pin without locks; see the module docs.
pub(crate) struct Published<T> {
    /// `Arc::into_raw` of the current value.
    current: AtomicPtr<T>,
    epoch: AtomicU64,
    readers: [[Counter; STRIPES]; 2],
    retired: Mutex<Retired<T>>,
    /// Some retired value waits for readers to leave: leaving readers try
    /// to free it.
    waiting: AtomicBool,
}

/// A stripe for the calling thread, from its stack address: threads have
/// separate stacks, so they usually get separate stripes.
#[inline]
pub(crate) fn stripe_of_caller(stripes: usize) -> usize {
    let marker = 0u8;
    let at = std::ptr::addr_of!(marker) as usize;
    // Page number, mixed, top bits: frames of one thread share a stripe
    // while threads' stacks (pages apart) spread.
    (((at >> 12) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize & (stripes - 1)
}

impl<T> Published<T> {
    pub(crate) fn new(value: Arc<T>) -> Self {
        Self {
            current: AtomicPtr::new(Arc::into_raw(value).cast_mut()),
            epoch: AtomicU64::new(0),
            readers: Default::default(),
            retired: Mutex::new(Retired {
                pending: Vec::new(),
                draining: None,
            }),
            waiting: AtomicBool::new(false),
        }
    }

    /// Pins the current value.
    #[inline]
    pub(crate) fn load(&self) -> Pin<'_, T> {
        loop {
            if let Some(pin) = self.pin_in(self.epoch.load(SeqCst)) {
                return pin;
            }
        }
    }

    /// Pins the current value if the epoch is still `epoch` once this
    /// reader is counted in it.
    #[inline]
    fn pin_in(&self, epoch: u64) -> Option<Pin<'_, T>> {
        let counter = &self.readers[(epoch & 1) as usize][stripe_of_caller(STRIPES)].0;
        counter.fetch_add(1, SeqCst);
        // Counted before any later epoch move: a writer that moves on waits
        // for this counter. If the epoch moved already, the writer may not
        // have seen this count: try again.
        if self.epoch.load(SeqCst) != epoch {
            counter.fetch_sub(1, SeqCst);
            return None;
        }
        let ptr = self.current.load(SeqCst);
        // SAFETY: `ptr` came from `Arc::into_raw` and was current after
        // this reader was counted in `epoch`; a value retired from now on is
        // freed only after the epoch moves past `epoch` and this counter
        // drains, i.e. after this pin is dropped (module docs).
        let value = unsafe { &*ptr };
        Some(Pin {
            cell: self,
            counter,
            value,
        })
    }

    /// The current value, as an owned reference.
    pub(crate) fn load_full(&self) -> Arc<T> {
        self.load().to_arc()
    }

    /// Makes `value` current and retires the old one. Never waits for
    /// readers.
    pub(crate) fn store(&self, value: Arc<T>) {
        let mut retired = self.retired.lock().unwrap_or_else(|p| p.into_inner());
        let old = self.current.swap(Arc::into_raw(value).cast_mut(), SeqCst);
        // SAFETY: `old` came from `Arc::into_raw` and this swap took it out
        // of `current`: the reference it stood for is ours to hold.
        retired.pending.push(unsafe { Arc::from_raw(old) });
        self.advance(&mut retired);
    }

    /// Frees what no reader can see any longer and moves the epoch on when
    /// values wait.
    fn advance(&self, retired: &mut Retired<T>) {
        loop {
            if let Some((old, _)) = &retired.draining {
                let busy = self.readers[*old].iter().any(|c| c.0.load(SeqCst) != 0);
                if busy {
                    self.waiting.store(true, SeqCst);
                    return;
                }
                retired.draining = None;
            }
            if retired.pending.is_empty() {
                self.waiting.store(false, SeqCst);
                return;
            }
            let moved_from = self.epoch.fetch_add(1, SeqCst);
            let batch = std::mem::take(&mut retired.pending);
            retired.draining = Some(((moved_from & 1) as usize, batch));
        }
    }

    /// Called by a leaving reader when a retired value waits.
    #[cold]
    fn reclaim(&self) {
        if let Ok(mut retired) = self.retired.try_lock() {
            self.advance(&mut retired);
        }
    }

    /// Number of retired values not yet freed (tests).
    #[cfg(test)]
    pub(crate) fn retired_count(&self) -> usize {
        let r = self.retired.lock().unwrap();
        r.pending.len() + r.draining.as_ref().map_or(0, |d| d.1.len())
    }
}

impl<T> Drop for Published<T> {
    fn drop(&mut self) {
        // SAFETY: `current` holds a reference from `Arc::into_raw`; `&mut
        // self` means no pin is alive to use it.
        drop(unsafe { Arc::from_raw(*self.current.get_mut()) });
    }
}

/// A pinned value: it stays alive (and is not freed) until the pin drops.
pub(crate) struct Pin<'a, T> {
    cell: &'a Published<T>,
    counter: &'a AtomicUsize,
    value: &'a T,
}

impl<T> Pin<'_, T> {
    /// An owned reference to the pinned value.
    pub(crate) fn to_arc(&self) -> Arc<T> {
        let ptr: *const T = self.value;
        // SAFETY: `ptr` is the pointer of an `Arc` (from `Arc::into_raw`)
        // whose reference the cell or its retired list still holds while
        // this pin lives, so the count is at least one.
        unsafe {
            Arc::increment_strong_count(ptr);
            Arc::from_raw(ptr)
        }
    }
}

impl<T> Deref for Pin<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        self.value
    }
}

impl<T> Drop for Pin<'_, T> {
    #[inline]
    fn drop(&mut self) {
        self.counter.fetch_sub(1, SeqCst);
        if self.cell.waiting.load(Relaxed) {
            self.cell.reclaim();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    struct Tracked(Arc<AtomicUsize>, u64);
    impl Drop for Tracked {
        fn drop(&mut self) {
            self.0.fetch_add(1, SeqCst);
        }
    }

    #[test]
    fn a_pinned_value_outlives_its_replacement_and_is_freed_after() {
        let freed = Arc::new(AtomicUsize::new(0));
        let cell = Published::new(Arc::new(Tracked(freed.clone(), 1)));
        let pin = cell.load();
        cell.store(Arc::new(Tracked(freed.clone(), 2)));
        cell.store(Arc::new(Tracked(freed.clone(), 3)));
        assert_eq!(pin.1, 1, "the pinned value is intact");
        assert_eq!(freed.load(SeqCst), 0, "nothing a reader may see is freed");
        drop(pin);
        // The leaving reader freed the first; the second was retired with
        // no reader in its epoch.
        assert_eq!(freed.load(SeqCst), 2);
        assert_eq!(cell.retired_count(), 0);
        assert_eq!(cell.load().1, 3);
        drop(cell);
        assert_eq!(freed.load(SeqCst), 3);
    }

    #[test]
    fn a_replacement_without_readers_frees_the_old_value_at_once() {
        let freed = Arc::new(AtomicUsize::new(0));
        let cell = Published::new(Arc::new(Tracked(freed.clone(), 1)));
        for i in 2..10 {
            cell.store(Arc::new(Tracked(freed.clone(), i)));
            assert_eq!(freed.load(SeqCst), (i - 1) as usize);
        }
    }

    #[test]
    fn an_owned_reference_keeps_a_retired_value() {
        let freed = Arc::new(AtomicUsize::new(0));
        let cell = Published::new(Arc::new(Tracked(freed.clone(), 1)));
        let owned = cell.load_full();
        cell.store(Arc::new(Tracked(freed.clone(), 2)));
        assert_eq!(cell.retired_count(), 0);
        assert_eq!(freed.load(SeqCst), 0);
        assert_eq!(owned.1, 1);
        drop(owned);
        assert_eq!(freed.load(SeqCst), 1);
    }

    #[test]
    fn a_reader_counted_after_the_epoch_moved_tries_again() {
        let freed = Arc::new(AtomicUsize::new(0));
        let cell = Published::new(Arc::new(Tracked(freed.clone(), 1)));
        // A reader reads the epoch, then a replacement moves it on before
        // the reader is counted.
        let seen = cell.epoch.load(SeqCst);
        cell.store(Arc::new(Tracked(freed.clone(), 2)));
        assert!(
            cell.pin_in(seen).is_none(),
            "a count in a drained epoch protects nothing"
        );
        let pin = cell.load();
        cell.store(Arc::new(Tracked(freed.clone(), 3)));
        assert_eq!(pin.1, 2);
        assert_eq!(freed.load(SeqCst), 1, "the pinned value is not freed");
    }

    #[test]
    fn readers_racing_replacements_never_see_a_freed_value() {
        // Each value checks on drop that no reader holds it: readers mark
        // the value they use and unmark it after.
        struct Value {
            id: u64,
            in_use: AtomicUsize,
            dropped: AtomicBool,
        }
        impl Drop for Value {
            fn drop(&mut self) {
                assert_eq!(self.in_use.load(SeqCst), 0, "freed while pinned");
                self.dropped.store(true, SeqCst);
            }
        }
        let cell = Arc::new(Published::new(Arc::new(Value {
            id: 0,
            in_use: AtomicUsize::new(0),
            dropped: AtomicBool::new(false),
        })));
        let stop = Arc::new(AtomicBool::new(false));
        let pinned = Arc::new(AtomicUsize::new(0));
        let readers: Vec<_> = (0..3)
            .map(|_| {
                let (cell, stop, pinned) = (cell.clone(), stop.clone(), pinned.clone());
                std::thread::spawn(move || {
                    let mut last = 0;
                    let mut pins = 0u64;
                    while !stop.load(Relaxed) {
                        let v = cell.load();
                        v.in_use.fetch_add(1, SeqCst);
                        assert!(!v.dropped.load(SeqCst));
                        assert!(v.id >= last, "values go forward");
                        last = v.id;
                        std::hint::spin_loop();
                        v.in_use.fetch_sub(1, SeqCst);
                        pins += 1;
                        pinned.fetch_add(1, Relaxed);
                    }
                    pins
                })
            })
            .collect();
        // Replace until the readers have pinned many times meanwhile.
        let mut id = 0;
        while id < 20_000 || pinned.load(Relaxed) < 100_000 {
            id += 1;
            cell.store(Arc::new(Value {
                id,
                in_use: AtomicUsize::new(0),
                dropped: AtomicBool::new(false),
            }));
        }
        stop.store(true, Relaxed);
        let pins: u64 = readers.into_iter().map(|r| r.join().unwrap()).sum();
        assert!(pins > 0);
        // Once readers are gone, the next replacement frees everything.
        cell.store(Arc::new(Value {
            id: u64::MAX,
            in_use: AtomicUsize::new(0),
            dropped: AtomicBool::new(false),
        }));
        assert_eq!(cell.retired_count(), 0);
    }
}
