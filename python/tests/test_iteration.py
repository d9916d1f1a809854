"""entries(): live values, newest first, as a snapshot."""

from __future__ import annotations

import rdrive


def test_entries_yields_each_live_value_once_newest_first(store: rdrive.Store) -> None:
    store["a"] = b"1"
    store["b"] = b"2"
    store["c"] = b"3"
    store["a"] = b"4"
    del store["b"]
    assert [bytes(e) for e in store.entries()] == [b"4", b"3"]
    assert [e.key_hash for e in store.entries()] == [rdrive.hash_key("a"), rdrive.hash_key("c")]


def test_entries_is_a_snapshot_taken_when_called(store: rdrive.Store) -> None:
    store["a"] = b"1"
    entries = store.entries()
    store["b"] = b"2"
    del store["a"]
    assert [bytes(e) for e in entries] == [b"1"]


def test_an_iterator_outlives_its_store(path: str) -> None:
    store = rdrive.Store(path)
    store.write_many((f"k{i}", f"{i}".encode()) for i in range(100))
    entries = store.entries()
    first = next(entries)
    store.close()
    rest = list(entries)
    assert len(rest) == 99
    assert bytes(first) == b"99" and bytes(rest[-1]) == b"0"


def test_entries_of_an_empty_store_is_empty(store: rdrive.Store) -> None:
    assert list(store.entries()) == []


def test_last_entry_is_the_newest_live_value(store: rdrive.Store) -> None:
    assert store.last_entry() is None
    store["a"] = b"1"
    store["b"] = b"2"
    last = store.last_entry()
    assert last is not None and bytes(last) == b"2"
    del store["b"]
    last = store.last_entry()
    assert last is not None and bytes(last) == b"1"


def test_entry_by_hash_finds_what_iteration_reports(store: rdrive.Store) -> None:
    store.write_many((f"k{i}", f"{i}".encode()) for i in range(10))
    for entry in store.entries():
        found = store.entry_by_hash(entry.key_hash)
        assert found is not None and bytes(found) == bytes(entry)
    assert store.entry_by_hash(rdrive.hash_key("missing")) is None
