"""The shipped bian baseline (CompNet -> PNG -> RecNet) end to end on a real face crop."""
import cv2
import numpy as np
import pytest

pytest.importorskip("onnxruntime")

from cvlfic.baselines import stream  # noqa: E402
from cvlfic.codecs import create_codec  # noqa: E402
from cvlfic.errors import CorruptStreamError  # noqa: E402

SETTING = 8  # compact image 28x28, 2 bits per sample
BYTES_RANGE = (350, 900)  # 601 on this crop with the shipped model; LFW mean in MODEL_CARD.md


@pytest.fixture(scope="module")
def codec():
    # shipped in models/: create_codec raises (the test fails) if the model is missing
    return create_codec("bian", SETTING)


def test_round_trip_is_deterministic_with_expected_size(codec, face):
    data = codec.encode(face)
    assert isinstance(data, bytes)
    assert data == codec.encode(face.copy())
    assert BYTES_RANGE[0] <= len(data) <= BYTES_RANGE[1]
    assert data[1] == SETTING
    out = codec.decode(data)
    assert out.shape == face.shape and out.dtype == np.uint8
    assert np.array_equal(out, codec.decode(data))
    # A restoration, not noise: mean absolute error well under the image's own spread.
    assert np.abs(out.astype(float) - face).mean() < 0.5 * face.std()


def test_more_bytes_at_higher_settings(face):
    sizes = [len(create_codec("bian", s).encode(face)) for s in (1, SETTING, 12)]
    assert sizes == sorted(sizes) and sizes[0] < sizes[2]


def test_other_input_sizes_come_back_at_their_size(codec, face, contract):
    contract.other_size_round_trip(codec, face)


def test_corrupt_truncated_and_foreign_streams_raise(codec, face, contract):
    contract.broken_streams_raise(codec, face, foreign="napoli")


def test_well_framed_but_invalid_payloads_raise(codec):
    for setting, payload in ((SETTING, b"not a zlib stream"), (0, b""), (200, b"")):
        with pytest.raises(CorruptStreamError):
            codec.decode(stream.pack("bian", 1, setting, 112, 112, payload))


def test_bad_images_and_settings_raise(codec, contract):
    contract.bad_inputs_raise(codec)
    with pytest.raises(ValueError):
        create_codec("bian", 0)


def test_stored_payload_rebuilds_the_exact_png(codec, face):
    from cvlfic.baselines.bian import codec as bian
    levels = bian.compact_levels(face, 28, 2)
    idat = bian.png_payload(levels)
    rebuilt = bian.png_file(28, idat)
    png = np.frombuffer(rebuilt, np.uint8)
    assert np.array_equal(cv2.imdecode(png, cv2.IMREAD_UNCHANGED), levels.transpose(1, 2, 0))
    ok, direct = cv2.imencode(".png", np.ascontiguousarray(levels.transpose(1, 2, 0)))
    assert rebuilt[:33] == direct.tobytes()[:33]  # signature + IHDR as cv2 writes them
