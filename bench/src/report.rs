//! The figures of one run: rows (median and every run), the target ratios
//! computed from them, and the Markdown report.

use std::fmt::Write as _;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Unit {
    PerSec,
    Ns,
    Us,
    Ms,
    GBps,
    BytesPerKey,
}

impl Unit {
    pub fn label(self) -> &'static str {
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

/// Which part of the report a row belongs to.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Section {
    Writes,
    /// The read suite over a store of this many entries.
    Reads(u32),
    Others,
    Shared,
}

/// How the keys of a read loop follow each other.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Loop {
    /// Keys from a list fixed in advance.
    Indep,
    /// Each key formed from the value just read (one chain).
    Dep,
    /// Batch calls whose keys are formed from the previous call's values
    /// (1,000 chains advanced together).
    Chains,
}

impl Loop {
    pub fn label(self) -> &'static str {
        match self {
            Loop::Indep => "independent",
            Loop::Dep => "dependent",
            Loop::Chains => "dependent, 1,000 chains",
        }
    }
}

/// Which rdrive handle (and the peers' equivalent) a read row used.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Handle {
    /// The handle that wrote the entries, right after the writes.
    Writer,
    /// A read-write handle opened after the writer closed.
    Reopen,
}

impl Handle {
    pub fn label(self) -> &'static str {
        match self {
            Handle::Writer => "writer's handle",
            Handle::Reopen => "after reopen",
        }
    }
}

pub struct Row {
    pub section: Section,
    pub id: &'static str,
    pub what: String,
    pub engine: String,
    pub unit: Unit,
    pub runs: Vec<f64>,
    pub value: f64,
    pub lp: Option<Loop>,
    pub handle: Option<Handle>,
    /// Median of the floor row this read row compares with.
    pub floor: Option<f64>,
}

#[derive(Default)]
pub struct Report {
    pub rows: Vec<Row>,
}

pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn spread(runs: &[f64], value: f64) -> String {
    if runs.len() < 2 || value == 0.0 {
        return "—".into();
    }
    let lo = runs.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = runs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!("{:.0} %", (hi - lo) / value * 100.0)
}

pub fn fmt_value(v: f64, unit: Unit) -> String {
    match unit {
        Unit::PerSec if v >= 1e6 => format!("{:.2} M", v / 1e6),
        Unit::PerSec => format!("{:.1} k", v / 1e3),
        Unit::GBps => format!("{v:.2}"),
        Unit::Ms | Unit::Us => format!("{v:.2}"),
        Unit::Ns | Unit::BytesPerKey => format!("{v:.0}"),
    }
}

/// 1000000 → "1M", 400000 → "400k".
pub fn fmt_count(n: u32) -> String {
    if n >= 1_000_000 && n.is_multiple_of(1_000_000) {
        format!("{}M", n / 1_000_000)
    } else if n >= 1000 && n.is_multiple_of(1000) {
        format!("{}k", n / 1000)
    } else {
        n.to_string()
    }
}

/// What to look up: a row by section, id, engine, and for reads the loop
/// and handle.
#[derive(Clone, Copy)]
pub struct Q<'a> {
    pub section: Section,
    pub id: &'a str,
    pub engine: &'a str,
    pub lp: Option<Loop>,
    pub handle: Option<Handle>,
}

impl Report {
    pub fn add(&mut self, mut row: Row) -> f64 {
        row.value = median(row.runs.clone());
        let floor = row
            .floor
            .map(|f| format!("  {:.2}× floor", row.value / f))
            .unwrap_or_default();
        println!(
            "{:5} {:18} {:48} {:>9} {}{floor}",
            row.id,
            row.engine,
            row.what,
            fmt_value(row.value, row.unit),
            row.unit.label(),
        );
        let v = row.value;
        self.rows.push(row);
        v
    }

    pub fn find(&self, q: Q) -> Option<&Row> {
        self.rows.iter().find(|r| {
            r.section == q.section
                && r.id == q.id
                && r.engine == q.engine
                && r.lp == q.lp
                && r.handle == q.handle
        })
    }

