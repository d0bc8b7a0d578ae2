"""The .lfics reader is linear in the file size, whatever the file holds.

A file crafted with an intact record header every few bytes, each claiming a payload that
runs to (or past) the end of the file, used to cost the reader one payload checksum per
header: 2 MiB took minutes. These tests build such files (and other shapes) and time the
reader; and they check the reader against a plain, header-by-header reference reader on
random streams and random damage, so the guarantees of docs/face-stream.md hold unchanged.
"""
import struct
import time
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cvlfic.errors import CorruptStreamError
from cvlfic.video import lfics
from cvlfic.video.lfics import (MARKER, MAX_PAYLOAD, Damage, file_header, pack_record,
                                read_face_stream)
from cvlfic.video.records import FaceRecord, StreamInfo

_HEAD = struct.Struct("<4sBBHII")
MIB = 1 << 20


def record_header(length: int, kind: int = 2) -> bytes:
    """An intact record header (its own checksum holds) claiming ``length`` payload bytes."""
    head = _HEAD.pack(MARKER, kind, 0, 0, length, 0)[:12]
    return head + struct.pack("<I", zlib.crc32(head))


def raw_record(kind: int, payload: bytes) -> bytes:
    return record_header(len(payload), kind) + payload + struct.pack("<I", zlib.crc32(payload))


# -- the reference: the reading rules of docs/face-stream.md, one header at a time ---------

def reference_read(buf: bytes):
    """Items as the rules say, checking each header and payload where it is met (quadratic
    on crafted files; only for small inputs)."""
    size, out = len(buf), []
    if size == 0:
        return out
    if size < 16:
        return [("damage", 0, size, "truncated")]
    head = buf[:16]
    if head[:8] != lfics.MAGIC or zlib.crc32(head[:12]) != struct.unpack("<I", head[12:])[0]:
        out.append(("damage", 0, 16, "header"))

    def header_at(pos):
        head = buf[pos:pos + 16]
        if len(head) < 16 or head[:4] != MARKER:
            return None
        _, kind, _, _, length, crc = _HEAD.unpack(head)
        if zlib.crc32(head[:12]) != crc or length > MAX_PAYLOAD:
            return None
        return kind, pos + 16 + length + 4

    def intact(pos):
        found = header_at(pos)
        if found is None or found[1] > size:
            return None
        payload = buf[pos + 16:found[1] - 4]
        if zlib.crc32(payload) != struct.unpack("<I", buf[found[1] - 4:found[1]])[0]:
            return None
        return found[0], payload, found[1]

    pos, bad_from = 16, None
    while pos < size:
        rec = intact(pos)
        if rec is not None:
            if bad_from is not None:
                out.append(("damage", bad_from, pos - bad_from, "corrupt"))
                bad_from = None
            kind, payload, end = rec
            if kind == 1:
                try:
                    out.append(("info", StreamInfo.from_payload(payload).fields))
                except CorruptStreamError:
                    out.append(("damage", pos, end - pos, "corrupt"))
            elif kind == 2:
                try:
                    out.append(("face", FaceRecord.from_payload(payload).to_payload()))
                except CorruptStreamError:
                    out.append(("damage", pos, end - pos, "corrupt"))
            pos = end
            continue
        if bad_from is None:
            bad_from = pos
        nxt = pos + 1
        while nxt < size and header_at(nxt) is None:
            nxt += 1
        if nxt >= size:
            found = header_at(bad_from)
            tail = buf[bad_from:bad_from + 4]
            cut = (found is not None and found[1] > size) or \
                (found is None and size - bad_from < 16 and MARKER.startswith(tail))
            out.append(("damage", bad_from, size - bad_from, "truncated" if cut else "corrupt"))
            return out
        pos = nxt
    return out


def summary(items):
    out = []
    for item in items:
        if isinstance(item, Damage):
            out.append(("damage", item.offset, item.length, item.kind))
        elif isinstance(item, StreamInfo):
            out.append(("info", item.fields))
        else:
            out.append(("face", item.to_payload()))
    return out


def face(rng, size: int) -> FaceRecord:
    data = rng.integers(0, 256, size, dtype=np.uint8).tobytes()
    return FaceRecord(int(rng.integers(0, 1000)), 0.5, (1, 2, 3, 4),
                      rng.uniform(0, 9, (5, 2)).astype(np.float32), data, 0, 0.5)


