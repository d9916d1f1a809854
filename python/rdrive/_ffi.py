"""The C library, loaded with cffi in ABI mode (no C compiler involved).

The declarations come from ``_cdef.h``, which ``build.rs`` generates from the
same source as ``include/rdrive.h``; nothing here spells a C signature.
cffi releases the GIL around every call into the library.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import cffi

_HERE = Path(__file__).resolve().parent
LIBRARY_PATH = _HERE / "librdrive.so"

ffi = cffi.FFI()
ffi.cdef((_HERE / "_cdef.h").read_text(encoding="utf-8"))

if not LIBRARY_PATH.is_file():
    raise ImportError(
        f"{LIBRARY_PATH} is missing: install the package with "
        "`python -m pip install ./python` from the repository root"
    )
lib: Any = ffi.dlopen(str(LIBRARY_PATH))

if lib.rdrive_version_number() != lib.RDRIVE_VERSION_NUMBER:
    raise ImportError(
        f"{LIBRARY_PATH} is version {lib.rdrive_version_number()}, but the package's "
        f"declarations are for {lib.RDRIVE_VERSION_NUMBER}: reinstall the package"
    )

OK: int = lib.RDRIVE_OK
NOT_FOUND: int = lib.RDRIVE_NOT_FOUND
NULL: Any = ffi.NULL


def optional(name: str) -> Optional[Any]:
    """A function or constant that newer versions of the library add, or None.

    Features built on these switch themselves on once the library (and so
    the generated declarations) has them.
    """
    try:
        return getattr(lib, name)
    except AttributeError:
        return None


def text(pointer: Any) -> str:
    """A NUL-terminated string owned by the library, as ``str``."""
    raw = ffi.string(pointer)
    assert isinstance(raw, bytes)
    return raw.decode("utf-8", "replace")

