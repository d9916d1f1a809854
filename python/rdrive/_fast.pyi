"""Types of the optional compiled read path (``_fast.c``)."""

from typing import Any, Callable

class Reader:
    def __init__(self, address: int) -> None: ...
    @property
    def busy(self) -> int: ...
    def detach(self) -> None: ...

class StoreBase:
    def _bind(self, reader: Reader) -> None: ...

def setup(
    read_into: int,
    exists: int,
    ok: int,
    not_found: int,
    buffer_too_small: int,
    check: Callable[[int], int],
    getitem: Callable[..., Any],
    get: Callable[..., Any],
    contains: Callable[..., Any],
) -> None: ...
