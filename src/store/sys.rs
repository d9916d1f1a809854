//! The few operating-system calls the standard library does not wrap: the
//! watermark extended attribute. Kept here so the `unsafe` they need sits
//! beside the reasoning for it.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;

use super::recovery::Watermark;
use crate::format::METADATA_SIZE;

/// Name of the extended attribute that holds the watermark.
const NAME: &[u8] = b"user.rdrive.watermark\0";

const VERSION: u8 = 1;
/// Flag bit: the last writer closed the store cleanly.
pub(crate) const FLAG_CLEAN: u8 = 1;
const ENCODED_LEN: usize = 4 + 8 + METADATA_SIZE;

/// The watermark as stored: `[version, flags, 0, 0]`, tail u64 LE, trailer.
pub(crate) fn encode(w: &Watermark, flags: u8) -> [u8; ENCODED_LEN] {
    let mut out = [0u8; ENCODED_LEN];
    out[0] = VERSION;
    out[1] = flags;
    out[4..12].copy_from_slice(&w.tail.to_le_bytes());
    out[12..].copy_from_slice(&w.trailer);
    out
}

/// Decodes a stored watermark; `None` for an unknown version or length.
pub(crate) fn decode(bytes: &[u8]) -> Option<(Watermark, u8)> {
    if bytes.len() != ENCODED_LEN || bytes[0] != VERSION {
        return None;
    }
    let tail = u64::from_le_bytes(bytes[4..12].try_into().ok()?);
    let trailer = bytes[12..].try_into().ok()?;
    Some((Watermark { tail, trailer }, bytes[1]))
}

/// Reads the watermark of `file`. `Ok(None)` when there is none, it is not
/// ours, or the filesystem has no extended attributes.
pub(crate) fn read_watermark(file: &File) -> io::Result<Option<(Watermark, u8)>> {
    let mut buf = [0u8; 64];
    // SAFETY: `NAME` is NUL-terminated, `buf` is writable for `buf.len()`
    // bytes, and the descriptor is owned by `file` for the call's duration.
    let n = unsafe {
        libc::fgetxattr(
            file.as_raw_fd(),
            NAME.as_ptr().cast(),
            buf.as_mut_ptr().cast(),
            buf.len(),
        )
    };
    if n < 0 {
        let err = io::Error::last_os_error();
        return match err.raw_os_error() {
            Some(libc::ENODATA) | Some(libc::ENOTSUP) | Some(libc::ERANGE) => Ok(None),
            _ => Err(err),
        };
    }
    Ok(decode(&buf[..n as usize]))
}

/// Stores the watermark on `file`. Returns `Ok(false)` when the filesystem
/// does not support extended attributes (recovery then verifies checksums).
pub(crate) fn write_watermark(file: &File, w: &Watermark, flags: u8) -> io::Result<bool> {
    let value = encode(w, flags);
    // SAFETY: `NAME` is NUL-terminated, `value` is readable for its length,
    // and the descriptor is owned by `file` for the call's duration.
    let rc = unsafe {
        libc::fsetxattr(
            file.as_raw_fd(),
            NAME.as_ptr().cast(),
            value.as_ptr().cast(),
            value.len(),
            0,
        )
    };
    if rc == 0 {
        return Ok(true);
    }
    let err = io::Error::last_os_error();
    match err.raw_os_error() {
        Some(libc::ENOTSUP) => Ok(false),
        _ => Err(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watermark_encoding_round_trips() {
        let w = Watermark {
            tail: 0x1234_5678_9abc,
            trailer: [7; METADATA_SIZE],
        };
        let bytes = encode(&w, FLAG_CLEAN);
        assert_eq!(decode(&bytes), Some((w, FLAG_CLEAN)));
        assert_eq!(decode(&bytes[1..]), None);
        let mut other = bytes;
        other[0] = 9;
        assert_eq!(decode(&other), None);
    }
}
