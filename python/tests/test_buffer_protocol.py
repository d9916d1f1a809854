"""memoryview(entry) (PEP 688, Python 3.12+) and views on every version."""

from __future__ import annotations

import sys

import pytest

import rdrive


@pytest.mark.skipif(sys.version_info < (3, 12), reason="PEP 688 needs Python 3.12")
def test_memoryview_of_an_entry_shows_its_bytes_in_place(store: rdrive.Store) -> None:
    store["k"] = b"zero-copy"
    entry = store.entry("k")
    assert entry is not None
    view = memoryview(entry)  # type: ignore[arg-type]
    assert view == b"zero-copy" and view.readonly
    assert bytes(entry) == b"zero-copy"


@pytest.mark.skipif(sys.version_info < (3, 12), reason="PEP 688 needs Python 3.12")
def test_memoryview_of_an_entry_outlives_the_entry_and_the_store(path: str) -> None:
    store = rdrive.Store(path)
    store["k"] = b"kept alive"
    view = memoryview(store.entry("k"))  # type: ignore[arg-type]
    store["k"] = b"changed"
    store.compact()
    store.close()
    assert view == b"kept alive"


@pytest.mark.skipif(sys.version_info < (3, 12), reason="PEP 688 needs Python 3.12")
def test_an_entry_is_a_buffer_for_functions_that_take_one(store: rdrive.Store) -> None:
    store["k"] = b"abc"
    entry = store.entry("k")
    assert bytearray(entry) == bytearray(b"abc")  # type: ignore[arg-type]
    assert b"-".join([entry, entry]) == b"abc-abc"  # type: ignore[list-item]


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="before PEP 688")
def test_before_python_3_12_an_entry_is_not_a_buffer_but_view_is(store: rdrive.Store) -> None:
    store["k"] = b"abc"
    entry = store.entry("k")
    assert entry is not None
    with pytest.raises(TypeError):
        memoryview(entry)  # type: ignore[arg-type]
    assert memoryview(entry.view()) == b"abc"


def test_view_and_bytes_agree_on_every_version(store: rdrive.Store) -> None:
    store["k"] = bytes(range(200))
    entry = store.entry("k")
    assert entry is not None
    assert entry.view().tobytes() == bytes(entry) == bytes(range(200))
    assert len(entry.view()) == len(entry) == 200
