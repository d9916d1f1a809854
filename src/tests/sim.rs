//! A recording [`Storage`] and the crash model built on its record.
//!
//! [`Recorder`] forwards every operation to the real filesystem and keeps a
//! log of it (and of markers the test adds). [`Crash`] replays a prefix of
//! the log and builds the files a power loss at that point could leave:
//!
//! - data: the content at the file's last `fdatasync`/`fsync`, with each
//!   sector (512 B or 4 KiB) independently taking that content or its
//!   content after any later write; the length is any length the file had
//!   since; bytes that were never durable read as zeros or as garbage;
//! - the watermark attribute: its value at the last `fsync`, or any value
//!   set after it (`fdatasync` does not persist attributes);
//! - the directory: its state at the last directory sync plus any prefix of
//!   the creations, renames and removals made after it.

use std::collections::HashMap;
use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::store::io::{Create, Os, Storage};

/// One recorded operation.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    Create {
        path: PathBuf,
        inode: usize,
    },
    Rename {
        from: PathBuf,
        to: PathBuf,
    },
    Remove {
        path: PathBuf,
    },
    SyncDir,
    Write {
        inode: usize,
        at: u64,
        bytes: Vec<u8>,
    },
    SetLen {
        inode: usize,
        len: u64,
    },
    SyncData {
        inode: usize,
    },
    SyncAll {
        inode: usize,
    },
    SetAttr {
        inode: usize,
        value: Vec<u8>,
    },
    /// A marker added by the test (its meaning is the test's).
    Mark(usize),
}

#[derive(Default)]
struct Log {
    ops: Vec<Op>,
    /// (device, inode) of live files → recorded inode number.
    ids: HashMap<(u64, u64), usize>,
    next: usize,
}

/// Forwards to the operating system and records what it did.
#[derive(Default)]
pub(crate) struct Recorder {
    log: Mutex<Log>,
}

fn real_id(file: &File) -> (u64, u64) {
    let m = file.metadata().expect("fstat");
    (m.dev(), m.ino())
}

impl Recorder {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    fn push(&self, op: Op) {
        self.log.lock().unwrap().ops.push(op);
    }

    fn inode(&self, file: &File) -> usize {
        let id = real_id(file);
        let mut log = self.log.lock().unwrap();
        if let Some(&n) = log.ids.get(&id) {
            return n;
        }
        // A file the recorder did not see created (opened from before).
        let n = log.next;
        log.next += 1;
        log.ids.insert(id, n);
        n
    }

    /// The recorded inode of the file at `path` now.
    pub(crate) fn inode_at(&self, path: &Path) -> usize {
        self.inode(&File::open(path).expect("open"))
    }

    /// Adds a test marker to the log.
    pub(crate) fn mark(&self, what: usize) {
        self.push(Op::Mark(what));
    }

    /// A copy of the log so far.
    pub(crate) fn ops(&self) -> Vec<Op> {
        self.log.lock().unwrap().ops.clone()
    }
}

impl Storage for Recorder {
    fn write_at(&self, file: &File, parts: &[&[u8]], at: u64) -> std::io::Result<()> {
        Os.write_at(file, parts, at)?;
        let inode = self.inode(file);
        self.push(Op::Write {
            inode,
            at,
            bytes: parts.concat(),
        });
        Ok(())
    }

    fn sync_data(&self, file: &File) -> std::io::Result<()> {
        Os.sync_data(file)?;
        let inode = self.inode(file);
        self.push(Op::SyncData { inode });
        Ok(())
    }

    fn sync_all(&self, file: &File) -> std::io::Result<()> {
        Os.sync_all(file)?;
        let inode = self.inode(file);
        self.push(Op::SyncAll { inode });
        Ok(())
    }

    fn set_len(&self, file: &File, len: u64) -> std::io::Result<()> {
        Os.set_len(file, len)?;
        let inode = self.inode(file);
        self.push(Op::SetLen { inode, len });
        Ok(())
    }

    fn set_watermark(&self, file: &File, value: &[u8]) -> std::io::Result<bool> {
        let supported = Os.set_watermark(file, value)?;
        if supported {
            let inode = self.inode(file);
            self.push(Op::SetAttr {
                inode,
                value: value.to_vec(),
            });
        }
        Ok(supported)
    }

