"""One Store shared by many threads."""

from __future__ import annotations

import threading
import time
from typing import Dict, Iterator, List

import rdrive

ROUNDS = 400


def run_all(*targets) -> List[BaseException]:  # type: ignore[no-untyped-def]
    errors: List[BaseException] = []

    def guarded(target):  # type: ignore[no-untyped-def]
        def run() -> None:
            try:
                target()
            except BaseException as error:  # reported by the test
                errors.append(error)

        return run

    threads = [threading.Thread(target=guarded(t)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
        assert not t.is_alive(), "a thread is stuck"
    return errors


def test_threads_hammering_one_store_agree_with_a_model(store: rdrive.Store) -> None:
    models: Dict[int, Dict[str, bytes]] = {}
    views: List[memoryview] = []
    done = threading.Event()

    def writer(n: int) -> None:
        model = models.setdefault(n, {})
        for i in range(ROUNDS):
            key = f"t{n}-k{i % 37}"
            value = f"{n}:{i}".encode() * (i % 7 + 1)
            if i % 11 == 10 and key in model:
                del store[key]
                del model[key]
            elif i % 5 == 0:
                batch = {f"t{n}-b{j}": value for j in range(5)}
                store.write_many(batch)
                model.update(batch)
            else:
                store[key] = value
                model[key] = value
            assert store.get(key) == model.get(key)
            entry = store.entry(key)
            if entry is not None:
                views.append(entry.view())

    def reader() -> None:
        while not done.is_set():
            for entry in store.entries():
                assert entry.is_valid_checksum()
            len(store)

    def compactor() -> None:
        while not done.is_set():
            store.compact()
            time.sleep(0.01)

    writers = [lambda n=n: writer(n) for n in range(4)]

    def writers_then_done() -> None:
        try:
            assert not run_all(*writers)
        finally:
            done.set()

    errors = run_all(writers_then_done, reader, compactor)
    assert not errors, errors
    expected = {k: v for model in models.values() for k, v in model.items()}
    assert len(store) == len(expected)
    assert store.get_many(list(expected)) == list(expected.values())
    assert all(len(v) > 0 for v in views)  # every view still readable


def test_close_waits_for_a_call_in_flight_in_another_thread(path: str) -> None:
    store = rdrive.Store(path)
    started = threading.Event()
    results: List[int] = []

    def slow_source() -> Iterator[bytes]:
        started.set()
        for _ in range(20):
            time.sleep(0.01)
            yield b"x" * 1000

    def stream() -> None:
        results.append(store.write_stream("slow", slow_source()))

    thread = threading.Thread(target=stream)
    thread.start()
    assert started.wait(10)
    store.close()  # must not close the C handle under the running stream
    thread.join()
    assert results == [20_000]
    with rdrive.Store(path, read_only=True) as again:
        assert again["slow"] == b"x" * 20_000


def test_calls_after_a_close_from_another_thread_raise(path: str) -> None:
    store = rdrive.Store(path)
    closer = threading.Thread(target=store.close)
    closer.start()
    closer.join()
    errors: List[BaseException] = []
    try:
        store["k"] = b"v"
    except ValueError as error:
        errors.append(error)
    assert len(errors) == 1 and "closed" in str(errors[0])


def test_entries_are_shared_between_threads(store: rdrive.Store) -> None:
    store["k"] = bytes(range(256)) * 100
    entry = store.entry("k")
    assert entry is not None

    def read() -> None:
        for _ in range(200):
            assert entry.view()[255] == 255 and entry.is_valid_checksum()

    assert not run_all(*[read] * 4)
