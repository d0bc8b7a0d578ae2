"""The bian codec (ONNX Runtime): CompNet -> quantized compact image -> PNG -> RecNet.

The stream (``cvlfic.baselines.stream``, setting byte = 1-based index into ``RATES``) carries
the compact image's PNG without its constant parts: PNG signature, IHDR and IEND are fully
determined by the rate point, so only the IDAT payload (the zlib stream of the filtered rows)
is stored, and the decoder rebuilds the byte-identical PNG file before ``cv2.imdecode``.
That saves 57 bytes per face (0.036 bpp at 112x112), more than the whole payload at the
lowest rate. The b-bit samples are stored as the values 0..2^b-1 in an 8-bit colour PNG
(measured smaller than the three planes stacked as one grey image, and than PNG's own 1/2/4-bit
depths); the encoder keeps the shortest of cv2's five zlib strategies (a decoder-blind choice).
"""
from __future__ import annotations

import struct
import zlib

import cv2
import numpy as np

from cvlfic.baselines import runtime
from cvlfic.baselines.bian.rates import RATES
from cvlfic.baselines.stream import pack, unpack
from cvlfic.codecs.base import BenchCodec, check_bgr, check_decoded, register_codec
from cvlfic.errors import CorruptStreamError

NAME = "bian"
VERSION = 1
COMPACT = 28
CHANNELS = 3
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DEFAULT_SWEEP = (1, 3, 5, 7, 8, 10, 12)
PNG_STRATEGIES = (cv2.IMWRITE_PNG_STRATEGY_DEFAULT, cv2.IMWRITE_PNG_STRATEGY_FILTERED,
                  cv2.IMWRITE_PNG_STRATEGY_HUFFMAN_ONLY, cv2.IMWRITE_PNG_STRATEGY_RLE,
                  cv2.IMWRITE_PNG_STRATEGY_FIXED)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_file(side: int, idat: bytes) -> bytes:
    """The full PNG file of a side x side compact image from its IDAT payload (8-bit RGB,
    no interlace: exactly the header cv2.imencode writes)."""
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return PNG_SIGNATURE + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def _idat_payload(png: bytes) -> bytes:
    """Concatenated IDAT data of a PNG file written by cv2 (no other chunk expected)."""
    pos, out = len(PNG_SIGNATURE), []
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        if kind == b"IDAT":
            out.append(png[pos + 8:pos + 8 + length])
        elif kind not in (b"IHDR", b"IEND"):
            raise RuntimeError(f"unexpected PNG chunk {kind!r} from cv2.imencode")
        pos += 12 + length
    return b"".join(out)


def compact_levels(image: np.ndarray, side: int, bits: int) -> np.ndarray:
    """BGR image -> the quantized compact image, uint8 3 x side x side in 0..2^bits-1."""
    c = runtime.run(NAME, "compnet.onnx", image=runtime.to_network(image))[0][0]
    if side != COMPACT:
        f = COMPACT // side
        c = c.reshape(CHANNELS, side, f, side, f).mean(axis=(2, 4))
    return np.round(c * ((1 << bits) - 1)).astype(np.uint8)


def png_payload(levels: np.ndarray) -> bytes:
    """Compact image (3 x side x side) -> IDAT payload of its PNG: compression level 9, the
    shortest over cv2's zlib strategies."""
    image = np.ascontiguousarray(levels.transpose(1, 2, 0))
    best = None
    for strategy in PNG_STRATEGIES:
        ok, png = cv2.imencode(".png", image, [cv2.IMWRITE_PNG_COMPRESSION, 9,
                                               cv2.IMWRITE_PNG_STRATEGY, strategy])
        if not ok:
            raise RuntimeError("cv2.imencode failed on the compact image")
        idat = _idat_payload(png.tobytes())
        if best is None or len(idat) < len(best):
            best = idat
    return best


class BianCodec(BenchCodec):
    def __init__(self, setting: int):
        if int(setting) != setting or not 1 <= setting <= len(RATES):
            raise ValueError(f"{NAME}: setting must be an integer in 1..{len(RATES)}")
        super().__init__(NAME, int(setting))
        self.side, self.bits = RATES[self.setting - 1]

    def encode(self, image: np.ndarray) -> bytes:
        image = check_bgr(image)
        levels = compact_levels(image, self.side, self.bits)
        return pack(NAME, VERSION, self.setting, image.shape[0], image.shape[1], png_payload(levels))

    def decode(self, data: bytes) -> np.ndarray:
        _, frame = unpack(NAME, (VERSION,), data)
        if not 1 <= frame.setting <= len(RATES):
            raise CorruptStreamError(f"{NAME}: unknown rate point {frame.setting}")
        side, bits = RATES[frame.setting - 1]
        png = np.frombuffer(png_file(side, frame.payload), np.uint8)
        levels = cv2.imdecode(png, cv2.IMREAD_UNCHANGED)
        if levels is None or levels.shape != (side, side, CHANNELS) or levels.dtype != np.uint8:
            raise CorruptStreamError(f"{NAME}: the compact image's PNG data does not decode")
        if int(levels.max()) >= 1 << bits:
            raise CorruptStreamError(f"{NAME}: compact image values exceed {bits} bits")
        c = levels.transpose(2, 0, 1)[None].astype(np.float32) / ((1 << bits) - 1)
        f = COMPACT // side
        c = np.ascontiguousarray(c.repeat(f, axis=2).repeat(f, axis=3))
        y = runtime.run(NAME, "recnet.onnx", compact=c)[0]
        return check_decoded(runtime.from_network(y, frame.height, frame.width), NAME)


def _register() -> None:
    description = (f"Bian et al. 2019 CompNet/PNG/RecNet baseline ({runtime.fingerprint(NAME)}); "
                   f"setting = rate point index, (compact side, bits): {list(RATES)}")
    register_codec(NAME, BianCodec, (1, len(RATES)), DEFAULT_SWEEP, description=description)


runtime.model_dir(NAME)  # FileNotFoundError when the model is not shipped: not registered
_register()