@st.composite
def damaged_streams(draw):
    """A stream of records of random sizes (some embedding marker bytes and whole records
    in their payloads), then a few random edits: overwrites, cuts, insertions of crafted
    headers (claiming lengths inside and past the file) and of copies of other bytes."""
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    data = bytearray(file_header(1))
    for _ in range(draw(st.integers(0, 8))):
        choice = draw(st.sampled_from(["face", "info", "unknown", "nested", "marker"]))
        if choice == "face":
            data += pack_record(face(rng, int(rng.integers(0, 120))))
        elif choice == "info":
            data += pack_record(StreamInfo({"n": int(rng.integers(0, 99))}))
        elif choice == "unknown":
            data += raw_record(9, rng.integers(0, 256, int(rng.integers(0, 40)),
                                               dtype=np.uint8).tobytes())
        elif choice == "nested":  # a face whose bitstream holds a whole record
            inner = pack_record(StreamInfo({"inner": 1}))
            data += pack_record(FaceRecord(7, 0.0, (0, 0, 1, 1), np.zeros((5, 2)),
                                           b"xy" + inner + b"z"))
        else:
            data += raw_record(2, MARKER * int(rng.integers(1, 30)))
    for _ in range(draw(st.integers(0, 4))):
        edit = draw(st.sampled_from(["overwrite", "cut", "header", "copy", "flip"]))
        at = draw(st.integers(0, len(data)))
        if edit == "overwrite":
            junk = draw(st.binary(min_size=1, max_size=24))
            data[at:at + len(junk)] = junk
        elif edit == "cut":
            del data[at:]
        elif edit == "header":
            data[at:at] = record_header(draw(st.integers(0, len(data) + 40)),
                                        draw(st.sampled_from([1, 2, 5])))
        elif edit == "copy" and len(data) > 16:
            a = draw(st.integers(16, len(data) - 1))
            data[at:at] = data[a:a + draw(st.integers(1, 300))]
        elif edit == "flip" and at < len(data):
            data[at] ^= draw(st.sampled_from([0x01, 0x80, 0xFF]))
    return bytes(data)


@settings(max_examples=400, deadline=None)
@given(data=damaged_streams(), window=st.sampled_from([1, 7, 16, 61, 4096, lfics._WINDOW]))
def test_reader_matches_the_reference(data, window):
    saved = lfics._WINDOW
    lfics._WINDOW = window  # small windows: headers and records across window edges
    try:
        got = summary(read_face_stream(data))
    finally:
        lfics._WINDOW = saved
    assert got == reference_read(data)


def test_range_checksums_match_zlib():
    rng = np.random.default_rng(3)
    data = rng.integers(0, 256, 3 * MIB, dtype=np.uint8).tobytes()
    view = np.frombuffer(data, np.uint8)
    starts = rng.integers(0, 2 * MIB, 200)
    ends = starts + rng.integers(0, MIB, 200)
    ends[:3] = starts[:3]  # empty ranges
    expected = [zlib.crc32(data[a:b]) for a, b in zip(starts, ends)]
    assert lfics._range_crcs(view, starts, ends).tolist() == expected
    # the longest a record can claim: 2^24 payload bytes
    words = rng.integers(0, 2 ** 32, 4, dtype=np.uint64).astype(np.uint32)
    counts = np.array([MAX_PAYLOAD, MAX_PAYLOAD + 4, 1, 0])
    zeros = b"\0" * (MAX_PAYLOAD + 4)
    for word, count, got in zip(words, counts, lfics._after_zeros(words, counts)):
        # zlib.crc32(data, v) == zlib.crc32(data, 0) ^ Z[len](v)
        assert int(got) == zlib.crc32(zeros[:count], int(word)) ^ zlib.crc32(zeros[:count])


# -- crafted files ------------------------------------------------------------------------

def every(step: int, size: int, claim) -> bytes:
    """A file header, then an intact record header every ``step`` bytes (zero padded), the
    one at offset p claiming ``claim(p, size)`` payload bytes."""
    count = (size - 16) // step
    size = 16 + count * step
    out = bytearray(file_header(1))
    for _ in range(count):
        out += record_header(claim(len(out), size)) + bytes(step - 16)
    return bytes(out)


def to_the_end(pos, size):  # the payload and its checksum end exactly at the end of the file
    return max(0, size - pos - 20)


def past_the_end(pos, size):
    return min(size - pos + 100, MAX_PAYLOAD)


