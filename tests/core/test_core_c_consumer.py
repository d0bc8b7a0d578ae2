"""A C test and a C++ example, built by CMake against the installed libcvlfic (the package's
cvlfic/_native, found with find_package), then run; and a pkg-config build of the C test."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from cvlfic import native

SOURCE = Path(__file__).resolve().parent / "c_consumer"


def _cmake():
    exe = shutil.which("cmake")
    if exe is None:
        pytest.skip("cmake not installed (pip install cmake)")
    return exe


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory):
    build = tmp_path_factory.mktemp("c_consumer")
    args = [_cmake(), "-S", str(SOURCE), "-B", str(build), f"-Dcvlfic_DIR={native.get_cmake_dir()}"]
    if shutil.which("ninja"):
        args += ["-G", "Ninja"]
    subprocess.run(args, check=True, capture_output=True, text=True)
    subprocess.run([_cmake(), "--build", str(build)], check=True, capture_output=True, text=True)
    return build


def test_c_api_test_passes(build_dir):
    run = subprocess.run([str(build_dir / "c_api_test")], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "c_api_test: ok" in run.stdout


def test_cpp_example_runs(build_dir):
    run = subprocess.run([str(build_dir / "roundtrip_example")], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "bytes for 112x112" in run.stdout


def test_pkg_config_build(tmp_path):
    pkg_config, cc = shutil.which("pkg-config"), shutil.which("cc")
    if not (pkg_config and cc):
        pytest.skip("pkg-config or cc missing")
    env = dict(os.environ, PKG_CONFIG_PATH=str(native.get_pkgconfig_dir()))
    flags = subprocess.run([pkg_config, "--cflags", "--libs", "cvlfic"], env=env, check=True,
                           capture_output=True, text=True).stdout.split()
    exe = tmp_path / "c_api_test"
    subprocess.run([cc, str(SOURCE / "c_api_test.c"), "-o", str(exe), *flags,
                    f"-Wl,-rpath,{native.get_lib_dir()}"], check=True)
    assert subprocess.run([str(exe)], capture_output=True, text=True).returncode == 0
