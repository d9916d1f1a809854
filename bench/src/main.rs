//! Side-by-side benchmark: rdrive (its shared library `librdrive.so`,
//! loaded and called as a C program does), simd-r-drive and LMDB, on the
//! workloads of the performance issues, with the target ratios computed from
//! figures measured in the same run.
//!
//! ```text
//! cargo run --release --manifest-path bench/Cargo.toml -- [--quick] [--runs N]
//!     [--only W1,R1,...] [--sizes 1000000,4000000] [--engines NAMES]
//!     [--lib PATH] [--dir DIR] [--out docs/benchmarks.md]
//! ```
//!
//! Without `--lib` (or `RDRIVE_LIB`) the library is built first with
//! `cargo build --release --lib --locked` at the repository root and loaded
//! from its `target/release/librdrive.so`.
//!
//! `--only` takes workload ids: W1, W2, W1s, Ws (writes); R1 (the read
//! modes and the floor), R2, S1, Rs (the read suite, at every size of
//! `--sizes`); O1, O2, L1, M1; Wp (Wp2 and Wp4). `--quick` runs everything
//! at reduced sizes, once: a smoke test, not figures to compare.

mod engines;
mod ffi;
mod plan;
mod report;

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write as _};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use engines::{Call, Engine, Floor, Lmdb, Mode, RdriveC, RdriveHandle, Scan, SimdRDrive, Store};
use plan::{Plan, key, touch};
use report::{Handle, Loop, Report, Row, Section, Unit, fmt_count};

struct Opts {
    entries: u32,
    sizes: Vec<u32>,
    big: u32,
    runs: usize,
    only: Option<Vec<String>>,
    dir: PathBuf,
    out: Option<PathBuf>,
    quick: bool,
    engines: Option<Vec<String>>,
    lib: Option<PathBuf>,
}

fn list(v: Option<String>, what: &str) -> Vec<String> {
    v.unwrap_or_else(|| panic!("{what}"))
        .split(',')
        .map(str::to_owned)
        .collect()
}

fn parse_args(args: Vec<String>) -> Opts {
    let mut o = Opts {
        entries: 1_000_000,
        sizes: vec![1_000_000, 4_000_000],
        big: 10_000_000,
        runs: 5,
        only: None,
        dir: std::env::temp_dir().join("rdrive-bench"),
        out: None,
        quick: false,
        engines: None,
        lib: None,
    };
    let mut args = args.into_iter();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--quick" => {
                o.quick = true;
                o.entries = 100_000;
                o.sizes = vec![100_000, 400_000];
                o.big = 1_000_000;
                o.runs = 1;
            }
            "--runs" => o.runs = args.next().and_then(|v| v.parse().ok()).expect("--runs N"),
            "--only" => o.only = Some(list(args.next(), "--only IDS")),
            "--engines" => o.engines = Some(list(args.next(), "--engines NAMES")),
            "--sizes" => {
                o.sizes = list(args.next(), "--sizes N,N")
                    .iter()
                    .map(|v| v.parse().expect("--sizes N,N"))
                    .collect()
            }
            "--lib" => o.lib = Some(PathBuf::from(args.next().expect("--lib PATH"))),
            "--dir" => o.dir = PathBuf::from(args.next().expect("--dir DIR")),
            "--out" => o.out = Some(PathBuf::from(args.next().expect("--out FILE"))),
            other => panic!("unknown argument {other}"),
        }
    }
    o
}

/// The repository holding this benchmark.
fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// The library to load: `--lib`, else `RDRIVE_LIB`, else the repository's
/// release build, built (or brought up to date) first.
fn resolve_library(given: Option<PathBuf>) -> PathBuf {
    if let Some(p) = given.or_else(|| std::env::var_os("RDRIVE_LIB").map(PathBuf::from)) {
        return std::path::absolute(p).unwrap();
    }
    let repo = repo();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let target = repo.join("target");
    eprintln!(
        "building librdrive: cargo build --release --lib --locked in {}",
        repo.display()
    );
    let status = Command::new(cargo)
        .args(["build", "--release", "--lib", "--locked", "--manifest-path"])
        .arg(repo.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target)
        .status();
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => {
            eprintln!("rdrive-bench: building librdrive failed ({s})");
            std::process::exit(2)
        }
        Err(e) => {
            eprintln!("rdrive-bench: cannot run cargo to build librdrive: {e}");
            std::process::exit(2)
        }
    }
    target.join("release").join("librdrive.so")
}

fn value(i: u32) -> [u8; 8] {
    u64::from(i).to_le_bytes()
}

/// An empty directory for one write run. Earlier runs' dirty pages are
/// flushed first (untimed), so writeback does not throttle this run.
fn fresh_dir(base: &Path, name: &str) -> PathBuf {
    let d = base.join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    let _ = Command::new("sync").status();
    d
}

/// Writes keys `0..values.len()` with the given values, in batches of 1,000.
fn fill_values(store: &dyn Store, values: impl Fn(u32) -> u64, n: u32) {
    let mut start = 0;
    while start < n {
        let end = (start + 1000).min(n);
        let keys: Vec<[u8; 16]> = (start..end).map(key).collect();
        let vals: Vec<[u8; 8]> = (start..end).map(|i| values(i).to_le_bytes()).collect();
        let items: Vec<(&[u8], &[u8])> = keys
            .iter()
            .zip(&vals)
            .map(|(k, v)| (&k[..], &v[..]))
            .collect();
        store.batch_write(&items);
        start = end;
    }
}

fn per_sec(n: u64, runs: &[Duration]) -> Vec<f64> {
    runs.iter().map(|d| n as f64 / d.as_secs_f64()).collect()
}

