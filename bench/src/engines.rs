//! The engines under test, behind one small interface.
//!
//! - rdrive through `librdrive.so`, loaded with `dlopen` (see `ffi.rs`):
//!   every call goes through a function pointer into the shared library,
//!   as from a C program (no inlining across the boundary).
//! - simd-r-drive through its Rust API.
//! - LMDB through heed, with zero-copy gets (the value is read in the map).
//! - The floor: no engine, the payloads of an rdrive file read through a
//!   plain array of offsets into a read-only mapping of it.

use std::collections::HashMap;
use std::ffi::{CString, c_void};
use std::path::Path;

use crate::ffi::{self, Api, Bytes, Kv, RDRIVE_NOT_FOUND, RDRIVE_OK, RdriveEntry, RdriveStore};
use crate::plan::{BATCH, MISSING, Plan, batched, key, one_by_one, touch};

/// How a store is opened.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    /// Read-write, no fsync per write (LMDB: `NO_SYNC`).
    Normal,
    /// Read-write, each write durable before it returns.
    Durable,
    /// rdrive only: read-write with `RDRIVE_OPEN_SHARED`.
    Shared,
}

/// The read call a read loop makes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Call {
    /// rdrive: `rdrive_store_read` → `rdrive_entry_address_range` → touch →
    /// `rdrive_entry_free`; simd-r-drive: `read` + touch + drop; LMDB: one
    /// read transaction per `get`.
    Read,
    /// rdrive: `rdrive_store_get` → touch → `rdrive_entry_free`.
    Get,
    /// rdrive: `rdrive_store_peek` (callback touches the bytes in place).
    Peek,
    /// rdrive: `rdrive_store_read_into` an 8-byte buffer.
    Into,
    /// rdrive: `rdrive_store_batch_read` of 1,000 keys, then touch + free
    /// each entry; simd-r-drive: `batch_read` of 1,000 keys.
    Batch,
    /// rdrive: `rdrive_store_batch_peek` of 1,000 keys (callback per key).
    BatchPeek,
    /// LMDB: every `get` of the loop inside one read transaction.
    OneTxn,
}

/// How a full scan visits the entries.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Scan {
    /// rdrive: `rdrive_iter_next` + address range + touch + free per entry;
    /// simd-r-drive: its entry iterator; LMDB: a cursor over the database.
    Entry,
    /// rdrive: `rdrive_iter_next_batch`, 256 views per call.
    Batch,
}

/// One open store of some engine.
pub trait Store: Sync {
    fn write(&self, key: &[u8], value: &[u8]);
    fn batch_write(&self, items: &[(&[u8], &[u8])]);
    /// Reads `key`, touches every byte, releases the value; `touch()` of it.
    fn read(&self, key: &[u8]) -> Option<u64>;
    /// Runs the read loop of `plan` with `call`; the number of wrong values,
    /// or None when this engine has no such call.
    fn reads(&self, call: Call, plan: &Plan, dependent: bool) -> Option<u64>;
    /// Visits every live entry touching its bytes: (count, sum of touches),
    /// or None when this engine has no such scan.
    fn iterate(&self, scan: Scan) -> Option<(u64, u64)>;
    /// Number of live keys.
    fn count(&self) -> u64;
}

/// How to open stores of one engine.
pub trait Engine: Sync {
    fn name(&self) -> &'static str;
    /// Opens (creating if needed) the store kept in `dir`.
    fn open(&self, dir: &Path, mode: Mode) -> Box<dyn Store>;
    /// The store's data file in `dir`.
    fn file(&self, dir: &Path) -> std::path::PathBuf;
}

// ---------------------------------------------------------------- rdrive --

/// rdrive through its C ABI.
pub struct RdriveC;

pub struct RdriveHandle {
    api: &'static Api,
    store: *mut RdriveStore,
}

// SAFETY: the C API documents rdrive_store_* calls as safe to make
// concurrently on one store (except close, which only Drop calls).
unsafe impl Sync for RdriveHandle {}
// SAFETY: as above; the handle is not tied to a thread.
unsafe impl Send for RdriveHandle {}

