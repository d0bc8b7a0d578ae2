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


# Aaron_Eckhart_0001 (LFW) and its dlib 5-point landmarks (detect_faces), fixed here so that
# the test needs no dlib.
LFW_FACE = ("Aaron_Eckhart", 1)
LFW_LANDMARKS = [[154.0, 109.0], [138.0, 110.0], [99.0, 109.0], [114.0, 111.0], [126.0, 146.0]]


def test_encode_face_example_without_python(build_dir, tmp_path):
    """Image + landmarks -> aligned crop -> 0.2 bpp stream, in C: run with an empty PATH and
    no Python in its libraries, then decoded here."""
    import cv2
    import numpy as np

    import cvlfic
    from cvlfic import datasets
    from cvlfic.face.align import align_face_points
    from cvlfic.lfic.model_files import find_model

    if not datasets.has_data():
        pytest.skip("shared LFW data not present")
    exe = build_dir / "encode_face_example"
    ldd = shutil.which("ldd")
    if ldd:
        libs = subprocess.run([ldd, str(exe)], check=True, capture_output=True, text=True).stdout
        # no libpython among the loaded libraries (the venv's own path may say "python")
        loaded = [line.split()[0] for line in libs.splitlines() if line.strip()]
        assert any("libcvlfic" in n for n in loaded) and not any("libpython" in n for n in loaded), libs
    image = cv2.imread(str(datasets.lfw_image_path(*LFW_FACE)))
    h, w = image.shape[:2]
    (tmp_path / "face.ppm").write_bytes(b"P6\n# LFW\n%d %d\n255\n" % (w, h) + image[:, :, ::-1].tobytes())
    (tmp_path / "landmarks.txt").write_text(" ".join(f"{v:g}" for p in LFW_LANDMARKS for v in p) + "\n")
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    encoder_bin = find_model("lfic_ycc16") / "encoder.bin"
    run = subprocess.run([str(exe), "face.ppm", "landmarks.txt", str(encoder_bin), "face.cvl", "crop.ppm"],
                         cwd=tmp_path, env={"PATH": str(empty_bin)}, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "bytes for 112x112" in run.stdout

    crop = align_face_points(image, np.array(LFW_LANDMARKS, np.float32))
    np.testing.assert_array_equal(cv2.imread(str(tmp_path / "crop.ppm")), crop)  # the same crop in C
    stream = (tmp_path / "face.cvl").read_bytes()
    assert len(stream) <= 0.2 * 112 * 112 / 8  # 313 bytes
    assert stream == cvlfic.encode(crop, bpp=0.2)  # the same bytes as Python's fast mode
    restored = cvlfic.decode(stream)
    assert restored.shape == (112, 112, 3)
    mse = np.mean((restored.astype(float) - crop.astype(float)) ** 2)
    assert 10 * np.log10(255 ** 2 / mse) > 22  # measured 24.1 dB (lfic_ycc16, 313 bytes)


def test_golden_streams_decode_bit_exactly_from_c(build_dir):
    golden = Path(__file__).resolve().parent / "golden"
    run = subprocess.run([str(build_dir / "golden_decode"), str(golden)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    count = len((golden / "manifest.txt").read_text().splitlines())
    assert run.stdout.strip() == f"golden_decode: {count} streams ok"
