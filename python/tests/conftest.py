"""Shared fixtures. The tests import the *installed* package (run them with
the ``pytest`` of an environment where ``pip install ./python`` was done)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

import rdrive

#: The repository root, when the tests run from a checkout (they do).
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def path(tmp_path: Path) -> str:
    return os.path.join(tmp_path, "test.rdrive")


@pytest.fixture
def store(path: str) -> Iterator[rdrive.Store]:
    with rdrive.Store(path) as s:
        yield s