fn nanos_per(n: u32, runs: &[Duration]) -> Vec<f64> {
    runs.iter()
        .map(|d| d.as_nanos() as f64 / f64::from(n))
        .collect()
}

fn micros_per(n: u32, runs: &[Duration]) -> Vec<f64> {
    runs.iter()
        .map(|d| d.as_secs_f64() * 1e6 / f64::from(n))
        .collect()
}

fn millis(runs: &[Duration]) -> Vec<f64> {
    runs.iter().map(|d| d.as_secs_f64() * 1e3).collect()
}

static RDRIVE: RdriveC = RdriveC;
static SIMD: SimdRDrive = SimdRDrive;
static LMDB: Lmdb = Lmdb;

fn engine_by_name(name: &str) -> &'static dyn Engine {
    match name {
        "rdrive C" => &RDRIVE,
        "simd-r-drive" => &SIMD,
        "LMDB" => &LMDB,
        other => panic!("unknown engine {other}"),
    }
}

/// One read workload row of the read suite: which store, which call.
struct Reader {
    id: &'static str,
    engine: &'static str,
    store: usize,
    call: Call,
}

/// What one timed pass of the read suite runs.
#[derive(Clone, Copy)]
enum Item {
    Reader(usize, Loop),
    Floor(Loop),
}

struct Bench {
    o: Opts,
    report: Report,
}

impl Bench {
    fn wants(&self, id: &str) -> bool {
        self.o
            .only
            .as_ref()
            .is_none_or(|ids| ids.iter().any(|x| x == id))
    }

    fn wants_engine(&self, name: &str) -> bool {
        self.o
            .engines
            .as_ref()
            .is_none_or(|names| names.iter().any(|n| n == name))
    }