def huge_claim_then_records(size: int) -> bytes:
    """One header claiming nearly the whole file, then 1 kB face records up to ``size``."""
    rng = np.random.default_rng(5)
    out = bytearray(file_header(1)) + record_header(size - 40)
    rec = pack_record(face(rng, 1000))
    while len(out) + len(rec) <= size:
        out += rec
    return bytes(out)


def header_crc_fails(size: int) -> bytes:
    """Markers everywhere, none with a header checksum that holds."""
    return file_header(1) + MARKER * ((size - 16) // 4)


SHAPES = {
    # the reported file: a header every 20 bytes, each claiming the rest of the file
    "every 20 bytes, claiming to the end": lambda: every(20, 2 * MIB, to_the_end),
    "every 20 bytes, claiming past the end": lambda: every(20, 2 * MIB, past_the_end),
    "every 16 bytes, claiming to the end": lambda: every(16, 2 * MIB, to_the_end),
    "every 16 bytes, claiming 2^24": lambda: every(16, 2 * MIB, lambda p, s: MAX_PAYLOAD),
    "markers without a valid header checksum": lambda: header_crc_fails(2 * MIB),
    "one huge claim, then many records": lambda: huge_claim_then_records(2 * MIB),
}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_crafted_files_read_in_linear_time(tmp_path, shape):
    data = SHAPES[shape]()
    assert len(data) > 2 * MIB - 1100
    path = tmp_path / "crafted.lfics"
    path.write_bytes(data)
    for source in (path, data):
        best = float("inf")
        for _ in range(3):  # the best of three: a busy machine is not the reader's fault
            start = time.perf_counter()
            items = list(read_face_stream(source))
            best = min(best, time.perf_counter() - start)
            if best < 1.0 or best > 10:
                break
        assert best < 1.0, f"{shape}: {best:.2f} s for 2 MiB"
        damage = [i for i in items if isinstance(i, Damage)]
        if shape == "one huge claim, then many records":
            # the huge claim is skipped (16 bytes of damage), every record after it is read
            assert [(d.offset, d.length, d.kind) for d in damage] == [(16, 16, "corrupt")]
            assert len(items) - 1 == (len(data) - 32) // len(pack_record(items[1]))
        else:
            # nothing but damage, covering the file from its header to its end
            assert damage == items and damage[0].offset == 16
            assert all(a.offset + a.length == b.offset for a, b in zip(damage, damage[1:]))
            assert damage[-1].offset + damage[-1].length == len(data)
            if "past the end" in shape or "2^24" in shape:
                assert [d.kind for d in damage] == ["truncated"]


def test_crafted_file_matches_the_reference_when_small():
    for build in (lambda: every(20, 4096, to_the_end), lambda: every(16, 4096, to_the_end),
                  lambda: every(20, 4096, past_the_end), lambda: header_crc_fails(4096),
                  lambda: huge_claim_then_records(20000)):
        data = build()
        assert summary(read_face_stream(data)) == reference_read(data)


def test_reading_a_file_stops_cleanly(tmp_path):
    """A strict read that raises, or a read abandoned half-way, leaves the file closable
    (the reader holds no view of the mapped file between items)."""
    rng = np.random.default_rng(2)
    path = tmp_path / "s.lfics"
    data = file_header(1) + b"".join(pack_record(face(rng, 50)) for _ in range(5))
    path.write_bytes(data[:-7])
    with pytest.raises(CorruptStreamError):
        list(read_face_stream(path, strict=True))
    items = read_face_stream(path)
    assert isinstance(next(items), FaceRecord)
    items.close()
    assert len([i for i in read_face_stream(path) if isinstance(i, FaceRecord)]) == 4


def test_runs_are_numbered_in_file_order(tmp_path):
    rng = np.random.default_rng(4)
    path = tmp_path / "runs.lfics"
    parts = [face(rng, 10), StreamInfo({"run": "a"}), face(rng, 10), face(rng, 10),
             StreamInfo({"run": "b"}), face(rng, 10)]
    with lfics.FaceStreamWriter(path) as writer:
        for part in parts:
            writer.write(part)
    # faces before the first stream info are run 1; each stream info starts a new run
    assert [(type(i).__name__, i.run) for i in read_face_stream(path)] == \
        [("FaceRecord", 1), ("StreamInfo", 2), ("FaceRecord", 2), ("FaceRecord", 2),
         ("StreamInfo", 3), ("FaceRecord", 3)]
    path.write_bytes(file_header(1) + b"".join(pack_record(p) for p in parts[1:]))
    assert [i.run for i in read_face_stream(path)] == [1, 1, 1, 2, 2]
