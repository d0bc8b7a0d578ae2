"""The ``.lfics`` face-stream file: append-only, self-checking records (``docs/face-stream.md``).

A 16-byte file header, then records. Each record is a 16-byte header (marker, type, payload
length, CRC32 of the header) followed by the payload and the payload's CRC32. So:

* a file cut at any byte loses at most the record being written (reported as ``truncated``);
* a damaged record is reported (``corrupt``) and skipped, never returned: the reader
  resynchronises on the next marker whose header checksum holds;
* reading is linear in the file size, whatever the file holds.

``read_face_stream(path)`` yields :class:`FaceRecord`, :class:`StreamInfo` and
:class:`Damage` items in file order; ``strict=True`` raises ``CorruptStreamError`` instead.
"""
from __future__ import annotations

import mmap
import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator, Optional, Union

import numpy as np

from cvlfic.errors import CorruptStreamError
from cvlfic.video.records import FaceRecord, StreamInfo

MAGIC = b"\x89LFICS\r\n"  # high bit, CR LF: catches 7-bit and newline-mangling transfers
VERSION = 1
_FILE_HEADER = struct.Struct("<8sHHI")  # magic, version, reserved 0, CRC32 of the first 12 bytes
MARKER = b"\x8aLFR"
_RECORD_HEADER = struct.Struct("<4sBBHII")  # marker, type, flags 0, reserved 0, length, CRC32
_CRC = struct.Struct("<I")
MAX_PAYLOAD = 1 << 24  # a longer length is damage, even under a matching checksum
TYPE_STREAM_INFO = 1
TYPE_FACE = 2
_TYPES = {StreamInfo: TYPE_STREAM_INFO, FaceRecord: TYPE_FACE}
_CLASSES = {TYPE_STREAM_INFO: StreamInfo, TYPE_FACE: FaceRecord}

Item = Union[FaceRecord, StreamInfo, "Damage"]


@dataclass
class Damage:
    """Bytes ``offset .. offset + length`` of the file held no intact record.

    ``kind``: ``"truncated"`` (the file ends inside a record: the one being written when
    the file was cut), ``"corrupt"`` (checksum mismatch or garbage, skipped) or ``"header"``
    (the file header is damaged; records are still read). ``offset`` is -1 for a face record
    whose bytes are intact but whose bitstream the decoder refused (``length`` is then the
    bitstream's size)."""
    offset: int
    length: int
    kind: str
    detail: str

    def __str__(self) -> str:
        if self.offset < 0:
            return f"{self.kind} face record ({self.length} bytes of bitstream): {self.detail}"
        return f"{self.kind} at byte {self.offset} ({self.length} bytes): {self.detail}"


def file_header() -> bytes:
    head = MAGIC + struct.pack("<HH", VERSION, 0)
    return head + _CRC.pack(zlib.crc32(head))


def pack_record(record: Union[FaceRecord, StreamInfo]) -> bytes:
    kind = _TYPES.get(type(record))
    if kind is None:
        raise TypeError(f"cannot store a {type(record).__name__} in a face stream")
    payload = record.to_payload()
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(f"record of {len(payload)} bytes exceeds {MAX_PAYLOAD}")
    head = _RECORD_HEADER.pack(MARKER, kind, 0, 0, len(payload), 0)[:12]
    return head + _CRC.pack(zlib.crc32(head)) + payload + _CRC.pack(zlib.crc32(payload))


