"""Store: a mapping from keys to values kept in one append-only file."""

from __future__ import annotations

import functools
import io
import os
import threading
import time
import weakref
from array import array
from itertools import accumulate
from collections.abc import Mapping
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    Iterable,
    Iterator,
    List,
    Optional,
    Tuple,
    TypeVar,
    Union,
    overload,
)

from ._entry import Entry
from ._errors import check
from ._ffi import NOT_FOUND, NULL, OK, ffi, lib, optional

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer, StrOrBytesPath, SupportsRead, WriteableBuffer

    Key = Union[str, ReadableBuffer]
    Value = Union[ReadableBuffer, Entry]
    Chunk = Union[ReadableBuffer, Entry]

_T = TypeVar("_T")


def _compiled() -> Any:
    """The compiled read path (``rdrive/_fast.c``), or None: it is optional
    at build time, and ``RDRIVE_PURE_PYTHON=1`` in the environment turns it
    off. Without it the same reads run in Python over cffi."""
    if os.environ.get("RDRIVE_PURE_PYTHON", "") not in ("", "0"):
        return None
    try:
        from . import _fast
    except ImportError:
        return None
    return _fast


_fast = _compiled()
#: Which path ``store[key]``, ``get`` and ``in`` take: "compiled" or "cffi".
READ_PATH = "cffi" if _fast is None else "compiled"

# C types resolved once (cffi parses a type string on every use otherwise).
_BYTES = ffi.typeof("uint8_t[]")
_ENTRY_OUT = ffi.typeof("rdrive_entry **")
_U64_OUT = ffi.typeof("uint64_t *")
_SIZE_OUT = ffi.typeof("size_t *")
_SIZES = ffi.typeof("size_t[]")
# `array` type code of a size_t, for key lengths handed over without a copy.
_SIZE_CODE = next(code for code in "LQ" if array(code).itemsize == ffi.sizeof("size_t"))
# What rdrive_store_batch_read_into() puts in the length of an absent key.
_ABSENT = (1 << (8 * ffi.sizeof("size_t"))) - 1
_ZERO_SIZE = array(_SIZE_CODE, [0])
_BUFFER_TOO_SMALL: int = lib.RDRIVE_ERR_BUFFER_TOO_SMALL
_read_into = lib.rdrive_store_read_into  # looked up once: the hottest call
# Memory the library fills before anyone reads it need not be zeroed first.
_uncleared = ffi.new_allocator(should_clear_after_alloc=False)

# A per-thread buffer that small values are copied into with one call: a
# copy costs one library call instead of three (read, range, free).
_SCRATCH = 4096
_local = threading.local()


def _scratch() -> Tuple[Any, Any]:
    try:
        pair: Tuple[Any, Any] = _local.scratch
    except AttributeError:
        pair = _local.scratch = (_uncleared("uint8_t[]", _SCRATCH), ffi.new(_SIZE_OUT))
    return pair


# --- conversions -----------------------------------------------------------


def _key(key: Key) -> Any:
    """A key as something a ``const uint8_t *`` parameter takes without a
    copy, and ``len()`` measures: ``bytes`` as it is (cffi passes a pointer
    to its contents), ``str`` as UTF-8, other bytes-likes through
    ``ffi.from_buffer``."""
    if type(key) is bytes:
        return key
    if isinstance(key, str):
        return key.encode("utf-8")
    try:
        return ffi.from_buffer(_BYTES, key)
    except TypeError:
        raise TypeError(f"a key is str or bytes-like, not {type(key).__name__}") from None


def _packed(parts: List[Any]) -> Tuple[Optional[bytes], array[int]]:
    """``parts`` back to back and their lengths (as ``size_t``), or None
    when one of them is not a plain byte buffer (``str``, a view of items
    wider than bytes, an object without the buffer protocol)."""
    try:
        packed = b"".join(parts)
    except TypeError:
        return None, _ZERO_SIZE
    lens = array(_SIZE_CODE, list(map(len, parts)))
    if sum(lens) != len(packed):
        return None, _ZERO_SIZE
    return packed, lens


