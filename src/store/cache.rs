//! The index cache: a copy of the in-memory index kept beside the store as
//! `<file>.rdrive-index`, so opening a large store does not have to walk the
//! whole file to rebuild the index.
//!
//! It is a cache, never a source of truth:
//! - written at a clean close, after the data it describes was synced, to a
//!   temporary file renamed into place (never synced itself: a torn cache
//!   fails its checksums);
//! - bound to one generation of one store: it records the store id and the
//!   generation of the watermark it was written under, and an open uses it
//!   only when the file's matching watermark carries the same pair (every
//!   compaction, and every read-write open that does not use the cache,
//!   changes the generation), its tail is at or below the watermark and the
//!   file holds its recorded trailer at that tail;
//! - entries appended after its tail are replayed on top of it.
//!
//! The byte layout lives in [`crate::format::index_cache`].

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use super::index::Index;
use super::io::{Create, Storage};
use crate::format::METADATA_SIZE;
use crate::format::index_cache::{CacheHeader, HEADER_LEN};

/// Path of the cache for the store at `path`.
pub(crate) fn path_for(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".rdrive-index");
    path.with_file_name(name)
}

/// A loaded cache.
pub(crate) struct Cached {
    pub index: Index,
    pub header: CacheHeader,
}

/// Loads the cache at `path` if `accept` takes its header. Any problem
/// (missing, foreign, torn, inconsistent) gives `None`: the caller
/// rebuilds instead.
pub(crate) fn load(path: &Path, accept: &dyn Fn(&CacheHeader) -> bool) -> Option<Cached> {
    let file = File::open(path).ok()?;
    let size = file.metadata().ok()?.len();
    load_from(|buf, at| file.read_exact_at(buf, at), size, accept)
}

/// [`load`] from any source of the cache's `size` bytes: `read(buf, at)`
/// fills `buf` from offset `at`. The table is read only if the header is
/// accepted.
pub(crate) fn load_from(
    read: impl Fn(&mut [u8], u64) -> io::Result<()>,
    size: u64,
    accept: &dyn Fn(&CacheHeader) -> bool,
) -> Option<Cached> {
    let mut h = [0u8; HEADER_LEN];
    read(&mut h, 0).ok()?;
    let header = CacheHeader::decode(&h)?;
    if header.file_len() != Some(size) || !accept(&header) {
        return None;
    }
    let index = Index::from_raw(
        usize::try_from(header.slots).ok()?,
        header.zero_key,
        header.live,
        usize::try_from(header.used).ok()?,
        |bytes| {
            read(bytes, HEADER_LEN as u64)?;
            if crc32fast::hash(bytes) == header.table_crc {
                Ok(())
            } else {
                Err(io::Error::other("index cache checksum mismatch"))
            }
        },
    )
    .ok()??;
    Some(Cached { index, header })
}

/// What a cache is bound to: the store length it describes, the trailer
/// there, and the watermark's store id and generation.
pub(crate) struct Binding {
    pub tail: u64,
    pub trailer: [u8; METADATA_SIZE],
    pub store_id: u64,
    pub generation: u64,
}

/// Writes the cache for `index` to a temporary file renamed over `path`.
pub(crate) fn save(
    io: &dyn Storage,
    path: &Path,
    index: &Index,
    binding: &Binding,
) -> io::Result<()> {
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(".tmp");
    let tmp = path.with_file_name(tmp_name);
    let result = (|| {
        let file = io.create(&tmp, Create::Truncate)?;
        let (words, zero_key, used) = index.raw();
        let mut crc = crc32fast::Hasher::new();
        let mut chunk = Vec::with_capacity(1 << 20);
        let mut at = HEADER_LEN as u64;
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
        let header = CacheHeader {
            tail: binding.tail,
            trailer: binding.trailer,
            store_id: binding.store_id,
            generation: binding.generation,
            slots: index.slots() as u64,
            live: index.len(),
            used: used as u64,
            zero_key,
            table_crc: crc.finalize(),
        };
        io.write_at(&file, &[&header.encode()], 0)?;
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
