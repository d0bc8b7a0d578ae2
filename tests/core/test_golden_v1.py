"""The golden set of bitstream v1 (tests/core/golden, written once by make_golden.py): every
stream decodes to exactly the recorded pooled image and mask, and the recorded inputs encode
to exactly the recorded streams (fixed masks through cvlfic_encode, and the fast encoder with
the shipped model). A change to the format, the coder or the search fails here."""
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from cvlfic import _core, bitstream
from cvlfic.lfic.codec import Codec

GOLDEN = Path(__file__).resolve().parent / "golden"
CASES = [line.split() for line in (GOLDEN / "manifest.txt").read_text().splitlines()]


def test_the_set_covers_both_profiles_gray_odd_sizes_and_the_fast_encoder():
    assert len(CASES) >= 25
    assert {c[7] for c in CASES} == {"0", "1"} and {c[2] for c in CASES} == {"pooled", "fast"}
    assert any(c[0].endswith("g_L4") for c in CASES) and any(c[3:5] == ["1", "1"] for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_golden_stream_decodes_bit_exactly(case):
    name, source, kind, h, w, mh, mw, profile, levels, rate, recon_crc, mask_crc = case
    data = (GOLDEN / f"{name}.lfic").read_bytes()
    recon, mask, info = bitstream.decode_pooled(data)
    assert (info["height"], info["width"], info["profile"], info["levels"]) == (int(h), int(w), int(profile), int(levels))
    expected = cv2.imread(str(GOLDEN / f"{name}.recon.png"), cv2.IMREAD_UNCHANGED).reshape(recon.shape)
    assert np.array_equal(recon, expected) and f"{zlib.crc32(recon.tobytes()):08x}" == recon_crc
    expected_mask = cv2.imread(str(GOLDEN / f"{name}.mask.png"), cv2.IMREAD_UNCHANGED).reshape(int(mh), int(mw))
    assert np.array_equal(mask, expected_mask) and f"{zlib.crc32(mask.tobytes()):08x}" == mask_crc


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_golden_input_encodes_to_the_golden_stream(case):
    name, source, kind, h, w, mh, mw, profile, levels, rate = case[:10]
    data = (GOLDEN / f"{name}.lfic").read_bytes()
    img = cv2.imread(str(GOLDEN / f"{source}.png"), cv2.IMREAD_UNCHANGED)
    if kind == "fast":
        assert Codec().encode(img, bpp=float(rate)) == data
    else:
        bgr = np.repeat(img.reshape(int(h), int(w), -1), 3, axis=2) if img.ndim == 2 or img.shape[-1] == 1 else img
        mask = bitstream.decode_pooled(data)[1]
        assert bitstream.encode_pooled(bgr.reshape(int(h), int(w), 3), mask, int(profile), int(levels)) == data
