"""Exceptions: one class per C status, all under :class:`Error`."""

from __future__ import annotations

from typing import Dict, Tuple, Type

from ._ffi import lib, text


class Error(Exception):
    """A failure reported by librdrive.

    ``status`` is the C status (a negative ``RDRIVE_ERR_*`` code) and
    ``detail`` the library's explanation (function, path, offset or OS
    error), which is also the message.
    """

    status: int
    detail: str

    def __init__(self, status: int, detail: str = "") -> None:
        self.status = status
        self.detail = detail
        super().__init__(detail or text(lib.rdrive_status_str(status)))

    def __reduce__(self) -> Tuple[Type[Error], Tuple[int, str]]:
        return (type(self), (self.status, self.detail))


class InvalidArgumentError(Error, ValueError):
    """An argument breaks a rule (an empty value, the single byte 0x00, a
    rename onto itself, ...). Nothing was changed. ``RDRIVE_ERR_INVALID_ARG``."""


class StoreIOError(Error, OSError):
    """The operating system reported an error. ``RDRIVE_ERR_IO``."""


class CorruptError(Error):
    """The file is not a store, or data known to be durable is damaged; the
    file was not modified. ``RDRIVE_ERR_CORRUPT``."""


class LockedError(Error):
    """Another handle, in this or another process, has the store open for
    writing. ``RDRIVE_ERR_LOCKED``."""


class ReadOnlyError(Error):
    """A write on a store opened with ``read_only=True``. ``RDRIVE_ERR_READ_ONLY``."""


class PoisonedError(Error):
    """An earlier write or sync on this handle failed, so it refuses further
    writes: close and reopen the store. ``RDRIVE_ERR_POISONED``."""


class AbortedError(Error):
    """A callback asked to stop; nothing was committed. ``RDRIVE_ERR_ABORTED``."""


class PanicError(Error):
    """An internal error (a bug) was caught inside the library. ``RDRIVE_ERR_PANIC``."""


class BufferTooSmallError(Error):
    """The destination buffer cannot hold the value; nothing was copied.
    ``RDRIVE_ERR_BUFFER_TOO_SMALL``."""


_BY_STATUS: Dict[int, Type[Error]] = {
    lib.RDRIVE_ERR_INVALID_ARG: InvalidArgumentError,
    lib.RDRIVE_ERR_IO: StoreIOError,
    lib.RDRIVE_ERR_CORRUPT: CorruptError,
    lib.RDRIVE_ERR_LOCKED: LockedError,
    lib.RDRIVE_ERR_READ_ONLY: ReadOnlyError,
    lib.RDRIVE_ERR_POISONED: PoisonedError,
    lib.RDRIVE_ERR_ABORTED: AbortedError,
    lib.RDRIVE_ERR_PANIC: PanicError,
    lib.RDRIVE_ERR_BUFFER_TOO_SMALL: BufferTooSmallError,
}


def error_for(status: int, detail: str) -> Error:
    """The exception for a negative status (unknown codes give :class:`Error`)."""
    return _BY_STATUS.get(status, Error)(status, detail)


def check(status: int) -> int:
    """Raise the matching :class:`Error` for a negative status; return it otherwise.

    Must run on the thread that made the failing call, before any other call
    into the library on that thread: it reads ``rdrive_last_error()``.
    """
    if status < 0:
        raise error_for(status, text(lib.rdrive_last_error()))
    return status
