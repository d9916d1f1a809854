//! The engines under test, behind one small interface.
//!
//! - rdrive is driven through its exported C functions (`rdrive_*`), called
//!   through function pointers the optimizer cannot see through: the path a
//!   C program takes (no inlining across the boundary).
//! - simd-r-drive through its Rust API.
//! - LMDB through heed, with zero-copy gets (the value is read in the map).

use std::ffi::{CString, c_char, c_void};
use std::hint::black_box;
use std::path::Path;

use rdrive::ffi::{
    RDRIVE_NOT_FOUND, RDRIVE_OK, rdrive_bytes, rdrive_entry, rdrive_iter, rdrive_kv, rdrive_status,
    rdrive_store, rdrive_view_fn,
};

/// Sums a value as little-endian u64 words (plus a tail), touching every
/// byte. For the 8-byte values of the workloads this is the value itself.
#[inline]
pub fn touch(bytes: &[u8]) -> u64 {
    let mut words = bytes.chunks_exact(8);
    let mut sum = 0u64;
    for w in words.by_ref() {
        sum = sum.wrapping_add(u64::from_le_bytes(w.try_into().unwrap()));
    }
    for (i, &b) in words.remainder().iter().enumerate() {
        sum = sum.wrapping_add(u64::from(b) << (8 * i));
    }
    sum
}

/// One open store of some engine.
pub trait Store: Sync {
    fn write(&self, key: &[u8], value: &[u8]);
    fn batch_write(&self, items: &[(&[u8], &[u8])]);
    /// Reads `key`, touches every byte, releases the value; `touch()` of it.
    fn read(&self, key: &[u8]) -> Option<u64>;
    /// Visits every live entry touching its bytes: (count, sum of touches).
    fn iterate(&self) -> (u64, u64);
    /// Reads the keys of `indices` in order, checking each value against
    /// `expect`; returns the number of wrong or missing values.
    fn read_all(
        &self,
        indices: &[u32],
        key: &dyn Fn(u32) -> [u8; 16],
        expect: &dyn Fn(u32) -> u64,
    ) -> u64 {
        let mut bad = 0;
        for &i in indices {
            if self.read(&key(i)) != Some(expect(i)) {
                bad += 1;
            }
        }
        bad
    }
}

/// How to open stores of one engine.
pub trait Engine: Sync {
    fn name(&self) -> &'static str;
    /// Opens (creating if needed) the store kept in `dir`.
    fn open(&self, dir: &Path, durable: bool) -> Box<dyn Store>;
}

// ---------------------------------------------------------------- rdrive --

type OpenFn = unsafe extern "C" fn(*const c_char, u32, *mut *mut rdrive_store) -> rdrive_status;
type CloseFn = unsafe extern "C" fn(*mut rdrive_store);
type WriteFn =
    unsafe extern "C" fn(*mut rdrive_store, *const u8, usize, *const u8, usize) -> rdrive_status;
type BatchFn = unsafe extern "C" fn(*mut rdrive_store, *const rdrive_kv, usize) -> rdrive_status;
type ReadFn = unsafe extern "C" fn(
    *const rdrive_store,
    *const u8,
    usize,
    *mut *mut rdrive_entry,
) -> rdrive_status;
type RangeFn = unsafe extern "C" fn(*const rdrive_entry) -> rdrive_bytes;
type FreeFn = unsafe extern "C" fn(*mut rdrive_entry);
type PeekFn = unsafe extern "C" fn(
    *const rdrive_store,
    *const u8,
    usize,
    rdrive_view_fn,
    *mut c_void,
) -> rdrive_status;
type IterFn = unsafe extern "C" fn(*const rdrive_store, *mut *mut rdrive_iter) -> rdrive_status;
type IterNextFn = unsafe extern "C" fn(*mut rdrive_iter, *mut *mut rdrive_entry) -> rdrive_status;
type IterFreeFn = unsafe extern "C" fn(*mut rdrive_iter);
type IterBatchFn = unsafe extern "C" fn(
    *mut rdrive_iter,
    *mut rdrive_bytes,
    *mut u64,
    usize,
    *mut usize,
) -> rdrive_status;

