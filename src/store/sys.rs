//! The few operating-system calls the standard library does not wrap:
//! extended attributes, vectored positioned writes and open-file-description
//! byte locks. Kept here so the `unsafe` they need sits beside the reasoning
//! for it.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;

use crate::format::watermark::ATTRIBUTE;

/// Reads the watermark attribute of `file`. `Ok(None)` when there is none,
/// it is too long to be ours, or the filesystem has no extended attributes.
pub(crate) fn watermark_attr(file: &File) -> io::Result<Option<Vec<u8>>> {
    let mut buf = [0u8; 128];
    // SAFETY: `ATTRIBUTE` is NUL-terminated, `buf` is writable for
    // `buf.len()` bytes, and the descriptor is owned by `file` for the call.
    let n = unsafe {
        libc::fgetxattr(
            file.as_raw_fd(),
            ATTRIBUTE.as_ptr().cast(),
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
    Ok(Some(buf[..n as usize].to_vec()))
}

/// Stores `value` as the watermark attribute of `file`. `Ok(false)` when
/// the filesystem does not support extended attributes.
pub(crate) fn set_watermark_attr(file: &File, value: &[u8]) -> io::Result<bool> {
    // SAFETY: `ATTRIBUTE` is NUL-terminated, `value` is readable for its
    // length, and the descriptor is owned by `file` for the call.
    let rc = unsafe {
        libc::fsetxattr(
            file.as_raw_fd(),
            ATTRIBUTE.as_ptr().cast(),
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

/// Writes all of `parts`, concatenated, at `at` with `pwritev`, continuing
/// after short writes.
pub(crate) fn write_all_vectored_at(file: &File, parts: &[&[u8]], mut at: u64) -> io::Result<()> {
    // Skip empty parts; `IOV_MAX` is at least 1024 on Linux.
    let mut rest: Vec<&[u8]> = parts.iter().copied().filter(|p| !p.is_empty()).collect();
    let mut first = 0;
    while first < rest.len() {
        let iov: Vec<libc::iovec> = rest[first..]
            .iter()
            .take(1024)
            .map(|p| libc::iovec {
                iov_base: p.as_ptr().cast_mut().cast(),
                iov_len: p.len(),
            })
            .collect();
        let offset = libc::off_t::try_from(at)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "offset too large"))?;
        // SAFETY: each iovec points at a live slice of `parts` for its
        // length; `pwritev` only reads them; the descriptor is owned by
        // `file` for the call.
        let n = unsafe { libc::pwritev(file.as_raw_fd(), iov.as_ptr(), iov.len() as _, offset) };
        if n < 0 {
            let err = io::Error::last_os_error();
            if err.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(err);
        }
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::WriteZero,
                "the system wrote no bytes",
            ));
        }
        let mut n = n as usize;
        at += n as u64;
        while n > 0 {
            let part = rest[first];
            if n >= part.len() {
                n -= part.len();
                first += 1;
            } else {
                rest[first] = &part[n..];
                n = 0;
            }
        }
    }
    Ok(())
}

/// A byte lock's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LockKind {
    /// Shared with other read locks.
    Read,
    /// Excludes every other lock on the byte.
    Write,
}

fn flock_for(kind: Option<LockKind>, byte: u64) -> libc::flock {
    // SAFETY: `flock` is a plain C struct for which all-zero bytes are a
    // valid value; the fields that matter are set below.
    let mut fl: libc::flock = unsafe { std::mem::zeroed() };
    fl.l_type = match kind {
        Some(LockKind::Read) => libc::F_RDLCK,
        Some(LockKind::Write) => libc::F_WRLCK,
        None => libc::F_UNLCK,
    } as _;
    fl.l_whence = libc::SEEK_SET as _;
    fl.l_start = byte as _;
    fl.l_len = 1;
    fl
}

/// Takes (`Some`) or releases (`None`) an open-file-description lock on
/// one byte of `file`. Such locks belong to the open file (not the
/// process): two opens of one file conflict even in one process, and the
/// lock goes away when the last descriptor of that open is closed. With
/// `wait`, blocks until the lock is granted; without, returns `Ok(false)`
/// when another open holds a conflicting lock.
pub(crate) fn byte_lock(
    file: &File,
    byte: u64,
    kind: Option<LockKind>,
    wait: bool,
) -> io::Result<bool> {
    let fl = flock_for(kind, byte);
    let cmd = if wait {
        libc::F_OFD_SETLKW
    } else {
        libc::F_OFD_SETLK
    };
    loop {
        // SAFETY: `fl` is a valid `flock` for the duration of the call and
        // the descriptor is owned by `file`.
        let rc = unsafe { libc::fcntl(file.as_raw_fd(), cmd, &fl) };
        if rc == 0 {
            return Ok(true);
        }
        let err = io::Error::last_os_error();
        match err.raw_os_error() {
            Some(libc::EINTR) => continue,
            Some(libc::EAGAIN) | Some(libc::EACCES) if !wait => return Ok(false),
            _ => return Err(err),
        }
    }
}

/// Whether another open of `file` holds a lock on `byte` that would
/// conflict with a lock of `kind`.
pub(crate) fn byte_locked_by_other(file: &File, byte: u64, kind: LockKind) -> io::Result<bool> {
    let mut fl = flock_for(Some(kind), byte);
    // SAFETY: `fl` is a valid, writable `flock` for the duration of the
    // call and the descriptor is owned by `file`.
    let rc = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_OFD_GETLK, &mut fl) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(fl.l_type != libc::F_UNLCK as _)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::FileExt;

    #[test]
    fn vectored_writes_land_concatenated_at_the_offset() {
        let dir = std::env::temp_dir().join(format!("rdrive-sys-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("v");
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .unwrap();
        let big = vec![7u8; 300_000];
        write_all_vectored_at(&file, &[b"ab", b"", &big, b"cd"], 5).unwrap();
        let mut back = vec![0u8; 300_009];
        file.read_exact_at(&mut back, 0).unwrap();
        assert_eq!(&back[..5], &[0; 5]);
        assert_eq!(&back[5..7], b"ab");
        assert!(back[7..300_007].iter().all(|&b| b == 7));
        assert_eq!(&back[300_007..], b"cd");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn byte_locks_conflict_between_two_opens_of_one_file_in_one_process() {
        let dir = std::env::temp_dir().join(format!("rdrive-sys-lock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("l");
        std::fs::write(&path, b"").unwrap();
        let rw = || {
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(&path)
                .unwrap()
        };
        let a = File::open(&path).unwrap();
        let b = rw();
        assert!(byte_lock(&a, 0, Some(LockKind::Read), false).unwrap());
        assert!(byte_lock(&b, 0, Some(LockKind::Read), false).unwrap());
        assert!(byte_lock(&b, 1, Some(LockKind::Write), false).unwrap());
        let c = rw();
        assert!(!byte_lock(&c, 1, Some(LockKind::Read), false).unwrap());
        assert!(!byte_lock(&c, 0, Some(LockKind::Write), false).unwrap());
        assert!(byte_locked_by_other(&c, 0, LockKind::Write).unwrap());
        assert!(!byte_locked_by_other(&c, 0, LockKind::Read).unwrap());
        drop(a);
        byte_lock(&b, 0, None, false).unwrap();
        assert!(byte_lock(&c, 0, Some(LockKind::Write), false).unwrap());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
