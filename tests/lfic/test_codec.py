"""The shipped LFIC model end to end: rate control, decode, errors, backend parity."""
import numpy as np
import pytest

from cvlfic import bitstream
from cvlfic.errors import CorruptStreamError
from cvlfic.lfic.codec import Codec, bpp_for_quality


@pytest.fixture(scope="module")
def codec():
    return Codec()


@pytest.fixture(scope="module")
def face():
    # A smooth synthetic "face-like" crop: deterministic, no data needed.
    y, x = np.mgrid[0:112, 0:112].astype(np.float32)
    blob = np.exp(-(((x - 56) / 30) ** 2 + ((y - 60) / 38) ** 2))
    eyes = np.exp(-(((x - 38) / 6) ** 2 + ((y - 48) / 4) ** 2)) + \
        np.exp(-(((x - 74) / 6) ** 2 + ((y - 48) / 4) ** 2))
    base = 40 + 170 * blob - 90 * eyes
    return np.clip(np.stack([base * 0.8, base * 0.9, base], -1), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("max_bytes", [40, 80, 157, 300, 700])
def test_max_bytes_is_never_exceeded(codec, face, max_bytes):
    data = codec.encode(face, max_bytes=max_bytes)
    assert len(data) <= max_bytes
    info = bitstream.read_info(data)
    assert (info["height"], info["width"]) == (112, 112)
    out = codec.decode(data)
    assert out.shape == face.shape and out.dtype == np.uint8


def test_more_bytes_restore_better(codec, face):
    errors = []
    for max_bytes in (60, 600):
        out = codec.decode(codec.encode(face, max_bytes=max_bytes)).astype(np.float64)
        errors.append(np.mean((out - face) ** 2))
    assert errors[1] < errors[0]


def test_deterministic_and_rate_options(codec, face):
    a = codec.encode(face, bpp=0.1)
    assert a == codec.encode(face, bpp=0.1)
    assert len(a) <= int(0.1 * 112 * 112 / 8)
    assert np.array_equal(codec.decode(a), codec.decode(a))
    assert len(codec.encode(face, quality=20)) < len(codec.encode(face, quality=80))
    assert bpp_for_quality(0) < bpp_for_quality(50) < bpp_for_quality(100)


@pytest.mark.parametrize("shape", [(1, 1, 3), (37, 53, 3), (130, 97, 3)])
def test_any_crop_size(codec, shape):
    image = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    data = codec.encode(image, max_bytes=4000)
    assert codec.decode(data).shape == shape


def test_bad_input(codec, face):
    with pytest.raises(TypeError):
        codec.encode(face.astype(np.float32))
    with pytest.raises(ValueError, match="alpha"):
        codec.encode(np.concatenate([face, face[..., :1]], 2))
    with pytest.raises(ValueError):
        codec.encode(face, bpp=0.1, max_bytes=100)
    with pytest.raises(ValueError, match="minimum"):
        codec.encode(face, max_bytes=3)
    with pytest.raises(CorruptStreamError):
        codec.decode(b"not a cvlfic stream")
    data = bytearray(codec.encode(face, max_bytes=150))
    data[len(data) // 2] ^= 0x10
    with pytest.raises(CorruptStreamError):
        codec.decode(bytes(data))


def test_decode_batch_matches_single(codec, face):
    streams = [codec.encode(face, max_bytes=b) for b in (80, 200)]
    streams.append(codec.encode(face[:50, :70].copy(), max_bytes=200))
    batch = codec.decode_batch(streams)
    for data, out in zip(streams, batch):
        assert np.array_equal(out, codec.decode(data))


def test_onnx_runtime_matches_torch(codec, face):
    torch_codec = Codec(backend="torch")
    data = codec.encode(face, max_bytes=200)
    inputs, _ = codec.decoder_inputs(data)
    diff = np.abs(codec.runner(*inputs) - torch_codec.runner(*inputs)).max()
    assert diff <= 1e-3


def test_best_mode_fits_budget(codec, face):
    data = codec.encode(face, max_bytes=120, mode="best")
    assert len(data) <= 120
    assert codec.decode(data).shape == face.shape


def test_fixed_mode_uses_one_block_size(codec, face):
    data = codec.encode(face, max_bytes=200, mode="fixed")
    assert len(data) <= 200
    _, mask, _ = bitstream.decode_pooled(data)
    assert len(np.unique(mask)) == 1
    with pytest.raises(ValueError, match="mode"):
        codec.encode(face, mode="other")
