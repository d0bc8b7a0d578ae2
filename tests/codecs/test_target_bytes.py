"""Target-bytes mode: never over budget, misses reported, best setting found."""
import numpy as np
import pytest

from cvlfic.codecs import (BenchCodec, BudgetMissError, TargetBytesCodec, encode_all_within,
                           encode_within, register_codec, unregister_codec)

pytest.importorskip("imagecodecs")


class PaddingCodec(BenchCodec):
    """Output of exactly 10 + setting bytes: the best fit of any budget is known."""

    def encode(self, image):
        return bytes(10 + int(self.setting))

    def decode(self, data):
        return np.zeros((2, 2, 3), np.uint8)


@pytest.fixture
def padding_family():
    register_codec("test-padding", lambda s: PaddingCodec("test-padding", s), (0, 1000),
                   (0, 1000), "exact-size toy codec")
    yield "test-padding"
    unregister_codec("test-padding")


def test_bisection_finds_the_largest_fitting_setting(padding_family):
    image = np.zeros((2, 2, 3), np.uint8)
    for budget in (10, 11, 500, 777, 1010):
        fit = encode_within(padding_family, image, budget)
        assert fit.setting == budget - 10 and len(fit.data) == budget
        assert fit.encodes <= 12  # a bisection, not a scan of 1001 settings
    assert encode_within(padding_family, image, 5000).setting == 1000
    miss = encode_within(padding_family, image, 9)
    assert miss.missed and miss.data is None and miss.setting is None


@pytest.mark.parametrize("name", ["jpeg", "jpeg2000", "webp", "avif", "jpegxl"])
def test_real_codecs_never_exceed_the_budget(name):
    rng = np.random.default_rng(1)
    y, x = np.mgrid[0:112, 0:112]
    base = np.stack([x, y, (x + y) // 2], -1).astype(np.int16)
    images = [np.clip(base + rng.integers(-20, 20, base.shape), 0, 255).astype(np.uint8)
              for _ in range(2)]
    for budget in (150, 400, 900):
        fits, misses = encode_all_within(name, images, budget)
        assert misses == sum(f.missed for f in fits)
        for fit in fits:
            if not fit.missed:
                assert len(fit.data) <= budget
    # A generous budget always fits; a tiny one never does and is reported as a miss.
    assert encode_within(name, images[0], 10 ** 6).data is not None
    assert encode_within(name, images[0], 20).missed


def test_target_bytes_codec_round_trips_and_raises_on_miss():
    image = np.full((112, 112, 3), 128, np.uint8)
    image[30:80, 40:70] = (40, 90, 200)
    codec = TargetBytesCodec("webp", 300)
    data = codec.encode(image)
    assert len(data) <= 300 and codec.last_fit.setting is not None
    assert codec.decode(data).shape == image.shape
    with pytest.raises(BudgetMissError):
        TargetBytesCodec("jpeg", 50).encode(image)