impl Engine for RdriveC {
    fn name(&self) -> &'static str {
        "rdrive C"
    }

    fn open(&self, dir: &Path, mode: Mode) -> Box<dyn Store> {
        Box::new(RdriveHandle::open(&self.file(dir), mode))
    }

    fn file(&self, dir: &Path) -> std::path::PathBuf {
        dir.join("store.rdrive")
    }
}

impl RdriveHandle {
    pub fn open(file: &Path, mode: Mode) -> RdriveHandle {
        let api = ffi::api();
        let path = CString::new(file.to_str().unwrap()).unwrap();
        let flags = match mode {
            Mode::Normal => 0,
            Mode::Durable => ffi::RDRIVE_OPEN_SYNC,
            Mode::Shared => ffi::RDRIVE_OPEN_SHARED,
        };
        let mut store = std::ptr::null_mut();
        // SAFETY: a NUL-terminated path and a valid out-pointer.
        let st = unsafe { (api.open)(path.as_ptr(), flags, &mut store) };
        api.check(st, "rdrive_store_open");
        RdriveHandle { api, store }
    }

    #[inline]
    fn missing(&self, st: ffi::Status, what: &str) -> u64 {
        if st == RDRIVE_NOT_FOUND {
            MISSING
        } else {
            self.api.fail(what, st)
        }
    }

    /// `rdrive_store_read` → `rdrive_entry_address_range` → touch → free.
    #[inline(always)]
    fn read_entry(&self, k: &[u8]) -> u64 {
        let mut e: *mut RdriveEntry = std::ptr::null_mut();
        // SAFETY: live store; key valid for its length; valid out-pointer.
        let st = unsafe { (self.api.read)(self.store, k.as_ptr(), k.len(), &mut e) };
        if st != RDRIVE_OK {
            return self.missing(st, "rdrive_store_read");
        }
        // SAFETY: `e` is a live entry: its bytes are valid until it is freed,
        // which happens once, after they were touched.
        unsafe {
            let b = (self.api.range)(e);
            let v = touch(std::slice::from_raw_parts(b.ptr, b.len));
            (self.api.free)(e);
            v
        }
    }

    /// `rdrive_store_get` → touch → free.
    #[inline(always)]
    fn get(&self, k: &[u8]) -> u64 {
        let mut e: *mut RdriveEntry = std::ptr::null_mut();
        let mut b = Bytes {
            ptr: std::ptr::null(),
            len: 0,
        };
        // SAFETY: live store; key valid for its length; valid out-pointers.
        let st = unsafe { (self.api.get)(self.store, k.as_ptr(), k.len(), &mut e, &mut b) };
        if st != RDRIVE_OK {
            return self.missing(st, "rdrive_store_get");
        }
        // SAFETY: `b` is the live entry's bytes, valid until `e` is freed,
        // which happens once, after they were touched.
        unsafe {
            let v = touch(std::slice::from_raw_parts(b.ptr, b.len));
            (self.api.free)(e);
            v
        }
    }

    /// `rdrive_store_peek` with a callback that touches the bytes.
    #[inline(always)]
    fn peek(&self, k: &[u8]) -> u64 {
        let mut out = MISSING;
        // SAFETY: live store; key valid for its length; `view_one` follows
        // rdrive_view_fn and `ctx` is the u64 it writes, alive for the call.
        let st = unsafe {
            (self.api.peek)(
                self.store,
                k.as_ptr(),
                k.len(),
                Some(view_one),
                (&raw mut out).cast(),
            )
        };
        if st != RDRIVE_OK {
            return self.missing(st, "rdrive_store_peek");
        }
        out
    }

    /// `rdrive_store_read_into` an 8-byte buffer.
    #[inline(always)]
    fn read_into(&self, k: &[u8]) -> u64 {
        let mut buf = [0u8; 8];
        let mut len = 0usize;
        // SAFETY: live store; key valid for its length; `buf` has 8 writable
        // bytes; valid out-pointer for the length.
        let st = unsafe {
            (self.api.read_into)(
                self.store,
                k.as_ptr(),
                k.len(),
                buf.as_mut_ptr(),
                buf.len(),
                &mut len,
            )
        };
        if st != RDRIVE_OK {
            return self.missing(st, "rdrive_store_read_into");
        }
        touch(&buf[..len])
    }