def _key_bytes(key: Key) -> bytes:
    """A key as ``bytes`` (a copy unless it is ``bytes`` already)."""
    if type(key) is bytes:
        return key
    if isinstance(key, str):
        return key.encode("utf-8")
    try:
        return memoryview(key).tobytes()
    except TypeError:
        raise TypeError(f"a key is str or bytes-like, not {type(key).__name__}") from None


def _value(value: Value) -> Tuple[Any, int]:
    """A value as pointer (or ``bytes``) and length, without a copy (an
    Entry is written straight from its mapping)."""
    if type(value) is bytes:
        return value, len(value)
    if isinstance(value, Entry):
        return value._data, value._size
    if isinstance(value, str):
        raise TypeError("a value is bytes-like, not str: encode it first")
    try:
        data = ffi.from_buffer(_BYTES, value)
    except TypeError:
        raise TypeError(f"a value is bytes-like, not {type(value).__name__}") from None
    return data, len(data)


def _pointer(data: Any) -> Any:
    """``bytes`` from :func:`_key`/:func:`_value` as cdata, for the pointer
    fields of batch arrays (cffi takes ``bytes`` only as call arguments)."""
    return ffi.from_buffer(_BYTES, data) if type(data) is bytes else data


def _chunk(chunk: Chunk) -> memoryview:
    if isinstance(chunk, Entry):
        return chunk.view()
    if isinstance(chunk, str):
        raise TypeError("stream chunks are bytes-like, not str: encode them first")
    return memoryview(chunk).cast("B")


def _feature(name: str, use: str) -> Any:
    """A library feature that is being added to the C API, or a clear error."""
    value = optional(name)
    if value is None:
        raise NotImplementedError(
            f"{use} needs {name}, which this version of librdrive does not provide"
        )
    return value


# --- the handle ------------------------------------------------------------


class _Handle:
    """The C store pointer, shared by calls from any thread.

    ``with handle as store:`` brackets one call; ``close()`` stops new calls
    and waits for those in flight, since rdrive_store_close() must not
    overlap any other call on the store. A call in flight is an item in
    ``_inflight``: appending to and popping from a list are single steps
    under the GIL, so a call costs no lock. A call appends before it reads
    the pointer and ``close()`` clears the pointer before it looks at the
    list, so either the call sees no pointer or ``close()`` sees the call.
    The compiled reads keep the same protocol in ``_reader`` (a C copy of
    the pointer and a count of calls): ``close()`` detaches it, then waits
    for both.
    """

    __slots__ = ("_ptr", "_inflight", "_reader", "_lock", "_closed", "_callback_threads")

    def __init__(self, ptr: Any) -> None:
        self._ptr: Any = ptr
        self._inflight: List[None] = []
        # The compiled reads' copy of the pointer, with their own count of
        # calls in flight (changed with the GIL held, like _inflight).
        self._reader: Any = None if _fast is None else _fast.Reader(int(ffi.cast("uintptr_t", ptr)))
        self._lock = threading.Lock()  # guards closing and _callback_threads
        self._closed: Optional[threading.Event] = None  # set once the C handle is closed
        self._callback_threads: Dict[int, int] = {}

    @property
    def closed(self) -> bool:
        return self._ptr is None

    def __enter__(self) -> Any:
        self._inflight.append(None)
        ptr = self._ptr
        if ptr is None:
            self._inflight.pop()
            raise ValueError("the store is closed")
        return ptr

    def __exit__(self, *exc_info: object) -> None:
        self._inflight.pop()

    def for_write(self) -> _Handle:
        """``with handle.for_write() as store:`` brackets a call that takes
        the store's writer. Inside one of the store's own callbacks (stream
        source, compaction progress) the library refuses such a call with
        RDRIVE_ERR_INVALID_ARG ("re-entrant call")."""
        return self

    def run_with_callbacks(self, call: Callable[[Any], _T]) -> _T:
        """``call(store)`` for writing C calls that run Python callbacks on
        this thread."""
        me = threading.get_ident()
        with self.for_write() as store:
            with self._lock:
                self._callback_threads[me] = self._callback_threads.get(me, 0) + 1
            try:
                return call(store)
            finally:
                with self._lock:
                    left = self._callback_threads[me] - 1
                    if left:
                        self._callback_threads[me] = left
                    else:
                        del self._callback_threads[me]

    def close(self) -> None:
        with self._lock:
            if threading.get_ident() in self._callback_threads:
                raise RuntimeError("a store cannot be closed from one of its own callbacks")
            ptr, self._ptr = self._ptr, None
            if ptr is not None:
                self._closed = threading.Event()
                if self._reader is not None:
                    self._reader.detach()
            closed = self._closed
        assert closed is not None  # made when the pointer was taken
        if ptr is None:  # closed already, or being closed by another thread
            closed.wait()
            return
        # Calls that saw the pointer finish; new ones see None. Calls are
        # short except compaction and streams, so a backing-off poll will do.
        pause = 0.0001
        reader = self._reader
        while self._inflight or (reader is not None and reader.busy):
            time.sleep(pause)
            pause = min(pause * 2, 0.01)
        lib.rdrive_store_close(ptr)
        closed.set()


