"""Entries: values read in place, straight out of the store's memory map."""

from __future__ import annotations

import sys
from typing import Any, Callable

from ._ffi import ffi, lib


def _freeing(raw: Any) -> Callable[[Any], None]:
    def free(_data: Any) -> None:
        lib.rdrive_entry_free(raw)

    return free


class Entry:
    """One stored value, read in place (zero-copy).

    An entry holds the C entry handle, which keeps the store's memory map
    alive: its bytes stay valid and unchanged after later writes,
    compaction and ``Store.close()``. So does every view taken from it,
    after the entry itself is gone: the handle is freed when the last of
    them is released.

    Entries are immutable and may be shared between threads. They come
    from :meth:`Store.entry`, :meth:`Store.entries` and friends.
    """

    __slots__ = ("_raw", "_data", "_size")

    _raw: Any  # rdrive_entry *, owned through _data
    _data: Any  # the value's first byte; frees _raw when collected
    _size: int

    def __init__(self) -> None:
        raise TypeError("entries come from a Store (entry(), entries(), last_entry())")

    @classmethod
    def _adopt(cls, raw: Any) -> Entry:
        """Take ownership of a C entry (from any rdrive call that returns one)."""
        self = object.__new__(cls)
        value = lib.rdrive_entry_address_range(raw)
        # The view's buffer holds _data, and _data holds the C entry: the
        # entry is freed only when no Entry and no view refers to it.
        self._raw = raw
        self._data = ffi.gc(value.ptr, _freeing(raw))
        self._size = int(value.len)
        return self

    def _memory(self) -> memoryview:
        return memoryview(ffi.buffer(self._data, self._size)).toreadonly()

    if sys.version_info >= (3, 12):

        def __buffer__(self, flags: int, /) -> memoryview:
            """PEP 688: ``memoryview(entry)``, read-only and zero-copy."""
            return self._memory()

        def view(self) -> memoryview:
            """The value as a read-only, zero-copy ``memoryview`` (format ``B``).

            The view keeps the memory it shows alive until the view itself is
            released, whatever happens to the entry or the store. Writing to
            it raises ``TypeError``.
            """
            return memoryview(self)

    else:

        def view(self) -> memoryview:
            """The value as a read-only, zero-copy ``memoryview`` (format ``B``).

            The view keeps the memory it shows alive until the view itself is
            released, whatever happens to the entry or the store. Writing to
            it raises ``TypeError``. (Before Python 3.12 its ``obj`` is the
            library's raw buffer: do not write through that.)
            """
            return self._memory()

    def __bytes__(self) -> bytes:
        """A copy of the value."""
        copy: bytes = ffi.buffer(self._data, self._size)[:]
        return copy

    def __len__(self) -> int:
        return self._size

    @property
    def key_hash(self) -> int:
        """The 64-bit hash of the key (see :func:`rdrive.hash_key`)."""
        return int(lib.rdrive_entry_key_hash(self._raw))

    @property
    def checksum(self) -> int:
        """The stored CRC-32 of the value."""
        return int(lib.rdrive_entry_checksum(self._raw))

    @property
    def start_offset(self) -> int:
        """File offset of the value's first byte (a multiple of 64)."""
        return int(lib.rdrive_entry_start_offset(self._raw))

    @property
    def end_offset(self) -> int:
        """File offset one past the value's last byte."""
        return int(lib.rdrive_entry_end_offset(self._raw))

    @property
    def prev_offset(self) -> int:
        """File length before this entry was appended (from its trailer)."""
        return int(lib.rdrive_entry_metadata(self._raw).prev_offset)

    def is_valid_checksum(self) -> bool:
        """Recompute the value's CRC-32: False means its bytes are damaged."""
        return bool(lib.rdrive_entry_is_valid_checksum(self._raw))

    def __repr__(self) -> str:
        return (
            f"<rdrive.Entry key_hash=0x{self.key_hash:016x} size={self._size} "
            f"offset={self.start_offset}>"
        )
