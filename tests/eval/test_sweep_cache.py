"""Per-setting measurements: values, caching, and resuming after an interruption."""
import numpy as np
import pytest

from cvlfic.codecs import BenchCodec, register_codec, unregister_codec
from cvlfic.eval.sweep import MeasurementStore, measure_codec, measure_reference


class QuantizeCodec(BenchCodec):
    """Keeps the top ``setting`` bits of each byte; output is the raw array."""

    def encode(self, image):
        shift = 8 - int(self.setting)
        return bytes([image.shape[0], image.shape[1]]) + ((image >> shift) << shift).tobytes()

    def decode(self, data):
        return np.frombuffer(data[2:], np.uint8).reshape(data[0], data[1], 3).copy()


@pytest.fixture
def family():
    register_codec("test-quantize", lambda s: QuantizeCodec("test-quantize", s), (1, 8), (1, 8),
                   "toy quantizer")
    yield "test-quantize"
    unregister_codec("test-quantize")


def fake_embed(chips):
    assert chips.shape[1:] == (150, 150, 3) and chips.dtype == np.uint8
    return np.repeat(chips.mean(axis=(1, 2)), 128 // 3 + 1, axis=1)[:, :128].astype(np.float32)


def crops(n=10):
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (n, 16, 16, 3), dtype=np.uint8)


def test_measurements_are_computed_then_read_from_the_cache(tmp_path, family):
    from cvlfic.codecs import create_codec

    store = MeasurementStore("fake", root=tmp_path)
    images = crops()
    indices = np.array([1, 3, 4, 8])
    arrays = measure_codec(create_codec(family, 8), images, indices, fake_embed, store, chunk=3)
    assert arrays["done"][indices].all() and arrays["done"].sum() == 4
    assert (arrays["bytes"][indices] == 2 + 16 * 16 * 3).all()
    assert (arrays["psnr"][indices] == 100.0).all()  # 8 bits kept: lossless
    assert arrays["ssim"][indices] == pytest.approx(1.0)

    def no_embed(chips):
        raise AssertionError("cached results must not be recomputed")

    again = measure_codec(create_codec(family, 8), images, indices, no_embed, store)
    np.testing.assert_array_equal(again["descriptors"], arrays["descriptors"])


def test_an_interrupted_setting_resumes_where_it_stopped(tmp_path, family):
    from cvlfic.codecs import create_codec

    store = MeasurementStore("fake", root=tmp_path)
    images = crops()
    indices = np.arange(10)
    calls = []

    def failing_embed(chips):
        calls.append(len(chips))
        if len(calls) == 2:
            raise KeyboardInterrupt
        return fake_embed(chips)

    with pytest.raises(KeyboardInterrupt):
        measure_codec(create_codec(family, 2), images, indices, failing_embed, store, chunk=4)
    seen = []
    arrays = measure_codec(create_codec(family, 2), images, indices,
                           lambda c: seen.append(len(c)) or fake_embed(c), store, chunk=4)
    assert sum(seen) == 6  # the first chunk of 4 was kept
    assert arrays["done"].all() and (arrays["psnr"] < 40).all()


def test_references_are_resized_to_the_recognizer_input(tmp_path):
    store = MeasurementStore("fake", root=tmp_path)
    descriptors = measure_reference("small", crops(5), np.arange(5), fake_embed, store)
    assert descriptors.shape == (5, 128)
    np.testing.assert_allclose(descriptors[:, 0], crops(5)[:, :, :, 0].mean(axis=(1, 2)), atol=2)


def test_fresh_ignores_the_cache(tmp_path, family):
    from cvlfic.codecs import create_codec

    store = MeasurementStore("fake", root=tmp_path)
    measure_codec(create_codec(family, 4), crops(), np.arange(3), fake_embed, store)
    seen = []
    measure_codec(create_codec(family, 4), crops(), np.arange(3),
                  lambda c: seen.append(len(c)) or fake_embed(c), store, fresh=True)
    assert seen == [3]
