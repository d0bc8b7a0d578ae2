"""The Pillow plugin: Image.open on .lfic files and saving as LFIC."""
import io

import numpy as np
import pytest

PIL = pytest.importorskip("PIL")
from PIL import Image, UnidentifiedImageError  # noqa: E402

import cvlfic.plugins.pillow_lfic  # noqa: E402,F401  (registers the format)
from cvlfic.lfic import decode, encode  # noqa: E402


@pytest.fixture(scope="module")
def face():
    yy, xx = np.mgrid[0:112, 0:112]
    bgr = np.stack([xx * 2, yy * 2, (xx + yy)], -1).astype(np.uint8)
    return bgr


def test_open_decodes_like_cvlfic(tmp_path, face):
    data = encode(face, max_bytes=400)
    path = tmp_path / "face.lfic"
    path.write_bytes(data)
    with Image.open(path) as im:
        assert im.format == "LFIC" and im.mode == "RGB" and im.size == (112, 112)
        assert im.info["lfic"]["width"] == 112
        pixels = np.asarray(im)
    np.testing.assert_array_equal(pixels, decode(data)[:, :, ::-1])


def test_save_as_lfic(tmp_path, face):
    rgb = Image.fromarray(np.ascontiguousarray(face[:, :, ::-1]))
    path = tmp_path / "saved.lfic"
    rgb.save(path, max_bytes=300)  # format from the extension
    assert 0 < path.stat().st_size <= 300
    buffer = io.BytesIO()
    rgb.convert("L").save(buffer, format="LFIC", quality=80)
    with Image.open(io.BytesIO(buffer.getvalue())) as im:
        assert im.format == "LFIC" and im.size == (112, 112)
        restored = np.asarray(im).astype(int)
    grey = np.asarray(rgb.convert("L")).astype(int)
    assert np.abs(restored.mean(-1) - grey).mean() < 20


def test_damaged_stream_is_not_opened(tmp_path, face):
    data = bytearray(encode(face, max_bytes=300))
    data[len(data) // 2] ^= 0x40
    path = tmp_path / "bad.lfic"
    path.write_bytes(bytes(data))
    with pytest.raises(UnidentifiedImageError):
        Image.open(path)


def test_other_formats_still_open(tmp_path, face):
    path = tmp_path / "face.png"
    Image.fromarray(face).save(path)
    with Image.open(path) as im:
        assert im.format == "PNG"


def test_decompression_bomb_is_refused_on_open(tmp_path):
    import time

    from cvlfic import bitstream

    side = 2048
    path = tmp_path / "bomb.lfic"
    path.write_bytes(bitstream.encode_pooled(np.full((side, side, 3), 128, np.uint8),
                                             bitstream.uniform_mask(side, side, 0), 0, 16))
    t0 = time.perf_counter()
    with pytest.raises(Image.DecompressionBombError, match="2048x2048.*limit of 1048576 pixels"):
        Image.open(path)
    assert time.perf_counter() - t0 < 0.01
