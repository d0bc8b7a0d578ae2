"""The ``.lfics`` face-stream file: append-only, self-checking records (``docs/face-stream.md``).

A 16-byte file header (magic, format version, CRC-32), then records. Version 2 (what new
files get) frames each record with a 2-byte marker, its length and type and a CRC-8 of
those, and ends it with a CRC-16 (CRC-32 for long records); its face records are
bit-packed and predicted from the previous record of the same track
(``cvlfic.video.compact``). Version 1 (16-byte record headers with their own CRC-32, fixed
78-byte face fields, payload CRC-32) is still read, and appended to in kind. So:

* a file cut at any byte loses at most the record being written (reported as ``truncated``);
* a damaged record is reported (``corrupt``) and skipped, never returned: the reader
  resynchronises on the next record whose checks hold. In version 2 a face record predicted
  from a record lost to damage is reported too (``orphan``): at most ``key_interval - 1``
  records of each track that ran across the damage;
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
from typing import BinaryIO, Dict, Iterator, List, Optional, Tuple, Union

import numpy as np

from cvlfic.errors import CorruptStreamError
from cvlfic.video import compact, framing2
from cvlfic.video.records import FaceRecord, StreamInfo

MAGIC = b"\x89LFICS\r\n"  # high bit, CR LF: catches 7-bit and newline-mangling transfers
VERSION = 2  # what new files are written in
VERSIONS = (1, 2)  # what this reader reads
_FILE_HEADER = struct.Struct("<8sHHI")  # magic, version, reserved 0, CRC32 of the first 12 bytes
MARKER = b"\x8aLFR"  # version 1 record marker (version 2: framing2.MARKER)
_RECORD_HEADER = struct.Struct("<4sBBHII")  # marker, type, flags 0, reserved 0, length, CRC32
_CRC = struct.Struct("<I")
MAX_PAYLOAD = 1 << 24  # a longer length is damage, even under a matching checksum
TYPE_STREAM_INFO = 1
TYPE_FACE = 2
_TYPES = {StreamInfo: TYPE_STREAM_INFO, FaceRecord: TYPE_FACE}
_CLASSES = {TYPE_STREAM_INFO: StreamInfo, TYPE_FACE: FaceRecord}
KEY_INTERVAL = 8  # version 2: a track's records between two key records, at most
MAX_DISTANCE = 4096  # version 2: how far back (in face records) a delta may refer

Item = Union[FaceRecord, StreamInfo, "Damage"]


@dataclass
class Damage:
    """Bytes ``offset .. offset + length`` of the file held no intact record.

    ``kind``: ``"truncated"`` (the file ends inside a record: the one being written when
    the file was cut), ``"corrupt"`` (checksum mismatch or garbage, skipped), ``"orphan"``
    (version 2: an intact face record predicted from a record lost to damage, skipped) or
    ``"header"`` (the file header is damaged; records are still read). ``offset`` is -1 for
    a face record whose bytes are intact but whose bitstream the decoder refused
    (``length`` is then the bitstream's size)."""
    offset: int
    length: int
    kind: str
    detail: str

    def __str__(self) -> str:
        if self.offset < 0:
            return f"{self.kind} face record ({self.length} bytes of bitstream): {self.detail}"
        return f"{self.kind} at byte {self.offset} ({self.length} bytes): {self.detail}"


def file_header(version: int = VERSION) -> bytes:
    if version not in VERSIONS:
        raise ValueError(f"face stream version must be one of {VERSIONS}, not {version}")
    head = MAGIC + struct.pack("<HH", version, 0)
    return head + _CRC.pack(zlib.crc32(head))


def pack_record(record: Union[FaceRecord, StreamInfo]) -> bytes:
    """One version-1 record (header, payload, payload CRC-32)."""
    kind = _TYPES.get(type(record))
    if kind is None:
        raise TypeError(f"cannot store a {type(record).__name__} in a face stream")
    payload = record.to_payload()
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(f"record of {len(payload)} bytes exceeds {MAX_PAYLOAD}")
    head = _RECORD_HEADER.pack(MARKER, kind, 0, 0, len(payload), 0)[:12]
    return head + _CRC.pack(zlib.crc32(head)) + payload + _CRC.pack(zlib.crc32(payload))


class RecordPacker:
    """Packs records in version 2 for one writer session: each face record is a key, or a
    delta on the previous record of its track (``record.track``; 0 = no track: always a
    key). ``key_interval``: a track gets a key record at least every so many records, which
    bounds what damage to one record can take with it. ``time_unit``: ticks of 1/120000 s
    per stored time unit (1: exact for the usual frame rates; 120: milliseconds, for live
    sources with jittery clocks). A stream info record starts a new run: no record after it
    refers to one before it."""

    def __init__(self, key_interval: int = KEY_INTERVAL, time_unit: int = 1):
        if key_interval < 1:
            raise ValueError("key_interval must be >= 1")
        if time_unit < 1:
            raise ValueError("time_unit must be >= 1")
        self.key_interval = key_interval
        self.time_unit = time_unit
        self.keys = self.deltas = 0
        self._reset(0)

    def _reset(self, period: int) -> None:
        self._count = 0  # face records packed in this run
        self._tracks: Dict[int, Tuple[compact.State, int, int]] = {}  # state, ordinal, chain
        self._period = period  # frame period in time units (0: not known yet)
        self._last: Optional[compact.State] = None

    def pack(self, record: Union[FaceRecord, StreamInfo]) -> bytes:
        if isinstance(record, StreamInfo):
            payload = record.to_payload()
            fps = record.fields.get("fps")
            period = 0
            if isinstance(fps, (int, float)) and 0 < fps < 1e6:
                period = max(0, round(compact.TICKS_PER_SECOND / fps / self.time_unit))
            data = framing2.pack_frame(TYPE_STREAM_INFO, payload)
            self._reset(period)
            return data
        if not isinstance(record, FaceRecord):
            raise TypeError(f"cannot store a {type(record).__name__} in a face stream")
        state = compact.quantize(record, self.time_unit, self._period)
        last = self._last
        if self._period == 0 and last is not None and state.frame > last.frame:
            # no frame rate given: learn the frame period from the records themselves
            state.period = max(0, round((state.units - last.units) / (state.frame - last.frame)))
        previous = self._tracks.get(state.track) if state.track else None
        delta = (previous is not None and previous[2] + 1 < self.key_interval and
                 self._count - previous[1] <= MAX_DISTANCE)
        if delta:
            ref = previous[0]
            state.unit, state.period = ref.unit, ref.period
            fields = compact.pack_delta(state, ref, self._count - previous[1])
        else:
            fields = compact.pack_key(state)
        data = framing2.pack_frame(TYPE_FACE, fields + bytes(record.data))
        if delta:
            self.deltas += 1
        else:
            self.keys += 1
        if state.track:
            self._tracks[state.track] = (state, self._count, previous[2] + 1 if delta else 0)
        self._count += 1
        if self._count % MAX_DISTANCE == 0:  # tracks too far back to refer to: forget them
            self._tracks = {t: v for t, v in self._tracks.items()
                            if self._count - v[1] < MAX_DISTANCE}
        self._period = self._period or state.period
        self._last = state
        return data

    def end_track(self, track: int) -> None:
        """Forget a track that has ended (its records are no longer referred to)."""
        self._tracks.pop(track, None)


class FaceStreamWriter:
    """Appends records to a ``.lfics`` file, flushing each one (a crash loses at most the
    record being written).

    A new file is written in ``version`` (default: the current version, 2). An existing face
    stream is appended to in its own version (a version-1 file stays version 1); asking for
    another ``version`` than the file's, or appending to a file whose header is damaged or
    of an unknown version, raises ``CorruptStreamError``. ``key_interval`` and ``time_unit``
    apply to version 2 (see :class:`RecordPacker`)."""

    def __init__(self, path: Union[str, Path], fsync: bool = False,
                 version: Optional[int] = None, key_interval: int = KEY_INTERVAL,
                 time_unit: int = 1):
        self.path = Path(path)
        self.fsync = fsync
        if version is not None and version not in VERSIONS:
            raise ValueError(f"face stream version must be one of {VERSIONS}, not {version}")
        exists = self.path.is_file() and self.path.stat().st_size > 0
        if exists:
            found = existing_version(self.path)
            if version is not None and version != found:
                raise CorruptStreamError(f"{self.path} is a version {found} face stream; "
                                         f"not appending version {version} records to it")
            version = found
        self.version = version or VERSION
        self.packer = (RecordPacker(key_interval, time_unit) if self.version == 2 else None)
        self._file: Optional[BinaryIO] = open(self.path, "ab")
        self.bytes_written = 0
        if not exists:
            self._append(file_header(self.version))

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
        if self._file is None:
            raise ValueError("the face stream is closed")
        data = self.packer.pack(record) if self.packer is not None else pack_record(record)
        self._append(data)
        return len(data)

    def end_track(self, track: int) -> None:
        """Tell the writer a track has ended (frees its prediction state)."""
        if self.packer is not None:
            self.packer.end_track(track)

    @property
    def closed(self) -> bool:
        return self._file is None

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> "FaceStreamWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def existing_version(path: Union[str, Path]) -> int:
    """The version of an existing face stream, for appending to it; ``CorruptStreamError``
    for a file that is not a face stream, whose header is damaged or cut short, or of a
    version this writer does not write."""
    with open(path, "rb") as f:
        head = f.read(_FILE_HEADER.size)
    if head[:len(MAGIC)] != MAGIC[:len(head)] or len(head) < len(MAGIC):
        raise CorruptStreamError(f"{path} is not a face stream; not appending")
    if len(head) < _FILE_HEADER.size:
        raise CorruptStreamError(f"{path}: the face stream's file header is cut short; "
                                 f"not appending")
    magic, version, _, crc = _FILE_HEADER.unpack(head)
    if zlib.crc32(head[:12]) != crc:
        raise CorruptStreamError(f"{path}: the face stream's file header is damaged; "
                                 f"not appending")
    if version not in VERSIONS:
        raise CorruptStreamError(f"{path}: face stream version {version} is not supported "
                                 f"(this writer writes versions 1 and 2); not appending")
    return version


# -- reading ------------------------------------------------------------------------------

def _walk(buf, start: int, headers, cut_header) -> Iterator:
    """The intact records and the damage of ``buf`` from ``start``: yields the header
    tuples ``(offset, type, payload start, payload end, end, True)`` of intact records and
    :class:`Damage` for the bytes between them. ``headers``: every intact record header in
    file order; ``cut_header(buf, pos)``: whether the bytes from ``pos`` are the first bytes
    of a header cut short."""
    size = len(buf)
    nxt = next(headers, None)
    pos, bad_from, reason, cut = start, None, "", False
    while pos < size:
        while nxt is not None and nxt[0] < pos:  # headers inside the record just read
            nxt = next(headers, None)
        here = nxt if nxt is not None and nxt[0] == pos else None
        if here is not None and here[5]:
            if bad_from is not None:
                yield Damage(bad_from, pos - bad_from, "corrupt", reason)
                bad_from = None
            yield here
            pos = here[4]
            continue
        if bad_from is None:
            bad_from = pos
            if here is None:
                reason = "no intact record header"
                cut = cut_header(buf, pos)
            else:
                cut = here[4] > size
                reason = "file ends inside a record" if cut else "record checksum mismatch"
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


def _cut_header_v1(buf, pos: int) -> bool:
    return len(buf) - pos < _RECORD_HEADER.size and MARKER.startswith(bytes(buf[pos:pos + 4]))


class _History:
    """Version 2: the face records read since the last damage or stream info, as the
    states deltas are predicted from (``None`` for a record that could not be decoded),
    in a ring of the last ``MAX_DISTANCE``."""

    def __init__(self):
        self.ring: List[Optional[compact.State]] = [None] * MAX_DISTANCE
        self.count = 0

    def reset(self) -> None:
        self.count = 0

    def add(self, state: Optional[compact.State]) -> None:
        self.ring[self.count % MAX_DISTANCE] = state
        self.count += 1

    def get(self, distance: int) -> Optional[compact.State]:
        if not 0 < distance <= min(self.count, MAX_DISTANCE):
            return None
        return self.ring[(self.count - distance) % MAX_DISTANCE]


def _first_intact(headers) -> int:
    first = next(headers, None)
    return first[0] if first is not None else 1 << 62


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
    undecided = False
    if zlib.crc32(head[:12]) != crc or magic != MAGIC:
        yield Damage(0, _FILE_HEADER.size, "header", "file header checksum mismatch")
        # the version field cannot be trusted: read in the layout of the first intact record
        # (the version field, else the current version, when there is none)
        v1 = _first_intact(_headers(buf, _FILE_HEADER.size))
        v2 = _first_intact(_headers_v2(buf, _FILE_HEADER.size))
        if v1 != v2:
            version = 2 if v2 < v1 else 1
        else:  # no intact record header at all: the rest is damage, of either layout
            undecided = True
            version = version if version in VERSIONS else VERSION
    elif version not in VERSIONS:
        raise CorruptStreamError(f"face stream version {version} is not supported "
                                 f"(this reader reads versions 1 and 2)")
    if undecided:
        walk = _walk(buf, _FILE_HEADER.size, iter(()),
                     lambda b, p: _cut_header_v1(b, p) or framing2.cut_header(b, p))
    elif version == 1:
        walk = _walk(buf, _FILE_HEADER.size, _headers(buf, _FILE_HEADER.size), _cut_header_v1)
    else:
        walk = _walk(buf, _FILE_HEADER.size, _headers_v2(buf, _FILE_HEADER.size),
                     framing2.cut_header)
    history = _History()
    run = 0
    for entry in walk:
        if isinstance(entry, Damage):
            history.reset()  # no record after damage may refer to one before it
            yield entry
            continue
        pos, kind, start, stop, end, _ = entry
        if kind not in _CLASSES:
            continue  # a type this version does not know (later versions may add some)
        payload = buf[start:stop]
        if kind == TYPE_STREAM_INFO:
            history.reset()  # a new run: its records refer to none before it
        try:
            if kind == TYPE_STREAM_INFO:
                item = StreamInfo.from_payload(payload)
            elif version == 1:
                item = FaceRecord.from_payload(payload)
            else:
                item = _face_v2(payload, history)
        except CorruptStreamError as exc:  # intact bytes that do not parse
            if kind == TYPE_FACE and version == 2:
                history.add(None)
            yield Damage(pos, end - pos, "corrupt", str(exc))
            continue
        except _Orphan as exc:
            history.add(None)
            yield Damage(pos, end - pos, "orphan", str(exc))
            continue
        # Runs: each stream info starts one, but faces before any stream info are run 1 too.
        if isinstance(item, StreamInfo) or run == 0:
            run += 1
        item.run = run
        yield item


class _Orphan(Exception):
    pass


def _face_v2(payload: bytes, history: _History) -> FaceRecord:
    ref = None
    if compact.is_delta(payload):
        distance = compact.reference_distance(payload)
        if distance > MAX_DISTANCE:
            raise CorruptStreamError(f"face record refers {distance} records back "
                                     f"(at most {MAX_DISTANCE})")
        ref = history.get(distance)
        if ref is None:
            raise _Orphan(f"face record predicted from the record {distance} face records "
                          f"back, which was lost to damage")
    state, used = compact.unpack(payload, ref)
    history.add(state)
    return state.to_record(bytes(payload[used:]))


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
    at_starts, at_ends = framing2.running_crcs(view, starts, ends, zlib.crc32)
    return at_ends ^ _after_zeros(at_starts, ends - starts)


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
    """``(offset, type, payload start, payload end, record end, intact)`` of every intact
    version-1 record header at or after ``start``, in file order (a window of offsets at a
    time)."""
    for lo in range(start, len(buf), _WINDOW):
        offsets, kinds, ends, intact = _window(buf, lo, lo + _WINDOW)
        yield from zip(offsets.tolist(), kinds.tolist(),
                       (offsets + _RECORD_HEADER.size).tolist(),
                       (ends - _CRC.size).tolist(), ends.tolist(), intact.tolist())


def _headers_v2(buf, start: int):
    return framing2.headers(buf, start, _range_crcs)


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