    /// The engines of `list` selected with --engines (all by default).
    fn pick(&self, list: &[&'static dyn Engine]) -> Vec<&'static dyn Engine> {
        list.iter()
            .copied()
            .filter(|e| self.wants_engine(e.name()))
            .collect()
    }

    /// Runs `f(i)` for every item in every run, items interleaved within
    /// each run so that drift (disk writeback, host load) affects them
    /// alike. Returns the durations per item.
    fn interleaved(
        &self,
        items: usize,
        mut f: impl FnMut(usize) -> Duration,
    ) -> Vec<Vec<Duration>> {
        let mut out = vec![Vec::new(); items];
        for _ in 0..self.o.runs {
            for (i, d) in out.iter_mut().enumerate() {
                d.push(f(i));
            }
        }
        out
    }

    fn add(
        &mut self,
        section: Section,
        id: &'static str,
        what: &str,
        engine: &str,
        unit: Unit,
        runs: Vec<f64>,
    ) -> f64 {
        self.report.add(Row {
            section,
            id,
            what: what.to_owned(),
            engine: engine.to_owned(),
            unit,
            runs,
            value: 0.0,
            lp: None,
            handle: None,
            floor: None,
        })
    }

    // ------------------------------------------------------------ writes --

    fn w1(&mut self) {
        let engines = self.pick(&[&RDRIVE, &SIMD, &LMDB]);
        let n = self.o.entries;
        let keys: Vec<[u8; 16]> = (0..n).map(key).collect();
        let all = self.interleaved(engines.len(), |i| {
            let dir = fresh_dir(&self.o.dir, "w1");
            let s = engines[i].open(&dir, Mode::Normal);
            let t = Instant::now();
            for (i, k) in keys.iter().enumerate() {
                s.write(k, &value(i as u32));
            }
            let el = t.elapsed();
            drop(s);
            el
        });
        for (e, runs) in engines.iter().zip(all) {
            let what = "single writes, one call each, no fsync";
            self.add(
                Section::Writes,
                "W1",
                what,
                e.name(),
                Unit::PerSec,
                per_sec(n.into(), &runs),
            );
        }
    }

    fn w2(&mut self) {
        let engines = self.pick(&[&RDRIVE, &SIMD, &LMDB]);
        let n = self.o.entries;
        let keys: Vec<[u8; 16]> = (0..n).map(key).collect();
        let values: Vec<[u8; 8]> = (0..n).map(value).collect();
        let all = self.interleaved(engines.len(), |i| {
            let dir = fresh_dir(&self.o.dir, "w2");
            let s = engines[i].open(&dir, Mode::Normal);
            let t = Instant::now();
            for (ks, vs) in keys.chunks(1000).zip(values.chunks(1000)) {
                let items: Vec<(&[u8], &[u8])> =
                    ks.iter().zip(vs).map(|(k, v)| (&k[..], &v[..])).collect();
                s.batch_write(&items);
            }
            let el = t.elapsed();
            drop(s);
            el
        });
        for (e, runs) in engines.iter().zip(all) {
            let what = "writes in batches of 1,000";
            self.add(
                Section::Writes,
                "W2",
                what,
                e.name(),
                Unit::PerSec,
                per_sec(n.into(), &runs),
            );
        }
    }

    fn w1s(&mut self) {
        let engines = self.pick(&[&RDRIVE, &LMDB]);
        const N: u32 = 1000;
        let bare = self.wants_engine("pwrite+fdatasync");
        let all = self.interleaved(engines.len() + usize::from(bare), |i| {
            let Some(e) = engines.get(i) else {
                return bare_durable_writes(&self.o.dir, N);
            };
            let dir = fresh_dir(&self.o.dir, "w1s");
            let s = e.open(&dir, Mode::Durable);
            let t = Instant::now();
            for i in 0..N {
                s.write(&key(i), &value(i));
            }
            let el = t.elapsed();
            drop(s);
            el
        });
        let names: Vec<&str> = engines
            .iter()
            .map(|e| e.name())
            .chain(["pwrite+fdatasync"])
            .collect();
        for (name, runs) in names.iter().zip(all) {
            let what = "1,000 single durable writes";
            self.add(
                Section::Writes,
                "W1s",
                what,
                name,
                Unit::Us,
                micros_per(N, &runs),
            );
        }
    }

    /// Ws: W1 through an exclusive and a shared handle, same process.
    fn ws(&mut self) {
        let n = self.o.entries;
        let keys: Vec<[u8; 16]> = (0..n).map(key).collect();
        let modes = [Mode::Normal, Mode::Shared];
        let all = self.interleaved(modes.len(), |i| {
            let dir = fresh_dir(&self.o.dir, "ws");
            let s = RDRIVE.open(&dir, modes[i]);
            let t = Instant::now();
            for (i, k) in keys.iter().enumerate() {
                s.write(k, &value(i as u32));
            }
            let el = t.elapsed();
            drop(s);
            el
        });
        let what = "single writes, one call each, no fsync, 1 process";
        for (name, runs) in ["rdrive C exclusive", "rdrive C shared"].iter().zip(all) {
            self.add(
                Section::Shared,
                "Ws",
                what,
                name,
                Unit::PerSec,
                per_sec(n.into(), &runs),
            );
        }
    }

    // ------------------------------------------------------------- reads --

    /// The read suite over `n` entries: R1…R1bp and the peers' reads on the
    /// writers' handles and after a reopen, the floor, R2, S1, and (at the
    /// first size) Rs.
    fn read_suite(&mut self, n: u32, first: bool) {
        let engines = self.pick(&[&RDRIVE, &SIMD, &LMDB]);
        let plan = Plan::new(n, 0x5EED_0000 ^ u64::from(n));
        let succ = plan.successors();
        let base = fresh_dir(&self.o.dir, &format!("reads-{n}"));
        let dirs: Vec<PathBuf> = engines
            .iter()
            .map(|e| {
                let d = base.join(e.name().replace(' ', "_"));
                std::fs::create_dir_all(&d).unwrap();
                d
            })
            .collect();
        let t = Instant::now();
        let stores: Vec<Box<dyn Store>> = engines
            .iter()
            .zip(&dirs)
            .map(|(e, d)| {
                let s = e.open(d, Mode::Normal);
                fill_values(&*s, |i| u64::from(succ[i as usize]), n);
                s
            })
            .collect();
        eprintln!(
            "  (wrote {} entries with each engine in {:.1?})",
            fmt_count(n),
            t.elapsed()
        );
        let mut readers = Vec::new();
        for (si, e) in engines.iter().enumerate() {
            let calls: &[(&'static str, &'static str, Call)] = match e.name() {
                "rdrive C" => &[
                    ("R1", "rdrive C", Call::Read),
                    ("R1g", "rdrive C", Call::Get),
                    ("R1p", "rdrive C", Call::Peek),
                    ("R1c", "rdrive C", Call::Into),
                    ("R1b", "rdrive C", Call::Batch),
                    ("R1bp", "rdrive C", Call::BatchPeek),
                ],
                "simd-r-drive" => &[
                    ("R1", "simd-r-drive", Call::Read),
                    ("R1b", "simd-r-drive", Call::Batch),
                ],
                _ => &[
                    ("R1", "LMDB", Call::Read),
                    ("R1", "LMDB (one txn)", Call::OneTxn),
                ],
            };
            for &(id, engine, call) in calls {
                readers.push(Reader {
                    id,
                    engine,
                    store: si,
                    call,
                });
            }
        }
        let wants_reads = self.wants("R1");
        let rd = engines.iter().position(|e| e.name() == "rdrive C");
        let floor = rd
            .filter(|_| wants_reads)
            .map(|i| Floor::new(&RDRIVE.file(&dirs[i]), &succ));
        drop(succ);
        if wants_reads {
            self.read_phase(n, &plan, &stores, &readers, floor.as_ref(), Handle::Writer);
        }
        drop(stores);
        let stores: Vec<Box<dyn Store>> = engines
            .iter()
            .zip(&dirs)
            .map(|(e, d)| e.open(d, Mode::Normal))
            .collect();
        if wants_reads {
            self.read_phase(n, &plan, &stores, &readers, floor.as_ref(), Handle::Reopen);
        }
        drop(floor);
        if self.wants("R2") {
            self.r2(n, &plan, &stores, &engines);
        }
        if self.wants("S1") {
            self.s1(n, &stores, &engines);
        }
        drop(stores);
        if let Some(i) = rd.filter(|_| first && self.wants("Rs")) {
            self.rs(&plan, &RDRIVE.file(&dirs[i]));
        }
        let _ = std::fs::remove_dir_all(&base);
    }

    fn read_phase(
        &mut self,
        n: u32,
        plan: &Plan,
        stores: &[Box<dyn Store>],
        readers: &[Reader],
        floor: Option<&Floor>,
        handle: Handle,
    ) {
        // One untimed pass per store and over the floor: page tables and
        // caches as a handle in use has them.
        for s in stores {
            let bad = s
                .reads(Call::Read, plan, false)
                .expect("every engine has Call::Read");
            assert_eq!(bad, 0, "warm-up: wrong reads");
        }
        if let Some(f) = floor {
            assert_eq!(f.reads(plan, false, false), 0, "floor: wrong reads");
        }
        let mut items = Vec::new();
        for (ri, r) in readers.iter().enumerate() {
            let dep = if matches!(r.call, Call::Batch | Call::BatchPeek) {
                Loop::Chains
            } else {
                Loop::Dep
            };
            items.push(Item::Reader(ri, Loop::Indep));
            items.push(Item::Reader(ri, dep));
        }
        if floor.is_some() {
            items.extend([Loop::Indep, Loop::Dep, Loop::Chains].map(Item::Floor));
        }
        let all = self.interleaved(items.len(), |i| match items[i] {
            Item::Reader(ri, lp) => {
                let r = &readers[ri];
                let t = Instant::now();
                let bad = stores[r.store]
                    .reads(r.call, plan, lp != Loop::Indep)
                    .expect("read call offered");
                let el = t.elapsed();
                assert_eq!(bad, 0, "{} {}: wrong reads", r.id, r.engine);
                el
            }
            Item::Floor(lp) => {
                let f = floor.unwrap();
                let t = Instant::now();
                let bad = f.reads(plan, lp != Loop::Indep, lp == Loop::Chains);
                let el = t.elapsed();
                assert_eq!(bad, 0, "floor: wrong reads");
                el
            }
        });
        // Floor rows first, so every read row can refer to its floor.
        let mut floors = Vec::new();
        for (item, runs) in items.iter().zip(&all) {
            if let Item::Floor(lp) = *item {
                let v = self.report.add(Row {
                    section: Section::Reads(n),
                    id: "floor",
                    what: format!(
                        "offset array + mapped load, {}, next to the {} rows",
                        lp.label(),
                        handle.label()
                    ),
                    engine: "floor".into(),
                    unit: Unit::Ns,
                    runs: nanos_per(n, runs),
                    value: 0.0,
                    lp: Some(lp),
                    handle: Some(handle),
                    floor: None,
                });
                floors.push((lp, v));
            }
        }
        for (item, runs) in items.iter().zip(&all) {
            if let Item::Reader(ri, lp) = *item {
                let r = &readers[ri];
                // Batch rows compare with the independent floor, or with
                // the 1,000-chain one; single-key rows with their own loop.
                let floor = floors.iter().find(|(f, _)| *f == lp).map(|(_, v)| *v);
                self.report.add(Row {
                    section: Section::Reads(n),
                    id: r.id,
                    what: format!("{}, {}, {}", call_label(r), lp.label(), handle.label()),
                    engine: r.engine.into(),
                    unit: Unit::Ns,
                    runs: nanos_per(n, runs),
                    value: 0.0,
                    lp: Some(lp),
                    handle: Some(handle),
                    floor,
                });
            }
        }
    }

    /// R2: two threads, each the independent loop over all keys, half a
    /// cycle apart, on the reopened handles.
    fn r2(
        &mut self,
        n: u32,
        plan: &Plan,
        stores: &[Box<dyn Store>],
        engines: &[&'static dyn Engine],
    ) {
        let second = plan.rotated(n as usize / 2);
        let mut items: Vec<(&'static str, &'static str, usize, Call)> = Vec::new();
        for (si, e) in engines.iter().enumerate() {
            match e.name() {
                "rdrive C" => {
                    items.push(("R2", "rdrive C", si, Call::Read));
                    items.push(("R2p", "rdrive C", si, Call::Peek));
                }
                name => items.push(("R2", name, si, Call::Read)),
            }
        }
        let all = self.interleaved(items.len(), |i| {
            let (id, engine, si, call) = items[i];
            let s = &stores[si];
            let t = Instant::now();
            std::thread::scope(|scope| {
                let handles: Vec<_> = [plan, &second]
                    .into_iter()
                    .map(|p| scope.spawn(move || s.reads(call, p, false).unwrap()))
                    .collect();
                for h in handles {
                    assert_eq!(h.join().unwrap(), 0, "{id} {engine}: wrong reads");
                }
            });
            t.elapsed()
        });
        for ((id, engine, _, call), runs) in items.iter().zip(all) {
            let what = if *call == Call::Peek {
                "random reads (rdrive_store_peek), 2 threads, total"
            } else {
                "random reads (as R1), 2 threads, total"
            };
            self.add(
                Section::Reads(n),
                id,
                what,
                engine,
                Unit::PerSec,
                per_sec(2 * u64::from(n), &runs),
            );
        }
    }

    /// S1: full scans of the reopened stores, touching every value.
    fn s1(&mut self, n: u32, stores: &[Box<dyn Store>], engines: &[&'static dyn Engine]) {
        let want = (u64::from(n) * u64::from(n - 1)) / 2;
        let mut items: Vec<(&'static str, &'static str, usize, Scan)> = Vec::new();
        for (si, e) in engines.iter().enumerate() {
            items.push(("S1", e.name(), si, Scan::Entry));
            if e.name() == "rdrive C" {
                items.push(("S1b", e.name(), si, Scan::Batch));
            }
        }
        let all = self.interleaved(items.len(), |i| {
            let (id, engine, si, scan) = items[i];
            let t = Instant::now();
            let got = stores[si].iterate(scan).unwrap();
            let el = t.elapsed();
            assert_eq!(got, (u64::from(n), want), "{id} {engine}: iteration");
            el
        });
        for ((id, engine, _, scan), runs) in items.iter().zip(all) {
            let what = match (*engine, scan) {
                ("rdrive C", Scan::Entry) => "full iteration: rdrive_iter_next + free per entry",
                ("rdrive C", Scan::Batch) => {
                    "full iteration: rdrive_iter_next_batch (256 per call)"
                }
                ("simd-r-drive", _) => "full iteration: iter_entries",
                _ => "full iteration: cursor in one read transaction",
            };
            self.add(
                Section::Reads(n),
                id,
                what,
                engine,
                Unit::PerSec,
                per_sec(n.into(), &runs),
            );
        }
    }

    /// Rs: R1 and R1p (independent loop) through an exclusive and a shared
    /// handle, opened in turn on the same file, no writer.
    fn rs(&mut self, plan: &Plan, file: &Path) {
        let n = plan.n;
        let mut runs = [[Vec::new(), Vec::new()], [Vec::new(), Vec::new()]];
        for run in 0..self.o.runs {
            // Alternate which handle goes first.
            let modes = if run % 2 == 0 {
                [(0, Mode::Normal), (1, Mode::Shared)]
            } else {
                [(1, Mode::Shared), (0, Mode::Normal)]
            };
            for (slot, mode) in modes {
                let s = RdriveHandle::open(file, mode);
                assert_eq!(s.reads(Call::Read, plan, false), Some(0), "Rs warm-up");
                for (c, call) in [Call::Read, Call::Peek].into_iter().enumerate() {
                    let t = Instant::now();
                    let bad = s.reads(call, plan, false);
                    let el = t.elapsed();
                    assert_eq!(bad, Some(0), "Rs: wrong reads");
                    runs[c][slot].push(el);
                }
            }
        }
        let [read, peek] = runs;
        for (id, call, per) in [
            ("Rs", "R1 (read + free)", read),
            ("Rsp", "R1p (peek)", peek),
        ] {
            for (name, r) in ["rdrive C exclusive", "rdrive C shared"].iter().zip(per) {
                let what = format!("{call}, independent, {} entries, no writer", fmt_count(n));
                self.add(Section::Shared, id, &what, name, Unit::Ns, nanos_per(n, &r));
            }
        }
    }

    // ----------------------------------------------- opens, large values --

    /// Builds (once) a store of `n` entries (value of key i: i) for `e`.
    fn prepared(&self, e: &dyn Engine, n: u32) -> PathBuf {
        let dir = self
            .o
            .dir
            .join(format!("filled-{}-{n}", e.name().replace(' ', "_")));
        let marker = dir.join(".complete");
        if !marker.exists() {
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            let t = Instant::now();
            fill_values(&*e.open(&dir, Mode::Normal), u64::from, n);
            std::fs::write(&marker, b"").unwrap();
            eprintln!(
                "  (prepared {n} entries for {} in {:.1?})",
                e.name(),
                t.elapsed()
            );
        }
        dir
    }

    fn o1(&mut self, id: &'static str, n: u32) {
        let engines = self.pick(&[&RDRIVE, &SIMD, &LMDB]);
        let dirs: Vec<PathBuf> = engines.iter().map(|e| self.prepared(*e, n)).collect();
        for (e, dir) in engines.iter().zip(&dirs) {
            drop(e.open(dir, Mode::Normal)); // warm the page cache
        }
        let all = self.interleaved(engines.len(), |i| {
            let t = Instant::now();
            let s = engines[i].open(&dirs[i], Mode::Normal);
            assert_eq!(s.read(&key(42)), Some(42));
            let el = t.elapsed();
            drop(s);
            el
        });
        let what = format!(
            "reopen (warm cache) until the first read, {} entries",
            fmt_count(n)
        );
        for (e, runs) in engines.iter().zip(all) {
            self.add(
                Section::Others,
                id,
                &what,
                e.name(),
                Unit::Ms,
                millis(&runs),
            );
        }
    }

    fn o2(&mut self) {
        let engines = self.pick(&[&RDRIVE, &SIMD]);
        let n = self.o.entries;
        let garbage: Vec<u8> = {
            let mut x = plan::Rng::new(0x9E37_79B9_7F4A_7C15);
            (0..1 << 20).map(|_| (x.next() >> 32) as u8).collect()
        };
        let dirs: Vec<PathBuf> = engines.iter().map(|e| self.prepared(*e, n)).collect();
        let files: Vec<PathBuf> = engines.iter().zip(&dirs).map(|(e, d)| e.file(d)).collect();
        let all = self.interleaved(engines.len(), |i| {
            let file = &files[i];
            let len = std::fs::metadata(file).unwrap().len();
            let f = std::fs::OpenOptions::new().write(true).open(file).unwrap();
            f.write_all_at(&garbage, len).unwrap();
            drop(f);
            let t = Instant::now();
            let s = engines[i].open(&dirs[i], Mode::Normal);
            assert_eq!(s.read(&key(42)), Some(42));
            let el = t.elapsed();
            drop(s);
            assert_eq!(
                std::fs::metadata(file).unwrap().len(),
                len,
                "{}: garbage not discarded",
                engines[i].name()
            );
            el
        });
        for (e, runs) in engines.iter().zip(all) {
            let what = "reopen with 1 MiB of garbage appended";
            self.add(
                Section::Others,
                "O2",
                what,
                e.name(),
                Unit::Ms,
                millis(&runs),
            );
        }
    }

    fn l1(&mut self) {
        let engines = self.pick(&[&RDRIVE, &SIMD, &LMDB]);
        const COUNT: u32 = 256;
        const SIZE: usize = 4 << 20;
        let mut base = vec![0u8; SIZE];
        for (i, b) in base.iter_mut().enumerate() {
            *b = (i * 31 % 251) as u8;
        }
        let values: Vec<Vec<u8>> = (0..COUNT)
            .map(|i| {
                let mut v = base.clone();
                v[..4].copy_from_slice(&i.to_le_bytes());
                v
            })
            .collect();
        let sums: Vec<u64> = values.iter().map(|v| touch(v)).collect();
        let total = (COUNT as usize * SIZE) as f64;
        let mut reads = vec![Vec::new(); engines.len()];
        let writes = self.interleaved(engines.len(), |i| {
            let dir = fresh_dir(&self.o.dir, "l1");
            let s = engines[i].open(&dir, Mode::Normal);
            let t = Instant::now();
            for (k, v) in values.iter().enumerate() {
                s.write(&key(k as u32), v);
            }
            let el = t.elapsed();
            let t = Instant::now();
            for k in 0..COUNT {
                assert_eq!(
                    s.read(&key(k)),
                    Some(sums[k as usize]),
                    "{}: L1 read",
                    engines[i].name()
                );
            }
            reads[i].push(t.elapsed());
            drop(s);
            el
        });
        let gbps = |runs: &[Duration]| {
            runs.iter()
                .map(|d| total / d.as_secs_f64() / 1e9)
                .collect::<Vec<_>>()
        };
        for (i, e) in engines.iter().enumerate() {
            let (w, r) = (
                "256 × 4 MiB values: write",
                "256 × 4 MiB values: read, every byte",
            );
            self.add(
                Section::Others,
                "L1w",
                w,
                e.name(),
                Unit::GBps,
                gbps(&writes[i]),
            );
            self.add(
                Section::Others,
                "L1r",
                r,
                e.name(),
                Unit::GBps,
                gbps(&reads[i]),
            );
        }
    }

    fn m1(&mut self) {
        let engines = self.pick(&[&RDRIVE, &SIMD, &LMDB]);
        let n = self.o.big;
        for e in engines {
            let dir = self.prepared(e, n);
            let runs: Vec<f64> = (0..self.o.runs)
                .map(|_| {
                    let out = self_command()
                        .args(["--child-m1", e.name()])
                        .arg(&dir)
                        .output()
                        .unwrap();
                    assert!(
                        out.status.success(),
                        "{}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                    let bytes: f64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
                    bytes / f64::from(n)
                })
                .collect();
            let what = format!(
                "resident memory per live key after open ({} keys)",
                fmt_count(n)
            );
            self.add(
                Section::Others,
                "M1",
                &what,
                e.name(),
                Unit::BytesPerKey,
                runs,
            );
        }
    }

    // ---------------------------------------------------- many processes --

    /// Wp: `procs` writer processes, each `per` single writes of its own
    /// keys into one store, started together; total writes / wall time
    /// from the start signal until the last process reported done.
    fn wp(&mut self, id: &'static str, procs: u32) {
        let per = self.o.entries / 4;
        let engines: Vec<(&str, &str)> = [("rdrive", "rdrive C shared"), ("LMDB", "LMDB")]
            .into_iter()
            .filter(|(_, label)| {
                self.wants_engine(label) || self.wants_engine(label.trim_end_matches(" shared"))
            })
            .collect();
        let all = self.interleaved(engines.len(), |i| {
            let (engine, label) = engines[i];
            let dir = fresh_dir(&self.o.dir, "wp");
            // Create the store before the writers start.
            let store = open_child_store(engine, &dir);
            drop(store);
            let mut children: Vec<_> = (0..procs)
                .map(|c| {
                    self_command()
                        .arg("--child-writer")
                        .arg(engine)
                        .arg(&dir)
                        .arg((c * per).to_string())
                        .arg(per.to_string())
                        .stdin(Stdio::piped())
                        .stdout(Stdio::piped())
                        .spawn()
                        .expect("spawn a writer process")
                })
                .collect();
            let mut outs: Vec<_> = children
                .iter_mut()
                .map(|c| BufReader::new(c.stdout.take().unwrap()))
                .collect();
            let expect_line = |r: &mut BufReader<std::process::ChildStdout>, want: &str| {
                let mut line = String::new();
                r.read_line(&mut line).unwrap();
                assert_eq!(line.trim(), want, "{label}: writer process");
            };
            for o in &mut outs {
                expect_line(o, "ready");
            }
            let t = Instant::now();
            for c in &mut children {
                c.stdin.as_mut().unwrap().write_all(b"go\n").unwrap();
            }
            for o in &mut outs {
                expect_line(o, "done");
            }
            let el = t.elapsed();
            for mut c in children {
                drop(c.stdin.take());
                assert!(
                    c.wait().unwrap().success(),
                    "{label}: writer process failed"
                );
            }
            let store = open_child_store(engine, &dir);
            assert_eq!(
                store.count(),
                u64::from(procs * per),
                "{label}: writes lost"
            );
            el
        });
        let what = format!(
            "{procs} processes × {} single writes (one call / one txn each, no fsync), total",
            fmt_count(per)
        );
        for ((_, label), runs) in engines.iter().zip(all) {
            self.add(
                Section::Shared,
                id,
                &what,
                label,
                Unit::PerSec,
                per_sec(u64::from(procs * per), &runs),
            );
        }
    }
}

fn call_label(r: &Reader) -> &'static str {
    match (r.engine, r.call) {
        ("rdrive C", Call::Read) => "rdrive_store_read + address_range + free",
        ("rdrive C", Call::Get) => "rdrive_store_get + free",
        ("rdrive C", Call::Peek) => "rdrive_store_peek",
        ("rdrive C", Call::Into) => "rdrive_store_read_into (8-byte buffer)",
        ("rdrive C", Call::Batch) => "rdrive_store_batch_read ×1,000 + address_range + free",
        ("rdrive C", Call::BatchPeek) => "rdrive_store_batch_peek ×1,000",
        ("simd-r-drive", Call::Read) => "read",
        ("simd-r-drive", Call::Batch) => "batch_read ×1,000",
        (_, Call::OneTxn) => "get, all in one read transaction",
        _ => "get, one read transaction each",
    }
}

/// This program, to run in a child role; children load the same library.
fn self_command() -> Command {
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.env("RDRIVE_LIB", ffi::library_path());
    c
}

fn open_child_store(engine: &str, dir: &Path) -> Box<dyn Store> {
    match engine {
        "rdrive" => RDRIVE.open(dir, Mode::Shared),
        "LMDB" => LMDB.open(dir, Mode::Normal),
        other => panic!("unknown writer engine {other}"),
    }
}

/// Child process of Wp: opens the store, says "ready", waits for "go",
/// makes its single writes, says "done", then closes the store.
fn child_writer(engine: &str, dir: &Path, first: u32, count: u32) {
    let store = open_child_store(engine, dir);
    let keys: Vec<[u8; 16]> = (first..first + count).map(key).collect();
    let mut out = std::io::stdout().lock();
    writeln!(out, "ready").unwrap();
    out.flush().unwrap();
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "go");
    for (j, k) in keys.iter().enumerate() {
        store.write(k, &value(j as u32));
    }
    writeln!(out, "done").unwrap();
    out.flush().unwrap();
    drop(store);
}

/// The floor for W1s: the same entry bytes rdrive would write (prepared
/// before the clock starts), each with a bare `pwrite` + `fdatasync`.
fn bare_durable_writes(base: &Path, n: u32) -> Duration {
    let api = ffi::api();
    let dir = fresh_dir(base, "w1s-bare");
    let mut records = Vec::new();
    let mut tail = 0u64;
    for i in 0..n {
        let pad = ((64 - tail % 64) % 64) as usize;
        let v = value(i);
        let mut buf = vec![0u8; pad];
        buf.extend_from_slice(&v);
        buf.extend_from_slice(&api.hash(&key(i)).to_le_bytes());
        buf.extend_from_slice(&tail.to_le_bytes());
        buf.extend_from_slice(&crc32(&v).to_le_bytes());
        records.push((tail, buf));
        tail += records.last().unwrap().1.len() as u64;
    }
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .read(true)
        .write(true)
        .open(dir.join("bare"))
        .unwrap();
    let t = Instant::now();
    for (at, buf) in &records {
        f.write_all_at(buf, *at).unwrap();
        f.sync_data().unwrap();
    }
    t.elapsed()
}

/// CRC-32/IEEE, bit by bit (only used untimed).
fn crc32(bytes: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in bytes {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0xEDB8_8320
            } else {
                c >> 1
            };
        }
    }
    !c
}

fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb * 1024
}

