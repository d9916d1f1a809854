"""numpy.frombuffer on a view: no copy, read-only, lifetime-safe."""

from __future__ import annotations

import gc
import sys

import pytest

import rdrive
from rdrive._ffi import ffi

np = pytest.importorskip("numpy")


def payload_address(entry: rdrive.Entry) -> int:
    """Where the library says the value is (inside its memory map)."""
    return int(ffi.cast("uintptr_t", entry._data))


def test_frombuffer_uses_the_mapped_bytes_without_a_copy(store: rdrive.Store) -> None:
    data = np.arange(1000, dtype=np.float64)
    store["floats"] = data.tobytes()
    entry = store.entry("floats")
    assert entry is not None
    array = np.frombuffer(entry.view(), dtype=np.float64)
    assert array.__array_interface__["data"][0] == payload_address(entry)
    assert np.array_equal(array, data)
    assert array.__array_interface__["data"][0] % 64 == 0  # values are 64-byte aligned


def test_arrays_from_two_views_of_an_entry_share_memory(store: rdrive.Store) -> None:
    store["k"] = np.arange(64, dtype=np.int32).tobytes()
    entry = store.entry("k")
    assert entry is not None
    first = np.frombuffer(entry.view(), dtype=np.int32)
    second = np.frombuffer(entry.view(), dtype=np.int32)
    assert np.shares_memory(first, second)


def test_such_an_array_is_read_only(store: rdrive.Store) -> None:
    store["k"] = np.ones(16, dtype=np.uint8).tobytes()
    entry = store.entry("k")
    assert entry is not None
    array = np.frombuffer(entry.view(), dtype=np.uint8)
    assert not array.flags.writeable
    with pytest.raises(ValueError):
        array[0] = 2
    with pytest.raises(ValueError):
        array.flags.writeable = True


def test_such_an_array_outlives_the_entry_the_store_and_compaction(path: str) -> None:
    store = rdrive.Store(path)
    data = np.linspace(0.0, 1.0, 4096)
    store["k"] = data.tobytes()
    array = np.frombuffer(store.entry("k").view(), dtype=np.float64)  # type: ignore[union-attr]
    store["k"] = b"replaced"
    store.compact()
    store.close()
    del store
    gc.collect()
    assert np.array_equal(array, data)


@pytest.mark.skipif(sys.version_info < (3, 12), reason="PEP 688 needs Python 3.12")
def test_frombuffer_takes_an_entry_directly_on_python_3_12(store: rdrive.Store) -> None:
    store["k"] = np.arange(10, dtype=np.int64).tobytes()
    entry = store.entry("k")
    assert entry is not None
    array = np.frombuffer(entry, dtype=np.int64)
    assert array.__array_interface__["data"][0] == payload_address(entry)
    assert not array.flags.writeable
