"""rdrive: a single-file, append-only key/value store with zero-copy reads.

>>> import rdrive
>>> with rdrive.Store("data.rdrive") as store:      # doctest: +SKIP
...     store["greeting"] = b"hello"
...     entry = store.entry("greeting")            # in place, no copy
...     view = entry.view()                        # read-only memoryview

A thin layer over the C library ``librdrive`` (bundled in this package,
loaded with cffi; ``store[key]``, ``get`` and ``in`` go through a small
compiled extension when it was built, over cffi otherwise). Views stay valid after the entry is dropped, the store
is closed, later writes and compaction; calls release the GIL, and a
``Store`` may be shared by threads.
"""

from ._entry import Entry
from ._errors import (
    AbortedError,
    BufferTooSmallError,
    CorruptError,
    Error,
    InvalidArgumentError,
    LockedError,
    PanicError,
    PoisonedError,
    ReadOnlyError,
    StoreIOError,
)
from ._ffi import lib as _lib
from ._ffi import text as _text
from ._store import Store, hash_key, namespace_key

__version__: str = _text(_lib.rdrive_version_string())
"""The version of the bundled library (and of this package)."""

__all__ = [
    "AbortedError",
    "BufferTooSmallError",
    "CorruptError",
    "Entry",
    "Error",
    "InvalidArgumentError",
    "LockedError",
    "PanicError",
    "PoisonedError",
    "ReadOnlyError",
    "Store",
    "StoreIOError",
    "__version__",
    "hash_key",
    "namespace_key",
]
