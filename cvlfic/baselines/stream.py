"""The byte container of every baseline codec: versioned, self-describing, CRC-checked.

Layout (docs/baselines.md)::

    byte 0      codec id (high nibble) | format version (low nibble)
    byte 1      setting code (what the decoder needs to know, codec-specific)
    LEB128      height - 1, then width - 1 of the original crop
    payload     codec-specific
    2 bytes     CRC-16 (low 16 bits of zlib.crc32 over everything before), little-endian
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Tuple

from cvlfic.errors import CorruptStreamError

CODEC_IDS = {"bian": 1, "napoli": 2, "wang": 3}
MAX_SIDE = 1 << 16


def _leb128(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _read_leb128(data: bytes, pos: int, what: str) -> Tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data):
            raise CorruptStreamError(f"truncated stream: {what} runs past the end")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos
        if shift > 21:
            raise CorruptStreamError(f"corrupt stream: {what} is too long")


def _crc16(data: bytes) -> bytes:
    return (zlib.crc32(data) & 0xFFFF).to_bytes(2, "little")


@dataclass(frozen=True)
class Frame:
    setting: int
    height: int
    width: int
    payload: bytes


def pack(codec: str, version: int, setting: int, height: int, width: int, payload: bytes) -> bytes:
    if not 0 <= version < 16 or not 0 <= setting < 256:
        raise ValueError("version must be 0..15 and setting 0..255")
    if not (1 <= height <= MAX_SIDE and 1 <= width <= MAX_SIDE):
        raise ValueError(f"image size {height}x{width} outside 1..{MAX_SIDE}")
    head = bytes([CODEC_IDS[codec] << 4 | version, setting]) + _leb128(height - 1) + _leb128(width - 1)
    body = head + bytes(payload)
    return body + _crc16(body)


def unpack(codec: str, versions: Tuple[int, ...], data: bytes) -> Tuple[int, Frame]:
    """Check and split a stream; returns (version, frame) or raises CorruptStreamError."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError("data must be bytes")
    data = bytes(data)
    if len(data) < 6:
        raise CorruptStreamError(f"truncated {codec} stream ({len(data)} bytes)")
    if data[0] >> 4 != CODEC_IDS[codec]:
        raise CorruptStreamError(f"not a {codec} stream (codec id {data[0] >> 4})")
    version = data[0] & 0x0F
    if version not in versions:
        raise CorruptStreamError(f"{codec} stream version {version} is not supported (know {versions})")
    if _crc16(data[:-2]) != data[-2:]:
        raise CorruptStreamError(f"{codec} stream fails its CRC: corrupt or truncated")
    h, pos = _read_leb128(data, 2, "height")
    w, pos = _read_leb128(data, pos, "width")
    if pos > len(data) - 2 or h + 1 > MAX_SIDE or w + 1 > MAX_SIDE:
        raise CorruptStreamError(f"corrupt {codec} stream header")
    return version, Frame(data[1], h + 1, w + 1, data[pos:-2])