# --- callbacks (one C function pointer each, shared by all calls) ---------------


class _Source:
    """State of a stream write: fills the library's buffer, remembers a
    failure so it can be raised again after the C call returns."""

    def __init__(self) -> None:
        self.error: Optional[BaseException] = None
        self.total = 0

    def fill(self, buf: Any, cap: int) -> int:
        raise NotImplementedError


class _FileSource(_Source):
    def __init__(self, file: SupportsRead[bytes]) -> None:
        super().__init__()
        self._readinto: Optional[Callable[[Any], Optional[int]]] = getattr(file, "readinto", None)
        self._read = file.read

    def fill(self, buf: Any, cap: int) -> int:
        if self._readinto is not None:
            # Straight into the library's buffer: no intermediate copy.
            n = self._readinto(ffi.buffer(buf, cap))
            if n is None:
                raise BlockingIOError("readinto() returned None: the file is non-blocking")
            if not 0 <= n <= cap:
                raise ValueError(f"readinto() returned {n} for a buffer of {cap} bytes")
        else:
            data = self._read(cap)
            if isinstance(data, str):
                raise TypeError("the file returned str: open it in binary mode")
            n = len(data)
            if n > cap:
                raise ValueError(f"read({cap}) returned {n} bytes")
            ffi.memmove(buf, data, n)
        self.total += n
        return n


class _ChunkSource(_Source):
    def __init__(self, chunks: Iterable[Chunk]) -> None:
        super().__init__()
        self._chunks = iter(chunks)
        self._pending = memoryview(b"")

    def fill(self, buf: Any, cap: int) -> int:
        while not self._pending:
            try:
                self._pending = _chunk(next(self._chunks))
            except StopIteration:
                return 0
        n = min(cap, len(self._pending))
        ffi.memmove(buf, self._pending[:n], n)
        self._pending = self._pending[n:]
        self.total += n
        return n


def _on_read(ctx: Any, buf: Any, cap: int) -> int:
    source: _Source = ffi.from_handle(ctx)
    try:
        return source.fill(buf, cap)
    except BaseException as exc:  # raised again by write_stream()
        source.error = exc
        return -1


class _Progress:
    def __init__(self, report: Callable[[int, int], Optional[bool]]) -> None:
        self.report = report
        self.error: Optional[BaseException] = None


