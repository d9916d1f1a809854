//! Side-by-side benchmark: rdrive (through its C ABI), simd-r-drive and
//! LMDB, on the workloads of the performance issue, with the target ratios
//! computed from figures measured in the same run.
//!
//! ```text
//! cargo run --release --manifest-path bench/Cargo.toml -- [--quick] [--runs N]
//!     [--only W1,R1,...] [--dir DIR] [--out docs/benchmarks.md]
//! ```

mod engines;

use std::fmt::Write as _;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use engines::{Engine, Lmdb, RdriveC, SimdRDrive, Store, touch};

struct Opts {
    entries: u32,
    big: u32,
    runs: usize,
    only: Option<Vec<String>>,
    dir: PathBuf,
    out: Option<PathBuf>,
    quick: bool,
    engines: Option<Vec<String>>,
}

fn parse_args() -> Opts {
    let mut o = Opts {
        entries: 1_000_000,
        big: 10_000_000,
        runs: 5,
        only: None,
        dir: std::env::temp_dir().join("rdrive-bench"),
        out: None,
        quick: false,
        engines: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--quick" => {
                o.quick = true;
                o.entries = 100_000;
                o.big = 1_000_000;
                o.runs = 1;
            }
            "--runs" => o.runs = args.next().and_then(|v| v.parse().ok()).expect("--runs N"),
            "--only" => {
                o.only = Some(
                    args.next()
                        .expect("--only IDS")
                        .split(',')
                        .map(str::to_owned)
                        .collect(),
                )
            }
            "--engines" => {
                o.engines = Some(
                    args.next()
                        .expect("--engines NAMES")
                        .split(',')
                        .map(str::to_owned)
                        .collect(),
                )
            }
            "--dir" => o.dir = PathBuf::from(args.next().expect("--dir DIR")),
            "--out" => o.out = Some(PathBuf::from(args.next().expect("--out FILE"))),
            "--child-m1" => {
                // Internal: measure resident memory of one open store.
                let engine = args.next().unwrap();
                let dir = PathBuf::from(args.next().unwrap());
                child_m1(&engine, &dir);
                std::process::exit(0);
            }
            other => panic!("unknown argument {other}"),
        }
    }
    o
}

/// `key-000000000042`: 16 bytes.
fn key(i: u32) -> [u8; 16] {
    let mut k = *b"key-000000000000";
    let mut n = i;
    let mut at = 15;
    while n > 0 {
        k[at] = b'0' + (n % 10) as u8;
        n /= 10;
        at -= 1;
    }
    k
}

fn value(i: u32) -> [u8; 8] {
    u64::from(i).to_le_bytes()
}

fn expect(i: u32) -> u64 {
    u64::from(i)
}

/// A uniformly random sequence of `n` indices below `below` (xorshift).
fn random_indices(n: u32, below: u32, seed: u64) -> Vec<u32> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % u64::from(below)) as u32
        })
        .collect()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// An empty directory for one write run. Earlier runs' dirty pages are
/// flushed first (untimed), so writeback does not throttle this run.
fn fresh_dir(base: &Path, name: &str) -> PathBuf {
    let d = base.join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    let _ = std::process::Command::new("sync").status();
    d
}

#[derive(Clone, Copy, PartialEq)]
enum Unit {
    PerSec,
    Ns,
    Us,
    Ms,
    GBps,
    BytesPerKey,
}

impl Unit {
    fn label(self) -> &'static str {
        match self {
            Unit::PerSec => "ops/s",
            Unit::Ns => "ns/op",
            Unit::Us => "µs/op",
            Unit::Ms => "ms",
            Unit::GBps => "GB/s",
            Unit::BytesPerKey => "bytes/key",
        }
    }
}

struct Row {
    id: &'static str,
    engine: String,
    value: f64,
    unit: Unit,
    runs: Vec<f64>,
}

struct Report {
    rows: Vec<Row>,
}

impl Report {
    fn add(&mut self, id: &'static str, engine: &str, unit: Unit, runs: Vec<f64>) -> f64 {
        let value = median(runs.clone());
        println!(
            "{id:4} {engine:18} {} {}",
            fmt_value(value, unit),
            unit.label()
        );
        self.rows.push(Row {
            id,
            engine: engine.to_owned(),
            value,
            unit,
            runs,
        });
        value
    }

