"""The package is typed: mypy --strict passes on it (and on the example,
which uses it as a user would)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

from conftest import REPO

EXAMPLE = REPO / "examples" / "python" / "hello.py"


def mypy_strict(targets: List[str], cwd: Path) -> None:
    pytest.importorskip("mypy")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(cwd / "cache"), *targets],
        capture_output=True,
        text=True,
        cwd=cwd,  # away from the source tree: the installed package is checked
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_passes_on_the_installed_package(tmp_path: Path) -> None:
    mypy_strict(["-p", "rdrive"], tmp_path)


@pytest.mark.skipif(not EXAMPLE.is_file(), reason="needs the repository's examples/")
def test_mypy_strict_passes_on_the_example(tmp_path: Path) -> None:
    mypy_strict([str(EXAMPLE)], tmp_path)
