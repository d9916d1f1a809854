"""examples/python/hello.py runs."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import REPO

EXAMPLE = REPO / "examples" / "python" / "hello.py"


@pytest.mark.skipif(not EXAMPLE.is_file(), reason="needs the repository's examples/")
def test_the_example_runs_and_reads_back_what_it_wrote(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLE), str(tmp_path / "hello.rdrive")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "greeting = hello, rdrive" in result.stdout
