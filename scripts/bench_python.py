"""Side-by-side benchmark of the Python package against py-lmdb.

Run by scripts/bench-python.sh inside a venv where both `rdrive` (from
./python) and `lmdb` are installed; writes a Markdown report. Each figure is
the median of several runs, the two engines interleaved within each run, and
every value read is checked against what was written.

Workloads (200,000 keys of 16 bytes, 8-byte values, random order):
  P1  single gets returning bytes: store[key] / txn.get(key) in one read txn
      (and, for reference, the cffi path that runs without the compiled
      extension, and the floor of that path: one bare cffi call per key)
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
from typing import Any, Callable, Dict, List, Tuple

import lmdb
import rdrive
from rdrive import _store
from rdrive._ffi import ffi, lib

PAGE = 4096
BIG = 64 << 20
BIG_READS = 10  # per timing: one read of 64 MiB is too short to time alone


def key_of(i: int) -> bytes:
    return b"key-%012d" % i


def value_of(i: int) -> bytes:
    return i.to_bytes(8, "little")


def timed(fn: Callable[[], List[Any]]) -> Tuple[float, List[Any]]:
    start = time.perf_counter()
    got = fn()
    return time.perf_counter() - start, got


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
        self.ordered = [self.keys[i] for i in order]
        self.expected = [value_of(i) for i in order]
        self.chunks = [self.ordered[lo : lo + 1000] for lo in range(0, n, 1000)]
        self.big = bytes(random.Random(9).getrandbits(8) for _ in range(PAGE)) * (BIG // PAGE)
        self.big_seen = [[BIG, touch_pages(memoryview(self.big))]] * BIG_READS
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

    # --- workloads: each returns what it read, checked after the clock stops

    def gets_rdrive(self, store: "rdrive.Store") -> List[Any]:
        return [store[k] for k in self.ordered]

    def gets_lmdb(self, env: "lmdb.Environment") -> List[Any]:
        with env.begin(buffers=False) as txn:
            return [txn.get(k) for k in self.ordered]

    def gets_cffi(self, store: "rdrive.Store") -> List[Any]:
        # Store.__getitem__ as it runs without the compiled extension (or
        # with RDRIVE_PURE_PYTHON=1): Python over cffi.
        getitem = _store._PureReads.__getitem__
        return [getitem(store, k) for k in self.ordered]

    def gets_floor(self, store: "rdrive.Store") -> List[Any]:
        # One cffi call per key into a ready buffer and nothing else: the
        # floor of any binding in cffi's ABI mode.
        ptr = store._handle._ptr
        buf, size = ffi.new("uint8_t[]", 64), ffi.new("size_t *")
        read_into = lib.rdrive_store_read_into
        out = []
        for k in self.ordered:
            read_into(ptr, k, len(k), buf, 64, size)
            out.append(ffi.buffer(buf, size[0])[:])
        return out

    def many_rdrive(self, store: "rdrive.Store") -> List[Any]:
        out: List[Any] = []
        for chunk in self.chunks:
            out += store.get_many(chunk)
        return out

    def many_lmdb(self, env: "lmdb.Environment") -> List[Any]:
        out: List[Any] = []
        with env.begin(buffers=False) as txn:
            for chunk in self.chunks:
                out += [txn.get(k) for k in chunk]
        return out

    def big_rdrive(self, store: "rdrive.Store") -> List[Any]:
        seen = []
        for _ in range(BIG_READS):
            entry = store.entry(b"big")
            assert entry is not None
            view = entry.view()
            seen.append([len(view), touch_pages(view)])
            view.release()
        return seen

    def big_lmdb(self, env: "lmdb.Environment") -> List[Any]:
        seen = []
        for _ in range(BIG_READS):
            with env.begin(buffers=True) as txn:
                view = memoryview(txn.get(b"big"))
                seen.append([len(view), touch_pages(view)])
                view.release()
        return seen

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
                    ("P1", self.gets_rdrive, self.gets_lmdb, self.n, self.expected),
                    ("P2", self.many_rdrive, self.many_lmdb, self.n, self.expected),
                    ("P3", self.big_rdrive, self.big_lmdb, BIG * BIG_READS, self.big_seen),
                ]
                for wid, fr, fl, ops, want in pairs:
                    jobs = [("rdrive", lambda: fr(store)), ("py-lmdb", lambda: fl(env))]
                    if wid == "P1":
                        jobs.append(("cffi path", lambda: self.gets_cffi(store)))
                        jobs.append(("cffi floor", lambda: self.gets_floor(store)))
                    if r % 2:
                        jobs.reverse()
                    for engine, job in jobs:
                        job()  # warm: the first pass faults pages in
                        seconds, got = timed(job)
                        if got != want:
                            bad = sum(1 for a, b in zip(got, want) if a != b) + abs(len(got) - len(want))
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
            f"(the installed package, cffi over librdrive.so; single-key reads: "
            f"{_store.READ_PATH} path), py-lmdb {lmdb.__version__} "
            f"(LMDB {'.'.join(map(str, lmdb.version()))})",
            f"- {os.cpu_count()} cores, {platform.machine()}, Linux {platform.release()}",
            f"- {self.n} keys of 16 bytes, 8-byte values, read in one shuffled order; "
            f"median of {self.runs} runs, engines interleaved; every value checked. "
            "py-lmdb reads run inside one read transaction (its fastest way). "
            "Values are checked after the clock stops. *rdrive* = `store[key]` as "
            "installed: through the compiled extension (`rdrive/_fast.c`) when it "
            "was built. *cffi path* = the same method without it "
            "(`_PureReads.__getitem__`, what `RDRIVE_PURE_PYTHON=1` runs). "
            "*cffi floor* = one bare "
            "`rdrive_store_read_into` call per key through cffi (ABI mode) into a "
            "ready buffer, plus the copy to `bytes`: what any binding built on cffi "
            "alone pays before doing anything else.",
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
            for engine in ("rdrive", "py-lmdb", "cffi path", "cffi floor"):
                if (wid, engine) not in self.results:
                    continue
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