    /// `rdrive_store_batch_read` of `keys`, then touch + free each entry.
    fn batch_read(
        &self,
        keys: &[[u8; 16]],
        views: &mut [Bytes],
        entries: &mut [*mut RdriveEntry],
        out: &mut [u64],
    ) {
        for (v, k) in views.iter_mut().zip(keys) {
            *v = Bytes {
                ptr: k.as_ptr(),
                len: k.len(),
            };
        }
        let mut found = 0usize;
        // SAFETY: live store; `views` holds `keys.len()` valid keys and
        // `entries` as many writable slots.
        let st = unsafe {
            (self.api.batch_read)(
                self.store,
                views.as_ptr(),
                keys.len(),
                entries.as_mut_ptr(),
                &mut found,
            )
        };
        self.api.check(st, "rdrive_store_batch_read");
        for (o, &e) in out.iter_mut().zip(entries.iter()) {
            *o = if e.is_null() {
                MISSING
            } else {
                // SAFETY: a live entry from the batch; its bytes are valid
                // until it is freed, once, right after.
                unsafe {
                    let b = (self.api.range)(e);
                    let v = touch(std::slice::from_raw_parts(b.ptr, b.len));
                    (self.api.free)(e);
                    v
                }
            };
        }
    }

    /// `rdrive_store_batch_peek` of `keys`, the callback touching each value.
    fn batch_peek(&self, keys: &[[u8; 16]], views: &mut [Bytes], out: &mut [u64]) {
        for (v, k) in views.iter_mut().zip(keys) {
            *v = Bytes {
                ptr: k.as_ptr(),
                len: k.len(),
            };
        }
        let mut found = 0usize;
        // SAFETY: live store; `views` holds `keys.len()` valid keys;
        // `view_at` follows rdrive_batch_view_fn and `ctx` is `out`, with a
        // slot for every index it is called with.
        let st = unsafe {
            (self.api.batch_peek)(
                self.store,
                views.as_ptr(),
                keys.len(),
                Some(view_at),
                out.as_mut_ptr().cast(),
                &mut found,
            )
        };
        self.api.check(st, "rdrive_store_batch_peek");
    }
}

/// `rdrive_view_fn`: stores `touch()` of the bytes in the u64 at `ctx`.
unsafe extern "C" fn view_one(ctx: *mut c_void, ptr: *const u8, len: usize) {
    // SAFETY: rdrive passes the value's bytes, valid during this call; `ctx`
    // is the u64 handed to rdrive_store_peek.
    unsafe { *ctx.cast::<u64>() = touch(std::slice::from_raw_parts(ptr, len)) };
}

/// `rdrive_batch_view_fn`: stores `touch()` of the bytes of key `index` in
/// slot `index` of the u64 array at `ctx` (`MISSING` for an absent key).
unsafe extern "C" fn view_at(ctx: *mut c_void, index: usize, ptr: *const u8, len: usize) {
    let v = if ptr.is_null() {
        MISSING
    } else {
        // SAFETY: rdrive passes the value's bytes, valid during this call.
        touch(unsafe { std::slice::from_raw_parts(ptr, len) })
    };
    // SAFETY: `ctx` is the output array handed to rdrive_store_batch_peek,
    // with one slot per key of the batch; `index` is below the key count.
    unsafe { *ctx.cast::<u64>().add(index) = v };
}

impl Store for RdriveHandle {
    fn write(&self, key: &[u8], value: &[u8]) {
        // SAFETY: live store; both buffers valid for their lengths.
        let st = unsafe {
            (self.api.write)(
                self.store,
                key.as_ptr(),
                key.len(),
                value.as_ptr(),
                value.len(),
            )
        };
        self.api.check(st, "rdrive_store_write");
    }

    fn batch_write(&self, items: &[(&[u8], &[u8])]) {
        let kvs: Vec<Kv> = items
            .iter()
            .map(|(k, v)| Kv {
                key: k.as_ptr(),
                key_len: k.len(),
                value: v.as_ptr(),
                value_len: v.len(),
            })
            .collect();
        // SAFETY: live store; `kvs` points into `items`, alive for the call.
        let st = unsafe { (self.api.batch_write)(self.store, kvs.as_ptr(), kvs.len()) };
        self.api.check(st, "rdrive_store_batch_write");
    }

