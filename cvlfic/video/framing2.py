"""Record framing of face-stream version 2 (``docs/face-stream.md``).

A record is a 2-byte marker, a LEB128 varint holding ``payload length << 3 | type``, a CRC-8
of those bytes, the payload, and a check of everything before it: CRC-16/GENIBUS (2 bytes)
for payloads under 4080 bytes, CRC-32 (4 bytes) for longer ones. The reader finds every
intact header of a window of the file with numpy, and checks every claimed record with
checksums of byte ranges taken from running checksums at the range ends (one pass over the
file), so reading stays linear in the file size whatever the headers claim.
"""
from __future__ import annotations

import binascii
import struct
import zlib
from typing import Iterator, Optional, Tuple

import numpy as np

MARKER = b"\xf7L"          # 0xF7 never occurs in UTF-8 text
MAX_PAYLOAD = 1 << 24
MAX_VARINT = 4             # (2^24 << 3 | 7) < 2^28
MAX_HEADER = len(MARKER) + MAX_VARINT + 1
CRC16_LIMIT = 4080         # payloads shorter than this get a CRC-16 (HD 4 up to 4094 bytes)
TYPE_BITS = 3
_CRC16 = struct.Struct("<H")
_CRC32 = struct.Struct("<I")

_WINDOW = 8 << 20  # header offsets handled per pass


def check_size(length: int) -> int:
    """Bytes of the record check for a payload of ``length`` bytes."""
    return 2 if length < CRC16_LIMIT else 4


# -- CRC-8 (poly 0x07, init 0: CRC-8/SMBUS) of the record header --------------------------

def _crc8_table() -> np.ndarray:
    table = np.zeros(256, np.uint8)
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
        table[byte] = crc
    return table


_CRC8 = _crc8_table()


