//! The I/O-error loop: a fixed workload runs once per fault, for every N
//! and every kind of operation, failing the N-th call of that kind once or
//! from then on, with EIO or ENOSPC (writes also after writing half their
//! bytes), until the workload runs past the last call of that kind.
//!
//! Each run must: return an error from the failing call (never a panic or
//! an abort); poison the handle after a failed write or sync and never
//! sync it again; and, reopened without faults, hold the state after every
//! acknowledged call, plus at most a prefix of the entries of the call that
//! failed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::faults::{Faulty, Kind, Plan};
use crate::store::io::Storage;
use crate::{Error, OpenOptions, Store, compute_hash};

type State = BTreeMap<u64, Vec<u8>>;

/// One entry a call means to write: a key and a value, or a deletion.
type Intent = (u64, Option<Vec<u8>>);

/// A scratch directory: on tmpfs when there is one (syncs cost nothing).
fn scratch(tag: &str) -> PathBuf {
    let shm = Path::new("/dev/shm");
    let base = if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    let dir = base.join(format!("rdrive-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

struct Run {
    path: PathBuf,
    io: Arc<Faulty>,
    store: Option<Store>,
    acked: State,
    /// What the failing call meant to write (when it failed after bytes
    /// may have reached the file).
    attempted: Option<Vec<Intent>>,
    /// Every error the workload saw.
    errors: Vec<String>,
    /// A write, sync or truncation of the store file failed: the handle
    /// must refuse everything after.
    poisoned: bool,
    /// Broken rules seen while the workload ran.
    broken: Vec<String>,
    /// Where in the fault log each handle's life began.
    handles: Vec<usize>,
}

fn file_id(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

impl Run {
    fn options(&self, sync: bool) -> OpenOptions {
        let mut o = OpenOptions::new();
        o.storage(self.io.clone() as Arc<dyn Storage>)
            .index_cache_min_keys(1)
            .sync_writes(sync);
        o
    }

    /// Runs one call on the store that means to write `intent`, and
    /// checks the poisoning rule.
    fn call<T>(&mut self, f: impl FnOnce(&Store) -> crate::Result<T>, intent: Vec<Intent>) {
        let Some(store) = self.store.as_ref() else {
            return;
        };
        let data = file_id(&self.path);
        let before = self.io.log().len();
        let result = f(store);
        self.judge(data, before, &result);
        self.outcome(result, intent);
    }

    fn judge<T>(&mut self, data: Option<(u64, u64)>, before: usize, result: &crate::Result<T>) {
        if self.poisoned && !matches!(result, Err(Error::Poisoned { .. })) {
            self.broken
                .push("a poisoned handle accepted a call (or failed otherwise)".into());
        }
        let failed_here = self.io.log()[before..].iter().any(|c| {
            c.failed
                && c.file == data
                && matches!(
                    c.kind,
                    Kind::Write | Kind::SyncData | Kind::SyncAll | Kind::SetLen
                )
        });
        if failed_here {
            if result.is_ok() {
                self.broken
                    .push("a failed write or sync was reported as success".into());
            }
            self.poisoned = true;
        }
    }

    /// Closes the store: a poisoned handle must say so.
    fn close(&mut self) {
        let Some(store) = self.store.take() else {
            return;
        };
        let data = file_id(&self.path);
        let before = self.io.log().len();
        let result = store.close();
        self.judge(data, before, &result);
        self.outcome(result, vec![]);
        self.poisoned = false;
    }

    /// The states a reopen may show: the acknowledged one, or it plus a
    /// prefix of the entries of the call that poisoned the handle.
    fn allowed(&self) -> Vec<State> {
        let mut allowed = vec![self.acked.clone()];
        if let Some(intent) = &self.attempted {
            let mut s = self.acked.clone();
            for (k, v) in intent {
                match v {
                    Some(v) => s.insert(*k, v.clone()),
                    None => s.remove(k),
                };
                allowed.push(s.clone());
            }
        }
        allowed
    }

    /// After a reopen within the workload: what the new handle sees must be
    /// allowed, and becomes the acknowledged state.
    fn rebase(&mut self) {
        let Some(store) = &self.store else { return };
        match live_state(store, &all_keys()) {
            Ok(seen) if self.allowed().contains(&seen) => {
                self.acked = seen;
                self.attempted = None;
            }
            Ok(_) => self
                .broken
                .push("a reopen showed a state that was never acknowledged".into()),
            Err(e) => self.broken.push(e),
        }
    }

    /// Records the outcome of a call that meant to write `intent`.
    fn outcome<T>(&mut self, result: crate::Result<T>, intent: Vec<Intent>) {
        match result {
            Ok(_) => {
                for (k, v) in intent {
                    match v {
                        Some(v) => self.acked.insert(k, v),
                        None => self.acked.remove(&k),
                    };
                }
            }
            Err(e) => {
                // Only the call that poisoned the handle can have left
                // bytes behind (a call that fails without poisoning leaves
                // no trace, and nothing runs after a poisoning one).
                if !matches!(e, Error::Poisoned { .. }) {
                    self.attempted = Some(intent);
                }
                self.errors.push(e.to_string());
            }
        }
    }
}

fn value(i: usize, len: usize) -> Vec<u8> {
    (0..len).map(|j| (i * 31 + j * 7 + 1) as u8).collect()
}

/// The workload: every write path, syncs, a sync-mode reopen, a
/// compaction, an aborted stream, a large value.
fn workload(run: &mut Run) {
    run.handles.push(run.io.log().len());
    match run.options(false).open(&run.path) {
        Ok(s) => run.store = Some(s),
        Err(e) => {
            run.errors.push(e.to_string());
            return;
        }
    }
    let key = |i: usize| format!("key-{}", i % 9).into_bytes();
    for round in 0..3 {
        for i in 0..6 {
            let (k, v) = (key(round * 6 + i), value(round * 6 + i, 10 + i * 50));
            let intent = vec![(compute_hash(&k), Some(v.clone()))];
            run.call(|s| s.write(&k, &v), intent);
        }
        let items: Vec<(Vec<u8>, Vec<u8>)> = (0..4)
            .map(|i| (key(i + round), value(i + 40, 100 + i)))
            .collect();
        let pairs: Vec<(&[u8], &[u8])> = items
            .iter()
            .map(|(k, v)| (k.as_slice(), v.as_slice()))
            .collect();
        let intent = items
            .iter()
            .map(|(k, v)| (compute_hash(k), Some(v.clone())))
            .collect();
        run.call(|s| s.batch_write(&pairs), intent);

        let gone = key(round + 2);
        let live = run.acked.contains_key(&compute_hash(&gone));
        let intent = if live {
            vec![(compute_hash(&gone), None)]
        } else {
            vec![]
        };
        run.call(|s| s.delete(&gone), intent);

        let big = value(round, 300_000);
        let intent = vec![(compute_hash(b"stream"), Some(big.clone()))];
        run.call(|s| s.write_stream(b"stream", &mut &big[..]), intent);

        let aborted = std::cell::Cell::new(false);
        run.call(
            |s| {
                let r = s.write_stream(b"aborted", &mut Failing(3));
                aborted.set(matches!(r, Err(Error::Aborted { .. })));
                match r {
                    Err(Error::Aborted { .. }) => Ok(0),
                    other => other,
                }
            },
            vec![],
        );
        let _ = aborted;

        // A torn-sector look-alike: made durable before the call returns.
        let k = super::sim::lookalike_key();
        let tail = run.store.as_ref().map_or(0, Store::file_size);
        let zeros = vec![0u8; super::sim::lookalike_len(tail)];
        let intent = vec![(compute_hash(&k), Some(zeros.clone()))];
        run.call(|s| s.write(&k, &zeros), intent);

        let (old, new) = (key(round + 4), key(round + 5));
        let intent = match run.acked.get(&compute_hash(&old)) {
            Some(v) if old != new => vec![
                (compute_hash(&new), Some(v.clone())),
                (compute_hash(&old), None),
            ],
            _ => vec![],
        };
        run.call(|s| s.rename(&old, &new), intent);

        run.call(|s| s.sync(), vec![]);

        match round {
            0 => {
                run.close();
                run.handles.push(run.io.log().len());
                match run.options(true).open(&run.path) {
                    Ok(s) => {
                        run.store = Some(s);
                        run.rebase();
                    }
                    Err(e) => {
                        run.errors.push(e.to_string());
                        return;
                    }
                }
            }
            1 => run.call(|s| s.compact(), vec![]),
            _ => {}
        }
    }
    run.close();
}

/// A stream source that fails after a few chunks.
struct Failing(usize);

impl std::io::Read for Failing {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.0 == 0 {
            return Err(std::io::Error::other("source failed"));
        }
        self.0 -= 1;
        let n = buf.len().min(100_000);
        buf[..n].fill(0x5A);
        Ok(n)
    }
}

/// Every key the workload uses.
fn all_keys() -> Vec<Vec<u8>> {
    let mut keys: Vec<Vec<u8>> = (0..9).map(|i| format!("key-{i}").into_bytes()).collect();
    keys.push(b"stream".to_vec());
    keys.push(b"aborted".to_vec());
    keys.push(super::sim::lookalike_key());
    keys
}

/// The live state of `s`, read key by key.
fn live_state(s: &Store, keys: &[Vec<u8>]) -> Result<State, String> {
    let mut out = State::new();
    for k in keys {
        if let Some(e) = s.read(k).map_err(|e| e.to_string())? {
            out.insert(compute_hash(k), e.to_vec());
        }
    }
    if out.len() != s.len() {
        return Err(format!("{} keys found, len() says {}", out.len(), s.len()));
    }
    Ok(out)
}

/// Checks the rules for one run; returns a description of what broke.
fn check(run: &Run) -> Result<(), String> {
    if let Some(b) = run.broken.first() {
        return Err(b.clone());
    }
    let log = run.io.log();
    // A failed sync is never retried on that file by the same handle (a
    // new handle recovers from what the system has).
    for (i, call) in log.iter().enumerate() {
        if call.failed && matches!(call.kind, Kind::SyncData | Kind::SyncAll) {
            let end = run
                .handles
                .iter()
                .copied()
                .find(|&h| h > i)
                .unwrap_or(log.len());
            let again = log[i + 1..end]
                .iter()
                .any(|c| matches!(c.kind, Kind::SyncData | Kind::SyncAll) && c.file == call.file);
            if again {
                return Err("a file was synced again after a failed sync".into());
            }
        }
    }
    let store = OpenOptions::new()
        .open(&run.path)
        .map_err(|e| format!("fault-free reopen failed: {e}"))?;
    let got = live_state(&store, &all_keys())?;
    if !run.allowed().contains(&got) {
        return Err(format!(
            "reopened state is not the acknowledged state (or a prefix of the failed call): {} keys, acknowledged {}",
            got.len(),
            run.acked.len()
        ));
    }
    Ok(())
}

#[test]
fn every_failed_operation_errors_poisons_and_loses_nothing_acknowledged() {
    let _serial = super::serial();
    let dir = scratch("io-errors");
    let mut runs = 0;
    let mut faults_hit = 0;
    let mut failures = Vec::new();
    for kind in Kind::ALL {
        for forever in [false, true] {
            for errno in [libc::EIO, libc::ENOSPC] {
                for short in [false, true] {
                    if short && kind != Kind::Write {
                        continue;
                    }
                    for nth in 1.. {
                        let plan = Plan {
                            kind,
                            nth,
                            forever,
                            errno,
                            short,
                        };
                        let path = dir.join(format!("run-{runs}.rdrive"));
                        let mut run = Run {
                            path: path.clone(),
                            io: Arc::new(Faulty::new(Some(plan))),
                            store: None,
                            acked: State::new(),
                            attempted: None,
                            errors: Vec::new(),
                            poisoned: false,
                            broken: Vec::new(),
                            handles: Vec::new(),
                        };
                        workload(&mut run);
                        runs += 1;
                        let hit = run.io.hit();
                        if hit {
                            faults_hit += 1;
                            if let Err(what) = check(&run) {
                                failures
                                    .push(format!("{plan:?}: {what}; errors: {:?}", run.errors));
                            }
                        } else if !run.errors.is_empty() {
                            failures.push(format!(
                                "{plan:?}: errors without a fault: {:?}",
                                run.errors
                            ));
                        }
                        for entry in std::fs::read_dir(&dir).unwrap() {
                            let _ = std::fs::remove_file(entry.unwrap().path());
                        }
                        if !hit {
                            break;
                        }
                    }
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!(
        "I/O errors: {runs} runs, {faults_hit} injected faults, {} failures",
        failures.len()
    );
    for f in failures.iter().take(10) {
        eprintln!("  {f}");
    }
    assert!(faults_hit > 400, "only {faults_hit} faults injected");
    assert!(failures.is_empty());
}
