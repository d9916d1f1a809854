"""Entry: a value read in place, and what it tells about itself."""

from __future__ import annotations

import zlib

import pytest

import rdrive


def test_entry_returns_none_for_an_absent_key(store: rdrive.Store) -> None:
    assert store.entry("missing") is None


def test_an_entry_knows_its_value_and_trailer(store: rdrive.Store) -> None:
    store["a"] = b"hello"
    store["b"] = b"x" * 70
    entry = store.entry("b")
    assert entry is not None
    assert bytes(entry) == b"x" * 70 and len(entry) == 70
    assert entry.key_hash == rdrive.hash_key("b")
    assert entry.checksum == zlib.crc32(b"x" * 70)
    assert entry.start_offset % 64 == 0
    assert entry.end_offset - entry.start_offset == 70
    assert entry.prev_offset == 25  # "a": 5 bytes + 20-byte trailer
    assert entry.is_valid_checksum()


def test_the_documented_worked_example_has_these_offsets(store: rdrive.Store) -> None:
    store["a"] = b"hello"
    store["b"] = b"A"
    store["c"] = bytes([0x11]) * 70
    del store["b"]
    entry = store.entry("c")
    assert entry is not None
    assert (entry.start_offset, entry.end_offset) == (128, 198)
    assert store.file_size == 239


def test_an_entry_is_not_made_by_hand() -> None:
    with pytest.raises(TypeError):
        rdrive.Entry()


def test_an_entry_can_be_written_as_a_value(store: rdrive.Store) -> None:
    store["a"] = b"payload"
    entry = store.entry("a")
    assert entry is not None
    store["b"] = entry
    assert store["b"] == b"payload"


def test_the_repr_shows_hash_size_and_offset(store: rdrive.Store) -> None:
    store["a"] = b"hello"
    entry = store.entry("a")
    assert repr(entry) == f"<rdrive.Entry key_hash=0x{rdrive.hash_key('a'):016x} size=5 offset=0>"
