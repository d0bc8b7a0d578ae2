"""Where the packaged native library lives, for C/C++ programs and cffi (like numpy.get_include()).

The wheel ships ``libcvlfic`` (the C API of the lossless core), its header ``cvlfic/cvlfic.h``,
a pkg-config file and a CMake package (package ``cvlfic``, imported target ``cvlfic::cvlfic``)
under ``cvlfic/_native``, and the GStreamer plugin ``libgstcvlfic`` where GStreamer's
development files were present at build time. The ``cvlfic-config`` command prints these folders:

    cmake -S . -B build -Dcvlfic_DIR="$(cvlfic-config --cmake-dir)"
    export PKG_CONFIG_PATH="$(cvlfic-config --pkgconfig-dir)"
    cc app.c -o app $(pkg-config --cflags --libs cvlfic)
    export GST_PLUGIN_PATH="$(cvlfic-config --gst-plugin-dir)"   # cvlficfaceenc (GStreamer)

``cvlfic-config`` is an installed script, so it always answers for the installed package,
whatever the working directory. ``python -c "import cvlfic.native"`` and ``python -m
cvlfic.native`` put the working directory first on ``sys.path``: run inside a source checkout
they would describe the checkout's ``cvlfic/`` folder instead.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional

_ROOT = Path(__file__).resolve().parent / "_native"


def get_root() -> Path:
    """Install prefix of the packaged native library."""
    return _ROOT


def get_include() -> Path:
    """Directory to add to the include path (holds ``cvlfic/cvlfic.h``)."""
    return _ROOT / "include"


def get_lib_dir() -> Path:
    """Folder of the shared library ``libcvlfic``."""
    return _ROOT / "lib"


def get_library_path() -> Path:
    """The shared library file to dlopen (e.g. with cffi in ABI mode)."""
    names = {"darwin": "libcvlfic.dylib", "win32": "cvlfic.dll"}
    path = get_lib_dir() / names.get(sys.platform, "libcvlfic.so")
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: reinstall cvlfic (pip install .)")
    return path


def get_pkgconfig_dir() -> Path:
    """Folder of ``cvlfic.pc``, for ``PKG_CONFIG_PATH``."""
    return get_lib_dir() / "pkgconfig"


def get_cmake_dir() -> Path:
    """Value for ``cvlfic_DIR`` in ``find_package(cvlfic CONFIG)``."""
    return get_lib_dir() / "cmake" / "cvlfic"


def get_header() -> Path:
    return get_include() / "cvlfic" / "cvlfic.h"


def get_gst_plugin_dir() -> Path:
    """Folder of the GStreamer plugin ``libgstcvlfic``, for ``GST_PLUGIN_PATH`` (docs/gstreamer.md)."""
    return get_lib_dir() / "gstreamer-1.0"


# option -> (function, a file that must exist there)
_QUERIES = {
    "--prefix": (get_root, "include/cvlfic/cvlfic.h"),
    "--include-dir": (get_include, "cvlfic/cvlfic.h"),
    "--lib-dir": (get_lib_dir, None),
    "--library": (get_library_path, None),
    "--pkgconfig-dir": (get_pkgconfig_dir, "cvlfic.pc"),
    "--cmake-dir": (get_cmake_dir, "cvlficConfig.cmake"),
    "--gst-plugin-dir": (get_gst_plugin_dir, "libgstcvlfic.so"),
}
# why a file can be missing, where reinstalling alone does not help
_MISSING = {"--gst-plugin-dir": "the GStreamer plugin is built only when pkg-config finds GStreamer's "
                                "development files at install time (Debian: apt-get install pkg-config "
                                "libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev); install them, then "
                                "reinstall cvlfic (pip install .)"}


def main(argv: Optional[List[str]] = None) -> int:
    """``cvlfic-config``: print the requested folders of the installed C library, one a line."""
    parser = argparse.ArgumentParser(
        prog="cvlfic-config",
        description="Where the installed cvlfic package keeps libcvlfic, its header, its "
                    "pkg-config file (cvlfic.pc) and its CMake package (find_package(cvlfic "
                    "CONFIG), target cvlfic::cvlfic). Paths are printed one a line, in the "
                    "order asked; without options, all of them.")
    for option, (function, _) in _QUERIES.items():
        parser.add_argument(option, dest="queries", action="append_const", const=option,
                            help=(function.__doc__ or "").split("\n")[0].replace("``", "") or None)
    queries = parser.parse_args(argv).queries
    try:
        if not queries:
            for option, (function, _) in _QUERIES.items():
                print(f"{option[2:]}: {function()}")
            return 0
        for option in queries:
            function, expected = _QUERIES[option]
            path = function()
            if expected and not (path / expected).exists():
                hint = _MISSING.get(option, "reinstall cvlfic (pip install .)")
                raise FileNotFoundError(f"{path / expected} is missing: {hint}")
            print(path)
    except FileNotFoundError as exc:
        print(f"cvlfic-config: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