    fn read(&self, key: &[u8]) -> Option<u64> {
        Some(self.read_entry(key)).filter(|&v| v != MISSING)
    }

    fn reads(&self, call: Call, plan: &Plan, dependent: bool) -> Option<u64> {
        let mut views = Vec::new();
        let mut entries = Vec::new();
        if matches!(call, Call::Batch | Call::BatchPeek) {
            let none = Bytes {
                ptr: std::ptr::null(),
                len: 0,
            };
            views = vec![none; BATCH];
            entries = vec![std::ptr::null_mut(); BATCH];
        }
        Some(match call {
            Call::Read => one_by_one(plan, dependent, |k| self.read_entry(k)),
            Call::Get => one_by_one(plan, dependent, |k| self.get(k)),
            Call::Peek => one_by_one(plan, dependent, |k| self.peek(k)),
            Call::Into => one_by_one(plan, dependent, |k| self.read_into(k)),
            Call::Batch => batched(plan, dependent, |keys, out| {
                self.batch_read(keys, &mut views, &mut entries, out)
            }),
            Call::BatchPeek => batched(plan, dependent, |keys, out| {
                self.batch_peek(keys, &mut views, out)
            }),
            Call::OneTxn => return None,
        })
    }

    fn iterate(&self, scan: Scan) -> Option<(u64, u64)> {
        let api = self.api;
        let mut it = std::ptr::null_mut();
        // SAFETY: live store and a valid out-pointer.
        api.check(
            unsafe { (api.iter)(self.store, &mut it) },
            "rdrive_store_iter",
        );
        let (mut count, mut sum) = (0u64, 0u64);
        match scan {
            Scan::Batch => {
                let mut views = vec![
                    Bytes {
                        ptr: std::ptr::null(),
                        len: 0
                    };
                    256
                ];
                let mut n = 0usize;
                // SAFETY: live iterator; `views` has 256 writable slots.
                while unsafe {
                    (api.iter_next_batch)(
                        it,
                        views.as_mut_ptr(),
                        std::ptr::null_mut(),
                        views.len(),
                        &mut n,
                    )
                } == RDRIVE_OK
                {
                    for v in &views[..n] {
                        // SAFETY: a view returned by the iterator, valid until
                        // the iterator is freed (below).
                        let bytes = unsafe { std::slice::from_raw_parts(v.ptr, v.len) };
                        sum = sum.wrapping_add(touch(bytes));
                    }
                    count += n as u64;
                }
            }
            Scan::Entry => {
                let mut e = std::ptr::null_mut();
                // SAFETY: live iterator and a valid out-pointer.
                while unsafe { (api.iter_next)(it, &mut e) } == RDRIVE_OK {
                    // SAFETY: a live entry, read while valid, then freed once.
                    unsafe {
                        let b = (api.range)(e);
                        sum = sum.wrapping_add(touch(std::slice::from_raw_parts(b.ptr, b.len)));
                        (api.free)(e);
                    }
                    count += 1;
                }
            }
        }
        // SAFETY: freed once; no view of it is used afterwards.
        unsafe { (api.iter_free)(it) };
        Some((count, sum))
    }

    fn count(&self) -> u64 {
        let mut n = 0u64;
        // SAFETY: live store and a valid out-pointer.
        let st = unsafe { (self.api.len)(self.store, &mut n) };
        self.api.check(st, "rdrive_store_len");
        n
    }
}

impl Drop for RdriveHandle {
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

    fn open(&self, dir: &Path, _mode: Mode) -> Box<dyn Store> {
        Box::new(SimdStore(
            simd_r_drive::DataStore::open(&self.file(dir)).unwrap(),
        ))
    }

