"""write_many, get_many, delete_many: one C call each."""

from __future__ import annotations

import pytest

import rdrive


def test_write_many_takes_a_mapping(store: rdrive.Store) -> None:
    store.write_many({"a": b"1", b"b": bytearray(b"2")})
    assert store["a"] == b"1" and store["b"] == b"2"


def test_write_many_takes_an_iterable_of_pairs(store: rdrive.Store) -> None:
    store.write_many((f"k{i}", f"v{i}".encode()) for i in range(1000))
    assert len(store) == 1000 and store["k999"] == b"v999"


def test_within_a_batch_the_last_write_of_a_key_wins(store: rdrive.Store) -> None:
    store.write_many([("k", b"first"), ("k", b"second")])
    assert store["k"] == b"second" and len(store) == 1


def test_a_batch_with_one_invalid_value_writes_nothing(store: rdrive.Store) -> None:
    store["before"] = b"x"
    size = store.file_size
    with pytest.raises(rdrive.InvalidArgumentError):
        store.write_many([("a", b"1"), ("b", b""), ("c", b"3")])
    assert store.file_size == size and "a" not in store and len(store) == 1


def test_a_batch_with_a_value_of_the_wrong_type_writes_nothing(store: rdrive.Store) -> None:
    with pytest.raises(TypeError):
        store.write_many([("a", b"1"), ("b", "text")])  # type: ignore[list-item]
    assert store.file_size == 0


def test_an_empty_batch_does_nothing(store: rdrive.Store) -> None:
    store.write_many([])
    assert store.get_many([]) == []
    assert store.delete_many([]) == 0
    assert store.file_size == 0


def test_get_many_returns_copies_in_order_with_none_for_absent_keys(store: rdrive.Store) -> None:
    store.write_many({"a": b"1", "c": b"3"})
    assert store.get_many(["c", "b", "a", b"a"]) == [b"3", None, b"1", b"1"]


def test_delete_many_skips_absent_keys_and_counts_deletions(store: rdrive.Store) -> None:
    store.write_many({"a": b"1", "b": b"2", "c": b"3"})
    assert store.delete_many(["a", "missing", "c"]) == 2
    assert store.get_many(["a", "b", "c"]) == [None, b"2", None]
    assert len(store) == 1


def test_entries_can_be_written_in_a_batch_without_copying_them_first(store: rdrive.Store) -> None:
    store["source"] = b"payload"
    entry = store.entry("source")
    assert entry is not None
    store.write_many([("copy", entry)])
    assert store["copy"] == b"payload"
