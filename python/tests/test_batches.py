"""write_many, get_many, delete_many: one C call each."""

from __future__ import annotations

import array

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


def test_get_many_returns_values_larger_than_its_first_buffer_whole(store: rdrive.Store) -> None:
    big = [bytes([i]) * 300_000 + b"end" for i in range(1, 4)]
    store.write_many({"big1": big[0], "big2": big[1], "big3": big[2], "small": b"s1"})
    got = store.get_many(["big1", "none", "small", "big3", "big2", "big1"])
    assert got == [big[0], None, b"s1", big[2], big[1], big[0]]


def test_get_many_takes_any_iterable_of_any_bytes_like_keys(store: rdrive.Store) -> None:
    store.write_many({"a": b"1", "b": b"2", "\u00e9": b"3"})
    keys = iter([b"a", bytearray(b"b"), memoryview(b"xa")[1:], "\u00e9", b"zz"])
    assert store.get_many(keys) == [b"1", b"2", b"1", b"3", None]
    # A view of wider items is the key of its bytes, as everywhere else.
    wide = array.array("H", [0x6261])  # the bytes b"ab" on little-endian machines
    store[wide] = b"wide"
    assert store.get_many([wide, b"ab"]) == [b"wide", b"wide"]
