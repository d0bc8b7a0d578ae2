"""The shipped napoli baseline (autoencoder -> bits -> LZMA2) end to end on a real face crop."""
import cv2
import numpy as np
import pytest

pytest.importorskip("onnxruntime")

from cvlfic import datasets  # noqa: E402
from cvlfic.baselines import stream  # noqa: E402
from cvlfic.codecs import codec_family, create_codec, default_settings  # noqa: E402
from cvlfic.errors import CorruptStreamError  # noqa: E402

SETTING = 16  # 16 bit planes: 14 x 14 x 16 = 3136 bits = 392 bytes before LZMA2
BYTES_RANGE = (150, 400)  # LZMA2 never expands (stored fallback): 392 + 6 at most


@pytest.fixture(scope="module")
def codec():
    try:
        codec_family("napoli")
    except ValueError:
        pytest.skip("napoli model not shipped")
    return create_codec("napoli", SETTING)


@pytest.fixture(scope="module")
def face():
    if not datasets.has_data():
        pytest.skip("face data not available")
    path = datasets.training_image_paths()[0]  # a real UTKFace face chip
    return cv2.resize(cv2.imread(str(path)), (112, 112), interpolation=cv2.INTER_AREA)


def test_round_trip_is_deterministic_with_expected_size(codec, face):
    data = codec.encode(face)
    assert isinstance(data, bytes)
    assert data == codec.encode(face.copy())
    assert BYTES_RANGE[0] <= len(data) <= BYTES_RANGE[1]
    assert data[1] & 0x7F == SETTING - 1
    out = codec.decode(data)
    assert out.shape == face.shape and out.dtype == np.uint8
    assert np.array_equal(out, codec.decode(data))
    # A reconstruction, not noise: mean absolute error well under the image's own spread.
    assert np.abs(out.astype(float) - face).mean() < 0.5 * face.std()


def test_more_channels_spend_more_bytes(face):
    sizes = [len(create_codec("napoli", c).encode(face)) for c in default_settings("napoli")]
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1]


def test_other_input_sizes_come_back_at_their_size(codec, face):
    image = cv2.resize(face, (96, 130))
    out = codec.decode(codec.encode(image))
    assert out.shape == (130, 96, 3) and out.dtype == np.uint8


def test_corrupt_truncated_and_foreign_streams_raise(codec, face):
    data = codec.encode(face)
    bad = bytearray(data)
    bad[len(bad) // 2] ^= 0x10
    for broken in (bytes(bad), data[:-3], data[:4], b"", create_codec("jpeg", 50).encode(face),
                   stream.pack("bian", 1, SETTING, 112, 112, data[4:-2])):
        with pytest.raises(CorruptStreamError):
            codec.decode(broken)


@pytest.mark.parametrize("setting, payload", [
    (0x80 | 15, b"not an LZMA2 stream"),  # flagged LZMA2, garbage
    (15, bytes(391)),                      # stored, one byte short
    (0, bytes(24) + b"\x0f"),              # C = 1: 196 bits, padding bits must be zero
    (0x80 | 0, b""),                       # flagged LZMA2, empty
])
def test_well_framed_but_invalid_payloads_raise(codec, setting, payload):
    with pytest.raises(CorruptStreamError):
        codec.decode(stream.pack("napoli", 1, setting, 112, 112, payload))


def test_bad_images_and_settings_raise(codec):
    with pytest.raises(TypeError):
        codec.encode(np.zeros((112, 112, 3), np.float32))
    with pytest.raises(ValueError):
        codec.encode(np.zeros((112, 112), np.uint8))
    with pytest.raises(TypeError):
        codec.decode("not bytes")
    for setting in (0, 129):
        with pytest.raises(ValueError):
            create_codec("napoli", setting)
    with pytest.raises(ValueError):
        codec_family("napoli").factory(2.5)
