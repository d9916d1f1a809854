//! Simulated power loss: a mixed workload runs through the recording
//! storage; at every point of its record, crash images are drawn (sectors
//! kept, lost, zeroed or garbage; an older watermark; directory changes
//! lost) and opened. Every image must recover to the state after some
//! prefix of the entries written, holding every entry written before the
//! last sync that completed, and a sample is opened for real and must keep
//! working.
//!
//! `RDRIVE_CRASH_IMAGES` (default 24,000) and `RDRIVE_CRASH_SEEDS`
//! (default 1) scale it up: `scripts/soak.sh` runs a million images.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::sim::{Crash, Draw, Image, Op, Recorder, Rng};
use crate::format::index_cache::CacheHeader;
use crate::format::{METADATA_SIZE, entry_ending_at};
use crate::store::cache;
use crate::store::open::{LoadError, load};
use crate::store::sys;
use crate::{OpenOptions, Store, compute_hash};

type State = BTreeMap<u64, Arc<[u8]>>;

/// What the workload did, as the model sees it.
#[derive(Default)]
struct Model {
    /// The store's live state after each entry written, in order.
    states: Vec<State>,
    /// For each file instance (recorded inode): `(tail, state)` at every
    /// entry boundary.
    boundaries: BTreeMap<usize, Vec<(u64, usize)>>,
    /// Marker id → the state that was durable when it was placed.
    synced: Vec<usize>,
}

impl Model {
    fn current(&self) -> &State {
        self.states.last().expect("an initial state")
    }
}

struct Driver {
    rec: Arc<Recorder>,
    path: PathBuf,
    store: Option<Store>,
    sync_writes: bool,
    model: Model,
    rng: Rng,
    keys: Vec<Vec<u8>>,
}

const COPY_LIMIT: usize = 256 * 1024;

impl Driver {
    fn options(&self) -> OpenOptions {
        let mut o = OpenOptions::new();
        o.storage(self.rec.clone())
            .index_cache_min_keys(1)
            .sync_writes(self.sync_writes);
        o
    }

    fn store(&self) -> &Store {
        self.store.as_ref().expect("open")
    }

    /// Records that everything written so far is durable.
    fn synced(&mut self) {
        let id = self.model.synced.len();
        self.model.synced.push(self.model.states.len() - 1);
        self.rec.mark(id);
    }

    /// Reads the entries appended to the current file since its last known
    /// boundary and applies them to the model.
    fn absorb(&mut self) {
        let inode = self.rec.inode_at(&self.path);
        let data = std::fs::read(&self.path).unwrap();
        let known = self.model.boundaries.entry(inode).or_default();
        let from = known.last().map_or(0, |b| b.0);
        let mut x = data.len() as u64;
        let mut fresh = Vec::new();
        while x > from {
            let (meta, loc) = entry_ending_at(&data, x).expect("the writer wrote an entry");
            let value = (!loc.tombstone).then(|| Arc::<[u8]>::from(&data[loc.range()]));
            fresh.push((x, meta.key_hash, value));
            x = meta.prev_offset;
        }
        assert_eq!(x, from, "appended entries chain back to the old tail");
        for (tail, key, value) in fresh.into_iter().rev() {
            let mut state = self.model.current().clone();
            match value {
                Some(v) => state.insert(key, v),
                None => state.remove(&key),
            };
            self.model.states.push(state);
            let id = self.model.states.len() - 1;
            self.model
                .boundaries
                .get_mut(&inode)
                .unwrap()
                .push((tail, id));
        }
        if self.sync_writes {
            self.synced();
        }
    }

    fn key(&mut self) -> Vec<u8> {
        let i = self.rng.below(self.keys.len() as u64) as usize;
        self.keys[i].clone()
    }

    fn live_key(&mut self) -> Option<Vec<u8>> {
        let live: Vec<Vec<u8>> = self
            .keys
            .iter()
            .filter(|k| self.model.current().contains_key(&compute_hash(k)))
            .cloned()
            .collect();
        (!live.is_empty()).then(|| live[self.rng.below(live.len() as u64) as usize].clone())
    }

    /// A value: random bytes, often ending in zeros, sometimes all zeros.
    fn value(&mut self, len: usize) -> Vec<u8> {
        let len = len.max(2);
        let mut v = self.rng.bytes(len);
        match self.rng.below(10) {
            0 => v.fill(0),
            1..=3 => {
                let zeros = self.rng.below(len as u64) as usize;
                v[len - zeros..].fill(0);
            }
            _ => {}
        }
        v
    }