class FaceStreamWriter:
    """Appends records to a ``.lfics`` file, flushing each one (a crash loses at most the
    record being written). An existing face stream is appended to."""

    def __init__(self, path: Union[str, Path], fsync: bool = False):
        self.path = Path(path)
        self.fsync = fsync
        exists = self.path.is_file() and self.path.stat().st_size > 0
        if exists:
            with open(self.path, "rb") as f:
                head = f.read(_FILE_HEADER.size)
            if head[:len(MAGIC)] != MAGIC:
                raise CorruptStreamError(f"{self.path} is not a face stream; not appending")
        self._file: Optional[BinaryIO] = open(self.path, "ab")
        self.bytes_written = 0
        if not exists:
            self._append(file_header())

    def _append(self, data: bytes) -> None:
        if self._file is None:
            raise ValueError("the face stream is closed")
        self._file.write(data)
        self._file.flush()
        if self.fsync:
            os.fsync(self._file.fileno())
        self.bytes_written += len(data)

    def write(self, record: Union[FaceRecord, StreamInfo]) -> int:
        """Append one record; returns its size in bytes."""
        data = pack_record(record)
        self._append(data)
        return len(data)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> "FaceStreamWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _scan(buf) -> Iterator[Item]:
    """Records and damage of a whole file image ``buf`` (bytes or mmap)."""
    size = len(buf)
    if size == 0:
        return
    head = buf[:_FILE_HEADER.size]
    if len(head) < _FILE_HEADER.size:
        yield Damage(0, size, "truncated", "file ends inside the file header")
        return
    magic, version, _, crc = _FILE_HEADER.unpack(head)
    if zlib.crc32(head[:12]) != crc or magic != MAGIC:
        yield Damage(0, _FILE_HEADER.size, "header", "file header checksum mismatch")
    elif version != VERSION:
        raise CorruptStreamError(f"face stream version {version} is not supported "
                                 f"(this reader reads {VERSION})")
    # Every intact record header of the file, in order, with whether its whole record is
    # intact: (offset, type, record end, intact). Each is looked at once, so reading is
    # linear in the file size however the headers and their lengths are laid out.
    headers = _headers(buf, _FILE_HEADER.size)
    nxt = next(headers, None)
    pos, bad_from, reason, cut = _FILE_HEADER.size, None, "", False
    run = 0
    while pos < size:
        while nxt is not None and nxt[0] < pos:  # headers inside the record just read
            nxt = next(headers, None)
        here = nxt if nxt is not None and nxt[0] == pos else None
        if here is not None and here[3]:
            _, kind, end, _ = here
            if bad_from is not None:
                yield Damage(bad_from, pos - bad_from, "corrupt", reason)
                bad_from = None
            if kind in _CLASSES:
                try:
                    item = _CLASSES[kind].from_payload(
                        buf[pos + _RECORD_HEADER.size:end - _CRC.size])
                except CorruptStreamError as exc:  # intact bytes that do not parse
                    yield Damage(pos, end - pos, "corrupt", str(exc))
                else:
                    # Runs: each stream info starts one, but faces before any stream info
                    # are run 1 too.
                    if isinstance(item, StreamInfo) or run == 0:
                        run += 1
                    item.run = run
                    yield item
            pos = end
            continue
        if bad_from is None:
            bad_from = pos
            if here is None:
                reason = "no intact record header"
                # the first bytes of a header, cut short
                cut = size - pos < _RECORD_HEADER.size and MARKER.startswith(buf[pos:pos + 4])
            else:
                cut = here[2] > size
                reason = "file ends inside a record" if cut else "record payload checksum mismatch"
        # Resynchronise on the next intact header rather than trusting this record's length:
        # after a crash, a writer appends new records right after a cut one.
        if here is not None:
            nxt = next(headers, None)
        if nxt is None:
            # The rest of the file: "truncated" when it is one record cut short (the one
            # being written), else "corrupt".
            if cut:
                yield Damage(bad_from, size - bad_from, "truncated", "file ends inside a record")
            else:
                yield Damage(bad_from, size - bad_from, "corrupt", reason)
            return
        pos = nxt[0]


# -- finding intact headers and checking records, vectorised ------------------------------
#
# A record is checked by the CRC-32 of its payload. Checking each claimed payload on its own
# costs its claimed length, and headers can claim overlapping payloads (every 20 bytes, each
# claiming the rest of the file): quadratic. Instead, the CRC of any byte range comes from
# running CRCs at the range's ends, computed in one pass over the file:
#
#     crc32(buf[a:b]) == S(b) ^ Z[b - a](S(a)),   S(i) = crc32(buf[base:i]) for any base <= a,
#
# where Z[n] is the (linear) effect of n zero bytes on a CRC register, applied as the product
# of the precomputed Z[2^k] for the bits k of n.

_WINDOW = 8 << 20  # header offsets handled per pass; the pass reads at most this + 2^24 bytes
_LENGTH_BITS = (MAX_PAYLOAD + _CRC.size).bit_length()
_POLY = 0xEDB88320  # CRC-32 (zlib), reflected
_BYTE_CRC = np.arange(256, dtype=np.uint32)
for _ in range(8):
    _BYTE_CRC = np.where(_BYTE_CRC & 1, (_BYTE_CRC >> 1) ^ np.uint32(_POLY),
                         _BYTE_CRC >> 1).astype(np.uint32)
_ZEROS: Optional[np.ndarray] = None  # Z[2^k] as byte tables, shape (_LENGTH_BITS, 4, 256)


def _byte_tables(columns: np.ndarray) -> np.ndarray:
    """A linear map of 32-bit words, given by its 32 columns, as 4 tables of 256 (one per
    byte of the argument)."""
    values = np.arange(256, dtype=np.uint32)
    tables = np.zeros((4, 256), np.uint32)
    for byte in range(4):
        for bit in range(8):
            tables[byte] ^= np.where((values >> bit) & 1 == 1, columns[8 * byte + bit],
                                     np.uint32(0)).astype(np.uint32)
    return tables


def _apply(tables: np.ndarray, words: np.ndarray) -> np.ndarray:
    return (tables[0][words & 0xFF] ^ tables[1][(words >> 8) & 0xFF] ^
            tables[2][(words >> 16) & 0xFF] ^ tables[3][words >> 24])