/// The C functions, as opaque pointers.
#[derive(Clone, Copy)]
struct Api {
    open: OpenFn,
    close: CloseFn,
    write: WriteFn,
    batch: BatchFn,
    read: ReadFn,
    range: RangeFn,
    free: FreeFn,
    peek: PeekFn,
    iter: IterFn,
    iter_next: IterNextFn,
    iter_free: IterFreeFn,
    iter_batch: IterBatchFn,
}

impl Api {
    fn get() -> Self {
        black_box(Self {
            open: rdrive::ffi::rdrive_store_open,
            close: rdrive::ffi::rdrive_store_close,
            write: rdrive::ffi::rdrive_store_write,
            batch: rdrive::ffi::rdrive_store_batch_write,
            read: rdrive::ffi::rdrive_store_read,
            range: rdrive::ffi::rdrive_entry_address_range,
            free: rdrive::ffi::rdrive_entry_free,
            peek: rdrive::ffi::rdrive_store_peek,
            iter: rdrive::ffi::rdrive_store_iter,
            iter_next: rdrive::ffi::rdrive_iter_next,
            iter_free: rdrive::ffi::rdrive_iter_free,
            iter_batch: rdrive::ffi::rdrive_iter_next_batch,
        })
    }
}

/// rdrive through the C ABI. `peek` selects the allocation-free calls:
/// `rdrive_store_peek` instead of `rdrive_store_read` + `rdrive_entry_free`,
/// and `rdrive_iter_next_batch` (views, 256 per call) instead of
/// `rdrive_iter_next` + `rdrive_entry_free`.
pub struct RdriveC {
    pub peek: bool,
}

struct RdriveStore {
    api: Api,
    store: *mut rdrive_store,
    peek: bool,
}

// SAFETY: the C API documents rdrive_store_* calls as safe to make
// concurrently on one store (except close, which only Drop calls).
unsafe impl Sync for RdriveStore {}
// SAFETY: as above; the handle is not tied to a thread.
unsafe impl Send for RdriveStore {}

fn check(st: rdrive_status, what: &str) {
    assert_eq!(st, RDRIVE_OK, "{what} failed with status {st}");
}

impl Engine for RdriveC {
    fn name(&self) -> &'static str {
        if self.peek {
            "rdrive C no-alloc"
        } else {
            "rdrive C"
        }
    }

    fn open(&self, dir: &Path, durable: bool) -> Box<dyn Store> {
        let api = Api::get();
        let path = CString::new(dir.join("store.rdrive").to_str().unwrap()).unwrap();
        let mut store = std::ptr::null_mut();
        let flags = if durable {
            rdrive::ffi::RDRIVE_OPEN_SYNC
        } else {
            0
        };
        // SAFETY: valid NUL-terminated path and out-pointer.
        check(
            unsafe { (api.open)(path.as_ptr(), flags, &mut store) },
            "open",
        );
        Box::new(RdriveStore {
            api,
            store,
            peek: self.peek,
        })
    }
}

unsafe extern "C" fn view(ctx: *mut c_void, ptr: *const u8, len: usize) {
    // SAFETY: rdrive passes the value's bytes, valid during this call; `ctx`
    // is the `u64` slot handed to rdrive_store_peek.
    unsafe { *ctx.cast::<u64>() = touch(std::slice::from_raw_parts(ptr, len)) };
}

impl Store for RdriveStore {
    fn write(&self, key: &[u8], value: &[u8]) {
        // SAFETY: live store; buffers valid for their lengths.
        let st = unsafe {
            (self.api.write)(
                self.store,
                key.as_ptr(),
                key.len(),
                value.as_ptr(),
                value.len(),
            )
        };
        check(st, "write");
    }

