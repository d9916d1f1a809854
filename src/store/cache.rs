//! The index cache: a copy of the in-memory index kept beside the store as
//! `<file>.rdrive-index`, so opening a large store does not have to walk the
//! whole file to rebuild the index.
//!
//! It is a cache, never a source of truth:
//! - written at a clean close, after the data it describes was synced, to a
//!   temporary file renamed into place (never synced itself);
//! - used only if it names the same file (device and inode), its tail is at
//!   or below the durable watermark, the trailer at that tail is the one it
//!   recorded, and both checksums (header and table) match;
//! - entries appended after its tail (by a later session or another program)
//!   are replayed on top of it; anything else means a full rebuild.
//!
//! Layout (little-endian): a 128-byte header, then the table's words.
//!
//! ```text
//!   0  magic "RDRVIDX1"      8  tail u64          16  trailer [20]
//!  36  zero u32             40  device u64       48  inode u64
//!  56  slots u64            64  live u64         72  used u64
//!  80  zero-key value u64   88  table crc32      92  header crc32 (of 0..92)
//!  96  zero padding to 128
//! ```

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use super::FileId;
use super::index::Index;
use super::io::{Create, Storage};
use crate::format::METADATA_SIZE;

const MAGIC: &[u8; 8] = b"RDRVIDX1";
const HEADER: usize = 128;

/// Path of the cache for the store at `path`.
pub(crate) fn path_for(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".rdrive-index");
    path.with_file_name(name)
}

/// A loaded cache: the index as of `tail`.
pub(crate) struct Cached {
    pub index: Index,
    pub tail: u64,
    pub trailer: [u8; METADATA_SIZE],
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

/// Loads the cache at `path` if it describes the open file `id` of length
/// `file_len`. Any problem (missing, foreign, torn, inconsistent) gives
/// `None`: the caller rebuilds instead.
pub(crate) fn load(path: &Path, id: FileId, file_len: u64) -> Option<Cached> {
    let file = File::open(path).ok()?;
    let size = file.metadata().ok()?.len();
    load_from(|buf, at| file.read_exact_at(buf, at), size, id, file_len)
}

/// [`load`] from any source of the cache's `size` bytes: `read(buf, at)`
/// fills `buf` from offset `at`.
pub(crate) fn load_from(
    read: impl Fn(&mut [u8], u64) -> io::Result<()>,
    size: u64,
    id: FileId,
    file_len: u64,
) -> Option<Cached> {
    if size < HEADER as u64 {
        return None;
    }
    let mut h = [0u8; HEADER];
    read(&mut h, 0).ok()?;
    if &h[..8] != MAGIC || u32_at(&h, 92) != crc32fast::hash(&h[..92]) {
        return None;
    }
    let tail = u64_at(&h, 8);
    if u64_at(&h, 40) != id.dev || u64_at(&h, 48) != id.ino || tail > file_len {
        return None;
    }
    let slots = usize::try_from(u64_at(&h, 56)).ok()?;
    let table_bytes = (slots as u64).checked_mul(16)?;
    if size != HEADER as u64 + table_bytes {
        return None;
    }
    let live = u64_at(&h, 64);
    let used = usize::try_from(u64_at(&h, 72)).ok()?;
    let zero = u64_at(&h, 80);
    let table_crc = u32_at(&h, 88);
    let index = Index::from_raw(slots, zero, live, used, |bytes| {
        read(bytes, HEADER as u64)?;
        if crc32fast::hash(bytes) == table_crc {
            Ok(())
        } else {
            Err(io::Error::other("index cache checksum mismatch"))
        }
    })
    .ok()??;
    Some(Cached {
        index,
        tail,
        trailer: h[16..36].try_into().expect("20 bytes"),
    })
}

/// Writes the cache for `index`, which describes the store up to `tail`
/// (whose last trailer is `trailer`), to a temporary file renamed over
/// `path`.
pub(crate) fn save(
    io: &dyn Storage,
    path: &Path,
    index: &Index,
    tail: u64,
    trailer: &[u8; METADATA_SIZE],
    id: FileId,
) -> io::Result<()> {
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(".tmp");
    let tmp = path.with_file_name(tmp_name);
    let result = (|| {
        let file = io.create(&tmp, Create::Truncate)?;
        let (words, zero, used) = index.raw();
        let mut crc = crc32fast::Hasher::new();
        let mut chunk = Vec::with_capacity(1 << 20);
        let mut at = HEADER as u64;
        for group in words.chunks(1 << 17) {
            chunk.clear();
            for w in group {
                chunk
                    .extend_from_slice(&w.load(std::sync::atomic::Ordering::Acquire).to_le_bytes());
            }
            crc.update(&chunk);
            io.write_at(&file, &[&chunk], at)?;
            at += chunk.len() as u64;
        }
        let mut h = [0u8; HEADER];
        h[..8].copy_from_slice(MAGIC);
        h[8..16].copy_from_slice(&tail.to_le_bytes());
        h[16..36].copy_from_slice(trailer);
        h[40..48].copy_from_slice(&id.dev.to_le_bytes());
        h[48..56].copy_from_slice(&id.ino.to_le_bytes());
        h[56..64].copy_from_slice(&(index.slots() as u64).to_le_bytes());
        h[64..72].copy_from_slice(&index.len().to_le_bytes());
        h[72..80].copy_from_slice(&(used as u64).to_le_bytes());
        h[80..88].copy_from_slice(&zero.to_le_bytes());
        h[88..92].copy_from_slice(&crc.finalize().to_le_bytes());
        let header_crc = crc32fast::hash(&h[..92]);
        h[92..96].copy_from_slice(&header_crc.to_le_bytes());
        io.write_at(&file, &[&h], 0)?;
        io.rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = io.remove(&tmp);
    }
    result
}

/// Removes the cache at `path`, if any.
pub(crate) fn remove(io: &dyn Storage, path: &Path) {
    if path.exists() {
        let _ = io.remove(path);
    }
}
