//! rdrive as a C program sees it: `librdrive.so` loaded with `dlopen`, its
//! functions looked up with `dlsym` and called through those pointers. The
//! few C types the benchmark passes are declared here, as in
//! `include/rdrive.h`; the library's version is checked against that
//! header's `RDRIVE_VERSION_NUMBER` before anything else runs.

use std::ffi::{CStr, CString, c_char, c_void};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// `rdrive_status`: `RDRIVE_OK`, `RDRIVE_NOT_FOUND` or a negative error.
pub type Status = i32;
pub const RDRIVE_OK: Status = 0;
pub const RDRIVE_NOT_FOUND: Status = 1;

pub const RDRIVE_OPEN_SYNC: u32 = 0x2;
pub const RDRIVE_OPEN_SHARED: u32 = 0x40;

/// The header this benchmark was built against (its version is checked
/// against the loaded library).
const HEADER: &str = include_str!("../../include/rdrive.h");

/// Opaque `rdrive_store`.
#[repr(C)]
pub struct RdriveStore {
    _opaque: [u8; 0],
}

/// Opaque `rdrive_entry`.
#[repr(C)]
pub struct RdriveEntry {
    _opaque: [u8; 0],
}

/// Opaque `rdrive_iter`.
#[repr(C)]
pub struct RdriveIter {
    _opaque: [u8; 0],
}

/// `rdrive_bytes`: a pointer and a length.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Bytes {
    pub ptr: *const u8,
    pub len: usize,
}

/// `rdrive_kv`: one pair of a batch write.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Kv {
    pub key: *const u8,
    pub key_len: usize,
    pub value: *const u8,
    pub value_len: usize,
}

/// `rdrive_view_fn`.
pub type ViewFn = unsafe extern "C" fn(*mut c_void, *const u8, usize);
/// `rdrive_batch_view_fn`.
pub type BatchViewFn = unsafe extern "C" fn(*mut c_void, usize, *const u8, usize);

type Open = unsafe extern "C" fn(*const c_char, u32, *mut *mut RdriveStore) -> Status;
type Close = unsafe extern "C" fn(*mut RdriveStore);
type Write = unsafe extern "C" fn(*mut RdriveStore, *const u8, usize, *const u8, usize) -> Status;
type BatchWrite = unsafe extern "C" fn(*mut RdriveStore, *const Kv, usize) -> Status;
type Read =
    unsafe extern "C" fn(*const RdriveStore, *const u8, usize, *mut *mut RdriveEntry) -> Status;
type Get = unsafe extern "C" fn(
    *const RdriveStore,
    *const u8,
    usize,
    *mut *mut RdriveEntry,
    *mut Bytes,
) -> Status;
type Peek = unsafe extern "C" fn(
    *const RdriveStore,
    *const u8,
    usize,
    Option<ViewFn>,
    *mut c_void,
) -> Status;
type ReadInto = unsafe extern "C" fn(
    *const RdriveStore,
    *const u8,
    usize,
    *mut u8,
    usize,
    *mut usize,
) -> Status;
type BatchRead = unsafe extern "C" fn(
    *const RdriveStore,
    *const Bytes,
    usize,
    *mut *mut RdriveEntry,
    *mut usize,
) -> Status;
type BatchPeek = unsafe extern "C" fn(
    *const RdriveStore,
    *const Bytes,
    usize,
    Option<BatchViewFn>,
    *mut c_void,
    *mut usize,
) -> Status;
type Len = unsafe extern "C" fn(*const RdriveStore, *mut u64) -> Status;
type Range = unsafe extern "C" fn(*const RdriveEntry) -> Bytes;
type Free = unsafe extern "C" fn(*mut RdriveEntry);
type Iter = unsafe extern "C" fn(*const RdriveStore, *mut *mut RdriveIter) -> Status;
type IterNext = unsafe extern "C" fn(*mut RdriveIter, *mut *mut RdriveEntry) -> Status;
type IterBatch =
    unsafe extern "C" fn(*mut RdriveIter, *mut Bytes, *mut u64, usize, *mut usize) -> Status;