def _on_progress(ctx: Any, done: int, total: int) -> int:
    progress: _Progress = ffi.from_handle(ctx)
    try:
        return 1 if progress.report(done, total) is False else 0
    except BaseException as exc:  # raised again by compact()
        progress.error = exc
        return 1


@functools.lru_cache(maxsize=None)
def _read_callback() -> Any:
    """The C pointer to :func:`_on_read`, made on first use: ``ffi.callback``
    needs executable memory, which some hardened systems refuse (there only
    the calls that take a callback fail). An error makes the stream abort."""
    return ffi.callback("rdrive_read_fn", _on_read, error=-1)


@functools.lru_cache(maxsize=None)
def _progress_callback() -> Any:
    """The C pointer to :func:`_on_progress`, made on first use. An error
    stops the compaction."""
    return ffi.callback("rdrive_progress_fn", _on_progress, error=1)


def _raise_pending(error: Optional[BaseException]) -> None:
    if error is not None:
        raise error


# --- single-key reads -------------------------------------------------------


class _PureReads:
    """``store[key]``, ``get`` and ``in`` over cffi. With the compiled path
    (:data:`READ_PATH`), ``_fast.StoreBase`` does them instead and calls
    these for keys that are neither ``bytes`` nor ``str``."""

    __slots__ = ()

    _handle: _Handle

    def _bind(self, reader: Any) -> None:
        """The compiled path reads through ``reader``; this one needs none."""

    def __getitem__(self, key: Key) -> bytes:
        """A copy of the value; ``KeyError`` if absent."""
        value = self._copy(key)
        if value is None:
            raise KeyError(key)
        return value

    @overload
    def get(self, key: Key) -> Optional[bytes]: ...

    @overload
    def get(self, key: Key, default: _T) -> Union[bytes, _T]: ...

    def get(self, key: Key, default: Any = None) -> Any:
        """A copy of the value, or ``default`` if absent."""
        value = self._copy(key)
        return default if value is None else value

    def __contains__(self, key: object) -> bool:
        k = _key(key)  # type: ignore[arg-type]
        out = ffi.new("bool *")
        with self._handle as store:
            status = lib.rdrive_store_exists(store, k, len(k), out)
        check(status)
        return bool(out[0])

    def _copy(self, key: Key) -> Optional[bytes]:
        k = _key(key)
        buf, size = _scratch()
        # The bracket of _Handle, inlined: this is the hottest path.
        handle = self._handle
        inflight = handle._inflight
        inflight.append(None)
        try:
            store = handle._ptr
            if store is None:
                raise ValueError("the store is closed")
            status = _read_into(store, k, len(k), buf, _SCRATCH, size)
        finally:
            inflight.pop()
        if status == 0:
            copy: bytes = ffi.buffer(buf, size[0])[:]
            return copy
        if status == NOT_FOUND:
            return None
        if status != _BUFFER_TOO_SMALL:
            check(status)
        # A large value: in place, then one copy.
        out = ffi.new(_ENTRY_OUT)
        with handle as store:
            status = lib.rdrive_store_read(store, k, len(k), out)
        if check(status) == NOT_FOUND:
            return None
        try:
            return _bytes_of(out[0])
        finally:
            lib.rdrive_entry_free(out[0])


if TYPE_CHECKING or _fast is None:
    _Reads = _PureReads
else:

    class _Reads(_fast.StoreBase, _PureReads):
        """The compiled reads, with the pure ones behind them."""

        __slots__ = ()

    _fast.setup(
        int(ffi.cast("uintptr_t", lib.rdrive_store_read_into)),
        int(ffi.cast("uintptr_t", lib.rdrive_store_exists)),
        OK,
        NOT_FOUND,
        _BUFFER_TOO_SMALL,
        check,
        _PureReads.__getitem__,
        _PureReads.get,
        _PureReads.__contains__,
    )


# --- the store -------------------------------------------------------------


