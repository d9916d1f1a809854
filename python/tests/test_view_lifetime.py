"""A view keeps its memory alive: never a dangling pointer.

Each scenario ends with the view read back *after* everything that could
have freed the memory behind it. A regression here is a crash (SIGSEGV or
SIGBUS) or wrong bytes, so the scenarios also run in a fresh interpreter
where a crash is seen as the child's exit status.
"""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap

import rdrive

VALUE = bytes(range(256)) * 64


def take_view(store: rdrive.Store, key: str = "k") -> memoryview:
    store[key] = VALUE
    entry = store.entry(key)
    assert entry is not None
    return entry.view()  # the entry itself is dropped here


def test_a_view_outlives_its_entry(store: rdrive.Store) -> None:
    view = take_view(store)
    gc.collect()
    assert view == VALUE


def test_a_view_outlives_the_closed_store(path: str) -> None:
    store = rdrive.Store(path)
    view = take_view(store)
    store.close()
    del store
    gc.collect()
    assert view == VALUE


def test_a_view_outlives_later_writes_and_overwrites(store: rdrive.Store) -> None:
    view = take_view(store)
    for i in range(2000):
        store["k"] = f"overwrite {i}".encode() * 50
        store[f"other{i}"] = b"x" * (i % 300 + 1)
    assert view == VALUE
    assert store["k"] == b"overwrite 1999" * 50


def test_a_view_outlives_compaction(store: rdrive.Store) -> None:
    view = take_view(store)
    store["k"] = b"new"
    store.compact()
    assert view == VALUE
    assert store["k"] == b"new"


def test_a_view_outlives_everything_at_once(path: str) -> None:
    store = rdrive.Store(path)
    view = take_view(store)
    slice_ = view[100:200]
    store["k"] = b"replaced"
    del store["k"]
    store.compact()
    store.close()
    del store
    gc.collect()
    assert view == VALUE and slice_ == VALUE[100:200]


def test_views_taken_from_an_iterator_outlive_it(store: rdrive.Store) -> None:
    store.write_many((f"k{i}", f"value {i}".encode()) for i in range(50))
    views = [entry.view() for entry in store.entries()]
    store.compact()
    gc.collect()
    assert [bytes(v) for v in views] == [f"value {i}".encode() for i in reversed(range(50))]


def mapped_deleted_files(path: str) -> int:
    with open("/proc/self/maps") as maps:
        return sum(1 for line in maps if line.rstrip().endswith(f"{path} (deleted)"))


def test_the_mapping_is_released_with_the_last_view(path: str) -> None:
    with rdrive.Store(path) as store:
        view = take_view(store)
        store.compact()  # the old file is renamed over: now "(deleted)"
    gc.collect()
    assert mapped_deleted_files(path) == 1, "the view keeps the old file mapped"
    assert view == VALUE
    view.release()
    del view
    gc.collect()
    assert mapped_deleted_files(path) == 0, "the old mapping outlived its last view"


SCENARIO = textwrap.dedent(
    """
    import gc, sys, rdrive
    value = bytes(range(256)) * 64
    store = rdrive.Store(sys.argv[1])
    store["k"] = value
    view = store.entry("k").view()
    for i in range(500):
        store["k"] = b"overwrite %d" % i
    store.compact()
    store.close()
    del store
    gc.collect()
    assert view == value, "wrong bytes"
    print("ok", len(view))
    """
)


def test_the_whole_scenario_runs_cleanly_in_a_fresh_interpreter(path: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCENARIO, path], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr  # a crash gives a negative signal number
    assert result.stdout == f"ok {len(VALUE)}\n"