type IterFree = unsafe extern "C" fn(*mut RdriveIter);
type HashKey = unsafe extern "C" fn(*const u8, usize) -> u64;
type VersionNumber = unsafe extern "C" fn() -> u32;
type Text = unsafe extern "C" fn() -> *const c_char;
type StatusStr = unsafe extern "C" fn(Status) -> *const c_char;

/// The library's functions the benchmark calls.
pub struct Api {
    pub path: PathBuf,
    pub open: Open,
    pub close: Close,
    pub write: Write,
    pub batch_write: BatchWrite,
    pub read: Read,
    pub get: Get,
    pub peek: Peek,
    pub read_into: ReadInto,
    pub batch_read: BatchRead,
    pub batch_peek: BatchPeek,
    pub len: Len,
    pub range: Range,
    pub free: Free,
    pub iter: Iter,
    pub iter_next: IterNext,
    pub iter_next_batch: IterBatch,
    pub iter_free: IterFree,
    pub hash_key: HashKey,
    pub version_number: VersionNumber,
    pub version_string: Text,
    pub status_str: StatusStr,
    pub last_error: Text,
}

// SAFETY: the fields are plain function pointers into a library that is
// never unloaded; the C API documents these functions as callable from any
// thread.
unsafe impl Sync for Api {}
// SAFETY: as above.
unsafe impl Send for Api {}

static API: OnceLock<Api> = OnceLock::new();
static LIB_PATH: OnceLock<PathBuf> = OnceLock::new();

/// Sets the library to load (once, before the first `api()`).
pub fn set_library(path: PathBuf) {
    LIB_PATH.set(path).expect("library path set twice");
}

/// The path given with `set_library`, or `RDRIVE_LIB`.
pub fn library_path() -> PathBuf {
    LIB_PATH
        .get()
        .cloned()
        .or_else(|| std::env::var_os("RDRIVE_LIB").map(PathBuf::from))
        .unwrap_or_else(|| fail("no library given (--lib PATH or RDRIVE_LIB)"))
}

/// The loaded library (loaded and checked on first use).
pub fn api() -> &'static Api {
    API.get_or_init(|| load(&library_path()).unwrap_or_else(|e| fail(&e)))
}

fn fail(msg: &str) -> ! {
    eprintln!("rdrive-bench: {msg}");
    std::process::exit(2)
}

fn dl_error() -> String {
    // SAFETY: dlerror returns NULL or a NUL-terminated string owned by libc,
    // valid until the next dl* call on this thread; it is copied at once.
    unsafe {
        let e = libc::dlerror();
        if e.is_null() {
            "unknown error".into()
        } else {
            CStr::from_ptr(e).to_string_lossy().into_owned()
        }
    }
}

fn sym(lib: *mut c_void, name: &CStr) -> Result<*mut c_void, String> {
    // SAFETY: `lib` is a handle returned by dlopen and never closed; `name`
    // is NUL-terminated.
    let p = unsafe { libc::dlsym(lib, name.as_ptr()) };
    if p.is_null() {
        Err(format!(
            "symbol {} missing from the library: {}",
            name.to_string_lossy(),
            dl_error()
        ))
    } else {
        Ok(p)
    }
}

macro_rules! load_api {
    ($lib:expr, $path:expr, { $($field:ident: $ty:ty = $name:literal,)* }) => {
        Api {
            path: $path,
            $($field: {
                let p = sym($lib, $name)?;
                // SAFETY: the symbol is the exported C function of that name,
                // whose signature in include/rdrive.h is the one `$ty`
                // declares; a data pointer and a function pointer have the
                // same size and representation on the platforms dlsym serves.
                unsafe { std::mem::transmute::<*mut c_void, $ty>(p) }
            },)*
        }
    };
}