    pub fn get(&self, q: Q) -> Option<f64> {
        self.find(q).map(|r| r.value)
    }
}

pub struct Target {
    pub id: &'static str,
    pub what: String,
    /// At the main size (and for reads, at the second size).
    pub ratio: Option<f64>,
    pub ratio2: Option<f64>,
    pub want: &'static str,
    pub ok: Option<bool>,
}

const RD: &str = "rdrive C";
const SIMD: &str = "simd-r-drive";

pub fn targets(r: &Report, sizes: &[u32], entries: u32, big: u32) -> Vec<Target> {
    let sec = |id: &'static str, e: &'static str| {
        move |s: Section| {
            r.get(Q {
                section: s,
                id,
                engine: e,
                lp: None,
                handle: None,
            })
        }
    };
    let read = |n: u32, id: &'static str, e: &'static str| {
        r.get(Q {
            section: Section::Reads(n),
            id,
            engine: e,
            lp: Some(Loop::Indep),
            handle: Some(Handle::Reopen),
        })
    };
    let div = |a: Option<f64>, b: Option<f64>| Some(a? / b?);
    let at_least = |x: Option<f64>, t: f64| x.map(|x| x >= t);
    let at_most = |x: Option<f64>, t: f64| x.map(|x| x <= t);
    // Read ratios at size n: (R1, R1p, R1b, S1, S1b, R2).
    let reads = |n: Option<&u32>| -> [Option<f64>; 6] {
        let Some(&n) = n else { return [None; 6] };
        let simd = read(n, "R1", SIMD);
        let s = Section::Reads(n);
        let scan = |id: &'static str, e: &'static str| sec(id, e)(s);
        [
            div(simd, read(n, "R1", RD)),
            div(simd, read(n, "R1p", RD)),
            div(simd, read(n, "R1b", RD)),
            div(scan("S1", RD), scan("S1", SIMD)),
            div(scan("S1b", RD), scan("S1", SIMD)),
            div(scan("R2", RD), read(n, "R1", RD).map(|ns| 1e9 / ns)),
        ]
    };
    let a = reads(sizes.first());
    let b = reads(sizes.get(1));
    let w = |id: &'static str, e: &'static str| sec(id, e)(Section::Writes);
    let o = |id: &'static str, e: &'static str| sec(id, e)(Section::Others);
    let sh = |id: &'static str, e: &'static str| sec(id, e)(Section::Shared);
    let w1 = div(w("W1", RD), w("W1", SIMD));
    let w2s = div(w("W2", RD), w("W2", SIMD));
    let w2l = div(w("W2", RD), w("W2", "LMDB"));
    let w1s = div(w("W1s", RD), w("W1s", "pwrite+fdatasync"));
    let o1 = div(o("O1", SIMD), o("O1", RD));
    let o1b = div(o("O1big", SIMD), o("O1big", RD));
    let o2 = div(o("O2", RD), o("O1", RD));
    let l1r = div(o("L1r", RD), o("L1r", SIMD));
    let l1w = div(o("L1w", RD), o("L1w", SIMD));
    let m1 = o("M1", RD);
    let ws = div(sh("Ws", "rdrive C shared"), sh("Ws", "rdrive C exclusive"));
    let rs = div(sh("Rs", "rdrive C shared"), sh("Rs", "rdrive C exclusive"));
    let rsp = div(
        sh("Rsp", "rdrive C shared"),
        sh("Rsp", "rdrive C exclusive"),
    );
    let wp2 = div(sh("Wp2", "rdrive C shared"), sh("Wp2", "LMDB"));
    let wp4 = div(sh("Wp4", "rdrive C shared"), sh("Wp4", "LMDB"));
    let t = |id, what: &str, ratio: Option<f64>, ratio2, want, ok| Target {
        id,
        what: what.to_owned(),
        ratio,
        ratio2,
        want,
        ok,
    };
    vec![
        t(
            "R1",
            "random reads, read + address_range + free: simd-r-drive time / rdrive time",
            a[0],
            b[0],
            "≥ 1.2×",
            at_least(a[0], 1.2),
        ),
        t(
            "R1p",
            "random reads with rdrive_store_peek, same keys: simd-r-drive / rdrive",
            a[1],
            b[1],
            "≥ 1.5×",
            at_least(a[1], 1.5),
        ),
        t(
            "R1b",
            "rdrive_store_batch_read (1,000 keys per call) throughput / simd-r-drive's R1 throughput",
            a[2],
            b[2],
            "≥ 4×",
            at_least(a[2], 4.0),
        ),
        t(
            "S1",
            "iteration, rdrive_iter_next + free per entry: rdrive / simd-r-drive",
            a[3],
            b[3],
            "≥ 2×",
            at_least(a[3], 2.0),
        ),
        t(
            "S1b",
            "iteration, rdrive_iter_next_batch: rdrive / simd-r-drive",
            a[4],
            b[4],
            "≥ 5×",
            at_least(a[4], 5.0),
        ),
        t(
            "W2",
            "batched writes: rdrive / simd-r-drive",
            w2s,
            None,
            "≥ 2×",
            at_least(w2s, 2.0),
        ),
        t(
            "W2",
            "batched writes: rdrive / LMDB",
            w2l,
            None,
            "≥ 1.5×",
            at_least(w2l, 1.5),
        ),
        t(
            "W1",
            "single writes: rdrive / simd-r-drive",
            w1,
            None,
            "≥ 10×",
            at_least(w1, 10.0),
        ),
        t(
            "W1s",
            "durable write time: rdrive / bare pwrite+fdatasync",
            w1s,
            None,
            "≤ 1.2×",
            at_most(w1s, 1.2),
        ),
        t(
            "R2",
            "2-thread read throughput / rdrive's own R1 throughput",
            a[5],
            b[5],
            "≥ 1.7×",
            at_least(a[5], 1.7),
        ),
        t(
            "O1",
            &format!(
                "reopen time ({}): simd-r-drive / rdrive",
                fmt_count(entries)
            ),
            o1,
            None,
            "≥ 8×",
            at_least(o1, 8.0),
        ),
        t(
            "O1",
            &format!("reopen time ({}): simd-r-drive / rdrive", fmt_count(big)),
            o1b,
            None,
            "≥ 8×",
            at_least(o1b, 8.0),
        ),
        t(
            "O2",
            "reopen with 1 MiB garbage / clean reopen (rdrive)",
            o2,
            None,
            "≤ 2×",
            at_most(o2, 2.0),
        ),
        t(
            "L1",
            "4 MiB reads: rdrive / simd-r-drive",
            l1r,
            None,
            "≥ 0.9×",
            at_least(l1r, 0.9),
        ),
        t(
            "L1",
            "4 MiB writes: rdrive / simd-r-drive",
            l1w,
            None,
            "≥ 2×",
            at_least(l1w, 2.0),
        ),
        t(
            "M1",
            &format!("resident bytes per live key ({} keys)", fmt_count(big)),
            m1,
            None,
            "≤ 48",
            at_most(m1, 48.0),
        ),
        t(
            "Ws",
            "single writes, one process: shared handle / exclusive handle",
            ws,
            None,
            "≥ 0.5×",
            at_least(ws, 0.5),
        ),
        t(
            "Rs",
            "read time (R1) on a shared handle / on an exclusive handle",
            rs,
            None,
            "≤ 1.1×",
            at_most(rs, 1.1),
        ),
        t(
            "Rs",
            "read time (R1p, peek) on a shared handle / on an exclusive handle",
            rsp,
            None,
            "≤ 1.1×",
            at_most(rsp, 1.1),
        ),
        t(
            "Wp2",
            "2 writer processes, total throughput: rdrive (shared) / LMDB",
            wp2,
            None,
            "≥ 1×",
            at_least(wp2, 1.0),
        ),
        t(
            "Wp4",
            "4 writer processes, total throughput: rdrive (shared) / LMDB",
            wp4,
            None,
            "≥ 1×",
            at_least(wp4, 1.0),
        ),
    ]
}