    fn create(&self, path: &Path, how: Create) -> std::io::Result<File> {
        let existed = std::fs::metadata(path).is_ok();
        let file = Os.create(path, how)?;
        let id = real_id(&file);
        let mut log = self.log.lock().unwrap();
        // A truncating create of an existing file empties it in place; a
        // new file may reuse the number of a file unlinked earlier.
        let existing = log.ids.get(&id).copied().filter(|_| existed);
        let inode = existing.unwrap_or_else(|| {
            let n = log.next;
            log.next += 1;
            log.ids.insert(id, n);
            n
        });
        if existing.is_some() {
            log.ops.push(Op::SetLen { inode, len: 0 });
        } else {
            log.ops.push(Op::Create {
                path: path.to_path_buf(),
                inode,
            });
        }
        Ok(file)
    }

    fn rename(&self, from: &Path, to: &Path) -> std::io::Result<()> {
        let replaced = std::fs::metadata(to).map(|m| (m.dev(), m.ino())).ok();
        Os.rename(from, to)?;
        if let Some(id) = replaced {
            // The replaced file is unlinked: its number may be reused.
            self.log.lock().unwrap().ids.remove(&id);
        }
        self.push(Op::Rename {
            from: from.to_path_buf(),
            to: to.to_path_buf(),
        });
        Ok(())
    }

    fn remove(&self, path: &Path) -> std::io::Result<()> {
        let id = std::fs::metadata(path).map(|m| (m.dev(), m.ino())).ok();
        Os.remove(path)?;
        let mut log = self.log.lock().unwrap();
        if let Some(id) = id {
            // The inode number may be reused by the next file created.
            log.ids.remove(&id);
        }
        log.ops.push(Op::Remove {
            path: path.to_path_buf(),
        });
        Ok(())
    }

    fn sync_dir(&self, dir: &Path) -> std::io::Result<()> {
        Os.sync_dir(dir)?;
        self.push(Op::SyncDir);
        Ok(())
    }
}

/// A deterministic xorshift generator.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    pub(crate) fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub(crate) fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| (self.next() >> 32) as u8).collect()
    }
}

/// One file's history since its last data barrier.
#[derive(Debug, Clone, Default)]
struct FileHistory {
    /// Content at the last `fdatasync`/`fsync`.
    durable: Vec<u8>,
    /// Content after each operation since.
    versions: Vec<Vec<u8>>,
    /// Attribute at the last `fsync`, then each value set since.
    attrs: Vec<Option<Vec<u8>>>,
}

impl FileHistory {
    fn current(&self) -> &Vec<u8> {
        self.versions.last().unwrap_or(&self.durable)
    }

    fn change(&mut self, f: impl FnOnce(&mut Vec<u8>)) {
        let mut next = self.current().clone();
        f(&mut next);
        self.versions.push(next);
    }
}

/// The state of every recorded file at one point of the log, from which
/// crash images are drawn.
pub(crate) struct Crash {
    files: HashMap<usize, FileHistory>,
    /// Path → inode at the last directory sync.
    durable_dir: HashMap<PathBuf, usize>,
    /// Path → inode now.
    dir: HashMap<PathBuf, usize>,
    /// Directory operations since the last directory sync.
    dir_ops: Vec<Op>,
}

/// How one image is drawn.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Draw {
    pub sector: usize,
    /// Bytes that were never durable read as garbage (else zeros).
    pub garbage: bool,
    /// Chance, in percent, that a sector shows a newer version.
    pub newer: u64,
}

/// One drawn crash image of a file.
#[derive(Debug, Clone)]
pub(crate) struct Image {
    pub data: Vec<u8>,
    pub attr: Option<Vec<u8>>,
}

impl Crash {
    /// The state before any operation.
    pub(crate) fn new() -> Self {
        Self {
            files: HashMap::new(),
            durable_dir: HashMap::new(),
            dir: HashMap::new(),
            dir_ops: Vec::new(),
        }
    }

