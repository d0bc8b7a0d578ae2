"""Builds the native part of cvlfic with CMake: the pybind11 module ``cvlfic._core`` and the
shared library ``libcvlfic`` (with its header, pkg-config and CMake package files), which is
shipped inside the package under ``cvlfic/_native`` (see ``cvlfic.native``).

``pip install .`` and ``python setup.py build_ext --inplace`` both go through CMakeBuild.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from setuptools import Extension, find_packages, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


class CMakeExtension(Extension):
    def __init__(self, name):
        super().__init__(name, sources=[])


def _read_cache(cache: Path) -> Dict[str, str]:
    """``NAME -> value`` of a CMakeCache.txt (lines ``NAME:TYPE=value``)."""
    entries = {}
    for line in cache.read_text(errors="replace").splitlines():
        if line.startswith(("#", "//")) or "=" not in line:
            continue
        key, value = line.split("=", 1)
        entries[key.split(":", 1)[0]] = value
    return entries


def _cmake_version() -> str:
    """``X.Y.Z`` of the cmake on PATH (the one this build runs)."""
    out = subprocess.run(["cmake", "--version"], check=True, capture_output=True, text=True).stdout
    return out.split()[2] if out.startswith("cmake version") else ""


def _stale_cache(build_dir: Path, generator: Optional[str]) -> Optional[str]:
    """Why the CMake cache in ``build_dir`` cannot be reused, or None if it can (or there is none).

    The cache records absolute paths of the tools that configured it. ``pip install .`` builds
    in an isolated environment (a temporary folder holding cmake, ninja and pybind11) that pip
    deletes afterwards, while the cache stays in the checkout's build/ folder; the next install
    would then run a ninja or cmake that no longer exists and stop at ``project()``.
    """
    cache = build_dir / "CMakeCache.txt"
    if not cache.is_file():
        return None
    entries = _read_cache(cache)
    if Path(entries.get("CMAKE_HOME_DIRECTORY", str(ROOT))).resolve() != ROOT:
        return f"configured for another source folder ({entries['CMAKE_HOME_DIRECTORY']})"
    previous = entries.get("CMAKE_GENERATOR")
    if previous and generator and previous != generator:
        return f"generator {previous!r}, now {generator!r}"
    if previous == "Ninja" and generator is None:
        return "generator 'Ninja', but ninja is no longer on PATH"
    for key in ("CMAKE_COMMAND", "CMAKE_MAKE_PROGRAM", "CMAKE_C_COMPILER", "CMAKE_CXX_COMPILER"):
        tool = entries.get(key, "")
        if os.path.isabs(tool) and not os.path.exists(tool):
            return f"{key} {tool} no longer exists"
    written = ".".join(entries.get(f"CMAKE_CACHE_{part}_VERSION", "") for part in ("MAJOR", "MINOR", "PATCH"))
    running = _cmake_version()
    if written != running.split("-")[0]:
        return f"written by CMake {written}, now CMake {running}"
    return None


class CMakeBuild(build_ext):
    def _generator(self) -> Tuple[Optional[str], List[str]]:
        """The CMake generator (None: CMake's default or $CMAKE_GENERATOR) and its arguments."""
        if shutil.which("ninja"):
            return "Ninja", ["-G", "Ninja"]
        return os.environ.get("CMAKE_GENERATOR") or None, []

    def build_extension(self, ext):
        import pybind11

        package_dir = Path(self.get_ext_fullpath(ext.name)).resolve().parent
        build_dir = Path(self.build_temp).resolve() / "cmake"
        generator, generator_args = self._generator()
        # One CMake build folder per checkout (build/temp.*/cmake), reused while its cache is
        # valid, so repeated `build_ext --inplace` runs are incremental. A cache that names a
        # tool which is gone (the ninja or cmake of pip's deleted isolated build environment),
        # was written by another CMake version, or for another generator or source folder is
        # thrown away with its folder and configured afresh (what `cmake --fresh` does in CMake
        # 3.24+; deleting the folder works with any CMake). Keying the folder by tool paths
        # instead would leave a new folder behind after every isolated build. Tools that still
        # exist are left to CMake, which re-checks a changed compiler itself.
        reason = _stale_cache(build_dir, generator)
        if reason:
            print(f"cvlfic: starting a fresh CMake build in {build_dir}: the old cache is stale ({reason})")
            shutil.rmtree(build_dir)
        args = [
            f"-DCMAKE_BUILD_TYPE={'Debug' if self.debug else 'Release'}",
            "-DCVLFIC_PYTHON=ON",
            f"-DCVLFIC_PYTHON_DEST={package_dir}",
            f"-DCMAKE_INSTALL_PREFIX={package_dir / '_native'}",
            f"-DPython_EXECUTABLE={sys.executable}",
            f"-Dpybind11_DIR={pybind11.get_cmake_dir()}",
            *generator_args,
        ]
        jobs = str(self.parallel or os.cpu_count() or 1)
        subprocess.check_call(["cmake", "-S", str(ROOT), "-B", str(build_dir), *args])
        subprocess.check_call(["cmake", "--build", str(build_dir), "--parallel", jobs])
        subprocess.check_call(["cmake", "--install", str(build_dir)])

    def copy_extensions_to_source(self):
        # --inplace / editable installs: setuptools copies only the module back to the source tree
        super().copy_extensions_to_source()
        target = ROOT / "cvlfic" / "_native"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(Path(self.build_lib).resolve() / "cvlfic" / "_native", target, symlinks=True)


MODEL_FILES = ["*.onnx", "*.json", "*.pt", "*.md", "*.bin"]


def model_packages() -> Tuple[List[str], Dict[str, List[str]]]:
    """Packages and package data that ship the top-level models/ as ``cvlfic._models``.

    Each model folder whose name is a Python identifier is listed as a (namespace) package of
    its own, with its files as that package's data. Python could import such a folder, and
    setuptools warns at length (about 40 lines per folder) about any importable folder that
    ships data but is not listed in ``packages``. Folders with other names are not importable
    and ship as data of ``cvlfic._models`` itself. Either way the same files are installed:
    models/<name>/*.onnx, *.json, *.pt, *.md as cvlfic/_models/<name>/...
    """
    packages, package_data = ["cvlfic._models"], {"cvlfic._models": []}
    folders = sorted(p for p in (ROOT / "models").glob("*") if p.is_dir() and p.name != "__pycache__")
    for folder in folders:
        if folder.name.isidentifier():
            packages.append(f"cvlfic._models.{folder.name}")
            package_data[packages[-1]] = list(MODEL_FILES)
        else:
            package_data["cvlfic._models"] += [f"{folder.name}/{pattern}" for pattern in MODEL_FILES]
    return packages, package_data


MODEL_PACKAGES, MODEL_DATA = model_packages()

setup(
    # The top-level models/ folder ships inside the package as cvlfic._models (trained weights:
    # nothing is downloaded at run time). It stays at the top level, mapped here, because
    # training (cvlfic.train) and the export scripts write new weights to models/<name>/ in the
    # checkout, and a source checkout reads them there (cvlfic.lfic.model_files.model_roots()).
    # The plugins (cvlfic/plugins/) are an ordinary subpackage found by find_packages().
    packages=[*find_packages(include=["cvlfic", "cvlfic.*"]), *MODEL_PACKAGES],
    package_dir={"cvlfic._models": "models"},
    package_data=MODEL_DATA,
    ext_modules=[CMakeExtension("cvlfic._core")],
    cmdclass={"build_ext": CMakeBuild},
)
