"""Side-by-side benchmark of the Python package against py-lmdb.

Run by scripts/bench-python.sh inside a venv where both `rdrive` (from
./python) and `lmdb` are installed; writes a Markdown report. Each figure is
the median of several runs, the two engines interleaved within each run, and
every value read is checked against what was written.

Workloads (200,000 keys of 16 bytes, 8-byte values, random order):
  P1  single gets returning bytes: store[key] / txn.get(key) in one read txn
  P2  get_many of 1,000 keys per call / a txn.get loop over the same keys
  P3  zero-copy read of one 64 MiB value touching every 4 KiB page:
      store.entry(k).view() / txn.get(k) with buffers=True
  P4  (info) writes: write_many of 1,000 / one write txn per 1,000 puts
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from typing import Callable, Dict, List, Tuple

import lmdb
import rdrive

PAGE = 4096
BIG = 64 << 20


def key_of(i: int) -> bytes:
    return b"key-%012d" % i


def value_of(i: int) -> bytes:
    return i.to_bytes(8, "little")


def timed(fn: Callable[[], int]) -> Tuple[float, int]:
    start = time.perf_counter()
    checked = fn()
    return time.perf_counter() - start, checked


def touch_pages(view: memoryview) -> int:
    # One byte per page: every page of the value is faulted in and read.
    return sum(view[::PAGE])


class Bench:
    def __init__(self, n: int, runs: int, workdir: str) -> None:
        self.n = n
        self.runs = runs
        self.dir = workdir
        self.keys = [key_of(i) for i in range(n)]
        order = list(range(n))
        random.Random(7).shuffle(order)
        self.order = order
        self.big = bytes(random.Random(9).getrandbits(8) for _ in range(PAGE)) * (BIG // PAGE)
        self.big_sum = touch_pages(memoryview(self.big))
        self.results: Dict[Tuple[str, str], List[float]] = {}

    def record(self, wid: str, engine: str, seconds: float, ops: int) -> None:
        self.results.setdefault((wid, engine), []).append(ops / seconds)

    # --- setup, once per run: fresh stores holding the same data

    def fill_rdrive(self, path: str) -> Tuple[float, "rdrive.Store"]:
        store = rdrive.Store(path)
        start = time.perf_counter()
        for lo in range(0, self.n, 1000):
            store.write_many([(self.keys[i], value_of(i)) for i in range(lo, min(lo + 1000, self.n))])
        elapsed = time.perf_counter() - start
        store[b"big"] = self.big
        return elapsed, store

    def fill_lmdb(self, path: str) -> Tuple[float, "lmdb.Environment"]:
        env = lmdb.open(path, map_size=4 << 30, sync=False, metasync=False, lock=True)
        start = time.perf_counter()
        for lo in range(0, self.n, 1000):
            with env.begin(write=True) as txn:
                for i in range(lo, min(lo + 1000, self.n)):
                    txn.put(self.keys[i], value_of(i))
        elapsed = time.perf_counter() - start
        with env.begin(write=True) as txn:
            txn.put(b"big", self.big)
        return elapsed, env

    # --- workloads

    def gets_rdrive(self, store: "rdrive.Store") -> int:
        keys, bad = self.keys, 0
        for i in self.order:
            if store[keys[i]] != value_of(i):
                bad += 1
        return bad

    def gets_lmdb(self, env: "lmdb.Environment") -> int:
        keys, bad = self.keys, 0
        with env.begin(buffers=False) as txn:
            for i in self.order:
                if txn.get(keys[i]) != value_of(i):
                    bad += 1
        return bad

    def many_rdrive(self, store: "rdrive.Store") -> int:
        bad = 0
        for lo in range(0, self.n, 1000):
            idx = self.order[lo : lo + 1000]
            got = store.get_many([self.keys[i] for i in idx])
            bad += sum(1 for i, v in zip(idx, got) if v != value_of(i))
        return bad

    def many_lmdb(self, env: "lmdb.Environment") -> int:
        bad = 0
        with env.begin(buffers=False) as txn:
            for lo in range(0, self.n, 1000):
                idx = self.order[lo : lo + 1000]
                got = [txn.get(self.keys[i]) for i in idx]
                bad += sum(1 for i, v in zip(idx, got) if v != value_of(i))
        return bad

    def big_rdrive(self, store: "rdrive.Store") -> int:
        entry = store.entry(b"big")
        assert entry is not None
        view = entry.view()
        bad = int(len(view) != BIG or touch_pages(view) != self.big_sum)
        view.release()
        return bad

    def big_lmdb(self, env: "lmdb.Environment") -> int:
        with env.begin(buffers=True) as txn:
            view = memoryview(txn.get(b"big"))
            bad = int(len(view) != BIG or touch_pages(view) != self.big_sum)
            view.release()
        return bad

    def run(self) -> None:
        for r in range(self.runs):
            base = tempfile.mkdtemp(dir=self.dir)
            try:
                w_rd, store = self.fill_rdrive(os.path.join(base, "s.rdrive"))
                os.mkdir(os.path.join(base, "lmdb"))
                w_lm, env = self.fill_lmdb(os.path.join(base, "lmdb"))
                self.record("P4", "rdrive", w_rd, self.n)
                self.record("P4", "py-lmdb", w_lm, self.n)
                # Engines alternate which goes first from run to run.
                pairs = [
                    ("P1", self.gets_rdrive, self.gets_lmdb, self.n),
                    ("P2", self.many_rdrive, self.many_lmdb, self.n),
                    ("P3", self.big_rdrive, self.big_lmdb, BIG),
                ]
                for wid, fr, fl, ops in pairs:
                    jobs = [("rdrive", lambda: fr(store)), ("py-lmdb", lambda: fl(env))]
                    if r % 2:
                        jobs.reverse()
                    for engine, job in jobs:
                        job()  # warm: the first pass faults pages in
                        seconds, bad = timed(job)
                        if bad:
                            sys.exit(f"{wid} {engine}: {bad} wrong values")
                        self.record(wid, engine, seconds, ops)
                store.close()
                env.close()
            finally:
                shutil.rmtree(base)
            print(f"run {r + 1}/{self.runs} done", file=sys.stderr)

    def median(self, wid: str, engine: str) -> float:
        return statistics.median(self.results[(wid, engine)])

    def report(self, out: str, seconds: float) -> None:
        def fmt(wid: str, rate: float) -> str:
            if wid == "P3":
                return f"{rate / 1e9:.2f} GB/s"
            return f"{rate / 1e6:.2f} M/s" if rate >= 1e6 else f"{rate / 1e3:.0f} k/s"

        rows = [
            ("P1", "single gets `store[key]` vs `txn.get`", 0.7),
            ("P2", "`get_many` of 1,000 keys vs a `txn.get` loop", 2.0),
            ("P3", "64 MiB `entry(k).view()` vs `buffers=True`, every page", 1.0),
            ("P4", "(info) writes, 1,000 per call / per transaction", None),
        ]
        names = {
            "P1": "single gets returning bytes",
            "P2": "get_many, 1,000 keys per call",
            "P3": "zero-copy read of a 64 MiB value",
            "P4": "writes in batches of 1,000",
        }
        lines = [
            "# rdrive Python benchmark results",
            "",
            f"Generated by `./scripts/bench-python.sh` on "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, in {seconds:.0f} s.",
            "",
            f"- Python {platform.python_version()}, rdrive {rdrive.__version__} "
            f"(the installed package, cffi over librdrive.so), py-lmdb {lmdb.__version__} "
            f"(LMDB {'.'.join(map(str, lmdb.version()))})",
            f"- {os.cpu_count()} cores, {platform.machine()}, Linux {platform.release()}",
            f"- {self.n} keys of 16 bytes, 8-byte values, read in one shuffled order; "
            f"median of {self.runs} runs, engines interleaved; every value checked. "
            "py-lmdb reads run inside one read transaction (its fastest way).",
            "",
            "## Targets (ratios in this run)",
            "",
            "| id | comparison | measured | target | met |",
            "|---|---|---|---|---|",
        ]
        for wid, what, target in rows:
            ratio = self.median(wid, "rdrive") / self.median(wid, "py-lmdb")
            if target is None:
                lines.append(f"| {wid} | {what} | {ratio:.2f}× | — |  |")
            else:
                met = "yes" if ratio >= target else "**no**"
                lines.append(f"| {wid} | {what} | {ratio:.2f}× | ≥ {target}× | {met} |")
        lines += [
            "",
            "## Measurements",
            "",
            "| id | workload | engine | median | runs |",
            "|---|---|---|---|---|",
        ]
        for wid, _, _ in rows:
            for engine in ("rdrive", "py-lmdb"):
                runs = ", ".join(fmt(wid, x) for x in self.results[(wid, engine)])
                lines.append(
                    f"| {wid} | {names[wid]} | {engine} | {fmt(wid, self.median(wid, engine))} | {runs} |"
                )
        with open(out, "w") as f:
            f.write("\n".join(lines) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keys", type=int, default=200_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--dir", default=None, help="scratch directory (default: $TMPDIR)")
    ap.add_argument("--out", default="docs/benchmarks-python.md")
    args = ap.parse_args()
    start = time.perf_counter()
    bench = Bench(args.keys, args.runs, args.dir or tempfile.gettempdir())
    bench.run()
    bench.report(args.out, time.perf_counter() - start)
    print(open(args.out).read())


if __name__ == "__main__":
    main()