    /// Moves the state past one more operation.
    pub(crate) fn apply(&mut self, op: &Op) {
        let files = &mut self.files;
        match op {
            Op::Create { path, inode } => {
                files.insert(
                    *inode,
                    FileHistory {
                        attrs: vec![None],
                        ..FileHistory::default()
                    },
                );
                self.dir.insert(path.clone(), *inode);
                self.dir_ops.push(op.clone());
            }
            Op::Rename { from, to } => {
                if let Some(i) = self.dir.remove(from) {
                    self.dir.insert(to.clone(), i);
                }
                self.dir_ops.push(op.clone());
            }
            Op::Remove { path } => {
                self.dir.remove(path);
                self.dir_ops.push(op.clone());
            }
            Op::SyncDir => {
                self.durable_dir = self.dir.clone();
                self.dir_ops.clear();
            }
            Op::Write { inode, at, bytes } => {
                let f = files.entry(*inode).or_default();
                f.change(|c| {
                    let end = *at as usize + bytes.len();
                    if c.len() < end {
                        c.resize(end, 0);
                    }
                    c[*at as usize..end].copy_from_slice(bytes);
                });
            }
            Op::SetLen { inode, len } => {
                let f = files.entry(*inode).or_default();
                f.change(|c| c.resize(*len as usize, 0));
            }
            Op::SyncData { inode } => {
                let f = files.entry(*inode).or_default();
                f.durable = f.current().clone();
                f.versions.clear();
            }
            Op::SyncAll { inode } => {
                let f = files.entry(*inode).or_default();
                f.durable = f.current().clone();
                f.versions.clear();
                let last = f.attrs.last().cloned().flatten();
                f.attrs = vec![last];
            }
            Op::SetAttr { inode, value } => {
                let f = files.entry(*inode).or_default();
                if f.attrs.is_empty() {
                    f.attrs.push(None);
                }
                f.attrs.push(Some(value.clone()));
            }
            Op::Mark(_) => {}
        }
    }

    /// Which inode `path` names after a crash, drawn from the directory's
    /// possible states.
    pub(crate) fn resolve(&self, path: &Path, rng: &mut Rng) -> Option<usize> {
        let mut dir = self.durable_dir.clone();
        let applied = rng.below(self.dir_ops.len() as u64 + 1) as usize;
        for op in &self.dir_ops[..applied] {
            match op {
                Op::Create { path, inode } => {
                    dir.insert(path.clone(), *inode);
                }
                Op::Rename { from, to } => {
                    if let Some(i) = dir.remove(from) {
                        dir.insert(to.clone(), i);
                    }
                }
                Op::Remove { path } => {
                    dir.remove(path);
                }
                _ => {}
            }
        }
        dir.get(path).copied()
    }

    /// Draws one image of `inode`.
    pub(crate) fn image(&self, inode: usize, draw: Draw, rng: &mut Rng) -> Image {
        let f = &self.files[&inode];
        let mut lens: Vec<usize> = vec![f.durable.len()];
        lens.extend(f.versions.iter().map(Vec::len));
        let len = lens[rng.below(lens.len() as u64) as usize];
        let mut data = vec![0u8; len];
        let fill = |rng: &mut Rng, out: &mut [u8]| {
            if draw.garbage {
                for b in out.iter_mut() {
                    *b = (rng.next() >> 40) as u8;
                }
            } else {
                out.fill(0);
            }
        };
        let mut at = 0;
        while at < len {
            let end = (at + draw.sector).min(len);
            // Newest first: the sector shows the newest version with chance
            // `newer`, else the next older one, and so on.
            let mut source: Option<&Vec<u8>> = None;
            for v in f.versions.iter().rev() {
                if rng.chance(draw.newer) {
                    source = Some(v);
                    break;
                }
            }
            let source = source.unwrap_or(&f.durable);
            let have = source.len().clamp(at, end);
            if have > at {
                data[at..have].copy_from_slice(&source[at..have]);
            }
            fill(rng, &mut data[have..end]);
            at = end;
        }
        let attr = f.attrs[rng.below(f.attrs.len() as u64) as usize].clone();
        Image { data, attr }
    }
}

/// A key whose hash has a zero low byte: written with a value of zeros
/// sized by [`lookalike_len`], its entry is a torn-sector look-alike.
pub(crate) fn lookalike_key() -> Vec<u8> {
    (0u32..)
        .map(|i| format!("look-alike-{i}").into_bytes())
        .find(|k| crate::compute_hash(k) & 0xFF == 0)
        .expect("some key hashes to a zero low byte")
}

/// The length of a value of zeros that, appended at `tail`, puts its
/// trailer's first byte just before a 512-byte boundary.
pub(crate) fn lookalike_len(tail: u64) -> usize {
    let start = tail.div_ceil(64) * 64;
    let mut end = (start / 512) * 512 + 511;
    if end < start + 2 {
        end += 512;
    }
    (end - start) as usize
}
