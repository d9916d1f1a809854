"""write_stream from file objects and iterables of chunks."""

from __future__ import annotations

import io
import os
from typing import Iterator

import pytest

import rdrive

BIG = os.urandom(200_000) * 3  # several of the library's 64 KiB buffers


def test_a_binary_file_object_is_streamed_into_a_value(store: rdrive.Store) -> None:
    assert store.write_stream("k", io.BytesIO(BIG)) == len(BIG)
    assert store["k"] == BIG


def test_a_file_on_disk_is_streamed_into_a_value(store: rdrive.Store, tmp_path) -> None:
    source = tmp_path / "source.bin"
    source.write_bytes(BIG)
    for buffering in (0, -1):  # raw and buffered files
        with open(source, "rb", buffering=buffering) as f:
            store.write_stream(f"k{buffering}", f)
        assert store[f"k{buffering}"] == BIG


class ReadOnlyFile:
    """A file-like object with read() but no readinto()."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def read(self, n: int = -1) -> bytes:
        return self._data.read(min(n, 1000))


def test_a_file_like_object_with_only_read_is_streamed(store: rdrive.Store) -> None:
    assert store.write_stream("k", ReadOnlyFile(BIG)) == len(BIG)
    assert store["k"] == BIG


def test_an_iterable_of_bytes_like_chunks_is_streamed(store: rdrive.Store) -> None:
    chunks = [b"ab", b"", bytearray(b"cd"), memoryview(b"--ef--")[2:4], BIG]
    assert store.write_stream("k", chunks) == 6 + len(BIG)
    assert store["k"] == b"abcdef" + BIG


def test_a_generator_is_streamed(store: rdrive.Store) -> None:
    def pieces() -> Iterator[bytes]:
        for i in range(100):
            yield f"{i},".encode()

    store.write_stream("k", pieces())
    assert store["k"] == b"".join(f"{i},".encode() for i in range(100))


def test_entries_can_be_stream_chunks(store: rdrive.Store) -> None:
    store["a"] = b"left-"
    store["b"] = b"right"
    store.write_stream("ab", [store.entry("a"), store.entry("b")])
    assert store["ab"] == b"left-right"


class Boom(Exception):
    pass


def test_an_exception_in_the_source_propagates_and_commits_nothing(store: rdrive.Store) -> None:
    store["k"] = b"old"
    size = store.file_size
    error = Boom("source failed")

    def failing() -> Iterator[bytes]:
        yield BIG
        raise error

    with pytest.raises(Boom) as caught:
        store.write_stream("k", failing())
    assert caught.value is error
    assert store["k"] == b"old" and store.file_size == size
    store["after"] = b"fine"  # the next write is unaffected
    assert store["after"] == b"fine"


def test_an_exception_in_a_file_read_propagates(store: rdrive.Store) -> None:
    class Broken(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
            raise OSError("disk gone")

    with pytest.raises(OSError, match="disk gone"):
        store.write_stream("k", Broken())
    assert "k" not in store


def test_keyboard_interrupt_in_the_source_is_not_lost(store: rdrive.Store) -> None:
    def interrupted() -> Iterator[bytes]:
        yield b"x"
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        store.write_stream("k", interrupted())
    assert "k" not in store


def test_a_str_chunk_raises_type_error_and_commits_nothing(store: rdrive.Store) -> None:
    with pytest.raises(TypeError):
        store.write_stream("k", [b"ok", "text"])  # type: ignore[list-item]
    assert "k" not in store and store.file_size == 0


def test_text_files_and_plain_values_are_refused(store: rdrive.Store) -> None:
    with pytest.raises(TypeError):
        store.write_stream("k", io.StringIO("text"))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        store.write_stream("k", b"bytes")


def test_a_non_blocking_file_without_data_is_an_error(store: rdrive.Store) -> None:
    class NoData(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> None:  # type: ignore[no-untyped-def, override]
            return None

    with pytest.raises(BlockingIOError):
        store.write_stream("k", NoData())


def test_an_empty_stream_is_an_invalid_value(store: rdrive.Store) -> None:
    with pytest.raises(rdrive.InvalidArgumentError):
        store.write_stream("k", io.BytesIO(b""))
    with pytest.raises(rdrive.InvalidArgumentError):
        store.write_stream("k", [])


def test_a_source_that_writes_to_the_same_store_gets_an_error_not_a_deadlock(
    store: rdrive.Store,
) -> None:
    def sneaky() -> Iterator[bytes]:
        yield b"x"
        store["other"] = b"y"

    with pytest.raises(rdrive.InvalidArgumentError, match="re-entrant"):
        store.write_stream("k", sneaky())
    assert "k" not in store and "other" not in store


def test_a_source_may_read_the_same_store(store: rdrive.Store) -> None:
    store["a"] = b"read inside the stream"

    def reader() -> Iterator[bytes]:
        yield store["a"]

    store.write_stream("b", reader())
    assert store["b"] == b"read inside the stream"
