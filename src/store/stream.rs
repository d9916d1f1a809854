//! Stream writes: a value pulled from a reader in chunks, never held whole
//! in memory. Bytes reach the file in whole pages; the last page of the
//! value goes out in one call with the trailer (see the write module), and
//! a small value goes out in a single call.

use std::io::{self, Read};

use super::write::{PAGE, ZEROS, refuse_zero_trailer};
use super::{Store, Writer};
use crate::digest::compute_hash;
use crate::error::{Error, Result};
use crate::format::{EntryMetadata, Located, METADATA_SIZE, PayloadError, pad_len};

/// Size of each read from the source.
const READ_CHUNK: usize = 0x1_0000; // 64 KiB
/// Bytes held before whole pages are written out.
const HOLD: usize = 0x4_0000; // 256 KiB
const _: () = assert!(HOLD as u64 >= PAGE);

impl Store {
    /// Writes the bytes produced by `reader` under `key`, in chunks, without
    /// holding the whole payload in memory. If the reader fails, nothing is
    /// committed and the file is exactly as before ([`Error::Aborted`]).
    /// Returns the new tail offset.
    pub fn write_stream<R: Read + ?Sized>(&self, key: &[u8], reader: &mut R) -> Result<u64> {
        self.write_stream_with_key_hash(compute_hash(key), reader)
    }

    /// [`Store::write_stream`] with a precomputed key hash.
    pub fn write_stream_with_key_hash<R: Read + ?Sized>(
        &self,
        key_hash: u64,
        reader: &mut R,
    ) -> Result<u64> {
        let mut w = self.lock_writer()?;
        let tail = w.tail;
        let mut pending = std::mem::take(&mut w.buf);
        let outcome = self.stream_body(&mut w, &mut pending, reader, key_hash, tail);
        pending.clear();
        w.buf = pending;
        match outcome {
            Ok(loc) => self.publish(&mut w, loc.tail(), &[(key_hash, loc)]),
            Err(Fail::Io(e)) => {
                // The handle is poisoned already; cutting is best effort
                // (the next open discards the bytes anyway).
                let _ = self.cut_back(&mut w, tail);
                Err(e)
            }
            Err(Fail::Caller { error, wrote }) => {
                if wrote {
                    self.cut_back(&mut w, tail)?;
                }
                Err(error)
            }
        }
    }

    fn stream_body<R: Read + ?Sized>(
        &self,
        w: &mut Writer,
        pending: &mut Vec<u8>,
        reader: &mut R,
        key_hash: u64,
        tail: u64,
    ) -> std::result::Result<Located, Fail> {
        let start = tail + pad_len(tail);
        // `pending` holds the bytes from file offset `at` on that are not
        // written yet: the pre-pad, then the payload.
        pending.clear();
        pending.extend_from_slice(&ZEROS[..(start - tail) as usize]);
        let mut at = tail;
        let mut hasher = crc32fast::Hasher::new();
        let mut len: u64 = 0;
        let mut first = 0u8;
        let mut chunk = vec![0u8; READ_CHUNK];
        loop {
            let n = match reader.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => n.min(chunk.len()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(Fail::Caller {
                        error: Error::Aborted {
                            reason: format!("stream reader failed: {e}"),
                        },
                        wrote: at > tail,
                    });
                }
            };
            if len == 0 {
                first = chunk[0];
            }
            hasher.update(&chunk[..n]);
            pending.extend_from_slice(&chunk[..n]);
            len += n as u64;
            if pending.len() >= HOLD {
                // Write whole pages only; the rest waits for more bytes.
                // Holding at least a page, there is one to write.
                let end = at + pending.len() as u64;
                let cut = end / PAGE * PAGE;
                let k = (cut - at) as usize;
                self.write_at(w, &[&pending[..k]], at).map_err(Fail::Io)?;
                pending.drain(..k);
                at = cut;
            }
        }
        let refuse = |error| Fail::Caller {
            error,
            wrote: at > tail,
        };
        match (len, first) {
            (0, _) => return Err(refuse(Error::invalid("stream produced no bytes"))),
            (1, 0) => return Err(refuse(Error::invalid(PayloadError::LoneZero.message()))),
            _ => {}
        }
        let crc = hasher.finalize();
        refuse_zero_trailer(tail, key_hash, crc).map_err(refuse)?;
        let end = start + len;
        self.prepare(w, end + METADATA_SIZE as u64, 1)
            .map_err(refuse)?;
        let meta = EntryMetadata::new(key_hash, tail, crc).serialize();
        self.write_at(w, &[pending, &meta], at).map_err(Fail::Io)?;
        Ok(Located {
            start,
            end,
            tombstone: false,
        })
    }
}

enum Fail {
    /// Writing failed: the handle is poisoned.
    Io(Error),
    /// The caller's reader failed or the stream is not a valid payload;
    /// `wrote` tells whether bytes reached the file.
    Caller { error: Error, wrote: bool },
}
