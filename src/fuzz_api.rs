//! Fuzzing entry points (feature `fuzz-api`, off by default; not part of
//! the supported API). Each takes arbitrary bytes, drives one decoder or
//! the C API, and panics when an invariant breaks. The coverage-guided
//! targets in `fuzz/` call them, and `tests/fuzz_corpus.rs` replays the
//! saved corpus through them on every test run.

use std::collections::HashMap;

use crate::format::index_cache::CacheHeader;
use crate::format::watermark::{Verdict, Watermark};
use crate::format::{EntryMetadata, METADATA_SIZE, entry_ending_at};
use crate::store::cache;
use crate::store::open::{LoadError, load};

/// Splits `input` into a flags byte, a watermark attribute (its length is
/// the next byte, at most 64) and the file image.
fn split(input: &[u8]) -> (u8, Option<&[u8]>, &[u8]) {
    let Some((&flags, rest)) = input.split_first() else {
        return (0, None, &[]);
    };
    let Some((&n, rest)) = rest.split_first() else {
        return (flags, None, &[]);
    };
    let n = (n as usize).min(64).min(rest.len());
    let attr = (n > 0).then(|| &rest[..n]);
    (flags, attr, &rest[n..])
}

/// Recovery over a byte image: `load` never panics; what it keeps is a
/// valid store whose index points at entries of the right keys; without a
/// trusted watermark every kept payload matches its checksum; and the kept
/// prefix recovers to itself.
pub fn recovery(input: &[u8]) {
    let (flags, attr, data) = split(input);
    let stored = attr.and_then(Watermark::decode);
    let repair = flags & 1 != 0;
    let created = flags & 2 != 0;
    let loaded = match load(data, stored, created, repair, |_| None) {
        Ok(l) => l,
        Err(LoadError::Corrupt { offset, .. }) => {
            assert!(!repair || offset <= data.len() as u64);
            assert!(!repair, "repair never refuses a file");
            return;
        }
        Err(LoadError::Io(_)) => return,
    };
    let tail = loaded.tail;
    assert!(tail <= data.len() as u64);
    let verified = loaded.trusted.is_none();
    for (key, at) in loaded.index.live_pairs() {
        let (meta, loc) = entry_ending_at(data, at + METADATA_SIZE as u64)
            .expect("the index points at a well-formed entry");
        assert!(at + (METADATA_SIZE as u64) <= tail);
        assert_eq!(meta.key_hash, key);
        assert!(
            !loc.tombstone,
            "a live key never points at a deletion marker"
        );
        if verified {
            assert_eq!(crate::compute_checksum(&data[loc.range()]), meta.checksum);
        }
    }
    // The kept prefix, under the watermark that was trusted (if it still
    // fits), recovers to itself.
    let same = loaded.trusted.filter(|w| w.tail <= tail);
    let again = load(&data[..tail as usize], same, created, false, |_| None)
        .expect("a recovered prefix opens");
    assert_eq!(again.tail, tail);
    assert_eq!(again.index.len(), loaded.index.len());
}

/// The entry trailer codec and the tombstone rule: decoding never panics
/// and round-trips.
pub fn trailer(input: &[u8]) {
    if let Some(meta) = EntryMetadata::from_slice(input) {
        assert_eq!(EntryMetadata::deserialize(&meta.serialize()), meta);
        assert_eq!(&meta.serialize()[..], &input[..METADATA_SIZE]);
    }
    for tail in [input.len() as u64, input.len() as u64 / 2, 21, 0] {
        if let Ok((meta, loc)) = entry_ending_at(input, tail) {
            assert!(loc.start < loc.end && loc.end <= tail);
            assert_eq!(loc.tail(), tail);
            assert!(meta.prev_offset < loc.end);
        }
    }
}

/// The watermark record: decoding never panics, round-trips, and checking
/// it against any file never panics.
pub fn watermark(input: &[u8]) {
    let (_, attr, data) = split(input);
    let Some(w) = attr.and_then(Watermark::decode) else {
        return;
    };
    assert_eq!(Watermark::decode(&w.encode()), Some(w));
    if let Verdict::Matches = w.check(data) {
        assert!(w.tail <= data.len() as u64);
    }
}

/// The index-cache format: decoding a header and loading a table never
/// panic, and a loaded index is consistent enough to probe.
pub fn index_cache(input: &[u8]) {
    if let Some(h) = CacheHeader::decode(input) {
        assert_eq!(CacheHeader::decode(&h.encode()), Some(h));
    }
    let read = |buf: &mut [u8], at: u64| {
        let at = at as usize;
        let src = input
            .get(at..at + buf.len())
            .ok_or_else(|| std::io::Error::other("short"))?;
        buf.copy_from_slice(src);
        Ok(())
    };
    // Refuse absurd tables before allocating them.
    let sane = |h: &CacheHeader| h.slots <= 1 << 16;
    if let Some(c) = cache::load_from(read, input.len() as u64, &sane) {
        let pairs = c.index.live_pairs();
        assert_eq!(pairs.len() as u64, c.index.len());
        for (k, v) in pairs {
            assert_eq!(c.index.get(k), Some(v));
        }
        let _ = c.index.get(0x1234_5678);
    }
}

