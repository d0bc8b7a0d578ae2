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

from setuptools import Extension, find_packages, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


class CMakeExtension(Extension):
    def __init__(self, name):
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        import pybind11

        package_dir = Path(self.get_ext_fullpath(ext.name)).resolve().parent
        build_dir = Path(self.build_temp).resolve() / "cmake"
        args = [
            f"-DCMAKE_BUILD_TYPE={'Debug' if self.debug else 'Release'}",
            "-DCVLFIC_PYTHON=ON",
            f"-DCVLFIC_PYTHON_DEST={package_dir}",
            f"-DCMAKE_INSTALL_PREFIX={package_dir / '_native'}",
            f"-DPython_EXECUTABLE={sys.executable}",
            f"-Dpybind11_DIR={pybind11.get_cmake_dir()}",
        ]
        if shutil.which("ninja"):
            args += ["-G", "Ninja"]
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


setup(
    # The top-level plugins/ and models/ folders ship inside the package as cvlfic.plugins and
    # cvlfic._models (trained weights: nothing is downloaded at run time).
    packages=[*find_packages(include=["cvlfic", "cvlfic.*"]), "cvlfic.plugins", "cvlfic._models"],
    package_dir={"cvlfic.plugins": "plugins", "cvlfic._models": "models"},
    package_data={"cvlfic._models": ["*/*.onnx", "*/*.json", "*/*.pt", "*/*.md"]},
    ext_modules=[CMakeExtension("cvlfic._core")],
    cmdclass={"build_ext": CMakeBuild},
)
