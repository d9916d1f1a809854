"""Library calls release the GIL: other Python threads run meanwhile."""

from __future__ import annotations

import ctypes
import os
import threading
import time
from typing import List

import rdrive
from rdrive import _ffi


def ticks_during(call) -> List[float]:  # type: ignore[no-untyped-def]
    """Run ``call`` while another Python thread records timestamps; return
    those that fall within the middle of the call."""
    ticks: List[float] = []
    stop = threading.Event()
    running = threading.Event()

    def ticker() -> None:
        running.set()
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.0005)

    thread = threading.Thread(target=ticker)
    thread.start()
    running.wait()
    start = time.perf_counter()
    call()
    end = time.perf_counter()
    stop.set()
    thread.join()
    assert end - start > 0.05, "the call was too short to tell anything"
    margin = (end - start) / 5
    return [t for t in ticks if start + margin < t < end - margin]


def big_store(path: str) -> rdrive.Store:
    store = rdrive.Store(path)
    chunk = os.urandom(1 << 20)
    for i in range(3):
        store[f"big{i}"] = chunk * 24
        store[f"big{i}"] = chunk * 24
    return store


def test_another_thread_runs_during_a_compaction(path: str) -> None:
    with big_store(path) as store:
        ticks = ticks_during(store.compact)
    assert len(ticks) >= 5, f"only {len(ticks)} ticks while compacting: the GIL was held"


def test_another_thread_runs_during_a_sync(path: str) -> None:
    with big_store(path) as store:
        ticks = ticks_during(store.sync)  # flushes ~150 MB of dirty pages
    assert len(ticks) >= 5, f"only {len(ticks)} ticks while syncing: the GIL was held"


def test_the_measure_sees_a_call_that_holds_the_gil(path: str) -> None:
    # The control: the same compaction called through ctypes.PyDLL, which
    # keeps the GIL during the call, leaves the other thread no tick.
    holding = ctypes.PyDLL(str(_ffi.LIBRARY_PATH))
    holding.rdrive_store_compact.argtypes = [ctypes.c_void_p]
    holding.rdrive_store_compact.restype = ctypes.c_int32
    with big_store(path) as store:
        with store._handle as pointer:
            address = int(_ffi.ffi.cast("uintptr_t", pointer))
            ticks = ticks_during(lambda: holding.rdrive_store_compact(address))
    assert len(ticks) == 0
