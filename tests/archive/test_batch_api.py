"""Codec.encode_batch / decode_batch_results: one result per item, errors per item."""
import numpy as np
import pytest

from cvlfic.errors import BudgetError, CorruptStreamError, LimitError, TruncatedStreamError
from cvlfic.lfic.codec import BatchResult, Codec


@pytest.fixture(scope="module")
def codec():
    return Codec()


def crop(seed):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:112, 0:112].astype(np.float32)
    base = 60 + 120 * np.exp(-(((x - 56) / 30) ** 2 + ((y - 60) / 38) ** 2))
    noise = rng.normal(0, 6, (112, 112, 3))
    return np.clip(base[..., None] * [0.8, 0.9, 1.0] + noise, 0, 255).astype(np.uint8)


def test_encode_batch_reports_errors_per_item(codec):
    faces = [crop(0), np.zeros((2048, 2048, 3), np.uint8), "not an image", crop(1),
             np.zeros((8, 8, 4), np.uint8)]
    results = codec.encode_batch(faces, max_bytes=300)
    assert [r.ok for r in results] == [True, False, False, True, False]
    assert isinstance(results[1].error, LimitError)
    assert isinstance(results[2].error, TypeError)
    assert isinstance(results[4].error, ValueError) and "alpha" in str(results[4].error)
    for i in (0, 3):  # the good faces code as encode codes them alone
        assert results[i].data == codec.encode(faces[i], max_bytes=300)
        assert results[i].unwrap() == results[i].data and results[i].error is None
    with pytest.raises(LimitError):
        results[1].unwrap()


def test_encode_batch_budget_error_is_per_item(codec):
    big, small = crop(0), crop(2)[:16, :16]
    budget = codec.smallest_stream(small)
    assert codec.smallest_stream(big) > budget
    results = codec.encode_batch([big, small], max_bytes=budget)
    assert isinstance(results[0].error, BudgetError) and results[0].data is None
    assert results[1].ok and len(results[1].data) <= budget


def test_encode_batch_bad_setting_fails_the_whole_batch(codec):
    for options in ({"quality": 150}, {"bpp": 0.2, "quality": 50}, {"mode": "slow"}):
        with pytest.raises(ValueError):
            codec.encode_batch([crop(0)], **options)
    assert codec.encode_batch([]) == []


def test_decode_batch_results_reports_errors_per_item(codec):
    streams = [r.data for r in codec.encode_batch([crop(i) for i in range(5)], quality=50)]
    streams.append(codec.encode(crop(9)[:64, :80], quality=50))  # another size
    flipped = bytearray(streams[1])
    flipped[len(flipped) // 2] ^= 0x10
    items = streams + [bytes(flipped), streams[2][:20], b"", None]
    results = codec.decode_batch_results(items, batch_size=2)
    assert len(results) == len(items)
    assert [r.ok for r in results] == [True] * 6 + [False] * 4
    assert isinstance(results[6].error, CorruptStreamError)
    assert isinstance(results[7].error, TruncatedStreamError)
    assert isinstance(results[9].error, TypeError)
    # the same faces as decode_batch, whatever the grouping and batch size
    for result, face in zip(results, codec.decode_batch(streams)):
        np.testing.assert_array_equal(result.data, face)
    assert results[5].data.shape == (64, 80, 3)


def test_batch_result_type():
    ok, bad = BatchResult(data=b"x"), BatchResult(error=ValueError("no"))
    assert ok.ok and not bad.ok and bad.data is None
    with pytest.raises(ValueError, match="no"):
        bad.unwrap()
