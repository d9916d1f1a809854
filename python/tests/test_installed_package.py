"""What `pip install ./python` puts in place."""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

import pytest

import rdrive
from rdrive import _ffi

from conftest import REPO

HEADER = REPO / "include" / "rdrive.h"


def test_the_version_is_the_library_version() -> None:
    assert rdrive.__version__ == _ffi.text(_ffi.lib.rdrive_version_string())
    assert metadata.version("rdrive") == rdrive.__version__
    cargo = (REPO / "Cargo.toml").read_text()
    assert f'\nversion = "{rdrive.__version__}"\n' in cargo


def test_the_shared_library_is_inside_the_package() -> None:
    package = Path(rdrive.__file__).resolve().parent
    assert _ffi.LIBRARY_PATH == package / "librdrive.so"
    assert _ffi.LIBRARY_PATH.is_file()


def test_the_package_ships_type_hints() -> None:
    assert (Path(rdrive.__file__).parent / "py.typed").is_file()


def test_cffi_is_the_only_run_time_dependency() -> None:
    requires = metadata.requires("rdrive") or []
    assert [r for r in requires if "extra ==" not in r] == ["cffi>=1.15"]


@pytest.mark.skipif(not HEADER.is_file(), reason="needs the repository's include/rdrive.h")
def test_every_function_of_the_header_is_declared_for_cffi() -> None:
    functions = set(re.findall(r"^[\w ]*?\*?(rdrive_\w+)\(", HEADER.read_text(), re.MULTILINE))
    assert len(functions) > 40
    for name in sorted(functions):
        assert callable(getattr(_ffi.lib, name)), name


@pytest.mark.skipif(not HEADER.is_file(), reason="needs the repository's include/rdrive.h")
def test_every_integer_constant_of_the_header_has_the_same_value_for_cffi() -> None:
    defines = re.findall(r"^#define (RDRIVE_\w+) \(?(-?\w+?)u?\)?$", HEADER.read_text(), re.MULTILINE)
    assert len(defines) > 20
    for name, value in defines:
        assert getattr(_ffi.lib, name) == int(value, 0), name


def test_the_declarations_file_has_no_preprocessor_conditionals() -> None:
    cdef = (Path(rdrive.__file__).parent / "_cdef.h").read_text()
    directives = {line.split()[0] for line in cdef.splitlines() if line.startswith("#")}
    assert directives == {"#define"}
