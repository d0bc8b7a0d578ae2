"""The shipped wang baseline (descriptor base layer + WebP residual) end to end on a real crop."""
import numpy as np
import pytest

pytest.importorskip("onnxruntime")

from cvlfic.codecs import create_codec, default_settings  # noqa: E402
from cvlfic.errors import CorruptStreamError  # noqa: E402

SETTING = 2  # base layer + WebP quality 20 residual
BYTES_RANGE = (150, 900)  # base layer ~30-45 bytes, residual a few hundred


@pytest.fixture(scope="module")
def codec():
    # shipped in models/: create_codec raises (the test fails) if the model is missing
    return create_codec("wang", SETTING)


@pytest.fixture(scope="module")
def data(codec, face):
    return codec.encode(face)


def test_round_trip_is_deterministic_with_expected_size(codec, face, data):
    from cvlfic.baselines.wang import codec as wang_codec
    assert isinstance(data, bytes)
    wang_codec._DESCRIPTORS.clear()  # recompute the descriptor, not the memoized one
    assert data == codec.encode(face.copy())
    assert BYTES_RANGE[0] <= len(data) <= BYTES_RANGE[1]
    assert data[1] == SETTING
    out = codec.decode(data)
    assert out.shape == face.shape and out.dtype == np.uint8
    assert np.array_equal(out, codec.decode(data))
    assert np.abs(out.astype(float) - face).mean() < 0.5 * face.std()


def test_settings_spend_more_bytes_and_start_with_the_same_base_layer(face, data):
    from cvlfic.baselines import wang
    streams = [create_codec("wang", s).encode(face) for s in default_settings("wang")]
    sizes = [len(s) for s in streams]
    assert sizes == sorted(sizes) and sizes[0] < 60  # setting 0: the descriptor alone
    for s in streams:
        assert wang.compare_base(s, data) == 0.0
    assert wang.base_only(data) == streams[0]


def test_base_descriptor_reads_the_quantized_descriptor(face, data):
    from cvlfic.baselines import wang
    from cvlfic.recognition import FaceEmbedder
    d = wang.base_descriptor(data)
    assert d.shape == (128,) and d.dtype == np.float32
    exact = FaceEmbedder(threads=1).embed_bgr(face[None])[0]
    assert np.max(np.abs(d - exact)) <= 1 / 32 + 1e-6  # quantization step 1/16
    assert wang.compare_base(data, data) == 0.0
    assert wang.compare_base(data, create_codec("wang", 0).encode(face[:, ::-1].copy())) < 0.6


def test_other_input_sizes_come_back_at_their_size(codec, face, contract):
    contract.other_size_round_trip(codec, face)


def test_corrupt_truncated_and_foreign_streams_raise(codec, data):
    from cvlfic.baselines import stream, wang
    bad = bytearray(data)
    bad[len(bad) // 2] ^= 0x10
    for broken in (bytes(bad), data[:-3], data[:5], b"", stream.pack("napoli", 1, 0, 112, 112, b"x")):
        with pytest.raises(CorruptStreamError):
            codec.decode(broken)
        with pytest.raises(CorruptStreamError):
            wang.base_descriptor(broken)
    # A valid container whose base layer stops short.
    with pytest.raises(CorruptStreamError):
        codec.decode(stream.pack("wang", 1, 0, 112, 112, b"\x00\x00"))
    with pytest.raises(CorruptStreamError):  # setting 0 with an enhancement layer attached
        codec.decode(stream.pack("wang", 1, 0, 112, 112, data[4:-2]))  # header of a 112x112 stream: 4 bytes


def test_bad_images_and_settings_raise(codec, contract):
    contract.bad_inputs_raise(codec)
    with pytest.raises(ValueError):
        create_codec("wang", 99)
