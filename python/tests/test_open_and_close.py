"""Opening flags, the context manager and close()."""

from __future__ import annotations

import os

import pytest

import rdrive


def test_the_context_manager_closes_the_store(path: str) -> None:
    with rdrive.Store(path) as store:
        store["k"] = b"v"
        assert not store.closed
    assert store.closed
    with rdrive.Store(path, read_only=True) as again:
        assert again["k"] == b"v"


def test_closing_releases_the_writer_lock(path: str) -> None:
    store = rdrive.Store(path)
    store["k"] = b"v"
    store.close()
    with rdrive.Store(path) as again:  # would raise LockedError if still held
        assert again["k"] == b"v"


def test_calls_on_a_closed_store_raise_value_error(path: str) -> None:
    store = rdrive.Store(path)
    store.close()
    with pytest.raises(ValueError, match="closed"):
        store["k"]
    with pytest.raises(ValueError, match="closed"):
        store["k"] = b"v"
    with pytest.raises(ValueError, match="closed"):
        len(store)


def test_closing_twice_does_nothing(path: str) -> None:
    store = rdrive.Store(path)
    store.close()
    store.close()
    assert store.closed


def test_a_store_dropped_without_close_is_closed_when_collected(path: str) -> None:
    store = rdrive.Store(path)
    store["k"] = b"v"
    del store
    with rdrive.Store(path) as again:
        assert again["k"] == b"v"


def test_read_only_opens_never_create_the_file(path: str) -> None:
    with pytest.raises(rdrive.StoreIOError):
        rdrive.Store(path, read_only=True)
    assert not os.path.exists(path)


def test_must_exist_refuses_a_missing_file(path: str) -> None:
    with pytest.raises(rdrive.StoreIOError):
        rdrive.Store(path, must_exist=True)
    assert not os.path.exists(path)


def test_sync_and_the_sync_flag_keep_writes(path: str) -> None:
    with rdrive.Store(path, sync=True) as store:
        store["a"] = b"1"
    with rdrive.Store(path) as store:
        store["b"] = b"2"
        store.sync()
    with rdrive.Store(path, read_only=True) as store:
        assert store["a"] == b"1" and store["b"] == b"2"


def test_a_torn_tail_is_recovered_and_reported(path: str) -> None:
    with rdrive.Store(path) as store:
        store["a"] = b"1"
    with open(path, "ab") as f:
        f.write(b"\xab" * 37)
    with rdrive.Store(path) as store:
        assert store["a"] == b"1"
        assert store.recovered_bytes == 37


def test_repair_discards_a_file_without_any_valid_entry(path: str) -> None:
    with open(path, "wb") as f:
        f.write(b"not a store at all, just some text" * 3)
    with pytest.raises(rdrive.CorruptError):
        rdrive.Store(path)
    with rdrive.Store(path, repair=True) as store:
        assert len(store) == 0


def test_opening_without_the_index_cache_leaves_no_cache_file(path: str) -> None:
    cache = path + ".rdrive-index"
    pairs = [(f"k{i}", b"v") for i in range(20000)]  # enough keys to earn a cache
    with rdrive.Store(path) as store:
        store.write_many(pairs)
    assert os.path.exists(cache)
    os.remove(cache)
    with rdrive.Store(path, index_cache=False) as store:
        store["more"] = b"w"
    assert not os.path.exists(cache)
    with rdrive.Store(path, index_cache=False, read_only=True) as store:
        assert len(store) == 20001


def test_paths_may_be_str_bytes_or_path_like(tmp_path) -> None:
    for path in (str(tmp_path / "a.rdrive"), os.fsencode(tmp_path / "b.rdrive"), tmp_path / "c.rdrive"):
        with rdrive.Store(path) as store:
            store["k"] = b"v"
        assert os.path.exists(path)


def test_a_path_with_a_nul_byte_is_refused(tmp_path) -> None:
    with pytest.raises(ValueError):
        rdrive.Store(str(tmp_path / "a\0b"))


def test_the_repr_names_the_path_and_state(path: str) -> None:
    store = rdrive.Store(path)
    assert repr(store) == f"<rdrive.Store {path!r} read-write>"
    store.close()
    assert repr(store) == f"<rdrive.Store {path!r} closed>"