/// `RDRIVE_VERSION_NUMBER` of include/rdrive.h.
pub fn header_version() -> u32 {
    HEADER
        .lines()
        .find_map(|l| l.strip_prefix("#define RDRIVE_VERSION_NUMBER "))
        .and_then(|v| v.trim().parse().ok())
        .expect("RDRIVE_VERSION_NUMBER in include/rdrive.h")
}

fn load(path: &Path) -> Result<Api, String> {
    if !path.is_file() {
        return Err(format!(
            "librdrive not found at {} (build it with `cargo build --release --lib` at the \
             repository root, or pass --lib PATH / RDRIVE_LIB)",
            path.display()
        ));
    }
    let c_path = CString::new(path.as_os_str().as_encoded_bytes()).map_err(|e| e.to_string())?;
    // SAFETY: a NUL-terminated path; loading runs the library's initializers,
    // which a C program linking it would run too.
    let lib = unsafe { libc::dlopen(c_path.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
    if lib.is_null() {
        return Err(format!("dlopen {}: {}", path.display(), dl_error()));
    }
    let api = load_api!(lib, path.to_owned(), {
        open: Open = c"rdrive_store_open",
        close: Close = c"rdrive_store_close",
        write: Write = c"rdrive_store_write",
        batch_write: BatchWrite = c"rdrive_store_batch_write",
        read: Read = c"rdrive_store_read",
        get: Get = c"rdrive_store_get",
        peek: Peek = c"rdrive_store_peek",
        read_into: ReadInto = c"rdrive_store_read_into",
        batch_read: BatchRead = c"rdrive_store_batch_read",
        batch_peek: BatchPeek = c"rdrive_store_batch_peek",
        len: Len = c"rdrive_store_len",
        range: Range = c"rdrive_entry_address_range",
        free: Free = c"rdrive_entry_free",
        iter: Iter = c"rdrive_store_iter",
        iter_next: IterNext = c"rdrive_iter_next",
        iter_next_batch: IterBatch = c"rdrive_iter_next_batch",
        iter_free: IterFree = c"rdrive_iter_free",
        hash_key: HashKey = c"rdrive_hash_key",
        version_number: VersionNumber = c"rdrive_version_number",
        version_string: Text = c"rdrive_version_string",
        status_str: StatusStr = c"rdrive_status_str",
        last_error: Text = c"rdrive_last_error",
    });
    let want = header_version();
    // SAFETY: takes no arguments; returns a number.
    let got = unsafe { (api.version_number)() };
    if got != want {
        return Err(format!(
            "{} is version {got} ({}), but include/rdrive.h (which the benchmark's declarations \
             follow) says RDRIVE_VERSION_NUMBER {want}: rebuild the library",
            path.display(),
            api.version()
        ));
    }
    Ok(api)
}

impl Api {
    /// `rdrive_version_string()`.
    pub fn version(&self) -> String {
        // SAFETY: returns a static NUL-terminated string, never NULL.
        unsafe { CStr::from_ptr((self.version_string)()) }
            .to_string_lossy()
            .into_owned()
    }

    /// Panics with the status name and the thread's last error detail.
    #[cold]
    pub fn fail(&self, what: &str, st: Status) -> ! {
        // SAFETY: both return static or thread-local NUL-terminated strings,
        // never NULL, copied at once.
        let (name, detail) = unsafe {
            (
                CStr::from_ptr((self.status_str)(st)).to_string_lossy(),
                CStr::from_ptr((self.last_error)()).to_string_lossy(),
            )
        };
        panic!("{what}: {name} ({detail})")
    }

    /// Panics unless `st` is `RDRIVE_OK`.
    #[inline]
    pub fn check(&self, st: Status, what: &str) {
        if st != RDRIVE_OK {
            self.fail(what, st)
        }
    }

    /// `rdrive_hash_key()`.
    pub fn hash(&self, key: &[u8]) -> u64 {
        // SAFETY: `key` is valid for its length.
        unsafe { (self.hash_key)(key.as_ptr(), key.len()) }
    }
}