    /// A value length that puts the next trailer across a 512-byte
    /// boundary, given the current tail.
    fn straddling_len(&mut self, min: usize) -> usize {
        let tail = self.store().file_size();
        let start = tail.div_ceil(64) * 64;
        let inside = 1 + self.rng.below(METADATA_SIZE as u64 - 1);
        let target_end = (start + min as u64).div_ceil(512) * 512 - inside;
        (target_end - start) as usize
    }

    /// A filler write that leaves the tail just before a 512-byte boundary,
    /// so the next deletion marker straddles it.
    fn position_for_tombstone(&mut self) {
        let tail = self.store().file_size();
        let start = tail.div_ceil(64) * 64;
        let inside = 1 + self.rng.below(10);
        let mut end = (start + 2 + 20).div_ceil(512) * 512 - inside;
        if end < start + 22 {
            end += 512;
        }
        let len = (end - start - 20) as usize;
        let (k, v) = (self.key(), self.value(len));
        self.store().write(&k, &v).unwrap();
        self.absorb();
    }

    fn step(&mut self) {
        match self.rng.below(100) {
            0..=27 => {
                let len = if self.rng.chance(40) {
                    self.straddling_len(2)
                } else {
                    2 + self.rng.below(700) as usize
                };
                let (k, v) = (self.key(), self.value(len));
                self.store().write(&k, &v).unwrap();
                self.absorb();
            }
            28..=39 => {
                if self.rng.chance(60) {
                    self.position_for_tombstone();
                }
                let k = self.live_key().unwrap_or_else(|| self.key());
                self.store().delete(&k).unwrap();
                self.absorb();
            }
            40..=49 => {
                let n = 2 + self.rng.below(7) as usize;
                let items: Vec<(Vec<u8>, Vec<u8>)> = (0..n)
                    .map(|_| {
                        let len = 2 + self.rng.below(600) as usize;
                        (self.key(), self.value(len))
                    })
                    .collect();
                let pairs: Vec<(&[u8], &[u8])> = items
                    .iter()
                    .map(|(k, v)| (k.as_slice(), v.as_slice()))
                    .collect();
                self.store().batch_write(&pairs).unwrap();
                self.absorb();
            }
            50..=53 => {
                let keys: Vec<Vec<u8>> = (0..3).map(|_| self.key()).collect();
                let refs: Vec<&[u8]> = keys.iter().map(Vec::as_slice).collect();
                self.store().batch_delete(&refs).unwrap();
                self.absorb();
            }
            54..=58 => {
                if let Some(old) = self.live_key() {
                    let new = self.key();
                    if new != old {
                        self.store().rename(&old, &new).unwrap();
                        self.absorb();
                    }
                }
            }
            59..=60 => {
                let len = if self.rng.chance(50) {
                    self.straddling_len(COPY_LIMIT + 1)
                } else {
                    COPY_LIMIT + 1 + self.rng.below(20_000) as usize
                };
                let (k, v) = (self.key(), self.value(len));
                self.store().write(&k, &v).unwrap();
                self.absorb();
            }
            61..=66 => {
                let len = if self.rng.chance(50) {
                    let min = 2 + self.rng.below(90_000) as usize;
                    self.straddling_len(min)
                } else {
                    2 + self.rng.below(90_000) as usize
                };
                let (k, v) = (self.key(), self.value(len));
                let chunk = 1 + self.rng.below(40_000) as usize;
                let mut src = Chunked {
                    data: &v,
                    chunk,
                    fail_at: None,
                };
                self.store().write_stream(&k, &mut src).unwrap();
                self.absorb();
            }
            67..=69 => {
                let len = 2 + self.rng.below(90_000) as usize;
                let (k, v) = (self.key(), self.value(len));
                let fail_at = Some(self.rng.below(len as u64) as usize);
                let mut src = Chunked {
                    data: &v,
                    chunk: 1 + self.rng.below(30_000) as usize,
                    fail_at,
                };
                assert!(self.store().write_stream(&k, &mut src).is_err());
                self.absorb();
            }
            70..=79 => {
                self.store().sync().unwrap();
                self.synced();
            }
            80..=84 => {
                self.store.take().unwrap().close().unwrap();
                self.synced();
                self.sync_writes = self.rng.chance(30);
                self.store = Some(self.options().open(&self.path).unwrap());
                self.absorb();
            }
            85..=87 => {
                self.store().compact().unwrap();
                let inode = self.rec.inode_at(&self.path);
                let id = self.model.states.len() - 1;
                self.model
                    .boundaries
                    .insert(inode, vec![(self.store().file_size(), id)]);
                self.synced();
            }
            88..=91 => {
                // A torn-sector look-alike (zeros up to a trailer whose key
                // hash has a zero low byte, across a sector boundary).
                let k = super::sim::lookalike_key();
                let v = vec![0u8; super::sim::lookalike_len(self.store().file_size())];
                self.store().write(&k, &v).unwrap();
                self.absorb();
            }
            _ => {
                let k = self.key();
                let n = 1 + self.rng.below(3) as usize;
                let items: Vec<(Vec<u8>, Vec<u8>)> = (0..n)
                    .map(|_| {
                        let len = self.straddling_len(2);
                        (k.clone(), self.value(len))
                    })
                    .collect();
                let pairs: Vec<(&[u8], &[u8])> = items
                    .iter()
                    .map(|(k, v)| (k.as_slice(), v.as_slice()))
                    .collect();
                self.store().batch_write(&pairs).unwrap();
                self.absorb();
            }
        }
    }
}

