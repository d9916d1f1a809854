"""shared=, wait= and refresh(): the many-processes modes of DESIGN §7."""

from __future__ import annotations

import rdrive


def test_two_shared_handles_see_each_others_writes(path: str) -> None:
    with rdrive.Store(path, shared=True) as first, rdrive.Store(path, shared=True) as second:
        first["a"] = b"from first"
        second["b"] = b"from second"
        assert second["a"] == b"from first" and first["b"] == b"from second"


def test_wait_opens_a_free_store_at_once(path: str) -> None:
    with rdrive.Store(path, wait=True) as store:
        store["k"] = b"v"
        assert store["k"] == b"v"


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