class Store(_Reads):
    """A key/value store in one append-only file, read zero-copy.

    Keys are ``str`` (UTF-8) or bytes-like; values are any non-empty
    bytes-like object except the single byte ``b"\\x00"``. ``store[key]``
    returns a copy as ``bytes``; :meth:`entry` returns an :class:`Entry`
    whose :meth:`Entry.view` shows the bytes in place.

    A store may be shared by threads; calls into the library release the
    GIL. It is also a context manager that closes it. Open flags:

    - ``read_only``: never modify the file; writes raise ``ReadOnlyError``.
    - ``sync``: make every write durable (fdatasync) before it returns.
    - ``must_exist``: do not create a missing file (``StoreIOError``).
    - ``repair``: let recovery discard data it would otherwise refuse to
      (damage in synced data, a file with no valid entry).
    - ``shared``: share the store with other shared handles in any process.
    - ``wait``: wait for the writer lock instead of raising ``LockedError``.
    - ``index_cache``: read and write the index cache beside the file.
    """

    def __init__(
        self,
        path: StrOrBytesPath,
        *,
        read_only: bool = False,
        sync: bool = False,
        must_exist: bool = False,
        repair: bool = False,
        shared: bool = False,
        wait: bool = False,
        index_cache: bool = True,
    ) -> None:
        encoded = os.fsencode(path)
        if b"\0" in encoded:
            raise ValueError("embedded null byte in the path")
        flags = 0
        if read_only:
            flags |= lib.RDRIVE_OPEN_READ_ONLY
        if sync:
            flags |= lib.RDRIVE_OPEN_SYNC
        if must_exist:
            flags |= lib.RDRIVE_OPEN_MUST_EXIST
        if repair:
            flags |= lib.RDRIVE_OPEN_REPAIR
        if not index_cache:
            flags |= lib.RDRIVE_OPEN_NO_INDEX_CACHE
        if shared:
            flags |= _feature("RDRIVE_OPEN_SHARED", "shared=True")
        if wait:
            flags |= _feature("RDRIVE_OPEN_WAIT", "wait=True")
        out = ffi.new("rdrive_store **")
        check(lib.rdrive_store_open(encoded, flags, out))
        self._handle = _Handle(out[0])
        self._bind(self._handle._reader)
        self._close_at_exit = weakref.finalize(self, self._handle.close)
        self.path: Union[str, bytes] = os.fspath(path)
        self.read_only = read_only

    # --- lifetime

    def close(self) -> None:
        """Close the store: sync, release the writer lock, free the handle.

        Waits for calls in flight in other threads. Entries and views taken
        from the store stay valid. Closing twice does nothing.
        """
        self._handle.close()
        self._close_at_exit.detach()

    @property
    def closed(self) -> bool:
        return self._handle.closed

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else ("read-only" if self.read_only else "read-write")
        return f"<rdrive.Store {self.path!r} {state}>"

    # --- the mapping

    def __setitem__(self, key: Key, value: Value) -> None:
        k = _key(key)
        data, size = _value(value)
        with self._handle.for_write() as store:
            status = lib.rdrive_store_write(store, k, len(k), data, size)
        check(status)

    def __delitem__(self, key: Key) -> None:
        """Delete a key; ``KeyError`` if absent."""
        k = _key(key)
        with self._handle.for_write() as store:
            status = lib.rdrive_store_delete(store, k, len(k))
        if check(status) == NOT_FOUND:
            raise KeyError(key)

    def __len__(self) -> int:
        """Number of live keys."""
        return self._u64(lib.rdrive_store_len)

    def __iter__(self) -> Iterator[Any]:
        raise TypeError(
            "a store keeps only the hashes of its keys, so it cannot list them: "
            "iterate over store.entries() instead"
        )

    # --- zero-copy reads

    def entry(self, key: Key) -> Optional[Entry]:
        """The value of ``key`` in place (zero-copy), or None if absent."""
        k = _key(key)
        out = ffi.new(_ENTRY_OUT)
        with self._handle as store:
            status = lib.rdrive_store_read(store, k, len(k), out)
        if check(status) == NOT_FOUND:
            return None
        return Entry._adopt(out[0])

    def entry_by_hash(self, key_hash: int) -> Optional[Entry]:
        """The value whose key hashes to ``key_hash`` (see :func:`hash_key`),
        or None."""
        out = ffi.new(_ENTRY_OUT)
        with self._handle as store:
            status = lib.rdrive_store_read_hashed(store, key_hash, out)
        if check(status) == NOT_FOUND:
            return None
        return Entry._adopt(out[0])

    def last_entry(self) -> Optional[Entry]:
        """The most recently written value that is still live, or None."""
        out = ffi.new(_ENTRY_OUT)
        with self._handle as store:
            status = lib.rdrive_store_read_last(store, out)
        if check(status) == NOT_FOUND:
            return None
        return Entry._adopt(out[0])

    def entries(self) -> Iterator[Entry]:
        """Every live value, newest first: a snapshot taken now (later
        writes do not show up). The iterator may outlive the store."""
        out = ffi.new("rdrive_iter **")
        with self._handle as store:
            status = lib.rdrive_store_iter(store, out)
        check(status)
        return _iterate(ffi.gc(out[0], lib.rdrive_iter_free))

    def read_into(self, key: Key, buffer: WriteableBuffer) -> int:
        """Copy the value into ``buffer`` and return its length.

        ``KeyError`` if absent; ``BufferTooSmallError`` (nothing copied) if
        it does not fit.
        """
        k = _key(key)
        dest = ffi.from_buffer(_BYTES, buffer, require_writable=True)
        size = ffi.new(_SIZE_OUT)
        with self._handle as store:
            status = lib.rdrive_store_read_into(store, k, len(k), dest, len(dest), size)
        if check(status) == NOT_FOUND:
            raise KeyError(key)
        return int(size[0])

    # --- batches

    def write_many(self, pairs: Union[Mapping[Any, Value], Iterable[Tuple[Key, Value]]]) -> None:
        """Write many pairs as one batch: all or nothing. Within the batch the
        last write of a key wins."""
        items: List[Any] = list(pairs.items() if isinstance(pairs, Mapping) else pairs)
        keys: List[Any] = [k for k, _ in items]
        values: List[Any] = [v for _, v in items]
        # The keys and the values each go packed into one buffer: one call,
        # no per-pair C structure.
        packed_keys, key_lens = _packed(keys)
        if packed_keys is None:
            packed_keys, key_lens = _packed([_key_bytes(k) for k in keys])
        packed_values, value_lens = _packed(values)
        if packed_keys is None or packed_values is None:
            # Values that are not plain buffers (an Entry before Python 3.12)
            # or of a wrong type (refused there with the reason).
            self._write_rows(items)
            return
        with self._handle.for_write() as store:
            status = lib.rdrive_store_batch_write_packed(
                store,
                packed_keys,
                ffi.from_buffer(_SIZES, key_lens),
                packed_values,
                ffi.from_buffer(_SIZES, value_lens),
                len(items),
            )
        check(status)

    def _write_rows(self, items: List[Any]) -> None:
        rows = []  # the tuples keep the buffers alive during the call
        for key, value in items:
            k = _pointer(_key(key))
            data, size = _value(value)
            rows.append((k, len(k), _pointer(data), size))
        batch = ffi.new("rdrive_kv[]", rows)
        with self._handle.for_write() as store:
            status = lib.rdrive_store_batch_write(store, batch, len(rows))
        check(status)

    def get_many(self, keys: Iterable[Key]) -> List[Optional[bytes]]:
        """Copies of the values of ``keys``, in order (None where absent).

        One library call for all of them: the keys go in packed, the values
        come back packed in one buffer.
        """
        ks: List[Any] = keys if type(keys) is list else list(keys)
        packed, key_lens = _packed(ks)
        if packed is None:  # str keys, or views of items wider than bytes
            packed, key_lens = _packed([_key_bytes(k) for k in ks])
        assert packed is not None  # all bytes now
        count = len(key_lens)
        if count == 0:
            return []
        value_lens = _ZERO_SIZE * count
        needed = ffi.new(_SIZE_OUT)
        cap = 64 * count + 4096
        while True:
            buf = _uncleared(_BYTES, cap)
            with self._handle as store:
                status = lib.rdrive_store_batch_read_into(
                    store,
                    packed,
                    ffi.from_buffer(_SIZES, key_lens),
                    count,
                    buf,
                    cap,
                    ffi.from_buffer(_SIZES, value_lens, require_writable=True),
                    needed,
                )
            if status != _BUFFER_TOO_SMALL:
                break
            # Values grew past the guess: once more with room for all (and
            # a margin, in case a writer grows one in between).
            cap = needed[0] + needed[0] // 8 + 64
        check(status)
        data = ffi.buffer(buf, needed[0])[:]
        if _ABSENT not in value_lens:
            ends = list(accumulate(value_lens))
            return list(map(data.__getitem__, map(slice, [0, *ends[:-1]], ends)))
        out: List[Optional[bytes]] = []
        at = 0
        for size in value_lens:
            if size == _ABSENT:
                out.append(None)
            else:
                out.append(data[at : at + size])
                at += size
        return out

    def delete_many(self, keys: Iterable[Key]) -> int:
        """Delete every live key among ``keys`` as one batch; absent keys are
        skipped. Returns how many were deleted."""
        ks = [_pointer(_key(key)) for key in keys]
        batch = ffi.new("rdrive_bytes[]", [(k, len(k)) for k in ks])
        deleted = ffi.new(_SIZE_OUT)
        with self._handle.for_write() as store:
            status = lib.rdrive_store_batch_delete(store, batch, len(ks), deleted)
        check(status)
        return int(deleted[0])

    # --- streams

    def write_stream(
        self, key: Key, source: Union[SupportsRead[bytes], Iterable[Chunk]]
    ) -> int:
        """Write a value pulled in chunks from ``source``, without holding it
        all in memory; returns its length.

        ``source`` is a binary file object (read with ``readinto`` when it
        has one, straight into the library's buffer) or an iterable of
        bytes-like chunks. If it raises, nothing is written and the
        exception propagates.
        """
        state: _Source
        if isinstance(source, io.TextIOBase):
            raise TypeError("write_stream() needs a binary file: open it in binary mode")
        if isinstance(source, (str, bytes, bytearray, memoryview)):
            raise TypeError("write_stream() takes a file or an iterable of chunks; use store[key] = value")
        if hasattr(source, "read"):
            state = _FileSource(source)  # type: ignore[arg-type]
        else:
            state = _ChunkSource(source)
        k = _key(key)
        ctx = ffi.new_handle(state)
        status = self._handle.run_with_callbacks(
            lambda store: lib.rdrive_store_write_stream(store, k, len(k), _read_callback(), ctx)
        )
        error, state.error = state.error, None
        _raise_pending(error)
        check(status)
        return state.total

    # --- renames and copies

    def rename(self, old_key: Key, new_key: Key) -> None:
        """Move the value of ``old_key`` to ``new_key``; ``KeyError`` if absent."""
        old, new = _key(old_key), _key(new_key)
        with self._handle.for_write() as store:
            status = lib.rdrive_store_rename(store, old, len(old), new, len(new))
        if check(status) == NOT_FOUND:
            raise KeyError(old_key)

    def copy(self, key: Key, target: Store) -> None:
        """Append the value of ``key`` to another store; ``KeyError`` if absent."""
        self._to(lib.rdrive_store_copy, key, target)

    def transfer(self, key: Key, target: Store) -> None:
        """Copy the value of ``key`` to another store, then delete it here."""
        self._to(lib.rdrive_store_transfer, key, target)

    def _to(self, function: Any, key: Key, target: Store) -> None:
        k = _key(key)
        with self._handle.for_write() as store, target._handle.for_write() as other:
            status = function(store, k, len(k), other)
        if check(status) == NOT_FOUND:
            raise KeyError(key)

    # --- maintenance

    def sync(self) -> None:
        """Make every write so far durable (fdatasync)."""
        with self._handle.for_write() as store:
            status = lib.rdrive_store_sync(store)
        check(status)

    def compact(self, progress: Optional[Callable[[int, int], Optional[bool]]] = None) -> None:
        """Rewrite the file with only the live values, reclaiming the space
        of overwritten and deleted ones. The store stays usable; entries and
        views taken before stay valid.

        ``progress(done, total)`` is called with the bytes of the new file
        written so far and their total (at least every MiB, also inside one
        large value). Returning ``False`` stops the compaction
        (``AbortedError``); an exception it raises stops it too and
        propagates. Either way the store is left as it was.
        """
        if progress is None:
            with self._handle.for_write() as store:
                status = lib.rdrive_store_compact(store)
            check(status)
            return
        state = _Progress(progress)
        ctx = ffi.new_handle(state)
        status = self._handle.run_with_callbacks(
            lambda store: lib.rdrive_store_compact_with_progress(store, _progress_callback(), ctx)
        )
        error, state.error = state.error, None
        _raise_pending(error)
        check(status)

    def refresh(self) -> int:
        """Catch up with what other processes wrote (a read-only or shared
        handle); returns how many entries were read since the last refresh.
        """
        refresh = _feature("rdrive_store_refresh", "refresh()")
        out = ffi.new(_U64_OUT)
        with self._handle.for_write() as store:
            status = refresh(store, out)
        check(status)
        return int(out[0])

    @property
    def file_size(self) -> int:
        """Length of the store's valid data, in bytes."""
        return self._u64(lib.rdrive_store_file_size)

    @property
    def reclaimable_bytes(self) -> int:
        """Bytes a compaction would reclaim now."""
        return self._u64(lib.rdrive_store_reclaimable_bytes)

    @property
    def recovered_bytes(self) -> int:
        """Bytes of a torn end that recovery discarded when the store opened."""
        return self._u64(lib.rdrive_store_recovered_bytes)

    def _u64(self, function: Any) -> int:
        out = ffi.new(_U64_OUT)
        with self._handle as store:
            status = function(store, out)
        check(status)
        return int(out[0])