/// A reader that hands out `data` in chunks, failing at `fail_at`.
struct Chunked<'a> {
    data: &'a [u8],
    chunk: usize,
    fail_at: Option<usize>,
}

impl std::io::Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if let Some(f) = self.fail_at {
            if f < self.chunk.min(self.data.len()) {
                return Err(std::io::Error::other("source failed"));
            }
            self.fail_at = Some(f - self.chunk.min(self.data.len()));
        }
        let n = self.chunk.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// Runs the workload of `seed` (`steps` calls) in `dir`; returns its record.
fn run_workload(dir: &Path, seed: u64, steps: usize) -> (Arc<Recorder>, Model, PathBuf) {
    let rec = Recorder::new();
    let path = dir.join("store.rdrive");
    let mut d = Driver {
        rec: rec.clone(),
        path: path.clone(),
        store: None,
        sync_writes: false,
        model: Model::default(),
        rng: Rng::new(seed),
        keys: (0..24).map(|i| format!("key-{i}").into_bytes()).collect(),
    };
    d.model.states.push(State::new());
    d.store = Some(d.options().open(&path).unwrap());
    let inode = rec.inode_at(&path);
    d.model.boundaries.insert(inode, vec![(0, 0)]);
    d.synced();
    for _ in 0..steps {
        d.step();
    }
    d.store.take().unwrap().close().unwrap();
    d.synced();
    (rec, d.model, path)
}

/// How an image failed the checks.
#[derive(Debug)]
struct Violation {
    crash_point: usize,
    draw: Draw,
    what: String,
}

struct Evaluation {
    images: usize,
    real_opens: usize,
    violations: Vec<Violation>,
}

/// The live state of a loaded image, read through its index.
fn state_of(data: &[u8], index: &crate::store::index::Index) -> Result<State, String> {
    let mut out = State::new();
    for (key, at) in index.live_pairs() {
        let end = at + METADATA_SIZE as u64;
        let (meta, loc) =
            entry_ending_at(data, end).map_err(|e| format!("index points at junk: {e:?}"))?;
        if loc.tombstone || meta.key_hash != key {
            return Err(format!("index entry for {key:#x} points at another entry"));
        }
        out.insert(key, Arc::from(&data[loc.range()]));
    }
    Ok(out)
}

fn describe_diff(got: &State, want: &State) -> String {
    let missing = want.keys().filter(|k| !got.contains_key(k)).count();
    let extra = got.keys().filter(|k| !want.contains_key(k)).count();
    let wrong: Vec<String> = want
        .iter()
        .filter_map(|(k, v)| {
            let g = got.get(k)?;
            (g != v).then(|| {
                let at = g.iter().zip(v.iter()).position(|(a, b)| a != b);
                format!(
                    "{k:#x}: {} vs {} bytes, first difference at {at:?}",
                    g.len(),
                    v.len()
                )
            })
        })
        .collect();
    format!(
        "{missing} missing, {extra} extra, {} wrong values {wrong:?}",
        wrong.len()
    )
}

