"""Each classical codec round-trips a face-sized image at one setting."""
import numpy as np
import pytest

from cvlfic.codecs import create_codec, default_settings
from cvlfic.errors import CorruptStreamError

pytest.importorskip("imagecodecs")

CODECS = ["jpeg", "mozjpeg", "jpeg2000", "webp", "avif", "jpegxl"]


def face_like_image(h=112, w=112):
    """A smooth colour gradient with a blob: compressible, but not trivially flat."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    blob = 80 * np.exp(-((x - w / 2) ** 2 + (y - h / 2.2) ** 2) / (2 * (w / 5) ** 2))
    bgr = np.stack([60 + x + blob, 90 + 0.5 * y + blob, 120 + 0.4 * (x + y) / 2 + blob], -1)
    return np.clip(bgr, 0, 255).astype(np.uint8)


def _codec(name, setting):
    if name == "mozjpeg":
        pytest.importorskip("pyvips")
    return create_codec(name, setting)


@pytest.mark.parametrize("name", CODECS)
def test_round_trip_shape_dtype_and_bytes(name):
    image = face_like_image()
    sweep = default_settings(name)
    codec = _codec(name, sweep[len(sweep) // 2])
    data = codec.encode(image)
    assert isinstance(data, bytes)
    assert 50 < len(data) < image.size  # compressed, and more than a bare header
    decoded = codec.decode(data)
    assert decoded.shape == image.shape and decoded.dtype == np.uint8
    # BGR order preserved: a channel swap would move the mean colour by tens of levels.
    channel_means = decoded.mean(axis=(0, 1)) - image.mean(axis=(0, 1))
    assert np.abs(channel_means).max() < 5


@pytest.mark.parametrize("name", CODECS)
def test_higher_setting_spends_more_bytes(name):
    image = face_like_image()
    sweep = default_settings(name)
    assert len(_codec(name, sweep[0]).encode(image)) < len(_codec(name, sweep[-1]).encode(image))


@pytest.mark.parametrize("name", CODECS)
def test_corrupt_stream_and_bad_input_raise_clear_errors(name):
    codec = _codec(name, default_settings(name)[0])
    with pytest.raises(CorruptStreamError):
        codec.decode(b"\x00\x01garbage" * 4)
    with pytest.raises(CorruptStreamError):
        codec.decode(b"")
    with pytest.raises(TypeError):
        codec.encode(np.zeros((8, 8, 3), np.float32))
    with pytest.raises(ValueError):
        codec.encode(np.zeros((8, 8), np.uint8))


def test_odd_sizes_round_trip():
    image = face_like_image(37, 53)
    for name in ["jpeg", "jpeg2000", "webp", "avif", "jpegxl"]:
        codec = create_codec(name, default_settings(name)[-1])
        assert codec.decode(codec.encode(image)).shape == image.shape
