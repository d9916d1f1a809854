//! Entry handles: zero-copy views of a stored payload.

use std::fmt;
use std::io::{self, Read};
use std::ops::{Deref, Range};

use crate::format::{EntryMetadata, METADATA_SIZE};
use crate::store::map::MappedRange;

#[cfg(feature = "expose-internal-api")]
use crate::store::map::Mapping;
#[cfg(feature = "expose-internal-api")]
use std::sync::Arc;

/// A stored payload, read in place from the store's memory mapping.
///
/// The handle holds a counted reference to the mapping, so its bytes stay
/// valid and unchanged for as long as the handle lives: after later writes,
/// after compaction and after the store is dropped. Cloning is cheap (no
/// copy of the payload).
#[derive(Clone)]
pub struct EntryHandle {
    bytes: MappedRange,
    metadata: EntryMetadata,
}

impl EntryHandle {
    pub(crate) fn new(bytes: MappedRange, metadata: EntryMetadata) -> Self {
        Self { bytes, metadata }
    }

    /// The payload.
    #[inline]
    pub fn as_slice(&self) -> &[u8] {
        self.bytes.bytes()
    }

    /// Another handle to the same bytes (shares the mapping; copies nothing).
    pub fn clone_arc(&self) -> Self {
        self.clone()
    }

    /// The entry's trailer.
    pub fn metadata(&self) -> &EntryMetadata {
        &self.metadata
    }

    /// Payload length in bytes.
    pub fn size(&self) -> usize {
        self.bytes.range().len()
    }

    /// Payload length plus the 20-byte trailer.
    pub fn size_with_metadata(&self) -> usize {
        self.size() + METADATA_SIZE
    }

    /// Hash of the entry's key.
    pub fn key_hash(&self) -> u64 {
        self.metadata.key_hash
    }

    /// Stored CRC-32 of the payload.
    pub fn checksum(&self) -> u32 {
        self.metadata.checksum
    }

    /// Stored CRC-32 of the payload, as the four bytes on disk.
    pub fn raw_checksum(&self) -> [u8; 4] {
        self.metadata.raw_checksum()
    }

    /// Recomputes the payload's CRC-32 (in chunks) and compares it with the
    /// stored one.
    pub fn is_valid_checksum(&self) -> bool {
        let mut hasher = crc32fast::Hasher::new();
        for chunk in self.as_slice().chunks(64 * 1024) {
            hasher.update(chunk);
        }
        hasher.finalize() == self.metadata.checksum
    }

    /// File offset of the payload's first byte (a multiple of 64 for
    /// regular entries).
    pub fn start_offset(&self) -> usize {
        self.bytes.range().start
    }

    /// File offset one past the payload's last byte (where the trailer
    /// starts).
    pub fn end_offset(&self) -> usize {
        self.bytes.range().end
    }

    /// `start_offset()..end_offset()`.
    pub fn offset_range(&self) -> Range<usize> {
        self.bytes.range()
    }

    /// The payload's address range in this process's memory.
    pub fn address_range(&self) -> Range<*const u8> {
        self.as_slice().as_ptr_range()
    }

    /// The shared memory mapping behind this handle.
    #[cfg(feature = "expose-internal-api")]
    pub fn mmap_arc(&self) -> &Arc<Mapping> {
        self.bytes.mapping()
    }
}

impl fmt::Debug for EntryHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EntryHandle")
            .field("range", &self.offset_range())
            .field("metadata", &self.metadata)
            .finish()
    }
}

impl Deref for EntryHandle {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl AsRef<[u8]> for EntryHandle {
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl PartialEq<[u8]> for EntryHandle {
    fn eq(&self, other: &[u8]) -> bool {
        self.as_slice() == other
    }
}

impl PartialEq<&[u8]> for EntryHandle {
    fn eq(&self, other: &&[u8]) -> bool {
        self.as_slice() == *other
    }
}

impl PartialEq<Vec<u8>> for EntryHandle {
    fn eq(&self, other: &Vec<u8>) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl PartialEq for EntryHandle {
    /// Same payload bytes and same trailer.
    fn eq(&self, other: &Self) -> bool {
        self.metadata == other.metadata && self.as_slice() == other.as_slice()
    }
}

/// Reads an entry's payload as a stream ([`std::io::Read`]), copying it out
/// in caller-sized chunks.
#[derive(Debug, Clone)]
pub struct EntryStream {
    entry: EntryHandle,
    position: usize,
}

impl EntryStream {
    /// A stream positioned at the payload's first byte.
    pub fn new(entry: EntryHandle) -> Self {
        Self { entry, position: 0 }
    }

    /// Bytes not yet read.
    pub fn remaining(&self) -> usize {
        self.entry.size() - self.position
    }

    /// The entry being read.
    pub fn entry(&self) -> &EntryHandle {
        &self.entry
    }
}

impl From<EntryHandle> for EntryStream {
    fn from(entry: EntryHandle) -> Self {
        Self::new(entry)
    }
}

impl Read for EntryStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let rest = &self.entry.as_slice()[self.position..];
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.position += n;
        Ok(n)
    }
}