/// Sequences of C API calls on one store, checked against a model.
pub fn c_api(input: &[u8]) {
    c_api::run(input, &mut HashMap::new());
}

#[allow(unsafe_code)]
mod c_api {
    //! The C API driven from Rust, as a C program would call it.

    use std::collections::HashMap;
    use std::ffi::{CString, c_void};
    use std::ptr::{null, null_mut};

    use crate::ffi::*;

    fn path() -> CString {
        // On tmpfs when there is one: syncs cost nothing there.
        let shm = std::path::Path::new("/dev/shm");
        let base = if shm.is_dir() {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!("rdrive-fuzz-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let p = dir.join("store.rdrive");
        let _ = std::fs::remove_file(&p);
        CString::new(p.to_str().expect("UTF-8 temp dir")).expect("no NUL")
    }

    /// A key from one byte: a small key space, so keys repeat.
    fn key(b: u8) -> [u8; 2] {
        [b'k', b % 16]
    }

    /// An open store handle; every method passes live pointers and the
    /// lengths of the slices they come from.
    struct Handle(*mut rdrive_store);

    impl Handle {
        fn open(path: &CString, flags: u32) -> Self {
            let mut s = null_mut();
            // SAFETY: `path` is NUL-terminated and `s` is a live local.
            let st = unsafe { rdrive_store_open(path.as_ptr(), flags, &mut s) };
            assert_eq!(st, RDRIVE_OK);
            Self(s)
        }

        fn write(&self, k: &[u8], v: &[u8]) -> rdrive_status {
            // SAFETY: `self.0` is live; both slices are readable for their
            // lengths.
            unsafe { rdrive_store_write(self.0, k.as_ptr(), k.len(), v.as_ptr(), v.len()) }
        }

        fn write_null_key(&self) -> rdrive_status {
            // SAFETY: a NULL key with a non-zero length is refused before
            // any dereference; the value slice is readable.
            unsafe { rdrive_store_write(self.0, null(), 2, [1u8, 2].as_ptr(), 2) }
        }

        fn delete(&self, k: &[u8]) -> rdrive_status {
            // SAFETY: `self.0` is live; `k` is readable for its length.
            unsafe { rdrive_store_delete(self.0, k.as_ptr(), k.len()) }
        }

        fn read(&self, k: &[u8]) -> (rdrive_status, Option<Vec<u8>>) {
            let mut e: *mut rdrive_entry = null_mut();
            // SAFETY: `self.0` is live; `k` is readable; `e` is a live local.
            let st = unsafe { rdrive_store_read(self.0, k.as_ptr(), k.len(), &mut e) };
            if e.is_null() {
                return (st, None);
            }
            // SAFETY: `e` is the live entry just returned; its bytes stay
            // valid until it is freed, once, right after the copy.
            let bytes = unsafe {
                let r = rdrive_entry_address_range(e);
                assert_eq!(r.ptr as usize % 64, 0, "values are 64-byte aligned");
                let v = std::slice::from_raw_parts(r.ptr, r.len).to_vec();
                rdrive_entry_free(e);
                v
            };
            (st, Some(bytes))
        }

        fn stream(&self, k: &[u8], data: &[u8]) -> rdrive_status {
            let mut r = Reader { data };
            let ctx: *mut c_void = (&mut r as *mut Reader<'_>).cast();
            // SAFETY: `self.0` is live; `k` readable; `ctx` is the `Reader`
            // that `read_cb` expects, alive for the whole call.
            unsafe { rdrive_store_write_stream(self.0, k.as_ptr(), k.len(), Some(read_cb), ctx) }
        }

        fn batch(&self, items: &[([u8; 2], Vec<u8>)]) -> rdrive_status {
            let kv: Vec<rdrive_kv> = items
                .iter()
                .map(|(k, v)| rdrive_kv {
                    key: k.as_ptr(),
                    key_len: k.len(),
                    value: v.as_ptr(),
                    value_len: v.len(),
                })
                .collect();
            // SAFETY: `self.0` is live; every pair points into `items`,
            // alive for the call.
            unsafe { rdrive_store_batch_write(self.0, kv.as_ptr(), kv.len()) }
        }

        fn sync(&self) -> rdrive_status {
            // SAFETY: `self.0` is live.
            unsafe { rdrive_store_sync(self.0) }
        }

        fn compact(&self) -> rdrive_status {
            // SAFETY: `self.0` is live.
            unsafe { rdrive_store_compact(self.0) }
        }

        fn len(&self) -> u64 {
            let mut n = 0u64;
            // SAFETY: `self.0` is live; `n` is a live local.
            assert_eq!(unsafe { rdrive_store_len(self.0, &mut n) }, RDRIVE_OK);
            n
        }

        /// Every entry of a snapshot iterator, checksums verified.
        fn scan(&self) -> usize {
            let mut it: *mut rdrive_iter = null_mut();
            // SAFETY: `self.0` is live; `it` is a live local.
            assert_eq!(unsafe { rdrive_store_iter(self.0, &mut it) }, RDRIVE_OK);
            let mut seen = 0;
            loop {
                let mut e: *mut rdrive_entry = null_mut();
                // SAFETY: `it` is the live iterator created above; `e` a
                // live local; each entry is checked and freed once.
                let st = unsafe { rdrive_iter_next(it, &mut e) };
                if st == RDRIVE_NOT_FOUND {
                    break;
                }
                assert_eq!(st, RDRIVE_OK);
                // SAFETY: `e` is the live entry just returned, freed once.
                unsafe {
                    assert!(rdrive_entry_is_valid_checksum(e));
                    rdrive_entry_free(e);
                }
                seen += 1;
            }
            // SAFETY: freed once.
            unsafe { rdrive_iter_free(it) };
            seen
        }
    }

    impl Drop for Handle {
        fn drop(&mut self) {
            // SAFETY: the handle owns the store and closes it once.
            unsafe { rdrive_store_close(self.0) };
        }
    }

    struct Reader<'a> {
        data: &'a [u8],
    }

    unsafe extern "C" fn read_cb(ctx: *mut c_void, buf: *mut u8, cap: usize) -> isize {
        // SAFETY: `ctx` is the `Reader` passed with this callback by
        // `Handle::stream`, alive for the call; `buf` has `cap` writable
        // bytes (the library's contract for stream callbacks).
        let r = unsafe { &mut *ctx.cast::<Reader<'_>>() };
        let n = r.data.len().min(cap).min(7);
        // SAFETY: see above; `n` ≤ `cap` and ≤ the bytes left in `data`.
        unsafe { std::ptr::copy_nonoverlapping(r.data.as_ptr(), buf, n) };
        r.data = &r.data[n..];
        n as isize
    }

    pub(super) fn run(input: &[u8], model: &mut HashMap<[u8; 2], Vec<u8>>) {
        let path = path();
        let mut store = Handle::open(&path, 0);
        for op in input.chunks(3) {
            let (a, b) = (op[0], op.get(1).copied().unwrap_or(0));
            let k = key(b);
            match a % 10 {
                0 | 1 => {
                    let len = (a as usize / 10) % 40 + 2;
                    let v: Vec<u8> = (0..len).map(|i| b ^ i as u8 ^ 0x55).collect();
                    assert_eq!(store.write(&k, &v), RDRIVE_OK);
                    model.insert(k, v);
                }
                2 => {
                    let expect = if model.remove(&k).is_some() {
                        RDRIVE_OK
                    } else {
                        RDRIVE_NOT_FOUND
                    };
                    assert_eq!(store.delete(&k), expect);
                }
                3 => match (store.read(&k), model.get(&k)) {
                    ((st, Some(got)), Some(v)) => {
                        assert_eq!(st, RDRIVE_OK);
                        assert_eq!(&got, v);
                    }
                    ((st, None), None) => assert_eq!(st, RDRIVE_NOT_FOUND),
                    (got, want) => panic!("read {got:?}, model {want:?}"),
                },
                4 => {
                    let data: Vec<u8> = (0..(b as usize % 50 + 2))
                        .map(|i| a ^ i as u8 ^ 1)
                        .collect();
                    assert_eq!(store.stream(&k, &data), RDRIVE_OK);
                    model.insert(k, data);
                }
                5 => {
                    let items: Vec<([u8; 2], Vec<u8>)> = (0..(b % 5))
                        .map(|i| (key(b.wrapping_add(i * 3)), vec![a, i, b, 1]))
                        .collect();
                    assert_eq!(store.batch(&items), RDRIVE_OK);
                    for (k, v) in items {
                        model.insert(k, v);
                    }
                }
                6 => {
                    // Bad arguments change nothing.
                    assert_eq!(store.write_null_key(), RDRIVE_ERR_INVALID_ARG);
                    assert_eq!(store.write(&k, &[0]), RDRIVE_ERR_INVALID_ARG);
                    assert_eq!(store.write(&k, &[]), RDRIVE_ERR_INVALID_ARG);
                }
                7 if a & 0x80 != 0 => assert_eq!(store.compact(), RDRIVE_OK),
                7 => assert_eq!(store.sync(), RDRIVE_OK),
                8 => {
                    drop(store);
                    store = Handle::open(&path, RDRIVE_OPEN_MUST_EXIST);
                }
                _ => {
                    assert_eq!(store.len(), model.len() as u64);
                    assert_eq!(store.scan(), model.len());
                }
            }
        }
        // Everything the model holds survives a reopen.
        drop(store);
        let ro = Handle::open(&path, RDRIVE_OPEN_READ_ONLY);
        assert_eq!(ro.len(), model.len() as u64);
        for (k, v) in model.iter() {
            assert_eq!(ro.read(k), (RDRIVE_OK, Some(v.clone())));
        }
    }
}
