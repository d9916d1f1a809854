"""compact(): reclaiming space, with an optional progress callable."""

from __future__ import annotations

from typing import List, Tuple

import pytest

import rdrive


def fill(store: rdrive.Store) -> None:
    for round in range(3):
        store.write_many((f"k{i}", f"{round}-{i}".encode() * 10) for i in range(200))
    store.delete_many(f"k{i}" for i in range(0, 200, 2))


def test_compaction_reclaims_dead_space_and_keeps_live_values(store: rdrive.Store) -> None:
    fill(store)
    before = store.file_size
    assert store.reclaimable_bytes > 0
    store.compact()
    assert store.reclaimable_bytes == 0
    assert store.file_size < before
    assert len(store) == 100
    assert store["k1"] == b"2-1" * 10 and "k0" not in store


def test_the_store_keeps_working_after_compaction(path: str) -> None:
    with rdrive.Store(path) as store:
        fill(store)
        store.compact()
        store["new"] = b"after"
        assert store["new"] == b"after"
    with rdrive.Store(path, read_only=True) as store:
        assert store["new"] == b"after" and len(store) == 101


def test_progress_counts_bytes_up_to_the_total(store: rdrive.Store) -> None:
    fill(store)
    calls: List[Tuple[int, int]] = []
    store.compact(progress=lambda done, total: calls.append((done, total)))
    assert calls, "progress was never called"
    # Progress counts bytes of the new file: one total throughout, reached
    # at the end, never going back.
    total = calls[0][1]
    assert total > 99 * 64, "100 live entries start 64 bytes apart or more"
    assert all(t == total for _, t in calls)
    assert calls[-1] == (total, total)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_progress_returning_false_stops_it_and_leaves_the_store_as_it_was(
    store: rdrive.Store,
) -> None:
    fill(store)
    size, reclaimable = store.file_size, store.reclaimable_bytes
    with pytest.raises(rdrive.AbortedError) as caught:
        store.compact(progress=lambda done, total: False)
    assert caught.value.status == rdrive._ffi.lib.RDRIVE_ERR_ABORTED
    assert store.file_size == size and store.reclaimable_bytes == reclaimable
    assert store["k1"] == b"2-1" * 10


def test_an_exception_in_progress_propagates_and_leaves_the_store_as_it_was(
    store: rdrive.Store,
) -> None:
    fill(store)
    size = store.file_size

    def progress(done: int, total: int) -> None:
        raise ZeroDivisionError("stop here")

    with pytest.raises(ZeroDivisionError, match="stop here"):
        store.compact(progress=progress)
    assert store.file_size == size and len(store) == 100


def test_progress_that_compacts_again_gets_an_error_not_a_deadlock(store: rdrive.Store) -> None:
    fill(store)
    with pytest.raises(rdrive.InvalidArgumentError, match="re-entrant"):
        store.compact(progress=lambda done, total: store.compact())


def test_progress_cannot_close_its_store(store: rdrive.Store) -> None:
    fill(store)
    with pytest.raises(RuntimeError):
        store.compact(progress=lambda done, total: store.close())
    assert not store.closed and len(store) == 100


def test_compacting_a_read_only_store_is_refused(path: str) -> None:
    with rdrive.Store(path) as store:
        fill(store)
    with rdrive.Store(path, read_only=True) as store:
        with pytest.raises(rdrive.ReadOnlyError):
            store.compact()
