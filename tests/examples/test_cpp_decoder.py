"""examples/cpp_decoder: a C++ program linking libcvlfic and LibTorch decodes like the Python codec."""
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from cvlfic.lfic.codec import Codec

pytest.importorskip("torch", reason="the C++ example runs the decoder with LibTorch from the torch wheel")
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "cpp_decoder"
CMAKE = shutil.which("cmake")
NINJA = shutil.which("ninja")
if not (CMAKE and NINJA):
    pytest.skip("cmake and ninja are needed (pip install cmake ninja)", allow_module_level=True)


@pytest.fixture(scope="module")
def program(tmp_path_factory):
    build = tmp_path_factory.mktemp("cpp_decoder_build")
    configure = [CMAKE, "-S", str(EXAMPLE), "-B", str(build), "-G", "Ninja",
                 f"-DCMAKE_MAKE_PROGRAM={NINJA}", f"-DPython3_EXECUTABLE={sys.executable}"]
    outputs = []
    for cmd in (configure, [CMAKE, "--build", str(build)]):
        done = subprocess.run(cmd, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        outputs.append(done.stdout)
    # libcvlfic came from the installed package's CMake files, LibTorch from the torch wheel.
    assert "decoder runtimes: libtorch" in outputs[0]
    return build / "cvlfic_decode_cpp"


@pytest.fixture(scope="module")
def torchscript(tmp_path_factory):
    import argparse

    from cvlfic.commands import export

    out = tmp_path_factory.mktemp("torchscript")
    parser = argparse.ArgumentParser()
    export.register(parser.add_subparsers())
    args = parser.parse_args(["export", "--format", "torchscript", "--out", str(out), "--no-check"])
    assert args.func(args) == 0
    return out / export.TORCHSCRIPT_NAME


def textured_face(height, width, seed):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x * 1.5 + 30, y * 1.5 + 40, (x + y) * 0.8 + 60], -1)
    return np.clip(base + rng.normal(0, 12, (height, width, 3)), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("shape,max_bytes", [((112, 112), 200), ((112, 112), 900), ((53, 77), 300)])
def test_cpp_output_matches_python_decoder(program, torchscript, tmp_path, shape, max_bytes):
    codec = Codec()
    data = codec.encode(textured_face(*shape, seed=max_bytes), max_bytes=max_bytes)
    stream, image = tmp_path / "face.lfic", tmp_path / "face.ppm"
    stream.write_bytes(data)
    done = subprocess.run([str(program), str(torchscript), str(stream), str(image)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "libtorch network" in done.stdout
    decoded = cv2.imread(str(image), cv2.IMREAD_COLOR)  # PPM is RGB; OpenCV returns BGR
    expected = codec.decode(data)
    assert decoded.shape == expected.shape
    assert np.abs(decoded.astype(int) - expected).max() <= 2


@pytest.mark.parametrize("bpp", [0.1, 0.3])
def test_cpp_encodes_like_python_then_decodes(program, torchscript, tmp_path, bpp):
    """Encoder and decoder from the shared library: the stream is the one cvlfic.encode
    writes, the face the one cvlfic.decode restores."""
    codec = Codec()
    face = textured_face(112, 112, seed=int(bpp * 100))
    source, image, stream = tmp_path / "face.ppm", tmp_path / "out.ppm", tmp_path / "face.lfic"
    cv2.imwrite(str(source), face)
    done = subprocess.run([str(program), str(torchscript), str(source), str(image),
                           str(codec.model_dir / "encoder.bin"), str(bpp), str(stream)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert stream.read_bytes() == codec.encode(face, bpp=bpp)
    decoded = cv2.imread(str(image), cv2.IMREAD_COLOR)
    assert np.abs(decoded.astype(int) - codec.decode(stream.read_bytes())).max() <= 2


def test_cpp_reports_a_corrupt_stream(program, torchscript, tmp_path):
    data = bytearray(Codec().encode(textured_face(112, 112, 0), max_bytes=200))
    data[len(data) // 2] ^= 0x20
    stream = tmp_path / "bad.lfic"
    stream.write_bytes(bytes(data))
    done = subprocess.run([str(program), str(torchscript), str(stream), str(tmp_path / "bad.ppm")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert done.stderr.startswith("error: stream")
    assert not (tmp_path / "bad.ppm").exists()
