"""The ``.lfics`` face-stream file: append-only, self-checking records (``docs/face-stream.md``).

A 16-byte file header, then records. Each record is a 16-byte header (marker, type, payload
length, CRC32 of the header) followed by the payload and the payload's CRC32. So:

* a file cut at any byte loses at most the record being written (reported as ``truncated``);
* a damaged record is reported (``corrupt``) and skipped, never returned: the reader
  resynchronises on the next marker whose header checksum holds.

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
    (the file header is damaged; records are still read)."""
    offset: int
    length: int
    kind: str
    detail: str

    def __str__(self) -> str:
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
    pos, bad_from, reason = _FILE_HEADER.size, None, ""
    while pos < size:
        found = _record_at(buf, pos)
        if found is not None:
            kind, start, end = found
            if end <= size:
                payload = buf[start:end - _CRC.size]
                if zlib.crc32(payload) == _CRC.unpack(buf[end - _CRC.size:end])[0]:
                    if bad_from is not None:
                        yield Damage(bad_from, pos - bad_from, "corrupt", reason)
                        bad_from = None
                    if kind in _CLASSES:
                        try:
                            yield _CLASSES[kind].from_payload(payload)
                        except CorruptStreamError as exc:  # intact bytes that do not parse
                            yield Damage(pos, end - pos, "corrupt", str(exc))
                    pos = end
                    continue
        if bad_from is None:
            bad_from = pos
            reason = ("no intact record header" if found is None else
                      "file ends inside a record" if found[2] > size else
                      "record payload checksum mismatch")
        # Resynchronise on the next intact header rather than trusting this record's length:
        # after a crash, a writer appends new records right after a cut one.
        nxt = _next_record(buf, pos + 1)
        if nxt < 0:
            yield _tail_damage(buf, bad_from, size, reason)
            return
        pos = nxt


def _tail_damage(buf, offset: int, size: int, reason: str) -> Damage:
    """Damage reaching the end of the file: ``truncated`` when it is one record cut short
    (the one being written), else ``corrupt``."""
    found = _record_at(buf, offset)
    tail = buf[offset:offset + len(MARKER)]
    cut = (found is not None and found[2] > size) or \
        (found is None and size - offset < _RECORD_HEADER.size and MARKER.startswith(tail))
    if cut:
        return Damage(offset, size - offset, "truncated", "file ends inside a record")
    return Damage(offset, size - offset, "corrupt", reason)


def _record_at(buf, pos: int):
    """``(type, payload start, record end)`` if an intact record header starts at ``pos``."""
    head = buf[pos:pos + _RECORD_HEADER.size]
    if len(head) < _RECORD_HEADER.size or head[:4] != MARKER:
        return None
    _, kind, _, _, length, crc = _RECORD_HEADER.unpack(head)
    if zlib.crc32(head[:12]) != crc or length > MAX_PAYLOAD:
        return None
    start = pos + _RECORD_HEADER.size
    return kind, start, start + length + _CRC.size


def _next_record(buf, pos: int) -> int:
    """Offset of the next intact record header at or after ``pos``, or -1."""
    while True:
        pos = buf.find(MARKER, pos)
        if pos < 0 or _record_at(buf, pos) is not None:
            return pos
        pos += 1


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
