"""Build steps setuptools cannot express in pyproject.toml.

``build_py`` runs ``cargo build --release --lib`` on the repository's
Cargo.toml (the parent of this directory) and puts ``librdrive.so`` inside
the package; cargo also regenerates ``rdrive/_cdef.h``. The package loads
the library with cffi in ABI mode.

One optional C extension, ``rdrive._fast``, compiles the single-key read
path (``store[key]``, ``get``, ``in``). It uses only Python's limited API
of 3.9 and does not link against librdrive, so the wheel is tagged
``cp39-abi3-<platform>``: CPython 3.9 or later, this platform. When it
cannot be built (no C compiler, no Python headers) the install goes on
without it, the same reads run over cffi, and the wheel is tagged
``py3-none-<platform>``.
"""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

from setuptools import Distribution, Extension, setup
from setuptools.command.bdist_wheel import bdist_wheel
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
MANIFEST = HERE.parent / "Cargo.toml"
LIBRARY = "librdrive.so"
LIMITED_API = 0x03090000  # Python 3.9: the oldest version the package supports

FAST = Extension(
    "rdrive._fast",
    sources=["rdrive/_fast.c"],
    include_dirs=[str(HERE.parent / "include")],  # rdrive.h: the signatures it calls
    define_macros=[("Py_LIMITED_API", hex(LIMITED_API))],
    extra_compile_args=["-O2", "-fvisibility=hidden"],
    py_limited_api=True,
    optional=True,  # a failed compilation is a warning: the cffi path remains
)


def crate_version() -> str:
    text = MANIFEST.read_text(encoding="utf-8")
    package = text.split("[package]", 1)[1].split("\n[", 1)[0]
    match = re.search(r'^version\s*=\s*"([^"]+)"', package, re.MULTILINE)
    if match is None:
        raise SystemExit(f"no version in the [package] table of {MANIFEST}")
    return match.group(1)


def cargo() -> str:
    found = os.environ.get("CARGO") or shutil.which("cargo")
    if found:
        return found
    home = Path.home() / ".cargo" / "bin" / "cargo"
    if home.is_file():
        return str(home)
    raise SystemExit("cargo not found: install Rust (https://rustup.rs) to build librdrive")


def build_library() -> Path:
    """Build librdrive with cargo; return the path of the shared library."""
    if not MANIFEST.is_file():
        raise SystemExit(
            f"{MANIFEST} not found: build the package from a checkout of the "
            "repository (`python -m pip install ./python` at its root)"
        )
    manifest = ["--manifest-path", str(MANIFEST)]
    subprocess.run([cargo(), "build", "--release", "--lib", "--locked", *manifest], check=True)
    metadata = subprocess.run(
        [cargo(), "metadata", "--no-deps", "--format-version", "1", *manifest],
        check=True,
        stdout=subprocess.PIPE,
    )
    target = Path(json.loads(metadata.stdout)["target_directory"])
    return target / "release" / LIBRARY


class BuildPy(build_py):
    def run(self) -> None:
        library = build_library()  # first: it refreshes rdrive/_cdef.h
        super().run()
        package = HERE / "rdrive" if self.editable_mode else Path(self.build_lib) / "rdrive"
        package.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(library, package / LIBRARY)
        os.chmod(package / LIBRARY, 0o755)


class BinaryDistribution(Distribution):
    def has_ext_modules(self) -> bool:
        return True  # it holds a shared library: platform-specific


class BdistWheel(bdist_wheel):
    def get_tag(self):
        _, _, platform = super().get_tag()
        build_ext = self.get_finalized_command("build_ext")
        if Path(build_ext.get_ext_fullpath(FAST.name)).is_file():
            return f"cp{LIMITED_API >> 24}{LIMITED_API >> 16 & 0xFF}", "abi3", platform
        return "py3", "none", platform  # cffi only: no Python C API used


setup(
    version=crate_version(),
    distclass=BinaryDistribution,
    ext_modules=[FAST],
    cmdclass={"build_py": BuildPy, "bdist_wheel": BdistWheel},
)
