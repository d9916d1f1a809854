//! A [`Storage`] that makes one chosen operation fail: the N-th operation
//! of one kind, once or from then on, with EIO or ENOSPC, optionally after
//! writing part of the bytes (a short write). It keeps a log of every call
//! and its outcome.

use std::fs::File;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::Mutex;

use crate::store::io::{Create, Os, Storage};

/// The kinds of operation, as counted for fault injection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    Write,
    SyncData,
    SyncAll,
    SetLen,
    SetWatermark,
    Create,
    Rename,
    Remove,
    SyncDir,
}

impl Kind {
    pub(crate) const ALL: [Kind; 9] = [
        Kind::Write,
        Kind::SyncData,
        Kind::SyncAll,
        Kind::SetLen,
        Kind::SetWatermark,
        Kind::Create,
        Kind::Rename,
        Kind::Remove,
        Kind::SyncDir,
    ];
}

/// Which call fails, and how.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plan {
    pub kind: Kind,
    /// 1-based: the N-th call of `kind` fails.
    pub nth: usize,
    /// Every later call of `kind` fails too.
    pub forever: bool,
    /// The error number (EIO, ENOSPC).
    pub errno: i32,
    /// A failing write first writes half of its bytes.
    pub short: bool,
}

impl Plan {
    /// The first call of `kind` fails with `errno` (and, with `forever`,
    /// every later one), writing nothing.
    pub(crate) fn first(kind: Kind, errno: i32, forever: bool) -> Self {
        Plan {
            kind,
            nth: 1,
            forever,
            errno,
            short: false,
        }
    }
}

/// One logged call: its kind, the file (device, inode) it touched if any,
/// and whether it failed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Call {
    pub kind: Kind,
    pub file: Option<(u64, u64)>,
    pub failed: bool,
}

#[derive(Default)]
struct State {
    counts: std::collections::HashMap<Kind, usize>,
    log: Vec<Call>,
}

/// See the module docs.
pub(crate) struct Faulty {
    plan: Option<Plan>,
    state: Mutex<State>,
}

fn id(file: &File) -> Option<(u64, u64)> {
    file.metadata().ok().map(|m| (m.dev(), m.ino()))
}

impl Faulty {
    pub(crate) fn new(plan: Option<Plan>) -> Self {
        Self {
            plan,
            state: Mutex::new(State::default()),
        }
    }

    /// Counts a call of `kind`; `Some(error)` if it must fail.
    fn check(&self, kind: Kind, file: Option<(u64, u64)>) -> Option<(io::Error, bool)> {
        let mut st = self.state.lock().unwrap();
        let n = st.counts.entry(kind).or_insert(0);
        *n += 1;
        let n = *n;
        let fail = self
            .plan
            .filter(|p| p.kind == kind && (n == p.nth || (p.forever && n > p.nth)));
        st.log.push(Call {
            kind,
            file,
            failed: fail.is_some(),
        });
        fail.map(|p| (io::Error::from_raw_os_error(p.errno), p.short))
    }

    /// Whether the planned fault was hit.
    pub(crate) fn hit(&self) -> bool {
        self.state.lock().unwrap().log.iter().any(|c| c.failed)
    }

    /// Every call so far.
    pub(crate) fn log(&self) -> Vec<Call> {
        self.state.lock().unwrap().log.clone()
    }
}

impl Storage for Faulty {
    fn write_at(&self, file: &File, parts: &[&[u8]], at: u64) -> io::Result<()> {
        if let Some((e, short)) = self.check(Kind::Write, id(file)) {
            if short {
                let all = parts.concat();
                Os.write_at(file, &[&all[..all.len() / 2]], at)?;
            }
            return Err(e);
        }
        Os.write_at(file, parts, at)
    }

    fn sync_data(&self, file: &File) -> io::Result<()> {
        match self.check(Kind::SyncData, id(file)) {
            Some((e, _)) => Err(e),
            None => Os.sync_data(file),
        }
    }

    fn sync_all(&self, file: &File) -> io::Result<()> {
        match self.check(Kind::SyncAll, id(file)) {
            Some((e, _)) => Err(e),
            None => Os.sync_all(file),
        }
    }

    fn set_len(&self, file: &File, len: u64) -> io::Result<()> {
        match self.check(Kind::SetLen, id(file)) {
            Some((e, _)) => Err(e),
            None => Os.set_len(file, len),
        }
    }

    fn set_watermark(&self, file: &File, value: &[u8]) -> io::Result<bool> {
        match self.check(Kind::SetWatermark, id(file)) {
            Some((e, _)) => Err(e),
            None => Os.set_watermark(file, value),
        }
    }

    fn create(&self, path: &Path, how: Create) -> io::Result<File> {
        match self.check(Kind::Create, None) {
            Some((e, _)) => Err(e),
            None => Os.create(path, how),
        }
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        match self.check(Kind::Rename, None) {
            Some((e, _)) => Err(e),
            None => Os.rename(from, to),
        }
    }

    fn remove(&self, path: &Path) -> io::Result<()> {
        match self.check(Kind::Remove, None) {
            Some((e, _)) => Err(e),
            None => Os.remove(path),
        }
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        match self.check(Kind::SyncDir, None) {
            Some((e, _)) => Err(e),
            None => Os.sync_dir(dir),
        }
    }
}