    fn file(&self, dir: &Path) -> std::path::PathBuf {
        dir.join("store.simd")
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

    fn reads(&self, call: Call, plan: &Plan, dependent: bool) -> Option<u64> {
        use simd_r_drive::traits::DataStoreReader;
        Some(match call {
            Call::Read => one_by_one(plan, dependent, |k| {
                self.0
                    .read(k)
                    .unwrap()
                    .map_or(MISSING, |e| touch(e.as_slice()))
            }),
            Call::Batch => batched(plan, dependent, |keys, out| {
                let refs: Vec<&[u8]> = keys.iter().map(|k| &k[..]).collect();
                let got = self.0.batch_read(&refs).unwrap();
                for (o, e) in out.iter_mut().zip(got) {
                    *o = e.map_or(MISSING, |e| touch(e.as_slice()));
                }
            }),
            _ => return None,
        })
    }

    fn iterate(&self, scan: Scan) -> Option<(u64, u64)> {
        if scan != Scan::Entry {
            return None;
        }
        let (mut count, mut sum) = (0u64, 0u64);
        for e in self.0.iter_entries() {
            sum = sum.wrapping_add(touch(e.as_slice()));
            count += 1;
        }
        Some((count, sum))
    }

    fn count(&self) -> u64 {
        use simd_r_drive::traits::DataStoreReader;
        self.0.len().unwrap() as u64
    }
}

// ------------------------------------------------------------------ LMDB --

/// LMDB through heed.
pub struct Lmdb;

type Db = heed::Database<heed::types::Bytes, heed::types::Bytes>;

struct LmdbStore {
    env: heed::Env,
    db: Db,
}

impl Engine for Lmdb {
    fn name(&self) -> &'static str {
        "LMDB"
    }

    fn open(&self, dir: &Path, mode: Mode) -> Box<dyn Store> {
        Box::new(LmdbStore::open(dir, mode))
    }

    fn file(&self, dir: &Path) -> std::path::PathBuf {
        dir.join("data.mdb")
    }
}