def _bytes_of(raw: Any) -> bytes:
    """A copy of a C entry's bytes."""
    value = lib.rdrive_entry_address_range(raw)
    copy: bytes = ffi.buffer(value.ptr, value.len)[:]
    return copy


def _iterate(it: Any) -> Iterator[Entry]:
    # A generator: two threads cannot step it at once, as the C iterator
    # requires.
    out = ffi.new(_ENTRY_OUT)
    while True:
        status = lib.rdrive_iter_next(it, out)
        if check(status) == NOT_FOUND:
            break
        yield Entry._adopt(out[0])
    ffi.release(it)


def hash_key(key: Key) -> int:
    """The 64-bit hash that identifies ``key`` in a store (xxh3-64, seed 0)."""
    k = _key(key)
    return int(lib.rdrive_hash_key(k, len(k)))


def namespace_key(prefix: Key, key: Key) -> bytes:
    """The 16-byte key for ``key`` within namespace ``prefix`` (compatible
    with simd-r-drive's NamespaceHasher); use it as an ordinary key."""
    p, k = _key(prefix), _key(key)
    out = ffi.new("uint8_t[]", lib.RDRIVE_NAMESPACED_KEY_LEN)
    check(lib.rdrive_namespace_key(p, len(p), k, len(k), out))
    namespaced: bytes = ffi.buffer(out)[:]
    return namespaced
