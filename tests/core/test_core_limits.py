"""Streams that claim large images are refused before allocation, in microseconds; damaged
payloads stop at their end; cut streams say "truncated". The reproducers of each defect."""
import subprocess
import sys
import time

import numpy as np
import pytest

from core_reference import with_crc
from cvlfic import bitstream
from cvlfic.errors import CorruptStreamError, LimitError, TruncatedStreamError


def flat_stream(side: int) -> bytes:
    """A valid stream of a flat side x side image: a few dozen bytes."""
    return bitstream.encode_pooled(np.full((side, side, 3), 128, np.uint8),
                                   bitstream.uniform_mask(side, side, 0), 0, 16)


@pytest.mark.parametrize("side", [2048, 4096])
def test_bomb_is_refused_fast_and_names_the_limit(side):
    data = flat_stream(side)
    assert len(data) < 100
    for read in (bitstream.read_info, bitstream.decode_pooled):
        t0 = time.perf_counter()
        with pytest.raises(LimitError, match=f"{side}x{side}.*decode limit of 1048576 pixels.*max_pixels") as exc:
            read(data)
        assert time.perf_counter() - t0 < 0.01
        assert exc.value.pixels == side * side and exc.value.limit == bitstream.DEFAULT_MAX_PIXELS


def test_limit_is_the_callers():
    data = flat_stream(2048)
    recon, _, info = bitstream.decode_pooled(data, max_pixels=2048 * 2048)
    assert recon.shape == (2048, 2048, 3) and info["width"] == 2048
    with pytest.raises(LimitError):
        bitstream.decode_pooled(flat_stream(64), max_pixels=64 * 64 - 1)
    for bad in (0, bitstream.MAX_PIXELS + 1):
        with pytest.raises(ValueError, match="max_pixels"):
            bitstream.decode_pooled(data, max_pixels=bad)


def test_huge_claim_is_refused_within_a_millisecond():
    # 65535 x 65535 (LEB128 of 65534 twice) behind a valid checksum.
    forged = with_crc(bytes([0xC1, 0x05, 0xFE, 0xFF, 0x03, 0xFE, 0xFF, 0x03]))
    t0 = time.perf_counter()
    with pytest.raises(LimitError, match="65535x65535.*largest side of 16384"):
        bitstream.decode_pooled(forged)
    assert time.perf_counter() - t0 < 0.001


def test_forged_header_does_not_decode_zeros_past_the_end():
    # 8 bytes: a 1024 x 1024 image with an empty payload. The range decoder stops within 4
    # bytes of the end instead of decoding a million pixels of zeros.
    forged = with_crc(bytes([0xC1, 0x05, 0xFF, 0x07, 0xFF, 0x07]))
    t0 = time.perf_counter()
    with pytest.raises(CorruptStreamError, match="does not match its header"):
        bitstream.decode_pooled(forged)
    assert time.perf_counter() - t0 < 0.05
    # With the largest limit the allocation is the caller's choice, the time still is not.
    big = with_crc(bytes([0xC1, 0x05, 0xFF, 0x7F, 0xFF, 0x1F]))  # 16384 x 4096
    t0 = time.perf_counter()
    with pytest.raises(CorruptStreamError):
        bitstream.decode_pooled(big, max_pixels=bitstream.MAX_PIXELS)
    assert time.perf_counter() - t0 < 1.0


def test_cut_stream_says_truncated_and_flip_says_corrupted():
    img = np.random.default_rng(3).integers(0, 256, (112, 112, 3), dtype=np.uint8)
    data = bitstream.encode_pooled(img, bitstream.uniform_mask(112, 112, 0, 2), 0, 16)
    said = {"truncated": 0, "other": 0}
    for cut in range(3, len(data) - 2):
        with pytest.raises(CorruptStreamError) as exc:
            bitstream.decode_pooled(data[:cut])
        said["truncated" if isinstance(exc.value, TruncatedStreamError) else "other"] += 1
        assert exc.value.status in (7, 8)
    assert said["truncated"] >= 0.95 * (len(data) - 5)
    with pytest.raises(TruncatedStreamError, match="^truncated: the stream ends before its last byte"):
        bitstream.decode_pooled(data[:len(data) // 2])
    flips = 0
    for i in range(4, len(data) - 2):
        changed = bytearray(data)
        changed[i] ^= 0x08
        with pytest.raises(CorruptStreamError) as exc:
            bitstream.decode_pooled(bytes(changed))
        flips += "checksum" in str(exc.value)
    assert flips >= 0.9 * (len(data) - 6)
    assert str(exc.value) == "corrupted: the checksum does not match the data"  # words, no tuple


def test_4000x3000_stream_is_refused_with_the_option():
    data = bitstream.encode_pooled(np.full((3000, 4000, 3), 90, np.uint8),
                                   bitstream.uniform_mask(3000, 4000, 0), 0, 16)
    with pytest.raises(LimitError, match="4000x3000.*max_pixels"):
        bitstream.decode_pooled(data)


# Peak memory of one call, in a fresh process: VmHWM (this process's own peak since exec;
# ru_maxrss is not, as Linux carries a forking parent's peak into it), reset to the current
# RSS just before the call through /proc/self/clear_refs.
MEMORY_PROBE = """
import sys, time, numpy as np, cvlfic
from cvlfic import bitstream
from cvlfic.errors import LimitError
def status(field):
    return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith(field))
face = np.random.default_rng(0).integers(0, 256, (112, 112, 3), dtype=np.uint8)
cvlfic.decode(cvlfic.encode(face))  # model loaded, session warm
bomb = bitstream.encode_pooled(np.full((4096, 4096, 3), 128, np.uint8),
                               bitstream.uniform_mask(4096, 4096, 0), 0, 16)
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")
before = status("VmRSS:")
t0 = time.perf_counter()
try:
    cvlfic.decode(bomb)
except LimitError as exc:
    took = time.perf_counter() - t0
    print(took, status("VmHWM:") - before)
"""


def test_decode_of_a_bomb_costs_no_memory(tmp_path):
    # cwd outside the checkout: `python -c` puts the cwd first on sys.path
    out = subprocess.run([sys.executable, "-c", MEMORY_PROBE], capture_output=True, text=True, check=True,
                         cwd=tmp_path)
    took, grew_kib = out.stdout.split()
    assert float(took) < 0.01 and int(grew_kib) < 50 * 1024