fn ratio_text(v: Option<f64>, id: &str) -> String {
    match (v, id) {
        (Some(v), "M1") => format!("{v:.1}"),
        (Some(v), _) => format!("{v:.2}×"),
        (None, _) => "—".into(),
    }
}

/// The targets table.
pub fn render_targets(s: &mut String, r: &Report, sizes: &[u32], entries: u32, big: u32) {
    let main = sizes.first().map_or("—".into(), |&n| fmt_count(n));
    let second = sizes.get(1).map_or("—".into(), |&n| fmt_count(n));
    let _ = writeln!(
        s,
        "| id | comparison | measured ({main}) | at {second} | target | met |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|");
    for t in targets(r, sizes, entries, big) {
        let met = match t.ok {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "not run",
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} |",
            t.id,
            t.what,
            ratio_text(t.ratio, t.id),
            ratio_text(t.ratio2, t.id),
            t.want,
            met
        );
    }
}

/// rdrive's read rows of one size as ratios: to the floor and to the peers
/// (the peer's row with the same loop and handle: simd-r-drive's `read`
/// for single-key calls and its `batch_read` for batch calls; LMDB only for
/// single-key calls).
pub fn render_read_ratios(s: &mut String, r: &Report, n: u32) {
    let _ = writeln!(
        s,
        "| id | loop | handle | rdrive ns/key | spread | ÷ floor | simd-r-drive ÷ rdrive | LMDB ÷ rdrive | LMDB (one txn) ÷ rdrive |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|");
    let peer = |row: &Row, id: &'static str, e: &'static str| {
        r.get(Q {
            section: row.section,
            id,
            engine: e,
            lp: row.lp,
            handle: row.handle,
        })
        .map_or("—".into(), |p| format!("{:.2}×", p / row.value))
    };
    for row in r
        .rows
        .iter()
        .filter(|x| x.section == Section::Reads(n) && x.engine == RD && x.lp.is_some())
    {
        let batch = row.id.starts_with("R1b");
        let simd = peer(row, if batch { "R1b" } else { "R1" }, SIMD);
        let (lmdb, one) = if batch {
            ("—".into(), "—".into())
        } else {
            (peer(row, "R1", "LMDB"), peer(row, "R1", "LMDB (one txn)"))
        };
        let floor = row
            .floor
            .map_or("—".into(), |f| format!("{:.2}×", row.value / f));
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            row.id,
            row.lp.map_or("", Loop::label),
            row.handle.map_or("", Handle::label),
            fmt_value(row.value, row.unit),
            spread(&row.runs, row.value),
            floor,
            simd,
            lmdb,
            one
        );
    }
}

/// The measurements of one section: median, spread and every run.
pub fn render_rows(s: &mut String, r: &Report, section: Section) {
    let reads = matches!(section, Section::Reads(_));
    if reads {
        let _ = writeln!(
            s,
            "| id | workload | engine | median | unit | ÷ floor | spread | runs |"
        );
        let _ = writeln!(s, "|---|---|---|---|---|---|---|---|");
    } else {
        let _ = writeln!(
            s,
            "| id | workload | engine | median | unit | spread | runs |"
        );
        let _ = writeln!(s, "|---|---|---|---|---|---|---|");
    }
    for row in r.rows.iter().filter(|x| x.section == section) {
        let runs: Vec<String> = row.runs.iter().map(|v| fmt_value(*v, row.unit)).collect();
        let floor = if reads {
            format!(
                " {} |",
                row.floor
                    .map_or("—".into(), |f| format!("{:.2}×", row.value / f))
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} |{floor} {} | {} |",
            row.id,
            row.what,
            row.engine,
            fmt_value(row.value, row.unit),
            row.unit.label(),
            spread(&row.runs, row.value),
            runs.join(", ")
        );
    }
}