impl LmdbStore {
    fn open(dir: &Path, mode: Mode) -> LmdbStore {
        let mut options = heed::EnvOpenOptions::new();
        options.map_size(16 << 30).max_dbs(1);
        if mode != Mode::Durable {
            // SAFETY: NO_SYNC only trades durability for speed.
            unsafe { options.flags(heed::EnvFlags::NO_SYNC) };
        }
        // SAFETY: one environment per directory in this process.
        let env = unsafe { options.open(dir) }.unwrap();
        let mut wtxn = env.write_txn().unwrap();
        let db: Db = env.create_database(&mut wtxn, None).unwrap();
        wtxn.commit().unwrap();
        LmdbStore { env, db }
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

    fn reads(&self, call: Call, plan: &Plan, dependent: bool) -> Option<u64> {
        Some(match call {
            Call::Read => one_by_one(plan, dependent, |k| {
                let rtxn = self.env.read_txn().unwrap();
                self.db.get(&rtxn, k).unwrap().map_or(MISSING, touch)
            }),
            Call::OneTxn => {
                let rtxn = self.env.read_txn().unwrap();
                one_by_one(plan, dependent, |k| {
                    self.db.get(&rtxn, k).unwrap().map_or(MISSING, touch)
                })
            }
            _ => return None,
        })
    }

    fn iterate(&self, scan: Scan) -> Option<(u64, u64)> {
        if scan != Scan::Entry {
            return None;
        }
        let rtxn = self.env.read_txn().unwrap();
        let (mut count, mut sum) = (0u64, 0u64);
        for item in self.db.iter(&rtxn).unwrap() {
            let (_, v) = item.unwrap();
            sum = sum.wrapping_add(touch(v));
            count += 1;
        }
        Some((count, sum))
    }

    fn count(&self) -> u64 {
        let rtxn = self.env.read_txn().unwrap();
        self.db.len(&rtxn).unwrap()
    }
}

// ----------------------------------------------------------------- floor --

/// The memory system's floor for a read: the payload offset of every key
/// index in a plain array (no hashing, no table), into a read-only mapping
/// of the rdrive store file; a read is one load from the array and one
/// 8-byte load from the mapping.
pub struct Floor {
    base: *const u8,
    len: usize,
    offsets: Vec<usize>,
}

// SAFETY: the mapping is read-only and lives until Drop; reading it from
// several threads is sound.
unsafe impl Sync for Floor {}

impl Floor {
    /// Maps `file` (an rdrive store holding keys `0..n`) and finds each
    /// key's payload by walking the entry chain from the end of the file
    /// (the format of docs/format.md); checks every payload against
    /// `succ`. Untimed.
    pub fn new(file: &Path, succ: &[u32]) -> Floor {
        use std::os::fd::AsRawFd;
        let f = std::fs::File::open(file).unwrap();
        let len = f.metadata().unwrap().len() as usize;
        assert!(len > 0, "{}: empty", file.display());
        // SAFETY: a fresh read-only shared mapping of an open file, at an
        // address the kernel picks; checked for failure below.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_SHARED,
                f.as_raw_fd(),
                0,
            )
        };
        assert_ne!(p, libc::MAP_FAILED, "mmap {}", file.display());
        let base: *const u8 = p.cast();
        // SAFETY: the mapping covers `len` bytes of the file, which nobody
        // writes while the benchmark reads it.
        let bytes = unsafe { std::slice::from_raw_parts(base, len) };
        let starts = walk(bytes);
        let api = ffi::api();
        let offsets: Vec<usize> = (0..succ.len() as u32)
            .map(|i| {
                starts
                    .get(&api.hash(&key(i)))
                    .copied()
                    .flatten()
                    .unwrap_or_else(|| panic!("floor: key {i} not in {}", file.display()))
            })
            .collect();
        for (i, &off) in offsets.iter().enumerate() {
            assert!(off + 8 <= len);
            assert_eq!(
                touch(&bytes[off..off + 8]),
                u64::from(succ[i]),
                "floor: key {i}"
            );
        }
        Floor { base, len, offsets }
    }

    #[inline(always)]
    fn load(&self, i: u32) -> u64 {
        let off = self.offsets[i as usize];
        // SAFETY: every offset was checked to have 8 mapped bytes after it.
        unsafe { self.base.add(off).cast::<u64>().read_unaligned() }
    }

    /// The plan's reads as single loads; `chains` selects the layout:
    /// false: one by one (independent or dependent); true: the batch layout,
    /// dependent (1,000 chains advanced together). Returns wrong values.
    pub fn reads(&self, plan: &Plan, dependent: bool, chains: bool) -> u64 {
        let next = &plan.order[1..];
        let mut bad = 0u64;
        if chains {
            let seg = plan.segment();
            let mut at: Vec<u64> = (0..BATCH).map(|c| u64::from(plan.order[c * seg])).collect();
            for s in 0..seg {
                for a in at.iter_mut() {
                    *a = self.load(*a as u32);
                }
                let want = &plan.batch_expect[s * BATCH..(s + 1) * BATCH];
                for (a, &w) in at.iter().zip(want) {
                    bad += u64::from(*a != u64::from(w));
                }
            }
        } else if dependent {
            let mut k = plan.order[0];
            for &want in next {
                let v = self.load(k);
                bad += u64::from(v != u64::from(want));
                k = v as u32;
            }
        } else {
            for (&i, &want) in plan.order.iter().zip(next) {
                bad += u64::from(self.load(i) != u64::from(want));
            }
        }
        bad
    }
}

impl Drop for Floor {
    fn drop(&mut self) {
        // SAFETY: unmaps the mapping made in `new`, once; no reference into
        // it outlives `self`.
        unsafe { libc::munmap(self.base.cast_mut().cast(), self.len) };
    }
}

/// Payload start of the live version of every key hash (None: deleted),
/// walking the chain of trailers from the end of the file.
fn walk(bytes: &[u8]) -> HashMap<u64, Option<usize>> {
    const META: usize = 20;
    const ALIGN: usize = 64;
    let mut live = HashMap::new();
    let mut m = bytes.len();
    while m > 0 {
        assert!(m >= META, "floor: torn chain at {m}");
        let t = &bytes[m - META..m];
        let hash = u64::from_le_bytes(t[0..8].try_into().unwrap());
        let prev = u64::from_le_bytes(t[8..16].try_into().unwrap()) as usize;
        assert!(prev < m - META, "floor: bad chain at {m}");
        let start = if m - prev == META + 1 && bytes[prev] == 0 {
            None
        } else {
            Some(prev + (ALIGN - prev % ALIGN) % ALIGN)
        };
        live.entry(hash).or_insert(start);
        m = prev;
    }
    live
}