    fn get(&self, id: &str, engine: &str) -> Option<f64> {
        self.rows
            .iter()
            .find(|r| r.id == id && r.engine == engine)
            .map(|r| r.value)
    }
}

fn fmt_value(v: f64, unit: Unit) -> String {
    match unit {
        Unit::PerSec if v >= 1e6 => format!("{:.2} M", v / 1e6),
        Unit::PerSec => format!("{:.1} k", v / 1e3),
        Unit::GBps => format!("{v:.2}"),
        Unit::Ms | Unit::Us => format!("{v:.2}"),
        Unit::Ns | Unit::BytesPerKey => format!("{v:.0}"),
    }
}

/// Writes `n` entries in batches of 1000 (used to prepare read workloads).
fn fill(store: &dyn Store, n: u32) {
    let mut start = 0;
    while start < n {
        let end = (start + 1000).min(n);
        let keys: Vec<[u8; 16]> = (start..end).map(key).collect();
        let values: Vec<[u8; 8]> = (start..end).map(value).collect();
        let items: Vec<(&[u8], &[u8])> = keys
            .iter()
            .zip(&values)
            .map(|(k, v)| (&k[..], &v[..]))
            .collect();
        store.batch_write(&items);
        start = end;
    }
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

    /// The engines of `list` selected with --engines (all by default).
    fn pick<'a>(&self, list: &[&'a dyn Engine]) -> Vec<&'a dyn Engine> {
        list.iter()
            .copied()
            .filter(|e| {
                self.o
                    .engines
                    .as_ref()
                    .is_none_or(|names| names.iter().any(|n| n == e.name()))
            })
            .collect()
    }

    /// Runs `f(engine index)` for every engine in every run, engines
    /// interleaved within each run so that drift (disk writeback, host load)
    /// affects them alike. Returns the durations per engine.
    fn interleaved(
        &self,
        engines: usize,
        mut f: impl FnMut(usize) -> Duration,
    ) -> Vec<Vec<Duration>> {
        let mut out = vec![Vec::new(); engines];
        for _ in 0..self.o.runs {
            for (i, d) in out.iter_mut().enumerate() {
                d.push(f(i));
            }
        }
        out
    }

    fn w1(&mut self, engines: &[&dyn Engine]) {
        let engines = &self.pick(engines);
        let n = self.o.entries;
        let keys: Vec<[u8; 16]> = (0..n).map(key).collect();
        let all = self.interleaved(engines.len(), |i| {
            let dir = fresh_dir(&self.o.dir, "w1");
            let s = engines[i].open(&dir, false);
            let t = Instant::now();
            for (i, k) in keys.iter().enumerate() {
                s.write(k, &value(i as u32));
            }
            let el = t.elapsed();
            drop(s);
            el
        });
        for (e, runs) in engines.iter().zip(all) {
            self.report
                .add("W1", e.name(), Unit::PerSec, per_sec(n, &runs));
        }
    }

    fn w2(&mut self, engines: &[&dyn Engine]) {
        let engines = &self.pick(engines);
        let n = self.o.entries;
        let keys: Vec<[u8; 16]> = (0..n).map(key).collect();
        let values: Vec<[u8; 8]> = (0..n).map(value).collect();
        let all = self.interleaved(engines.len(), |i| {
            let dir = fresh_dir(&self.o.dir, "w2");
            let s = engines[i].open(&dir, false);
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
            self.report
                .add("W2", e.name(), Unit::PerSec, per_sec(n, &runs));
        }
    }

    fn w1s(&mut self, engines: &[&dyn Engine]) {
        let engines = &self.pick(engines);
        const N: u32 = 1000;
        let bare = self
            .o
            .engines
            .as_ref()
            .is_none_or(|n| n.iter().any(|n| n == "pwrite+fdatasync"));
        let all = self.interleaved(engines.len() + usize::from(bare), |i| {
            let Some(e) = engines.get(i) else {
                return bare_durable_writes(&self.o.dir, N);
            };
            let dir = fresh_dir(&self.o.dir, "w1s");
            let s = e.open(&dir, true);
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
            self.report.add("W1s", name, Unit::Us, micros_per(N, &runs));
        }
    }

    /// Builds (once) a store of `n` entries for `e` and returns its dir.
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
            fill(&*e.open(&dir, false), n);
            std::fs::write(&marker, b"").unwrap();
            eprintln!(
                "  (prepared {n} entries for {} in {:.1?})",
                e.name(),
                t.elapsed()
            );
        }
        dir
    }

    fn r1(&mut self, engines: &[&dyn Engine]) {
        let engines = &self.pick(engines);
        let n = self.o.entries;
        let stores: Vec<Box<dyn Store>> = engines
            .iter()
            .map(|e| e.open(&self.prepared(*e, n), false))
            .collect();
        let order = random_indices(n, n, 0x5EED);
        let all = self.interleaved(engines.len(), |i| {
            let t = Instant::now();
            let bad = stores[i].read_all(&order, &key, &expect);
            let el = t.elapsed();
            assert_eq!(bad, 0, "{}: wrong reads", engines[i].name());
            el
        });
        for (e, runs) in engines.iter().zip(all) {
            let ns: Vec<f64> = runs
                .iter()
                .map(|d| d.as_nanos() as f64 / f64::from(n))
                .collect();
            self.report.add("R1", e.name(), Unit::Ns, ns);
        }
    }

    fn r2(&mut self, engines: &[&dyn Engine]) {
        let engines = &self.pick(engines);
        let n = self.o.entries;
        let stores: Vec<Box<dyn Store>> = engines
            .iter()
            .map(|e| e.open(&self.prepared(*e, n), false))
            .collect();
        let orders = [random_indices(n, n, 0xA11CE), random_indices(n, n, 0xB0B)];
        let all = self.interleaved(engines.len(), |i| {
            let s = &stores[i];
            let t = Instant::now();
            std::thread::scope(|scope| {
                let handles: Vec<_> = orders
                    .iter()
                    .map(|order| scope.spawn(|| s.read_all(order, &key, &expect)))
                    .collect();
                for h in handles {
                    assert_eq!(h.join().unwrap(), 0, "{}: wrong reads", engines[i].name());
                }
            });
            t.elapsed()
        });
        for (e, runs) in engines.iter().zip(all) {
            self.report
                .add("R2", e.name(), Unit::PerSec, per_sec(2 * n, &runs));
        }
    }

    fn s1(&mut self, engines: &[&dyn Engine]) {
        let engines = &self.pick(engines);
        let n = self.o.entries;
        let want: u64 = (0..u64::from(n)).sum();
        let stores: Vec<Box<dyn Store>> = engines
            .iter()
            .map(|e| e.open(&self.prepared(*e, n), false))
            .collect();
        let all = self.interleaved(engines.len(), |i| {
            let t = Instant::now();
            let (count, sum) = stores[i].iterate();
            let el = t.elapsed();
            assert_eq!(
                (count, sum),
                (u64::from(n), want),
                "{}: iteration",
                engines[i].name()
            );
            el
        });
        for (e, runs) in engines.iter().zip(all) {
            self.report
                .add("S1", e.name(), Unit::PerSec, per_sec(n, &runs));
        }
    }

    fn o1(&mut self, id: &'static str, engines: &[&dyn Engine], n: u32) {
        let engines = &self.pick(engines);
        let dirs: Vec<PathBuf> = engines.iter().map(|e| self.prepared(*e, n)).collect();
        for (e, dir) in engines.iter().zip(&dirs) {
            drop(e.open(dir, false)); // warm the page cache
        }
        let all = self.interleaved(engines.len(), |i| {
            let t = Instant::now();
            let s = engines[i].open(&dirs[i], false);
            assert_eq!(s.read(&key(42)), Some(42));
            let el = t.elapsed();
            drop(s);
            el
        });
        for (e, runs) in engines.iter().zip(all) {
            self.report.add(id, e.name(), Unit::Ms, millis(&runs));
        }
    }

    fn o2(&mut self, engines: &[&dyn Engine]) {
        let engines = &self.pick(engines);
        let n = self.o.entries;
        let garbage: Vec<u8> = {
            let mut x = 0x9E37_79B9_7F4A_7C15u64;
            (0..1 << 20)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    (x >> 32) as u8
                })
                .collect()
        };
        let dirs: Vec<PathBuf> = engines.iter().map(|e| self.prepared(*e, n)).collect();
        let files: Vec<PathBuf> = dirs
            .iter()
            .map(|dir| {
                std::fs::read_dir(dir)
                    .unwrap()
                    .map(|d| d.unwrap().path())
                    .find(|p| p.extension().is_some_and(|x| x == "rdrive" || x == "simd"))
                    .unwrap()
            })
            .collect();
        let all = self.interleaved(engines.len(), |i| {
            let file = &files[i];
            let len = std::fs::metadata(file).unwrap().len();
            let f = std::fs::OpenOptions::new().write(true).open(file).unwrap();
            f.write_all_at(&garbage, len).unwrap();
            drop(f);
            let t = Instant::now();
            let s = engines[i].open(&dirs[i], false);
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
            self.report.add("O2", e.name(), Unit::Ms, millis(&runs));
        }
    }

    fn l1(&mut self, engines: &[&dyn Engine]) {
        let engines = &self.pick(engines);
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
            let s = engines[i].open(&dir, false);
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
            self.report
                .add("L1w", e.name(), Unit::GBps, gbps(&writes[i]));
            self.report
                .add("L1r", e.name(), Unit::GBps, gbps(&reads[i]));
        }
    }

    fn m1(&mut self, engines: &[&dyn Engine]) {
        let engines = &self.pick(engines);
        let n = self.o.big;
        for e in engines {
            let dir = self.prepared(*e, n);
            let runs: Vec<f64> = (0..self.o.runs)
                .map(|_| {
                    let out = std::process::Command::new(std::env::current_exe().unwrap())
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
            self.report.add("M1", e.name(), Unit::BytesPerKey, runs);
        }
    }
}

/// The floor for W1s: the same entry bytes rdrive would write, each with a
/// bare `pwrite` + `fdatasync`.
fn bare_durable_writes(base: &Path, n: u32) -> Duration {
    let dir = fresh_dir(base, "w1s-bare");
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .read(true)
        .write(true)
        .open(dir.join("bare"))
        .unwrap();
    let mut tail = 0u64;
    let mut buf = Vec::with_capacity(128);
    let t = Instant::now();
    for i in 0..n {
        buf.clear();
        let pad = rdrive::format::pad_len(tail) as usize;
        buf.resize(pad, 0);
        let v = value(i);
        buf.extend_from_slice(&v);
        let meta = rdrive::EntryMetadata::new(
            rdrive::compute_hash(&key(i)),
            tail,
            rdrive::compute_checksum(&v),
        );
        buf.extend_from_slice(&meta.serialize());
        f.write_all_at(&buf, tail).unwrap();
        f.sync_data().unwrap();
        tail += buf.len() as u64;
    }
    t.elapsed()
}

fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb * 1024
}