/// Child process of M1: resident memory added by opening the store in `dir`
/// and reading one key (the library is loaded before the first figure).
fn child_m1(engine: &str, dir: &Path) {
    let e = engine_by_name(engine);
    if engine == "rdrive C" {
        ffi::api();
    }
    let before = rss_bytes();
    let s = e.open(dir, Mode::Normal);
    assert_eq!(s.read(&key(42)), Some(42));
    let after = rss_bytes();
    println!("{}", after.saturating_sub(before));
    drop(s);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Internal roles of child processes.
    match args.first().map(String::as_str) {
        Some("--child-m1") => {
            child_m1(&args[1], Path::new(&args[2]));
            return;
        }
        Some("--child-writer") => {
            let num = |i: usize| args[i].parse::<u32>().unwrap();
            child_writer(&args[1], Path::new(&args[2]), num(3), num(4));
            return;
        }
        _ => {}
    }
    plan::check_key_format();
    let mut o = parse_args(args);
    let lib = resolve_library(o.lib.take());
    ffi::set_library(lib.clone());
    let api = ffi::api();
    o.lib = Some(lib);
    println!(
        "rdrive library: {} (version {}, {}; include/rdrive.h: {})",
        api.path.display(),
        api.version(),
        // SAFETY: takes no arguments; returns a number.
        unsafe { (api.version_number)() },
        ffi::header_version()
    );
    std::fs::create_dir_all(&o.dir).unwrap();
    let mut b = Bench {
        o,
        report: Report::default(),
    };
    let started = Instant::now();
    let section = |b: &mut Bench, name: &str, f: &dyn Fn(&mut Bench)| {
        let t = Instant::now();
        f(b);
        eprintln!("  [{name}: {:.1} s]", t.elapsed().as_secs_f64());
    };
    if b.wants("W1") {
        section(&mut b, "W1", &|b| b.w1());
    }
    if b.wants("W2") {
        section(&mut b, "W2", &|b| b.w2());
    }
    if b.wants("W1s") {
        section(&mut b, "W1s", &|b| b.w1s());
    }
    if b.wants("Ws") {
        section(&mut b, "Ws", &|b| b.ws());
    }
    if ["R1", "R2", "S1", "Rs"].iter().any(|id| b.wants(id)) {
        let sizes = b.o.sizes.clone();
        for (i, n) in sizes.into_iter().enumerate() {
            let name = format!("reads, {}", fmt_count(n));
            section(&mut b, &name, &|b| b.read_suite(n, i == 0));
        }
    }
    if b.wants("O1") {
        section(&mut b, "O1", &|b| {
            b.o1("O1", b.o.entries);
            b.o1("O1big", b.o.big);
        });
    }
    if b.wants("O2") {
        section(&mut b, "O2", &|b| b.o2());
    }
    if b.wants("L1") {
        section(&mut b, "L1", &|b| b.l1());
    }
    if b.wants("M1") {
        section(&mut b, "M1", &|b| b.m1());
    }
    if b.wants("Wp") {
        section(&mut b, "Wp", &|b| {
            b.wp("Wp2", 2);
            b.wp("Wp4", 4);
        });
    }
    let text = render(&b, started.elapsed());
    println!("\n{text}");
    if let Some(out) = &b.o.out {
        std::fs::write(out, &text).unwrap();
        eprintln!("wrote {}", out.display());
    }
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines().next().map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse::<u64>()
                    .unwrap_or(0)
            })
        })
        .unwrap_or(0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!(
        "{cores} cores (`nproc`), CPU: {cpu}, {:.0} GiB RAM, Linux {}",
        mem as f64 / 1048576.0,
        kernel.trim()
    )
}