    fn batch_write(&self, items: &[(&[u8], &[u8])]) {
        let kvs: Vec<rdrive_kv> = items
            .iter()
            .map(|(k, v)| rdrive_kv {
                key: k.as_ptr(),
                key_len: k.len(),
                value: v.as_ptr(),
                value_len: v.len(),
            })
            .collect();
        // SAFETY: live store; `kvs` points into `items`, alive for the call.
        check(
            unsafe { (self.api.batch)(self.store, kvs.as_ptr(), kvs.len()) },
            "batch write",
        );
    }

    fn read(&self, key: &[u8]) -> Option<u64> {
        if self.peek {
            let mut out = 0u64;
            // SAFETY: live store; `view` matches the callback contract.
            let st = unsafe {
                (self.api.peek)(
                    self.store,
                    key.as_ptr(),
                    key.len(),
                    Some(view),
                    (&mut out as *mut u64).cast(),
                )
            };
            return match st {
                RDRIVE_OK => Some(out),
                RDRIVE_NOT_FOUND => None,
                other => panic!("peek failed: {other}"),
            };
        }
        let mut entry = std::ptr::null_mut();
        // SAFETY: live store, valid key and out-pointer.
        let st = unsafe { (self.api.read)(self.store, key.as_ptr(), key.len(), &mut entry) };
        match st {
            RDRIVE_OK => {
                // SAFETY: a live entry; its bytes are valid until freed.
                let sum = unsafe {
                    let b = (self.api.range)(entry);
                    touch(std::slice::from_raw_parts(b.ptr, b.len))
                };
                // SAFETY: freed exactly once.
                unsafe { (self.api.free)(entry) };
                Some(sum)
            }
            RDRIVE_NOT_FOUND => None,
            other => panic!("read failed: {other}"),
        }
    }

    fn iterate(&self) -> (u64, u64) {
        let mut it = std::ptr::null_mut();
        // SAFETY: live store and out-pointer.
        check(unsafe { (self.api.iter)(self.store, &mut it) }, "iter");
        let (mut count, mut sum) = (0u64, 0u64);
        if self.peek {
            let mut views = vec![
                rdrive_bytes {
                    ptr: std::ptr::null(),
                    len: 0
                };
                256
            ];
            let mut n = 0usize;
            // SAFETY: live iterator; `views` has 256 slots; views are valid
            // until the iterator is freed.
            while unsafe {
                (self.api.iter_batch)(
                    it,
                    views.as_mut_ptr(),
                    std::ptr::null_mut(),
                    views.len(),
                    &mut n,
                )
            } == RDRIVE_OK
            {
                for v in &views[..n] {
                    // SAFETY: a view returned by the iterator, valid until it
                    // is freed.
                    let bytes = unsafe { std::slice::from_raw_parts(v.ptr, v.len) };
                    sum = sum.wrapping_add(touch(bytes));
                }
                count += n as u64;
            }
            // SAFETY: freed once.
            unsafe { (self.api.iter_free)(it) };
            return (count, sum);
        }
        let mut entry = std::ptr::null_mut();
        // SAFETY: live iterator; each entry is read then freed once.
        while unsafe { (self.api.iter_next)(it, &mut entry) } == RDRIVE_OK {
            // SAFETY: a live entry, read while valid and then freed once.
            unsafe {
                let b = (self.api.range)(entry);
                sum = sum.wrapping_add(touch(std::slice::from_raw_parts(b.ptr, b.len)));
                (self.api.free)(entry);
            }
            count += 1;
        }
        // SAFETY: freed once.
        unsafe { (self.api.iter_free)(it) };
        (count, sum)
    }
}

impl Drop for RdriveStore {
    fn drop(&mut self) {
        // SAFETY: closed once, with no other call in flight.
        unsafe { (self.api.close)(self.store) };
    }
}

// ---------------------------------------------------------- simd-r-drive --

pub struct SimdRDrive;

struct SimdStore(simd_r_drive::DataStore);

impl Engine for SimdRDrive {
    fn name(&self) -> &'static str {
        "simd-r-drive"
    }

    fn open(&self, dir: &Path, _durable: bool) -> Box<dyn Store> {
        Box::new(SimdStore(
            simd_r_drive::DataStore::open(&dir.join("store.simd")).unwrap(),
        ))
    }
}

