"""Every corrupt, truncated or foreign stream raises CorruptStreamError (a ValueError) with a
clear message; bad arguments raise ValueError / TypeError."""
import numpy as np
import pytest

from core_reference import crc16, with_crc
from cvlfic import bitstream
from cvlfic.errors import CorruptStreamError, LimitError


@pytest.fixture(scope="module")
def stream():
    img = np.random.default_rng(0).integers(0, 256, (40, 33, 3), dtype=np.uint8)
    return bitstream.encode_pooled(img, bitstream.uniform_mask(40, 33, 0, 2), 0, 24)


def raises(data, match, header_error=True):
    with pytest.raises(CorruptStreamError, match=match):
        bitstream.decode_pooled(data)
    if header_error:  # read_info checks the header and the CRC, not the payload
        with pytest.raises(CorruptStreamError, match=match):
            bitstream.read_info(data)


def test_header_layout_and_overhead(stream):
    assert stream[0] == 0xC1  # magic nibble C, version 1
    assert stream[1] == (0 << 4) | bitstream.LEVELS.index(24)
    assert stream[2:4] == bytes([39, 32])  # H-1, W-1 as LEB128
    assert int.from_bytes(stream[-2:], "big") == crc16(stream[:-2])
    # Fixed overhead: 2 header bytes + 1-byte sizes up to 128 + CRC = 6 bytes. A 1x1
    # mid-grey image is predicted exactly, so its payload is empty.
    for profile in (0, 1):
        data = bitstream.encode_pooled(np.full((1, 1, 3), 128, np.uint8), np.zeros((1, 1), np.uint8), profile, 24)
        assert len(data) == 6
    for (h, w), sizes in [((128, 128), bytes([127, 127])), ((129, 200), bytes([128, 1, 199, 1]))]:
        data = bitstream.encode_pooled(np.zeros((h, w, 3), np.uint8), bitstream.uniform_mask(h, w, 0), 0, 8)
        assert data[2:2 + len(sizes)] == sizes


def test_isinstance_value_error():
    assert issubclass(CorruptStreamError, ValueError)


def test_foreign_and_version(stream):
    raises(b"", "truncated")
    raises(b"\x89PNG\r\n\x1a\n" + stream, "not a cvlfic stream")
    raises(bytes([0xC2]) + stream[1:], "another format version")
    raises(with_crc(bytes([0xC2]) + stream[1:-2]), "another format version")
    raises(with_crc(bytes([0xC1, 0x71]) + stream[2:-2]), "profile this library does not know")


def test_corruption_truncation_garbage(stream):
    flipped = bytearray(stream)
    flipped[len(stream) // 2] ^= 0x10
    raises(bytes(flipped), "checksum")
    for cut in range(1, len(stream)):
        with pytest.raises(CorruptStreamError):
            bitstream.decode_pooled(stream[:cut])
    raises(stream + b"\x00", "checksum")
    raises(stream[:1], "truncated")
    # A consistent CRC does not make garbage acceptable: trailing bytes inside the payload
    raises(with_crc(stream[:-2] + b"\x5a\x00\x07"), "does not match its header", header_error=False)
    # ... nor a payload that ends in a zero byte (the encoder never writes one)
    raises(with_crc(stream[:-2] + b"\x00"), "does not match its header", header_error=False)

def test_payload_check_catches_most_damage_behind_a_valid_crc(stream):
    # The CRC is the guard; behind a forged CRC the decoder's exact-termination check still
    # rejects most damaged payloads (arithmetic codes resynchronise, so not all of them).
    rejected = 0
    flips = [(i, bit) for i in range(4, len(stream) - 2) for bit in range(8)]
    for i, bit in flips:
        changed = bytearray(stream[:-2])
        changed[i] ^= 1 << bit
        try:
            recon, _, _ = bitstream.decode_pooled(with_crc(bytes(changed)))
            assert recon.shape == (40, 33, 3)
        except CorruptStreamError as exc:
            assert "does not match its header" in str(exc)
            rejected += 1
    assert rejected >= 0.8 * len(flips)


def test_size_limits():
    for data in (with_crc(bytes([0xC1, 0x05, 0xFF, 0xFF, 0x7F, 0x00])),  # height 2**21
                 with_crc(bytes([0xC1, 0x05, 0xFF, 0x7F, 0xFF, 0x7F]))):  # 16384 x 16384
        for read in (bitstream.decode_pooled, bitstream.read_info):
            with pytest.raises(LimitError, match="above the"):
                read(data)
    raises(with_crc(bytes([0xC1, 0x05, 0x80, 0x00, 0x00])), "does not match its header")  # non-canonical varint
    raises(bytes([0xC1, 0x05, 0x80]), "truncated")


@pytest.mark.parametrize("bad", [np.zeros((8, 8, 3), np.float32), np.zeros((8, 8, 3), np.int16)])
def test_bad_image_type(bad):
    with pytest.raises(TypeError):
        bitstream.encode_pooled(bad, bitstream.uniform_mask(8, 8, 1), 1, 8)


def test_bad_arguments():
    img = np.zeros((20, 20, 3), np.uint8)
    mask = bitstream.uniform_mask(20, 20, 1)
    for args in [(np.zeros((20, 20), np.uint8), mask, 1, 8), (np.zeros((20, 20, 4), np.uint8), mask, 1, 8),
                 (np.zeros((0, 5, 3), np.uint8), np.zeros((0, 1), np.uint8), 1, 8),
                 (img, mask, 1, 7), (img, mask, 2, 8), (img, mask, -1, 8), (img, mask[:2], 1, 8),
                 (img, mask + 2, 1, 8), (img, np.full((3, 3), 4), 0, 8), (img, np.full((3, 3), -1), 1, 8)]:
        with pytest.raises(ValueError):
            bitstream.encode_pooled(*args)
        with pytest.raises(ValueError):
            bitstream.reconstruct(*args)
    with pytest.raises(TypeError):
        bitstream.encode_pooled(img, mask.astype(np.float32), 1, 8)
    with pytest.raises(ValueError):
        bitstream.mask_shape(0, 4, 0)
    with pytest.raises(ValueError):
        bitstream.profile_info(9)
