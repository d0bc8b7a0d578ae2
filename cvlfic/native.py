"""Where the packaged native library lives, for C/C++ programs and cffi (like numpy.get_include()).

The wheel ships ``libcvlfic`` (the C API of the lossless core), its header ``cvlfic/cvlfic.h``,
a pkg-config file and a CMake package under ``cvlfic/_native``:

    cc prog.c $(PKG_CONFIG_PATH=$(python -c "import cvlfic.native as n; print(n.get_pkgconfig_dir())") \
        pkg-config --cflags --libs cvlfic)
    cmake -Dcvlfic_DIR=$(python -c "import cvlfic.native as n; print(n.get_cmake_dir())") ...
"""
from __future__ import annotations

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parent / "_native"


def get_root() -> Path:
    """Install prefix of the packaged native library."""
    return _ROOT


def get_include() -> Path:
    """Directory to add to the include path (holds ``cvlfic/cvlfic.h``)."""
    return _ROOT / "include"


def get_lib_dir() -> Path:
    return _ROOT / "lib"


def get_library_path() -> Path:
    """The shared library file to dlopen (e.g. with cffi in ABI mode)."""
    names = {"darwin": "libcvlfic.dylib", "win32": "cvlfic.dll"}
    path = get_lib_dir() / names.get(sys.platform, "libcvlfic.so")
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: reinstall cvlfic (pip install .)")
    return path


def get_pkgconfig_dir() -> Path:
    return get_lib_dir() / "pkgconfig"


def get_cmake_dir() -> Path:
    """Value for ``cvlfic_DIR`` in ``find_package(cvlfic CONFIG)``."""
    return get_lib_dir() / "cmake" / "cvlfic"


def get_header() -> Path:
    return get_include() / "cvlfic" / "cvlfic.h"
