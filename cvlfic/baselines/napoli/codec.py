"""The ``napoli`` codec family (ONNX Runtime; no torch at run time). Setting = C, the number of
binarized channels sent (1..128): 14 x 14 x C bits before LZMA on a 112 x 112 crop.

Payload: the first C bit planes of the 14 x 14 x 128 code, channel-major, packed MSB first
(so a smaller C is a prefix of a larger one), then compressed as a raw LZMA2 stream (no xz
container: its ~60 bytes of header and check would dominate at low rates; our container has
its own CRC). When LZMA2 does not shrink the bits they are stored as is. Setting byte:
bit 7 = LZMA2-coded, bits 0-6 = C - 1.
"""
from __future__ import annotations

import lzma

import numpy as np

from cvlfic.baselines import runtime, stream
from cvlfic.baselines.napoli import CHANNEL_SWEEP, CODE_CHANNELS, GRID
from cvlfic.codecs.base import BenchCodec, Setting, check_bgr, check_decoded, register_codec
from cvlfic.errors import CorruptStreamError

NAME = "napoli"
VERSION = 1
LZMA_FLAG = 0x80
_DICT_SIZE = 4096  # the smallest LZMA dictionary; the whole code (<= 3136 bytes) fits in it
_LZMA2_ENCODE = [{"id": lzma.FILTER_LZMA2, "preset": 9 | lzma.PRESET_EXTREME,
                  "dict_size": _DICT_SIZE}]
_LZMA2_DECODE = [{"id": lzma.FILTER_LZMA2, "dict_size": _DICT_SIZE}]


def _code_bytes(channels: int) -> int:
    return (GRID * GRID * channels + 7) // 8


def _inflate(payload: bytes, size: int) -> bytes:
    decompressor = lzma.LZMADecompressor(format=lzma.FORMAT_RAW, filters=_LZMA2_DECODE)
    try:
        raw = decompressor.decompress(payload, max_length=size + 1)
    except lzma.LZMAError as error:
        raise CorruptStreamError(f"{NAME}: corrupt LZMA2 payload ({error})") from None
    if len(raw) != size or not decompressor.eof or decompressor.unused_data:
        raise CorruptStreamError(f"{NAME}: LZMA2 payload holds {len(raw)} bytes, expected {size}")
    return raw


class NapoliCodec(BenchCodec):
    def __init__(self, channels: Setting):
        if int(channels) != channels or not 1 <= channels <= CODE_CHANNELS:
            raise ValueError(f"{NAME}: channels must be an integer in 1..{CODE_CHANNELS}")
        super().__init__(NAME, int(channels))

    def encode(self, image: np.ndarray) -> bytes:
        bgr = check_bgr(image)
        activations = runtime.run(NAME, "encoder.onnx", bgr=runtime.to_network(bgr))[0][0]
        # Eq. 1 at test time (P = 1/2): +1 where the tanh output is positive.
        bits = activations[:self.setting] > 0
        raw = np.packbits(bits.reshape(-1)).tobytes()
        packed = lzma.compress(raw, format=lzma.FORMAT_RAW, filters=_LZMA2_ENCODE)
        flag, payload = (LZMA_FLAG, packed) if len(packed) < len(raw) else (0, raw)
        return stream.pack(NAME, VERSION, flag | (self.setting - 1), bgr.shape[0], bgr.shape[1],
                           payload)

    def decode(self, data: bytes) -> np.ndarray:
        _, frame = stream.unpack(NAME, (VERSION,), data)
        channels = (frame.setting & ~LZMA_FLAG) + 1
        size = _code_bytes(channels)
        raw = _inflate(frame.payload, size) if frame.setting & LZMA_FLAG else frame.payload
        if len(raw) != size:
            raise CorruptStreamError(f"{NAME}: payload has {len(raw)} bytes, expected {size}")
        bits = np.unpackbits(np.frombuffer(raw, np.uint8))
        if bits[GRID * GRID * channels:].any():
            raise CorruptStreamError(f"{NAME}: nonzero padding bits")
        code = np.zeros((1, CODE_CHANNELS, GRID, GRID), np.float32)
        code[0, :channels] = bits[:GRID * GRID * channels].reshape(channels, GRID, GRID) * 2.0 - 1.0
        out = runtime.run(NAME, "decoder.onnx", bits=code)[0]
        return check_decoded(runtime.from_network(out, frame.height, frame.width), NAME)


def _register() -> None:
    description = (f"Napoli Spatafora et al. 2021 autoencoder, binarized code + LZMA2 "
                   f"(setting = channels sent; {runtime.fingerprint(NAME)})")
    register_codec(NAME, NapoliCodec, (1, CODE_CHANNELS), CHANNEL_SWEEP, description=description)


_register()  # FileNotFoundError when the model is not shipped: the registry skips the family