def crc8(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc = int(_CRC8[crc ^ byte])
    return crc


# -- CRC-16/GENIBUS (poly 0x1021, init 0xFFFF, xorout 0xFFFF), through binascii.crc_hqx ----

def crc16(data) -> int:
    return binascii.crc_hqx(data, 0xFFFF) ^ 0xFFFF


_Z16_LEVELS = 13  # lengths below 2^13 bytes: every record that carries a CRC-16
_Z16: Optional[np.ndarray] = None


def _z16_tables() -> np.ndarray:
    """The effect of 2^k zero bytes on the CRC-16 register, as 2 byte tables per k:
    ``crc_hqx(data, v) == crc_hqx(data, 0) ^ Z[len(data)](v)``."""
    global _Z16
    if _Z16 is None:
        values = np.arange(256, dtype=np.uint32)
        columns = np.array([binascii.crc_hqx(b"\0", 1 << j) for j in range(16)], np.uint32)
        levels = []
        for _ in range(_Z16_LEVELS):
            tables = np.zeros((2, 256), np.uint32)
            for byte in range(2):
                for bit in range(8):
                    column = columns[8 * byte + bit]
                    tables[byte] ^= np.where((values >> bit) & 1 == 1, column,
                                             np.uint32(0)).astype(np.uint32)
            levels.append(tables)
            columns = tables[0][columns & 0xFF] ^ tables[1][columns >> 8]
        _Z16 = np.stack(levels)
    return _Z16


def _z16_after(words: np.ndarray, counts: np.ndarray) -> np.ndarray:
    zeros = _z16_tables()
    words = words.astype(np.uint32)
    for k in range(_Z16_LEVELS):
        rows = np.flatnonzero((counts >> k) & 1)
        if rows.size:
            w = words[rows]
            words[rows] = zeros[k][0][w & 0xFF] ^ zeros[k][1][w >> 8]
    return words


def running_crcs(view: np.ndarray, starts: np.ndarray, ends: np.ndarray, update
                 ) -> Tuple[np.ndarray, np.ndarray]:
    """The running checksum ``update(bytes, crc)`` (from 0, over ``view``) at every start and
    at every end, in one pass over the bytes they span: the range checksums follow from the
    two ends (``range_crc16`` here, ``lfics._range_crcs`` for CRC-32)."""
    points, where = np.unique(np.concatenate([starts, ends]), return_inverse=True)
    running, crc, prev = [], 0, int(points[0])
    for point in points.tolist():
        crc = update(view[prev:point], crc)
        running.append(crc)
        prev = point
    at = np.array(running, np.uint32)[where.reshape(-1)]
    return at[:len(starts)], at[len(starts):]


def range_crc16(view: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """CRC-16/GENIBUS of ``view[starts[i]:ends[i]]`` for each i (every ``ends - starts``
    under 2^13), in one pass over the bytes they span."""
    s_a, s_b = running_crcs(view, starts, ends, binascii.crc_hqx)
    return s_b ^ _z16_after(s_a ^ np.uint32(0xFFFF), ends - starts) ^ np.uint32(0xFFFF)


# -- packing ------------------------------------------------------------------------------

def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def pack_frame(kind: int, payload: bytes) -> bytes:
    """One version-2 record of type ``kind`` (1..7) around ``payload``."""
    if not 0 < kind < (1 << TYPE_BITS):
        raise ValueError(f"record type must be 1..7, not {kind}")
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(f"record of {len(payload)} bytes exceeds {MAX_PAYLOAD}")
    head = MARKER + varint(len(payload) << TYPE_BITS | kind)
    body = head + bytes([crc8(head)]) + payload
    if len(payload) < CRC16_LIMIT:
        return body + _CRC16.pack(crc16(body))
    return body + _CRC32.pack(zlib.crc32(body))


# -- finding intact headers ---------------------------------------------------------------

def _window(buf, lo: int, hi: int, range_crc32):
    """The intact record headers starting at offsets ``lo .. hi - 1``: arrays of offsets,
    types, payload starts, payload ends, record ends and whether the whole record is intact
    (inside the file, its check holds). The arrays do not refer to ``buf``."""
    size = len(buf)
    view = np.frombuffer(buf, np.uint8)
    try:
        stop = min(hi + MAX_HEADER - 1, size)
        seg = np.zeros(stop - lo + MAX_HEADER, np.uint8)
        seg[:stop - lo] = view[lo:stop]
        room = min(hi, size) - lo  # candidate offsets in this window
        offsets = np.flatnonzero(seg[:max(room, 0)] == MARKER[0])
        offsets = offsets[seg[offsets + 1] == MARKER[1]]
        heads = seg[offsets[:, None] + np.arange(MAX_HEADER)].astype(np.int64)
        more = heads[:, 2:2 + MAX_VARINT] >= 0x80
        vlen = np.argmin(more, axis=1) + 1  # bytes of the varint (its first byte < 0x80)
        ok = ~more.all(axis=1)
        last = heads[np.arange(len(heads)), 1 + vlen]
        ok &= (vlen == 1) | (last != 0)  # canonical: no trailing zero continuation
        value = np.zeros(len(heads), np.int64)
        for j in range(MAX_VARINT):
            value |= np.where(j < vlen, (heads[:, 2 + j] & 0x7F) << (7 * j), 0)
        # CRC-8 of the marker and varint, then the stored check byte after them
        crc = np.zeros(len(heads), np.int64)
        for j in range(MAX_HEADER - 1):
            crc = np.where(j < 2 + vlen, _CRC8[(crc ^ heads[:, j]) & 0xFF], crc)
        stored = heads[np.arange(len(heads)), 2 + vlen]
        hlen = 3 + vlen
        length = value >> TYPE_BITS
        ok &= (crc == stored) & (length <= MAX_PAYLOAD)
        ok &= offsets + lo + hlen <= size
        offsets = offsets[ok].astype(np.int64) + lo
        kinds = (value[ok] & ((1 << TYPE_BITS) - 1)).astype(np.int64)
        starts = offsets + hlen[ok]
        stops = starts + length[ok]
        short = length[ok] < CRC16_LIMIT
        ends = stops + np.where(short, 2, 4)
        intact = ends <= size
        for crc_short in (True, False):
            rows = np.flatnonzero(intact & (short == crc_short))
            if not rows.size:
                continue
            if crc_short:
                got = range_crc16(view, offsets[rows], stops[rows])
                want = (view[stops[rows]].astype(np.uint32) |
                        (view[stops[rows] + 1].astype(np.uint32) << 8))
            else:
                got = range_crc32(view, offsets[rows], stops[rows])
                want = view[stops[rows][:, None] + np.arange(4)].copy().view("<u4")[:, 0]
            intact[rows] = got == want
        return offsets, kinds, starts, stops, ends, intact
    finally:
        view = None  # no view may outlive the call (an mmap cannot close under one)


def headers(buf, start: int, range_crc32) -> Iterator[Tuple[int, int, int, int, int, bool]]:
    """``(offset, type, payload start, payload end, record end, intact)`` of every intact
    record header at or after ``start``, in file order."""
    for lo in range(start, len(buf), _WINDOW):
        yield from zip(*(a.tolist() for a in _window(buf, lo, lo + _WINDOW, range_crc32)))


def cut_header(buf, pos: int) -> bool:
    """Whether the bytes from ``pos`` to the end are the first bytes of a record header
    cut short (fewer than a whole header, starting like one)."""
    tail = bytes(buf[pos:pos + MAX_HEADER])
    if len(tail) >= MAX_HEADER:
        return False
    if len(tail) <= len(MARKER):
        return MARKER.startswith(tail)
    if not tail.startswith(MARKER):
        return False
    rest = tail[len(MARKER):]
    # a varint not finished yet, or finished with its check byte missing
    for i, byte in enumerate(rest):
        if byte < 0x80:
            return i == len(rest) - 1
    return len(rest) < MAX_VARINT