/// Checks one image; `Ok(state id)` when it is a prefix state.
fn check_image(
    model: &Model,
    required: usize,
    image: Option<(usize, &Image)>,
    cache_image: Option<&Image>,
) -> Result<usize, String> {
    let Some((inode, image)) = image else {
        return if required == 0 {
            Ok(0)
        } else {
            Err("the store file is gone although data was synced".into())
        };
    };
    let stored = image
        .attr
        .as_deref()
        .and_then(crate::format::watermark::Watermark::decode);
    let cache = |accept: &dyn Fn(&CacheHeader) -> bool| {
        let bytes = &cache_image?.data;
        cache::load_from(
            |buf, at| {
                let at = at as usize;
                let src = bytes
                    .get(at..at + buf.len())
                    .ok_or_else(|| std::io::Error::other("short"))?;
                buf.copy_from_slice(src);
                Ok(())
            },
            bytes.len() as u64,
            accept,
        )
    };
    let loaded = match load(&image.data, stored, false, false, cache) {
        Ok(l) => l,
        Err(LoadError::Corrupt { offset, reason }) => {
            return Err(format!("refused: corrupt at {offset}: {reason}"));
        }
        Err(LoadError::Io(e)) => return Err(format!("refused: {e}")),
    };
    let bounds = model
        .boundaries
        .get(&inode)
        .ok_or("the path names a file the workload never wrote")?;
    let Some(&(_, id)) = bounds.iter().find(|b| b.0 == loaded.tail) else {
        return Err(format!(
            "recovered tail {} is not an entry boundary (of {} bytes; inode {inode}, boundaries {:?})",
            loaded.tail,
            image.data.len(),
            &bounds[..bounds.len().min(4)]
        ));
    };
    let got = state_of(&image.data, &loaded.index)?;
    if got != model.states[id] {
        return Err(format!(
            "state at tail {} is not the prefix state: {}{}",
            loaded.tail,
            describe_diff(&got, &model.states[id]),
            if loaded.from_cache {
                " (index from the cache)"
            } else {
                ""
            }
        ));
    }
    if id < required {
        return Err(format!(
            "synced entries lost: recovered state {id}, synced state {required}"
        ));
    }
    Ok(id)
}

/// Writes `image` (and a cache image) to real files and opens them
/// read-only and read-write: the state must be `want`, and the store must
/// take a write, a sync, a compaction and a reopen.
fn open_for_real(
    dir: &Path,
    n: usize,
    image: &Image,
    cache_image: Option<&Image>,
    want: &State,
) -> Result<(), String> {
    let path = dir.join(format!("image-{n}.rdrive"));
    std::fs::write(&path, &image.data).map_err(|e| e.to_string())?;
    if let Some(attr) = &image.attr {
        let f = std::fs::File::open(&path).unwrap();
        sys::set_watermark_attr(&f, attr).map_err(|e| e.to_string())?;
    }
    if let Some(c) = cache_image {
        std::fs::write(cache::path_for(&path), &c.data).map_err(|e| e.to_string())?;
    }
    let check = |s: &Store, extra: Option<(&[u8], &[u8])>| -> Result<(), String> {
        let mut live = 0;
        for (k, v) in want {
            let e = s
                .read_with_key_hash(*k)
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("key {k:#x} missing"))?;
            if e.as_slice() != &v[..] {
                return Err(format!("key {k:#x} has a wrong value"));
            }
            live += 1;
        }
        if let Some((k, v)) = extra {
            live += usize::from(!want.contains_key(&compute_hash(k)));
            let e = s
                .read(k)
                .map_err(|e| e.to_string())?
                .ok_or("new key lost")?;
            if e.as_slice() != v {
                return Err("new key has a wrong value".into());
            }
        }
        if s.len() != live {
            return Err(format!("len {} but {} live keys", s.len(), live));
        }
        Ok(())
    };
    let ro = Store::open_read_only(&path).map_err(|e| format!("read-only open: {e}"))?;
    check(&ro, None)?;
    drop(ro);
    let rw = OpenOptions::new()
        .index_cache_min_keys(1)
        .open(&path)
        .map_err(|e| format!("read-write open: {e}"))?;
    check(&rw, None)?;
    let new: (&[u8], &[u8]) = (b"after the crash", b"still writable");
    rw.write(new.0, new.1).map_err(|e| e.to_string())?;
    rw.sync().map_err(|e| e.to_string())?;
    rw.compact().map_err(|e| e.to_string())?;
    check(&rw, Some(new))?;
    rw.close().map_err(|e| e.to_string())?;
    let again = Store::open(&path).map_err(|e| format!("reopen: {e}"))?;
    check(&again, Some(new))?;
    drop(again);
    let _ = std::fs::remove_file(cache::path_for(&path));
    std::fs::remove_file(&path).map_err(|e| e.to_string())
}

