"""Views are read-only: writing through one raises, never crashes."""

from __future__ import annotations

import ctypes
import io
import sys

import pytest

import rdrive


@pytest.fixture
def view(store: rdrive.Store) -> memoryview:
    store["k"] = b"read-only bytes"
    entry = store.entry("k")
    assert entry is not None
    return entry.view()


def test_a_view_is_marked_read_only(view: memoryview) -> None:
    assert view.readonly
    assert view.format == "B" and view.itemsize == 1 and view.contiguous


def test_item_assignment_raises_type_error(view: memoryview) -> None:
    with pytest.raises(TypeError):
        view[0] = 1


def test_slice_assignment_raises_type_error(view: memoryview) -> None:
    with pytest.raises(TypeError):
        view[0:4] = b"oops"


def test_views_of_a_view_stay_read_only(view: memoryview) -> None:
    for derived in (memoryview(view), view[2:8], view.cast("c")):
        assert derived.readonly
        with pytest.raises(TypeError):
            derived[0] = derived[1]


def test_a_view_cannot_be_read_into(view: memoryview) -> None:
    with pytest.raises(TypeError):
        io.BytesIO(b"data").readinto(view)


def test_a_view_cannot_back_a_writable_ctypes_object(view: memoryview) -> None:
    with pytest.raises(TypeError):
        (ctypes.c_char * len(view)).from_buffer(view)


def test_the_bytes_are_unchanged_after_the_attempts(view: memoryview) -> None:
    for attempt in (lambda: view.__setitem__(0, 1), lambda: io.BytesIO(b"x").readinto(view)):
        with pytest.raises(TypeError):
            attempt()
    assert view == b"read-only bytes"


@pytest.mark.skipif(sys.version_info < (3, 12), reason="PEP 688 needs Python 3.12")
def test_the_object_behind_a_view_offers_no_writable_buffer(view: memoryview) -> None:
    try:
        behind = memoryview(view.obj)  # type: ignore[arg-type]
    except TypeError:
        return  # not a buffer at all
    assert behind.readonly


@pytest.mark.skipif(sys.version_info < (3, 12), reason="PEP 688 needs Python 3.12")
def test_memoryview_of_an_entry_is_read_only(store: rdrive.Store) -> None:
    store["k"] = b"read-only bytes"
    entry = store.entry("k")
    view = memoryview(entry)  # type: ignore[arg-type]
    assert view.readonly
    with pytest.raises(TypeError):
        view[0] = 1
    with pytest.raises(TypeError):
        (ctypes.c_char * len(entry)).from_buffer(entry)  # type: ignore[arg-type, operator]
