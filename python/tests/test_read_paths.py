"""The two paths of ``store[key]``, ``get`` and ``in``: compiled
(``rdrive/_fast.c``, when it was built) and cffi (``_store._PureReads``).
Both give the same values and raise the same exceptions.

The suite runs once per path (scripts/test-python.sh sets
RDRIVE_PURE_PYTHON=1 for the second run); within a run, each case here
compares what the store does with what the cffi methods do on the same
store, so in the compiled run the two paths meet side by side.
"""

from __future__ import annotations

import array
import os
import threading
import time
from typing import Any, Callable, Dict, List, Tuple

import pytest

import rdrive
from rdrive import _store
from rdrive._ffi import lib

PURE = _store._PureReads
COMPILED = _store.READ_PATH == "compiled"

Outcome = Tuple[Any, ...]


def outcome(call: Callable[[], Any]) -> Outcome:
    try:
        value = call()
    except Exception as error:  # compared, not hidden
        return ("raised", type(error), error.args, getattr(error, "status", None))
    return ("returned", type(value), value)


def reads(store: rdrive.Store, key: Any) -> List[Outcome]:
    """Every single-key read of ``key``, through the store and through the
    cffi methods; asserts that the two agree and returns the store's."""
    sentinel = object()
    through_store = [
        outcome(lambda: store[key]),
        outcome(lambda: store.get(key)),
        outcome(lambda: store.get(key, sentinel)),
        outcome(lambda: store.get(key=key, default=sentinel)),
        outcome(lambda: key in store),
    ]
    through_cffi = [
        outcome(lambda: PURE.__getitem__(store, key)),
        outcome(lambda: PURE.get(store, key)),
        outcome(lambda: PURE.get(store, key, sentinel)),
        outcome(lambda: PURE.get(store, key=key, default=sentinel)),
        outcome(lambda: PURE.__contains__(store, key)),
    ]
    assert through_store == through_cffi
    return through_store


def found(value: bytes) -> List[Outcome]:
    got = ("returned", bytes, value)
    return [got, got, got, got, ("returned", bool, True)]


def assert_absent(store: rdrive.Store, key: Any) -> None:
    got = reads(store, key)
    assert got[0] == ("raised", KeyError, (key,), None)
    assert got[1] == ("returned", type(None), None)
    assert got[2][:2] == got[3][:2] == ("returned", object)
    assert got[4] == ("returned", bool, False)


def assert_raises_everywhere(store: rdrive.Store, key: Any, kind: type, args: Tuple[Any, ...]) -> None:
    for got in reads(store, key):
        assert got[:3] == ("raised", kind, args)


# --- which path runs


def test_the_expected_read_path_is_active() -> None:
    if os.environ.get("RDRIVE_PURE_PYTHON", "") not in ("", "0"):
        assert _store.READ_PATH == "cffi"
    expected = os.environ.get("RDRIVE_EXPECT_READ_PATH")
    if not expected:
        pytest.skip("RDRIVE_EXPECT_READ_PATH is not set (scripts/test-python.sh sets it)")
    assert _store.READ_PATH == expected


@pytest.mark.skipif(not COMPILED, reason="the compiled path is not active")
def test_the_store_reads_through_the_compiled_slots() -> None:
    base = _store._fast.StoreBase
    assert rdrive.Store.__getitem__ is base.__getitem__
    assert rdrive.Store.__contains__ is base.__contains__
    assert rdrive.Store.get is base.get
    for name in ("__getitem__", "__contains__", "get"):
        assert name not in vars(rdrive.Store)


@pytest.mark.skipif(COMPILED, reason="the compiled path is active")
def test_without_the_compiled_path_the_store_reads_over_cffi() -> None:
    assert rdrive.Store.__getitem__ is PURE.__getitem__
    assert rdrive.Store.get is PURE.get
    assert rdrive.Store.__contains__ is PURE.__contains__


# --- same results, same exceptions


def test_absent_and_deleted_keys(store: rdrive.Store) -> None:
    store["gone"] = b"v"
    assert reads(store, "gone") == found(b"v")
    del store["gone"]
    for key in ("missing", b"missing", "gone", b"gone", "", b""):
        assert_absent(store, key)


def test_str_and_bytes_like_keys(store: rdrive.Store) -> None:
    class Text(str):
        pass

    class Data(bytes):
        pass

    store["clé"] = b"accent"
    store[""] = b"empty key"
    for key in ("clé", "clé".encode(), Text("clé"), Data("clé".encode()), bytearray("clé".encode()),
                memoryview("clé".encode()), array.array("B", "clé".encode())):
        assert reads(store, key) == found(b"accent"), key
    assert reads(store, "") == reads(store, b"") == found(b"empty key")
    # Wider items: their bytes, as the cffi path has always read them.
    wide = array.array("H", [1, 2])
    store[wide.tobytes()] = b"wide"
    assert reads(store, wide) == found(b"wide")


def test_bad_key_types(store: rdrive.Store) -> None:
    for key in (42, None, 1.5, object(), ["k"], ("k",), {"k": 1}):
        name = type(key).__name__
        assert_raises_everywhere(store, key, TypeError, (f"a key is str or bytes-like, not {name}",))
    # A str that UTF-8 cannot encode: the codec's own error, from both.
    got = reads(store, "\udc80")
    assert all(g[:2] == ("raised", UnicodeEncodeError) for g in got)