fn evaluate(
    rec: &Recorder,
    model: &Model,
    path: &Path,
    images: usize,
    seed: u64,
    real_every: usize,
    scratch: &Path,
) -> Evaluation {
    let ops = rec.ops();
    let cache_path = cache::path_for(path);
    let points = ops.len() + 1;
    let per_point = images.div_ceil(points).max(1);
    let mut rng = Rng::new(seed ^ 0xC0FFEE);
    let mut eval = Evaluation {
        images: 0,
        real_opens: 0,
        violations: Vec::new(),
    };
    let mut required = 0;
    let mut crash = Crash::new();
    for point in 0..points {
        if point > 0 {
            crash.apply(&ops[point - 1]);
            if let Op::Mark(id) = ops[point - 1] {
                required = model.synced[id];
            }
        }
        for _ in 0..per_point {
            let draw = Draw {
                sector: if rng.chance(50) { 512 } else { 4096 },
                garbage: rng.chance(40),
                newer: [0, 30, 50, 70, 90, 100][rng.below(6) as usize],
            };
            let inode = crash.resolve(path, &mut rng);
            let image = inode.map(|i| (i, crash.image(i, draw, &mut rng)));
            let cache_image = crash
                .resolve(&cache_path, &mut rng)
                .map(|i| crash.image(i, draw, &mut rng));
            eval.images += 1;
            let verdict = check_image(
                model,
                required,
                image.as_ref().map(|(i, img)| (*i, img)),
                cache_image.as_ref(),
            );
            let verdict = match (verdict, &image) {
                (Ok(id), Some((_, img))) if eval.images.is_multiple_of(real_every) => {
                    eval.real_opens += 1;
                    open_for_real(
                        scratch,
                        eval.images,
                        img,
                        cache_image.as_ref(),
                        &model.states[id],
                    )
                    .map(|()| id)
                    .map_err(|e| format!("opened for real: {e}"))
                }
                (v, _) => v,
            };
            if let Err(what) = verdict {
                eval.violations.push(Violation {
                    crash_point: point,
                    draw,
                    what,
                });
            }
        }
    }
    eval
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn scratch_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rdrive-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn every_simulated_power_loss_recovers_to_a_prefix_holding_all_synced_entries() {
    let _serial = super::serial();
    let images = env_number("RDRIVE_CRASH_IMAGES", 24_000);
    let seeds = env_number("RDRIVE_CRASH_SEEDS", 1).max(1);
    let per_seed = images.div_ceil(seeds);
    let mut total = 0;
    let mut real = 0;
    let mut violations = Vec::new();
    for seed in 1..=seeds as u64 {
        let dir = scratch_dir(&format!("power-loss-{seed}"));
        let (rec, model, path) = run_workload(&dir, seed, 160);
        let scratch = dir.join("images");
        std::fs::create_dir_all(&scratch).unwrap();
        let eval = evaluate(&rec, &model, &path, per_seed, seed, 40, &scratch);
        total += eval.images;
        real += eval.real_opens;
        violations.extend(eval.violations.into_iter().map(|v| (seed, v)));
        std::fs::remove_dir_all(&dir).unwrap();
    }
    eprintln!(
        "power loss: {total} crash images ({real} opened for real), {} violations",
        violations.len()
    );
    for (seed, v) in violations.iter().take(12) {
        eprintln!(
            "  seed {seed}, crash point {}, {:?}: {}",
            v.crash_point, v.draw, v.what
        );
    }
    if std::env::var_os("RDRIVE_CRASH_TRACE").is_some()
        && let Some((seed, v)) = violations.first()
    {
        let dir = scratch_dir("power-loss-trace");
        let (rec, _, _) = run_workload(&dir, *seed, 160);
        let ops = rec.ops();
        for (i, op) in ops
            .iter()
            .enumerate()
            .take(v.crash_point)
            .skip(v.crash_point.saturating_sub(30))
        {
            let text = match op {
                Op::Write { inode, at, bytes } => {
                    format!("Write {{ inode: {inode}, at: {at}, len: {} }}", bytes.len())
                }
                other => format!("{other:?}").chars().take(120).collect(),
            };
            eprintln!("    op {i}: {text}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
    assert!(total >= images);
    assert!(violations.is_empty(), "{} violations", violations.len());
}
