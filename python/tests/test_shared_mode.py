"""shared=, wait= and refresh(): wired to the C names of DESIGN §7 when the
library provides them; a clear NotImplementedError until then."""

from __future__ import annotations

import os

import pytest

import rdrive
from rdrive._ffi import optional

HAS_SHARED = optional("RDRIVE_OPEN_SHARED") is not None
HAS_WAIT = optional("RDRIVE_OPEN_WAIT") is not None
HAS_REFRESH = optional("rdrive_store_refresh") is not None


@pytest.mark.skipif(HAS_SHARED, reason="the library provides RDRIVE_OPEN_SHARED")
def test_shared_is_not_implemented_by_this_library(path: str) -> None:
    with pytest.raises(NotImplementedError, match="RDRIVE_OPEN_SHARED"):
        rdrive.Store(path, shared=True)
    assert not os.path.exists(path)


@pytest.mark.skipif(HAS_WAIT, reason="the library provides RDRIVE_OPEN_WAIT")
def test_wait_is_not_implemented_by_this_library(path: str) -> None:
    with pytest.raises(NotImplementedError, match="RDRIVE_OPEN_WAIT"):
        rdrive.Store(path, wait=True)
    assert not os.path.exists(path)


@pytest.mark.skipif(HAS_REFRESH, reason="the library provides rdrive_store_refresh")
def test_refresh_is_not_implemented_by_this_library(store: rdrive.Store) -> None:
    with pytest.raises(NotImplementedError, match="rdrive_store_refresh"):
        store.refresh()
    store["k"] = b"still usable"
    assert store["k"] == b"still usable"


@pytest.mark.skipif(not HAS_SHARED, reason="the library has no RDRIVE_OPEN_SHARED yet")
def test_two_shared_handles_see_each_others_writes(path: str) -> None:
    with rdrive.Store(path, shared=True) as first, rdrive.Store(path, shared=True) as second:
        first["a"] = b"from first"
        second["b"] = b"from second"
        assert second["a"] == b"from first" and first["b"] == b"from second"


@pytest.mark.skipif(not HAS_WAIT, reason="the library has no RDRIVE_OPEN_WAIT yet")
def test_wait_opens_a_free_store_at_once(path: str) -> None:
    with rdrive.Store(path, wait=True) as store:
        store["k"] = b"v"
        assert store["k"] == b"v"


@pytest.mark.skipif(not HAS_REFRESH, reason="the library has no rdrive_store_refresh yet")
def test_refresh_brings_a_read_only_follower_up_to_date(path: str) -> None:
    with rdrive.Store(path) as writer:
        writer["a"] = b"1"
        with rdrive.Store(path, read_only=True) as follower:
            writer["b"] = b"2"
            writer["c"] = b"3"
            del writer["a"]
            writer.sync()
            assert "b" not in follower
            assert follower.refresh() == 3  # two values and a tombstone
            assert follower["b"] == b"2" and "a" not in follower
