#!/usr/bin/env bash
# Tests the Python package (python/) under python3 and, when pyenv has them,
# Python 3.9, 3.10, 3.12 and 3.13 (every version the package supports).
# For each interpreter: a fresh venv, `pip install ./python[test]` (which
# builds librdrive with cargo and bundles it, and compiles the optional
# read path rdrive/_fast.c), pytest on python/tests twice: with the compiled
# path (which must have been built: a failed compilation fails here) and
# with RDRIVE_PURE_PYTHON=1 (cffi only); then mypy --strict on the
# installed package. Once: `pip wheel ./python` must give one abi3 platform
# wheel with the library and the extension inside, and that wheel, installed
# under every interpreter, must read through the compiled path.
# Needs: Rust, a C compiler, Python headers and network access to PyPI.
# Skips (exit 0) without python3.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1

if ! command -v python3 >/dev/null; then
    echo "test-python: no python3, skipping the Python package tests"
    exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The newest pyenv build of a version (e.g. 3.9 -> ~/.pyenv/versions/3.9.18).
pyenv_python() {
    local found=""
    for p in "${PYENV_ROOT:-$HOME/.pyenv}/versions/$1".*/bin/python; do
        [ -x "$p" ] && found=$p
    done
    echo "$found"
}

interpreters=("$(command -v python3)")
for version in 3.9 3.10 3.12 3.13; do
    found=$(pyenv_python "$version")
    if [ -n "$found" ]; then
        interpreters+=("$found")
    else
        echo "test-python: Python $version not found under pyenv, skipping it"
    fi
done

seen=" "
venvs=()
for python in "${interpreters[@]}"; do
    version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    case "$seen" in *" $version "*) continue ;; esac
    seen="$seen$version "
    echo "== Python $version ($python)"
    venv="$work/venv-$version"
    venvs+=("$venv")
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install -q "./python[test]"
    # Run from elsewhere so that `import rdrive` finds the installed package.
    echo "-- compiled read path"
    (cd "$work" && RDRIVE_EXPECT_READ_PATH=compiled \
        "$venv/bin/python" -m pytest -q -p no:cacheprovider "$root/python/tests")
    echo "-- cffi only (RDRIVE_PURE_PYTHON=1)"
    (cd "$work" && RDRIVE_PURE_PYTHON=1 RDRIVE_EXPECT_READ_PATH=cffi \
        "$venv/bin/python" -m pytest -q -p no:cacheprovider "$root/python/tests")
    (cd "$work" && "$venv/bin/python" -m mypy --strict --cache-dir "$work/mypy-$version" -p rdrive)
    # The README's Python block and the example run as written, in a
    # scratch directory (the block streams a photo.jpg from there).
    demo="$work/readme-$version"
    mkdir "$demo"
    awk '$0 == "## Using it from Python" { s = 1; next } s && /^## / { exit }
         s && !o && $0 == "```python" { o = 1; next } o && $0 == "```" { exit } o { print }' \
        "$root/README.md" >"$demo/readme.py"
    [ -s "$demo/readme.py" ] || { echo "test-python: no Python block in the README" >&2; exit 1; }
    head -c 100000 /dev/urandom >"$demo/photo.jpg"
    (cd "$demo" && "$venv/bin/python" readme.py >/dev/null)
    (cd "$demo" && "$venv/bin/python" "$root/examples/python/hello.py" hello.rdrive >/dev/null)
done

echo "== pip wheel ./python"
python3 -m pip wheel -q --no-deps ./python -w "$work/wheels"
wheel=$(ls "$work"/wheels/rdrive-*.whl)
case "$(basename "$wheel")" in
    rdrive-*-cp39-abi3-linux_*.whl) ;;
    *) echo "test-python: unexpected wheel tag: $wheel" >&2; exit 1 ;;
esac
python3 - "$wheel" <<'PY'
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
missing = {
    "rdrive/librdrive.so", "rdrive/_fast.abi3.so", "rdrive/_fast.pyi",
    "rdrive/_cdef.h", "rdrive/py.typed", "rdrive/__init__.py",
} - names
if missing:
    sys.exit(f"test-python: the wheel lacks {sorted(missing)}")
print(f"wheel ok: {sys.argv[1].rsplit('/', 1)[-1]}")
PY
# The one abi3 wheel, built by python3, serves every version.
for venv in "${venvs[@]}"; do
    echo "-- the wheel under $("$venv/bin/python" -c 'import platform; print("Python", platform.python_version())')"
    "$venv/bin/python" -m pip install -q --force-reinstall --no-deps "$wheel"
    (cd "$work" && RDRIVE_EXPECT_READ_PATH=compiled "$venv/bin/python" -m pytest -q \
        -p no:cacheprovider "$root/python/tests/test_read_paths.py" "$root/python/tests/test_mapping.py")
done
echo "== Python package tests passed"
