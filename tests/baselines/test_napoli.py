"""The shipped napoli baseline (autoencoder -> bits -> LZMA2) end to end on a real face crop."""
import numpy as np
import pytest

pytest.importorskip("onnxruntime")

from cvlfic.baselines import stream  # noqa: E402
from cvlfic.codecs import codec_family, create_codec, default_settings  # noqa: E402
from cvlfic.errors import CorruptStreamError  # noqa: E402

SETTING = 16  # 16 bit planes: 14 x 14 x 16 = 3136 bits = 392 bytes before LZMA2
BYTES_RANGE = (150, 400)  # LZMA2 never expands (stored fallback): 392 + 6 at most


@pytest.fixture(scope="module")
def codec():
    # shipped in models/: create_codec raises (the test fails) if the model is missing
    return create_codec("napoli", SETTING)


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


def test_other_input_sizes_come_back_at_their_size(codec, face, contract):
    contract.other_size_round_trip(codec, face)


def test_corrupt_truncated_and_foreign_streams_raise(codec, face, contract):
    contract.broken_streams_raise(codec, face, foreign="bian")


@pytest.mark.parametrize("setting, payload", [
    (0x80 | 15, b"not an LZMA2 stream"),  # flagged LZMA2, garbage
    (15, bytes(391)),                      # stored, one byte short
    (0, bytes(24) + b"\x0f"),              # C = 1: 196 bits, padding bits must be zero
    (0x80 | 0, b""),                       # flagged LZMA2, empty
])
def test_well_framed_but_invalid_payloads_raise(codec, setting, payload):
    with pytest.raises(CorruptStreamError):
        codec.decode(stream.pack("napoli", 1, setting, 112, 112, payload))


def test_bad_images_and_settings_raise(codec, contract):
    contract.bad_inputs_raise(codec)
    for setting in (0, 129):
        with pytest.raises(ValueError):
            create_codec("napoli", setting)
    with pytest.raises(ValueError):
        codec_family("napoli").factory(2.5)