impl Store for SimdStore {
    fn write(&self, key: &[u8], value: &[u8]) {
        use simd_r_drive::traits::DataStoreWriter;
        self.0.write(key, value).unwrap();
    }

    fn batch_write(&self, items: &[(&[u8], &[u8])]) {
        use simd_r_drive::traits::DataStoreWriter;
        self.0.batch_write(items).unwrap();
    }

    fn read(&self, key: &[u8]) -> Option<u64> {
        use simd_r_drive::traits::DataStoreReader;
        self.0.read(key).unwrap().map(|e| touch(e.as_slice()))
    }

    fn iterate(&self) -> (u64, u64) {
        let (mut count, mut sum) = (0u64, 0u64);
        for e in self.0.iter_entries() {
            sum = sum.wrapping_add(touch(e.as_slice()));
            count += 1;
        }
        (count, sum)
    }
}

// ------------------------------------------------------------------ LMDB --

/// LMDB through heed. `one_txn` reads inside a single long read transaction
/// instead of one transaction per read.
pub struct Lmdb {
    pub one_txn: bool,
}

type Db = heed::Database<heed::types::Bytes, heed::types::Bytes>;

struct LmdbStore {
    env: heed::Env,
    db: Db,
    one_txn: bool,
}

impl Engine for Lmdb {
    fn name(&self) -> &'static str {
        if self.one_txn {
            "LMDB (one txn)"
        } else {
            "LMDB"
        }
    }

    fn open(&self, dir: &Path, durable: bool) -> Box<dyn Store> {
        let mut options = heed::EnvOpenOptions::new();
        options.map_size(16 << 30).max_dbs(1);
        if !durable {
            // SAFETY: NO_SYNC only trades durability for speed.
            unsafe { options.flags(heed::EnvFlags::NO_SYNC) };
        }
        // SAFETY: one environment per directory in this process.
        let env = unsafe { options.open(dir) }.unwrap();
        let mut wtxn = env.write_txn().unwrap();
        let db: Db = env.create_database(&mut wtxn, None).unwrap();
        wtxn.commit().unwrap();
        Box::new(LmdbStore {
            env,
            db,
            one_txn: self.one_txn,
        })
    }
}

impl Store for LmdbStore {
    fn write(&self, key: &[u8], value: &[u8]) {
        let mut wtxn = self.env.write_txn().unwrap();
        self.db.put(&mut wtxn, key, value).unwrap();
        wtxn.commit().unwrap();
    }

    fn batch_write(&self, items: &[(&[u8], &[u8])]) {
        let mut wtxn = self.env.write_txn().unwrap();
        for (k, v) in items {
            self.db.put(&mut wtxn, k, v).unwrap();
        }
        wtxn.commit().unwrap();
    }

    fn read(&self, key: &[u8]) -> Option<u64> {
        let rtxn = self.env.read_txn().unwrap();
        self.db.get(&rtxn, key).unwrap().map(touch)
    }

    fn read_all(
        &self,
        indices: &[u32],
        key: &dyn Fn(u32) -> [u8; 16],
        expect: &dyn Fn(u32) -> u64,
    ) -> u64 {
        if !self.one_txn {
            return indices
                .iter()
                .filter(|&&i| self.read(&key(i)) != Some(expect(i)))
                .count() as u64;
        }
        let rtxn = self.env.read_txn().unwrap();
        let mut bad = 0;
        for &i in indices {
            if self.db.get(&rtxn, &key(i)).unwrap().map(touch) != Some(expect(i)) {
                bad += 1;
            }
        }
        bad
    }

    fn iterate(&self) -> (u64, u64) {
        let rtxn = self.env.read_txn().unwrap();
        let (mut count, mut sum) = (0u64, 0u64);
        for item in self.db.iter(&rtxn).unwrap() {
            let (_, v) = item.unwrap();
            sum = sum.wrapping_add(touch(v));
            count += 1;
        }
        (count, sum)
    }
}