def test_the_smallest_values_and_no_empty_ones(store: rdrive.Store) -> None:
    store["one"] = b"\x01"
    store["zeros"] = b"\x00\x00"
    assert reads(store, "one") == found(b"\x01")
    assert reads(store, "zeros") == found(b"\x00\x00")
    with pytest.raises(rdrive.InvalidArgumentError):
        store["empty"] = b""  # a store holds no empty values
    assert_absent(store, "empty")


@pytest.mark.parametrize("size", [4095, 4096, 4097, 65536, 3_000_001])
def test_values_beyond_the_scratch_buffer(store: rdrive.Store, size: int) -> None:
    value = bytes(i % 251 for i in range(size))
    store["k"] = value
    assert reads(store, "k") == found(value)


def test_a_closed_store(path: str) -> None:
    store = rdrive.Store(path)
    store["k"] = b"v"
    store.close()
    for key in ("k", b"k", "missing", bytearray(b"k")):
        assert_raises_everywhere(store, key, ValueError, ("the store is closed",))
    # The key is checked first, on both paths.
    assert_raises_everywhere(store, 42, TypeError, ("a key is str or bytes-like, not int",))


def test_a_library_error_carries_its_status_and_detail(path: str) -> None:
    with rdrive.Store(path) as store:
        store["small"] = b"s" * 100
        store["large"] = b"l" * 10_000
    with rdrive.Store(path, read_only=True) as store:
        # Another program overwrites the mapped file: the reads find it.
        size = os.path.getsize(path)
        with open(path, "r+b") as f:
            f.write(b"\xff" * size)
        for key in ("small", "large"):
            got = reads(store, key)
            for g in got[:4]:
                assert g[:2] == ("raised", rdrive.CorruptError)
                assert g[3] == lib.RDRIVE_ERR_CORRUPT
                assert "rdrive_store_read_into" in g[2][0] and "corrupt" in g[2][0]
            assert got[4] == ("returned", bool, True)  # the index still has it


@pytest.mark.skipif(not COMPILED, reason="the compiled path is not active")
def test_compiled_calls_in_flight_are_counted_back_to_zero(path: str) -> None:
    store = rdrive.Store(path)
    reader = store._handle._reader
    store["k"] = b"v" * 10_000
    store["k2"] = b"v"
    for call in (lambda: store["k"], lambda: store["k2"], lambda: store.get("missing"),
                 lambda: "k" in store, lambda: store["missing"]):
        outcome(call)
        assert reader.busy == 0
    store.close()
    outcome(lambda: store["k"])
    assert reader.busy == 0


# --- threads


class ClosingLibrary:
    """The library as _store sees it, but noting how many calls are in
    flight on the store when rdrive_store_close() is called."""

    def __init__(self) -> None:
        self.store: Any = None
        self.in_flight_at_close: List[int] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(lib, name)

    def rdrive_store_close(self, pointer: Any) -> None:
        self.in_flight_at_close.append(in_flight(self.store))
        lib.rdrive_store_close(pointer)


@pytest.mark.parametrize("via", ["store", "cffi"])
def test_threads_reading_while_another_thread_closes(
    path: str, via: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    values = {b"small": b"s" * 8, b"large": os.urandom(1 << 20)}
    closing = ClosingLibrary()
    monkeypatch.setattr(_store, "lib", closing)
    busy_closes = 0
    for _ in range(10):
        store = closing.store = rdrive.Store(path)
        store.write_many(values)
        calls: Dict[str, Callable[[bytes], Any]]
        if via == "cffi":
            calls = {
                "getitem": lambda k: PURE.__getitem__(store, k),
                "get": lambda k: PURE.get(store, k),
                "in": lambda k: PURE.__contains__(store, k),
            }
        else:
            calls = {
                "getitem": lambda k: store[k],
                "get": lambda k: store.get(k),
                "in": lambda k: k in store,
            }
        started = threading.Barrier(7)
        endings: List[BaseException] = []
        wrong: List[Any] = []

        def read(name: str, key: bytes) -> None:
            call = calls[name]
            want = True if name == "in" else values[key]
            started.wait()
            try:
                while True:
                    got = call(key)
                    if got != want:
                        wrong.append((name, key, got))
            except BaseException as error:  # the close ends the loop
                endings.append(error)

        threads = [threading.Thread(target=read, args=(n, k)) for n in calls for k in values]
        for t in threads:
            t.start()
        started.wait()
        deadline = time.monotonic() + 10
        while not in_flight(store) and time.monotonic() < deadline:
            time.sleep(0.0001)  # lets the readers run into the library
        seen = in_flight(store)
        busy_closes += seen > 0
        store.close()
        # The C store was freed with no call using it.
        assert closing.in_flight_at_close[-1] == 0, f"{seen} calls in flight before close()"
        for t in threads:
            t.join(timeout=60)
            assert not t.is_alive()
        assert not wrong
        assert len(endings) == 6
        assert all(type(e) is ValueError and e.args == ("the store is closed",) for e in endings)
    assert busy_closes > 0, "no close() met a call in flight: the test proved nothing"


def in_flight(store: rdrive.Store) -> int:
    handle = store._handle
    reader = handle._reader
    return len(handle._inflight) + (0 if reader is None else reader.busy)
