"""A short fuzz pass in CI: 12,000 mutated, truncated, extended and spliced streams. Each
either raises CorruptStreamError or (only when the mutation left a valid CRC) decodes to a
well-formed result. Never a crash, never another exception. And 3,000 random alignment calls
into the C ABI (the checks of fuzz/fuzz_align.cpp)."""
import numpy as np
import pytest

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


# ---- alignment (cvlfic_align_face / cvlfic_align_transform), as fuzz/fuzz_align.cpp ----

ALIGN_CDEF = """
int cvlfic_align_transform(const float landmarks[10], size_t size, double transform[6]);
int cvlfic_align_face(const uint8_t *img, size_t height, size_t width, size_t stride, int channels,
                      const float landmarks[10], size_t size, uint8_t *out, size_t out_stride);
"""
# dlib's reference face in a 1 x 1 chip (padding 0.25)
FACE = np.array([[0.73971, 0.30900], [0.59737, 0.31931], [0.24705, 0.30915], [0.38939, 0.31938],
                 [0.49341, 0.58520]])


def random_landmarks(rng, h, w):
    kind = rng.integers(0, 3)
    if kind == 0:  # raw float bits: NaN, infinities, huge, denormal
        return np.frombuffer(rng.integers(0, 256, 40, dtype=np.uint8).tobytes(), np.float32).copy()
    scale = 2.0 ** rng.uniform(-4, 20)
    angle = rng.uniform(0, 2 * np.pi)
    rot = scale * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    points = (FACE - 0.5) @ rot.T + rng.uniform(-1, 1, (5, 2)) * 8 + [w / 2, h / 2] + rng.integers(-128, 128, 2)
    points = points.astype(np.float32).reshape(10)
    if kind == 2:
        points[rng.integers(0, 10)] = np.frombuffer(rng.integers(0, 256, 4, dtype=np.uint8).tobytes(),
                                                    np.float32)[0]
    return points


def test_short_align_fuzz_pass():
    """3,000 random calls into the C ABI: a status of OK or ARGUMENT (the same from both
    functions), a finite transform, every crop byte written (two fills agree), the row padding
    untouched, and nothing written on a refusal."""
    cffi = pytest.importorskip("cffi")
    from cvlfic import native
    ffi = cffi.FFI()
    ffi.cdef(ALIGN_CDEF)
    c = ffi.dlopen(str(native.get_library_path()))
    rng = np.random.default_rng(99)
    statuses = {0: 0, 1: 0}
    t = ffi.new("double[6]")
    for _ in range(3000):
        h, w = (int(v) for v in rng.integers(1, 65, 2))
        ch = int(rng.choice([1, 3]))
        stride = w * ch + int(rng.integers(0, 8))
        img = rng.integers(0, 256, (h - 1) * stride + w * ch, dtype=np.uint8)
        lm = ffi.new("float[10]", random_landmarks(rng, h, w).tolist())
        side = int(rng.integers(4, 260)) if rng.random() < 0.1 else int(rng.integers(0, 40))
        st = c.cvlfic_align_transform(lm, side, t)
        assert st in statuses
        statuses[st] += 1
        if st == 0:
            assert np.isfinite(list(t)).all()
        out_stride = side * ch + int(rng.integers(0, 4))
        n = (side - 1) * out_stride + side * ch if side else 1
        fills = [np.zeros(n, np.uint8), np.full(n, 255, np.uint8)]
        for out in fills:
            assert c.cvlfic_align_face(ffi.from_buffer(img), h, w, stride, ch, lm, side, ffi.from_buffer(out),
                                       out_stride) == st
        pixel = (np.arange(n) % max(out_stride, 1) < side * ch) if st == 0 else np.zeros(n, bool)
        assert (fills[0][pixel] == fills[1][pixel]).all()
        assert (fills[0][~pixel] == 0).all() and (fills[1][~pixel] == 255).all()
    assert statuses[0] > 1000 and statuses[1] > 500, statuses