def _zeros_tables() -> np.ndarray:
    global _ZEROS
    if _ZEROS is None:
        # Z[1] on each unit word: zlib.crc32(data, v) == zlib.crc32(data, 0) ^ Z[len](v)
        one = zlib.crc32(b"\0")
        columns = np.array([zlib.crc32(b"\0", 1 << j) ^ one for j in range(32)], np.uint32)
        levels = []
        for _ in range(_LENGTH_BITS):
            tables = _byte_tables(columns)
            levels.append(tables)
            columns = _apply(tables, columns)  # Z[2^(k+1)] = Z[2^k] Z[2^k]
        _ZEROS = np.stack(levels)
    return _ZEROS


def _after_zeros(words: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``Z[counts[i]](words[i])`` for each i."""
    zeros = _zeros_tables()
    words = words.copy()
    for k in range(_LENGTH_BITS):
        rows = np.flatnonzero((counts >> k) & 1)
        if rows.size:
            words[rows] = _apply(zeros[k], words[rows])
    return words


def _range_crcs(view: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """``crc32(view[starts[i]:ends[i]])`` for each i, in one pass over the bytes they span."""
    points, where = np.unique(np.concatenate([starts, ends]), return_inverse=True)
    running, crc, prev = [], 0, int(points[0])
    for point in points.tolist():
        crc = zlib.crc32(view[prev:point], crc)
        running.append(crc)
        prev = point
    at = np.array(running, np.uint32)[where.reshape(-1)]
    return at[len(starts):] ^ _after_zeros(at[:len(starts)], ends - starts)


def _header_crcs(heads: np.ndarray) -> np.ndarray:
    """CRC-32 of each row of a 2-D uint8 array."""
    crc = np.full(len(heads), 0xFFFFFFFF, np.uint32)
    for column in range(heads.shape[1]):
        crc = _BYTE_CRC[(crc ^ heads[:, column]) & 0xFF] ^ (crc >> 8)
    return crc ^ np.uint32(0xFFFFFFFF)


def _window(buf, lo: int, hi: int):
    """The intact record headers starting at offsets ``lo .. hi - 1``: arrays of their
    offsets, types, record ends and whether the whole record is intact (it ends inside the
    file and its payload checksum holds). The arrays do not refer to ``buf``."""
    size = len(buf)
    view = np.frombuffer(buf, np.uint8)
    try:
        segment = view[lo:min(hi + _RECORD_HEADER.size - 1, size)]
        fits = len(segment) - _RECORD_HEADER.size + 1  # offsets with a whole header after
        offsets = np.flatnonzero(segment[:max(fits, 0)] == MARKER[0])
        for j in range(1, len(MARKER)):
            offsets = offsets[segment[offsets + j] == MARKER[j]]
        heads = segment[offsets[:, None] + np.arange(_RECORD_HEADER.size)]
        length, stored = heads[:, 8:16].copy().view("<u4").T
        keep = (_header_crcs(heads[:, :12]) == stored) & (length <= MAX_PAYLOAD)
        offsets = offsets[keep].astype(np.int64) + lo
        kinds = heads[keep, 4]
        length = length[keep].astype(np.int64)
        ends = offsets + _RECORD_HEADER.size + length + _CRC.size
        intact = ends <= size
        whole = np.flatnonzero(intact)
        if whole.size:
            starts = offsets[whole] + _RECORD_HEADER.size
            stops = starts + length[whole]
            payload_crc = view[stops[:, None] + np.arange(_CRC.size)].copy().view("<u4")[:, 0]
            intact[whole] = _range_crcs(view, starts, stops) == payload_crc
        return offsets, kinds, ends, intact
    finally:
        view = segment = None  # no view may outlive the call (an mmap cannot close under one)


def _headers(buf, start: int):
    """``(offset, type, record end, intact)`` of every intact record header at or after
    ``start``, in file order (a window of offsets at a time)."""
    for lo in range(start, len(buf), _WINDOW):
        yield from zip(*(a.tolist() for a in _window(buf, lo, lo + _WINDOW)))


def read_face_stream(source: Union[str, Path, bytes], strict: bool = False) -> Iterator[Item]:
    """Items of a face stream (a path or the file's bytes), in file order.

    Yields ``StreamInfo``, ``FaceRecord`` and ``Damage``; with ``strict`` the first damage
    raises ``CorruptStreamError`` instead. Record types this version does not know are
    skipped (later versions may add some)."""
    def checked(items: Iterator[Item]) -> Iterator[Item]:
        for item in items:
            if strict and isinstance(item, Damage):
                raise CorruptStreamError(f"face stream damaged: {item}")
            yield item

    if isinstance(source, (bytes, bytearray, memoryview)):
        yield from checked(_scan(bytes(source)))
        return
    with open(source, "rb") as f:
        if os.fstat(f.fileno()).st_size == 0:
            return
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            yield from checked(_scan(buf))