/// Child process: resident memory added by opening the store in `dir` and
/// reading one key.
fn child_m1(engine: &str, dir: &Path) {
    let all = all_engines();
    let e = all.iter().find(|e| e.name() == engine).unwrap();
    let before = rss_bytes();
    let s = e.open(dir, false);
    assert_eq!(s.read(&key(42)), Some(42));
    let after = rss_bytes();
    println!("{}", after.saturating_sub(before));
    drop(s);
}

fn per_sec(n: u32, runs: &[Duration]) -> Vec<f64> {
    runs.iter()
        .map(|d| f64::from(n) / d.as_secs_f64())
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

static RDRIVE: RdriveC = RdriveC { peek: false };
static RDRIVE_PEEK: RdriveC = RdriveC { peek: true };
static SIMD: SimdRDrive = SimdRDrive;
static LMDB: Lmdb = Lmdb { one_txn: false };
static LMDB_ONE_TXN: Lmdb = Lmdb { one_txn: true };

fn all_engines() -> Vec<&'static dyn Engine> {
    vec![&RDRIVE, &RDRIVE_PEEK, &SIMD, &LMDB, &LMDB_ONE_TXN]
}

fn main() {
    let o = parse_args();
    std::fs::create_dir_all(&o.dir).unwrap();
    let mut b = Bench {
        o,
        report: Report { rows: Vec::new() },
    };
    let writers: [&dyn Engine; 3] = [&RDRIVE, &SIMD, &LMDB];
    let readers: [&dyn Engine; 5] = [&RDRIVE, &RDRIVE_PEEK, &SIMD, &LMDB, &LMDB_ONE_TXN];
    // Writes, opens and memory do not depend on the read call used.
    let logs: [&dyn Engine; 2] = [&RDRIVE, &SIMD];
    let started = Instant::now();
    if b.wants("W1") {
        b.w1(&writers);
    }
    if b.wants("W2") {
        b.w2(&writers);
    }
    if b.wants("W1s") {
        b.w1s(&[&RDRIVE, &LMDB]);
    }
    if b.wants("R1") {
        b.r1(&readers);
    }
    if b.wants("R2") {
        b.r2(&[&RDRIVE, &RDRIVE_PEEK, &SIMD, &LMDB]);
    }
    if b.wants("S1") {
        b.s1(&[&RDRIVE, &RDRIVE_PEEK, &SIMD, &LMDB]);
    }
    if b.wants("O1") {
        b.o1("O1", &writers, b.o.entries);
        b.o1("O1big", &writers, b.o.big);
    }
    if b.wants("O2") {
        b.o2(&logs);
    }
    if b.wants("L1") {
        b.l1(&writers);
    }
    if b.wants("M1") {
        b.m1(&writers);
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
    std::process::Command::new("df")
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
    std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}

struct Target {
    id: &'static str,
    what: &'static str,
    ratio: Option<f64>,
    want: &'static str,
    ok: Option<bool>,
}

fn targets(r: &Report) -> Vec<Target> {
    let rd = "rdrive C";
    let g = |id: &str, e: &str| r.get(id, e);
    let div = |a: Option<f64>, b: Option<f64>| Some(a? / b?);
    let at_least = |x: Option<f64>, t: f64| x.map(|x| x >= t);
    let at_most = |x: Option<f64>, t: f64| x.map(|x| x <= t);
    let mk = |id, what, ratio: Option<f64>, want, ok| Target {
        id,
        what,
        ratio,
        want,
        ok,
    };
    let w1 = div(g("W1", rd), g("W1", "simd-r-drive"));
    let w2s = div(g("W2", rd), g("W2", "simd-r-drive"));
    let w2l = div(g("W2", rd), g("W2", "LMDB"));
    let w1s = div(g("W1s", rd), g("W1s", "pwrite+fdatasync"));
    let r1s = div(g("R1", "simd-r-drive"), g("R1", rd));
    let r1l = div(g("R1", "LMDB"), g("R1", rd));
    let r2 = div(g("R2", rd), g("R1", rd).map(|ns| 1e9 / ns));
    let s1 = div(g("S1", "rdrive C no-alloc"), g("S1", "simd-r-drive"));
    let s1e = div(g("S1", rd), g("S1", "simd-r-drive"));
    let r1n = div(g("R1", "simd-r-drive"), g("R1", "rdrive C no-alloc"));
    let o1 = div(g("O1", "simd-r-drive"), g("O1", rd));
    let o1b = div(g("O1big", "simd-r-drive"), g("O1big", rd));
    let o2 = div(g("O2", rd), g("O1", rd));
    let l1r = div(g("L1r", rd), g("L1r", "simd-r-drive"));
    let l1w = div(g("L1w", rd), g("L1w", "simd-r-drive"));
    let m1 = g("M1", rd);
    vec![
        mk(
            "W1",
            "single writes: rdrive / simd-r-drive",
            w1,
            "≥ 10×",
            at_least(w1, 10.0),
        ),
        mk(
            "W2",
            "batched writes: rdrive / simd-r-drive",
            w2s,
            "≥ 2×",
            at_least(w2s, 2.0),
        ),
        mk(
            "W2",
            "batched writes: rdrive / LMDB",
            w2l,
            "≥ 1.5×",
            at_least(w2l, 1.5),
        ),
        mk(
            "W1s",
            "durable write time: rdrive / bare pwrite+fdatasync",
            w1s,
            "≤ 1.2×",
            at_most(w1s, 1.2),
        ),
        mk(
            "R1",
            "random read latency: simd-r-drive / rdrive",
            r1s,
            "≥ 4×",
            at_least(r1s, 4.0),
        ),
        mk(
            "R1",
            "random read latency: LMDB / rdrive",
            r1l,
            "≥ 6×",
            at_least(r1l, 6.0),
        ),
        mk(
            "R1",
            "(info) the same with rdrive_store_peek: simd-r-drive / rdrive",
            r1n,
            "—",
            None,
        ),
        mk(
            "R2",
            "2-thread throughput / rdrive's own R1 throughput",
            r2,
            "≥ 1.7×",
            at_least(r2, 1.7),
        ),
        mk(
            "S1",
            "iteration with rdrive_iter_next_batch: rdrive / simd-r-drive",
            s1,
            "≥ 5×",
            at_least(s1, 5.0),
        ),
        mk(
            "S1",
            "(info) iteration with an entry per item: rdrive / simd-r-drive",
            s1e,
            "—",
            None,
        ),
        mk(
            "O1",
            "reopen time (1M): simd-r-drive / rdrive",
            o1,
            "≥ 8×",
            at_least(o1, 8.0),
        ),
        mk(
            "O1",
            "reopen time (10M): simd-r-drive / rdrive",
            o1b,
            "≥ 8×",
            at_least(o1b, 8.0),
        ),
        mk(
            "O2",
            "reopen with 1 MiB garbage / clean reopen (rdrive)",
            o2,
            "≤ 2×",
            at_most(o2, 2.0),
        ),
        mk(
            "L1",
            "4 MiB reads: rdrive / simd-r-drive",
            l1r,
            "≥ 0.9×",
            at_least(l1r, 0.9),
        ),
        mk(
            "L1",
            "4 MiB writes: rdrive / simd-r-drive",
            l1w,
            "≥ 2×",
            at_least(l1w, 2.0),
        ),
        mk(
            "M1",
            "resident bytes per live key (10M keys)",
            m1,
            "≤ 48",
            at_most(m1, 48.0),
        ),
    ]
}

fn render(b: &Bench, took: Duration) -> String {
    let mut s = String::new();
    let o = &b.o;
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
        "- {} entries (16-byte keys like `key-000000000042`, 8-byte values) unless noted; \
         {}-entry stores for O1 (10M) and M1; each figure is the median of {} run(s); \
         every read is checked.",
        o.entries, o.big, o.runs
    );
    let _ = writeln!(
        s,
        "- Engines: **rdrive C** = rdrive through its exported C functions (`rdrive_store_read` + \
         `rdrive_entry_free` per read, `rdrive_iter_next` + `rdrive_entry_free` per entry); \
         **rdrive C no-alloc** = the allocation-free calls `rdrive_store_peek` and \
         `rdrive_iter_next_batch` (256 views per call); \
         **simd-r-drive** 0.17.5-alpha through its Rust API; **LMDB** through heed (`NO_SYNC` except \
         in W1s), one read transaction per read; **LMDB (one txn)** = all reads in one transaction.\n"
    );
    let _ = writeln!(s, "## Targets (ratios measured in this run)\n");
    let _ = writeln!(s, "| id | comparison | measured | target | met |");
    let _ = writeln!(s, "|---|---|---|---|---|");
    for t in targets(&b.report) {
        let measured = match (t.ratio, t.id) {
            (Some(v), "M1") => format!("{v:.1}"),
            (Some(v), _) => format!("{v:.2}×"),
            (None, _) => "—".into(),
        };
        let met = match (t.ok, t.want) {
            (Some(true), _) => "yes",
            (Some(false), _) => "**no**",
            (None, "—") => "",
            (None, _) => "not run",
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} |",
            t.id, t.what, measured, t.want, met
        );
    }
    let _ = writeln!(s, "\n## Measurements\n");
    let _ = writeln!(s, "| id | workload | engine | median | unit | runs |");
    let _ = writeln!(s, "|---|---|---|---|---|---|");
    for r in &b.report.rows {
        let runs: Vec<String> = r.runs.iter().map(|v| fmt_value(*v, r.unit)).collect();
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} |",
            r.id,
            describe(r.id),
            r.engine,
            fmt_value(r.value, r.unit),
            r.unit.label(),
            runs.join(", ")
        );
    }
    s
}

fn describe(id: &str) -> &'static str {
    match id {
        "W1" => "single writes, one call each, no fsync",
        "W2" => "writes in batches of 1,000",
        "W1s" => "1,000 single durable writes",
        "R1" => "uniformly random reads, 1 thread",
        "R2" => "uniformly random reads, 2 threads (total)",
        "S1" => "full iteration touching each value",
        "O1" => "reopen (warm cache) until the first read",
        "O1big" => "the same, 10M-entry store",
        "O2" => "reopen with 1 MiB of garbage appended",
        "L1w" => "256 × 4 MiB values: write",
        "L1r" => "256 × 4 MiB values: read, every byte",
        "M1" => "resident memory per live key after open (10M keys)",
        _ => "",
    }
}
