"""A short fuzz pass in CI: 12,000 mutated, truncated, extended and spliced streams. Each
either raises CorruptStreamError or (only when the mutation left a valid CRC) decodes to a
well-formed result. Never a crash, never another exception."""
import numpy as np

from core_reference import crc16
from cvlfic import bitstream
from cvlfic.errors import CorruptStreamError, LimitError


def seed_streams():
    rng = np.random.default_rng(7)
    out = []
    for profile in (0, 1):
        for h, w, levels in [(1, 1, 2), (9, 17, 8), (40, 40, 24), (112, 112, 8), (31, 70, 256)]:
            img = np.clip(rng.normal(128, 50, (h, w, 3)), 0, 255).astype(np.uint8)
            sizes = len(bitstream.profile_info(profile)["block_sizes"][0])
            mask = rng.integers(0, sizes, bitstream.mask_shape(h, w, profile), dtype=np.uint8)
            out.append(bitstream.encode_pooled(img, mask, profile, levels))
    return out


def mutate(rng, data: bytes, others) -> bytes:
    kind = rng.integers(0, 6)
    b = bytearray(data)
    if kind == 0:  # bit flips
        for _ in range(rng.integers(1, 4)):
            i = rng.integers(0, len(b))
            b[i] ^= 1 << rng.integers(0, 8)
    elif kind == 1:  # truncation
        b = b[:rng.integers(0, len(b))]
    elif kind == 2:  # appended garbage
        b += rng.integers(0, 256, rng.integers(1, 8), dtype=np.uint8).tobytes()
    elif kind == 3:  # random byte overwrite
        b[rng.integers(0, len(b))] = rng.integers(0, 256)
    elif kind == 4:  # splice with another stream
        other = others[rng.integers(0, len(others))]
        cut = rng.integers(0, len(b))
        b = b[:cut] + other[rng.integers(0, len(other)):]
    else:  # damaged payload behind a valid CRC: the decoder's own checks
        body = bytearray(b[:-2])
        body[rng.integers(0, len(body))] ^= 1 << rng.integers(0, 8)
        b = body + crc16(bytes(body)).to_bytes(2, "big")
    return bytes(b)


def test_short_fuzz_pass():
    rng = np.random.default_rng(2024)
    streams = seed_streams()
    outcomes = {"rejected": 0, "decoded": 0}
    for n in range(12_000):
        data = mutate(rng, streams[n % len(streams)], streams)
        try:
            recon, mask, info = bitstream.decode_pooled(data)
        except (CorruptStreamError, LimitError):  # a limit: a forged header claiming a large image
            outcomes["rejected"] += 1
            continue
        # Only a valid CRC may decode (forged above, or a 1-in-65536 collision).
        assert len(data) >= 6 and int.from_bytes(data[-2:], "big") == crc16(data[:-2])
        assert recon.shape == (info["height"], info["width"], 3) and mask.shape == info["mask_shape"]
        outcomes["decoded"] += 1
    assert outcomes["rejected"] + outcomes["decoded"] == 12_000
    assert outcomes["rejected"] > 11_000
