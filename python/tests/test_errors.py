"""Every C status maps to its exception class, raised by a real failure."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import textwrap
import threading
from typing import Dict

import pytest

import rdrive
from rdrive import _errors
from rdrive._ffi import lib


def test_invalid_argument_is_a_value_error_with_the_library_detail(store: rdrive.Store) -> None:
    with pytest.raises(rdrive.InvalidArgumentError) as caught:
        store["k"] = b""
    error = caught.value
    assert isinstance(error, ValueError) and isinstance(error, rdrive.Error)
    assert error.status == lib.RDRIVE_ERR_INVALID_ARG
    assert "rdrive_store_write" in error.detail and "empty" in error.detail
    assert str(error) == error.detail


def test_an_os_failure_is_a_store_io_error_and_an_os_error(tmp_path) -> None:
    missing = str(tmp_path / "missing.rdrive")
    with pytest.raises(rdrive.StoreIOError) as caught:
        rdrive.Store(missing, read_only=True)
    assert isinstance(caught.value, OSError)
    assert caught.value.status == lib.RDRIVE_ERR_IO
    assert missing in caught.value.detail and "No such file" in caught.value.detail


def test_a_file_that_is_not_a_store_is_corrupt_and_left_untouched(path: str) -> None:
    garbage = os.urandom(1000)
    with open(path, "wb") as f:
        f.write(garbage)
    with pytest.raises(rdrive.CorruptError) as caught:
        rdrive.Store(path)
    assert caught.value.status == lib.RDRIVE_ERR_CORRUPT
    with open(path, "rb") as f:
        assert f.read() == garbage


def test_a_second_writer_is_locked_out(store: rdrive.Store, path: str) -> None:
    with pytest.raises(rdrive.LockedError) as caught:
        rdrive.Store(path)
    assert caught.value.status == lib.RDRIVE_ERR_LOCKED
    assert "locked" in caught.value.detail


def test_writing_to_a_read_only_store_is_refused(path: str) -> None:
    with rdrive.Store(path) as store:
        store["k"] = b"v"
    with rdrive.Store(path, read_only=True) as store:
        for write in (
            lambda: store.__setitem__("k", b"w"),
            lambda: store.__delitem__("k"),
            lambda: store.write_many({"a": b"1"}),
        ):
            with pytest.raises(rdrive.ReadOnlyError) as caught:
                write()
            assert caught.value.status == lib.RDRIVE_ERR_READ_ONLY
        assert store["k"] == b"v"


POISON = textwrap.dedent(
    """
    import resource, signal, sys, rdrive
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    store = rdrive.Store(sys.argv[1], index_cache=False)
    store["small"] = b"x" * 100
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
    try:
        store["big"] = b"y" * 100_000
    except rdrive.StoreIOError as error:
        print("io", error.status)
    try:
        store["next"] = b"z"
    except rdrive.PoisonedError as error:
        print("poisoned", error.status, "detail" if error.detail else "no detail")
    print("read", store["small"] == b"x" * 100)
    """
)


def test_a_failed_write_poisons_the_handle(path: str) -> None:
    # In a child process: it lowers its own file-size limit to make the
    # write fail.
    result = subprocess.run(
        [sys.executable, "-c", POISON, path], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:3] == [
        f"io {lib.RDRIVE_ERR_IO}",
        f"poisoned {lib.RDRIVE_ERR_POISONED} detail",
        "read True",
    ]


def test_a_progress_callable_that_stops_gives_aborted(store: rdrive.Store) -> None:
    store["a"] = b"1"
    store["a"] = b"2"
    with pytest.raises(rdrive.AbortedError) as caught:
        store.compact(progress=lambda done, total: False)
    assert caught.value.status == lib.RDRIVE_ERR_ABORTED
    assert "aborted" in caught.value.detail


def test_an_internal_error_is_a_panic_error() -> None:
    with pytest.raises(rdrive.PanicError) as caught:
        _errors.check(lib.rdrive_debug_panic())
    assert caught.value.status == lib.RDRIVE_ERR_PANIC
    assert "deliberate panic" in caught.value.detail


def test_a_buffer_too_small_is_reported_and_nothing_is_copied(store: rdrive.Store) -> None:
    store["k"] = b"hello"
    buffer = bytearray(b"....")
    with pytest.raises(rdrive.BufferTooSmallError) as caught:
        store.read_into("k", buffer)
    assert caught.value.status == lib.RDRIVE_ERR_BUFFER_TOO_SMALL
    assert "5" in caught.value.detail and buffer == b"...."


def test_every_error_status_has_its_own_class() -> None:
    statuses = {
        name: getattr(lib, name)
        for name in dir(lib)
        if name.startswith("RDRIVE_ERR_") and isinstance(getattr(lib, name), int)
    }
    classes = {_errors.error_for(status, "").__class__ for status in statuses.values()}
    assert len(classes) == len(statuses) == 9
    assert rdrive.Error not in classes
    assert all(issubclass(cls, rdrive.Error) for cls in classes)


def test_an_unknown_status_gives_the_base_class_with_the_library_name() -> None:
    error = _errors.error_for(-1000, "")
    assert type(error) is rdrive.Error and error.status == -1000
    assert str(error) == "unknown status"


def test_errors_survive_pickling(store: rdrive.Store) -> None:
    with pytest.raises(rdrive.InvalidArgumentError) as caught:
        store["k"] = b"\x00"
    again = pickle.loads(pickle.dumps(caught.value))
    assert type(again) is rdrive.InvalidArgumentError
    assert (again.status, again.detail, str(again)) == (
        caught.value.status,
        caught.value.detail,
        str(caught.value),
    )


def test_each_thread_gets_the_detail_of_its_own_failure(tmp_path) -> None:
    details: Dict[str, str] = {}
    barrier = threading.Barrier(2)

    def fail_open(name: str) -> None:
        target = str(tmp_path / name)
        barrier.wait()
        for _ in range(200):
            try:
                rdrive.Store(target, read_only=True)
            except rdrive.StoreIOError as error:
                if target not in error.detail:
                    details[name] = error.detail
                    return
        details.setdefault(name, "ok")

    threads = [threading.Thread(target=fail_open, args=(n,)) for n in ("one", "two")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert details == {"one": "ok", "two": "ok"}