fn disk(dir: &Path) -> String {
    Command::new("df")
        .args(["-T", "-h"])
        .arg(dir)
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| {
            s.lines().nth(1).map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                format!(
                    "{} ({}, {} total)",
                    f.first().unwrap_or(&"?"),
                    f.get(1).unwrap_or(&"?"),
                    f.get(2).unwrap_or(&"?")
                )
            })
        })
        .unwrap_or_else(|| "unknown".into())
}

fn date() -> String {
    Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}

fn render(b: &Bench, took: Duration) -> String {
    let mut s = String::new();
    let o = &b.o;
    let r = &b.report;
    let api = ffi::api();
    let sizes: Vec<String> = o.sizes.iter().map(|&n| fmt_count(n)).collect();
    let _ = writeln!(s, "# rdrive benchmark results\n");
    let _ = writeln!(
        s,
        "Generated by `./scripts/bench.sh`{} on {}, in {:.0} s.\n",
        if o.quick {
            " --quick (reduced sizes: not for comparison)"
        } else {
            ""
        },
        date(),
        took.as_secs_f64()
    );
    let _ = writeln!(s, "- Machine: {}", machine());
    let _ = writeln!(s, "- Disk (benchmark directory): {}", disk(&o.dir));
    let _ = writeln!(
        s,
        "- rdrive {} as a C program uses it: `librdrive.so` (release build) loaded with `dlopen`, \
         every call through a pointer from `dlsym`.",
        api.version()
    );
    let _ = writeln!(
        s,
        "- 16-byte keys like `key-000000000042`, 8-byte values, written in batches of 1,000. \
         Reads: stores of {} entries; W1, W2, Ws, O1 and O2: {} entries; W1s: 1,000 writes; \
         O1 (big) and M1: {}; Wp: {} writes per process. Each figure is the median of {} run(s), engines interleaved \
         within each run; spread = (slowest − fastest) / median; every read is checked.",
        sizes.join(" and "),
        fmt_count(o.entries),
        fmt_count(o.big),
        fmt_count(o.entries / 4),
        o.runs
    );
    let _ = writeln!(
        s,
        "- Engines: **rdrive C** = rdrive through its exported C functions; **simd-r-drive** \
         0.17.5-alpha through its Rust API; **LMDB** through heed (`NO_SYNC` except in W1s), one \
         read transaction per read; **LMDB (one txn)** = all reads of a pass in one transaction."
    );
    let _ = writeln!(
        s,
        "- Read loops: the value of each key is the index of the next key on one random cycle \
         through all keys. **independent**: the keys of the cycle from a list made in advance (the \
         next read can start before the last one returns); **dependent**: each next key is formed \
         from the value just read (`key-…` formatted from it: true latency, one read at a time); \
         **dependent, 1,000 chains** (batch calls): the 1,000 keys of each call are formed from the \
         values returned by the previous call. Every read touches the value's bytes and compares \
         them with the expected value. **writer's handle** = the handle that wrote the entries, \
         right after its writes; **after reopen** = closed and opened again read-write (flags 0). \
         Each handle first reads every key once, untimed."
    );
    let _ = writeln!(
        s,
        "- **floor** = the same keys in the same order read with no engine: an array of payload \
         offsets per key index (found untimed by walking the rdrive file) and an 8-byte load from \
         a read-only `mmap` of the same file, so one array load and one mapped load per read, no \
         hashing and no key. ÷ floor = a row's time / the floor's time with the same loop (batch \
         rows: the independent floor, or the 1,000-chain floor)."
    );
    let _ = writeln!(
        s,
        "- Many processes: **Ws** = W1 through an exclusive and through an `RDRIVE_OPEN_SHARED` \
         handle, in one process; **Rs** = R1 and R1p (independent, after reopen, first size) through \
         an exclusive and a shared handle opened in turn on the same file, no writer; **Wp2 / Wp4** \
         = 2 or 4 processes (this program re-run in a writer role), each opening the store (rdrive: \
         shared handle; LMDB: its environment, `NO_SYNC`) and making its single writes of its own \
         keys, one call or one write transaction each; they start together (each says it is ready \
         on a pipe, then all are told to go) and the time runs from the go until the last one \
         reports done (closing the stores is not timed).\n"
    );
    let _ = writeln!(s, "## Targets (ratios of this run's medians)\n");
    let _ = writeln!(
        s,
        "Read and iteration targets use the independent loop after reopen; met is judged at {}, \
         the {} column is reported alongside.\n",
        sizes.first().map_or("—", String::as_str),
        sizes.get(1).map_or("—", String::as_str)
    );
    report::render_targets(&mut s, r, &o.sizes, o.entries, o.big);
    for &n in &o.sizes {
        if r.rows
            .iter()
            .any(|x| x.section == Section::Reads(n) && x.lp.is_some())
        {
            let _ = writeln!(s, "\n## rdrive reads as ratios, {} entries\n", fmt_count(n));
            let _ = writeln!(
                s,
                "Time per key; peers: simd-r-drive's `read` (batch rows: its `batch_read`), \
                 LMDB's get with the same loop and handle (a ratio above 1× means rdrive is \
                 faster).\n"
            );
            report::render_read_ratios(&mut s, r, n);
        }
    }
    let _ = writeln!(s, "\n## Measurements\n");
    let mut sections = vec![(Section::Writes, "Writes".to_owned())];
    for &n in &o.sizes {
        sections.push((
            Section::Reads(n),
            format!("Reads and iteration, {} entries", fmt_count(n)),
        ));
    }
    sections.push((Section::Others, "Opens, large values, memory".into()));
    sections.push((Section::Shared, "Many processes, one store".into()));
    for (sec, title) in sections {
        if r.rows.iter().any(|x| x.section == sec) {
            let _ = writeln!(s, "### {title}\n");
            report::render_rows(&mut s, r, sec);
            let _ = writeln!(s);
        }
    }
    s
}
