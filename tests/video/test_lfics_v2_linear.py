"""The version-2 .lfics reader is linear in the file size, whatever the file holds.

Crafted files (an intact record header every few bytes, each claiming a record that runs to
or past the end of the file; markers everywhere; one huge claim before many records) are
read in under a second each; and the reader is checked against a plain, header-by-header
reference reader of the rules of docs/face-stream.md on random streams and random damage.
"""
import time
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cvlfic.errors import CorruptStreamError
from cvlfic.video import compact, framing2, lfics
from cvlfic.video.lfics import Damage, RecordPacker, file_header, read_face_stream
from cvlfic.video.records import FaceRecord, StreamInfo

MIB = 1 << 20
M = framing2.MARKER


def header(length: int, kind: int = 2) -> bytes:
    """An intact version-2 record header (its CRC-8 holds) claiming ``length`` payload bytes."""
    head = M + framing2.varint(length << 3 | kind)
    return head + bytes([framing2.crc8(head)])


def claim_to_end(pos: int, size: int) -> int:
    """The payload length whose record ends exactly at ``size`` for a header at ``pos``."""
    for length in range(max(0, size - pos - 12), max(0, size - pos)):
        if pos + len(header(length)) + length + framing2.check_size(length) == size:
            return length
    return max(0, size - pos - 12)


# -- the reference: the rules of docs/face-stream.md, one header at a time -----------------

def header_at(buf: bytes, pos: int):
    """``(type, header length, payload length)`` of an intact header at ``pos``, or None."""
    if buf[pos:pos + 2] != M:
        return None
    value, shift, i = 0, 0, pos + 2
    while True:
        if i >= len(buf) or i - pos - 2 >= framing2.MAX_VARINT:
            return None
        byte = buf[i]
        value |= (byte & 0x7F) << shift
        shift += 7
        i += 1
        if byte < 0x80:
            break
    if i - pos - 2 > 1 and buf[i - 1] == 0:  # not canonical
        return None
    if i >= len(buf) or framing2.crc8(buf[pos:i]) != buf[i]:
        return None
    if value >> 3 > framing2.MAX_PAYLOAD:
        return None
    return value & 7, i + 1 - pos, value >> 3


def intact_at(buf: bytes, pos: int):
    found = header_at(buf, pos)
    if found is None:
        return None
    kind, hlen, length = found
    end = pos + hlen + length + framing2.check_size(length)
    if end > len(buf):
        return None
    body, check = buf[pos:pos + hlen + length], buf[pos + hlen + length:end]
    want = framing2.crc16(body).to_bytes(2, "little") if len(check) == 2 else \
        zlib.crc32(body).to_bytes(4, "little")
    if check != want:
        return None
    return kind, buf[pos + hlen:pos + hlen + length], end


def reference_read(buf: bytes):
    size, out = len(buf), []
    if size == 0:
        return out
    if size < 16:
        return [("damage", 0, size, "truncated")]
    if buf[:16] != file_header(2):
        out.append(("damage", 0, 16, "header"))
    history = []  # states since the last damage or stream info (None: not decoded)

    def add_damage(item):
        out.append(item)
        history.clear()

    pos, bad_from = 16, None
    while pos < size:
        rec = intact_at(buf, pos)
        if rec is not None:
            if bad_from is not None:
                add_damage(("damage", bad_from, pos - bad_from, "corrupt"))
                bad_from = None
            kind, payload, end = rec
            if kind == 1:
                history.clear()
                try:
                    out.append(("info", StreamInfo.from_payload(payload).fields))
                except CorruptStreamError:
                    out.append(("damage", pos, end - pos, "corrupt"))
            elif kind == 2:
                ref, item, state = None, None, None
                try:
                    if compact.is_delta(payload):
                        distance = compact.reference_distance(payload)
                        if distance > len(history) or distance > lfics.MAX_DISTANCE or \
                                history[-distance] is None:
                            item = ("damage", pos, end - pos,
                                    "corrupt" if distance > lfics.MAX_DISTANCE else "orphan")
                        else:
                            ref = history[-distance]
                    if item is None:
                        state, used = compact.unpack(payload, ref)
                        item = ("face", face_summary(state.to_record(payload[used:])))
                except CorruptStreamError:
                    item = ("damage", pos, end - pos, "corrupt")
                history.append(state)
                out.append(item)
            pos = end
            continue
        if bad_from is None:
            bad_from = pos
        nxt = pos + 1
        while nxt < size and header_at(buf, nxt) is None:
            nxt += 1
        if nxt >= size:
            found = header_at(buf, bad_from)
            if found is not None:
                kind, hlen, length = found
                cut = bad_from + hlen + length + framing2.check_size(length) > size
            else:
                cut = framing2.cut_header(buf, bad_from)
            out.append(("damage", bad_from, size - bad_from, "truncated" if cut else "corrupt"))
            return out
        pos = nxt
    return out


def face_summary(r: FaceRecord):
    return (r.frame_index, r.timestamp, tuple(r.box), r.landmarks.tolist(), r.face_index,
            r.score, r.track, r.data)


def summary(items):
    out = []
    for item in items:
        if isinstance(item, Damage):
            out.append(("damage", item.offset, item.length, item.kind))
        elif isinstance(item, StreamInfo):
            out.append(("info", item.fields))
        else:
            out.append(("face", face_summary(item)))
    return out


def face(rng, track: int, frame: int, size: int) -> FaceRecord:
    points = rng.uniform(0, 60, (5, 2)) + frame
    return FaceRecord(frame, frame / 25, (frame, 2, 40 + frame, 44), points,
                      rng.integers(0, 256, size, dtype=np.uint8).tobytes(),
                      int(rng.integers(0, 3)), float(rng.uniform(0.5, 1)), track=track)


@st.composite
def damaged_streams(draw):
    """A version-2 stream of records of random sizes (keys and deltas of a few tracks, some
    embedding markers and whole records in their bitstreams, records of unknown types,
    long records with a CRC-32), then a few random edits: overwrites, cuts, crafted headers
    (claiming lengths inside and past the file), copies of other bytes, flips."""
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    packer = RecordPacker(key_interval=draw(st.sampled_from([1, 2, 4, 8])))
    data = bytearray(file_header(2))
    frame = 0
    for _ in range(draw(st.integers(0, 10))):
        choice = draw(st.sampled_from(["face", "face", "face", "info", "unknown", "nested",
                                       "marker", "long"]))
        frame += int(rng.integers(0, 3))
        if choice == "face":
            data += packer.pack(face(rng, int(rng.integers(0, 3)), frame,
                                     int(rng.integers(0, 120))))
        elif choice == "info":
            data += packer.pack(StreamInfo({"n": int(rng.integers(0, 99)), "fps": 25}))
        elif choice == "unknown":
            data += framing2.pack_frame(int(rng.integers(3, 8)), rng.integers(
                0, 256, int(rng.integers(0, 40)), dtype=np.uint8).tobytes())
        elif choice == "nested":  # a face whose bitstream holds a whole record
            inner = framing2.pack_frame(1, b'{"inner": 1}')
            r = face(rng, 1, frame, 0)
            r.data = b"xy" + inner + b"z"
            data += packer.pack(r)
        elif choice == "marker":
            r = face(rng, 2, frame, 0)
            r.data = M * int(rng.integers(1, 30))
            data += packer.pack(r)
        else:
            data += packer.pack(face(rng, 1, frame, 4100))
    for _ in range(draw(st.integers(0, 4))):
        edit = draw(st.sampled_from(["overwrite", "cut", "header", "copy", "flip"]))
        at = draw(st.integers(0, len(data)))
        if edit == "overwrite":
            junk = draw(st.binary(min_size=1, max_size=24))
            data[at:at + len(junk)] = junk
        elif edit == "cut":
            del data[at:]
        elif edit == "header":
            data[at:at] = header(draw(st.integers(0, len(data) + 40)),
                                 draw(st.sampled_from([1, 2, 5])))
        elif edit == "copy" and len(data) > 16:
            a = draw(st.integers(16, len(data) - 1))
            data[at:at] = data[a:a + draw(st.integers(1, 300))]
        elif edit == "flip" and at < len(data):
            data[at] ^= draw(st.sampled_from([0x01, 0x80, 0xFF]))
    return bytes(data)


@settings(max_examples=400, deadline=None)
@given(data=damaged_streams(), window=st.sampled_from([1, 7, 16, 61, 4096, framing2._WINDOW]))
def test_reader_matches_the_reference(data, window):
    saved = framing2._WINDOW
    framing2._WINDOW = window  # small windows: headers and records across window edges
    try:
        got = summary(read_face_stream(data))
    finally:
        framing2._WINDOW = saved
    assert got == reference_read(data)


def test_range_crc16_matches_binascii():
    rng = np.random.default_rng(3)
    data = rng.integers(0, 256, MIB, dtype=np.uint8).tobytes()
    view = np.frombuffer(data, np.uint8)
    starts = rng.integers(0, MIB - 9000, 300)
    ends = starts + rng.integers(0, 8000, 300)
    ends[:3] = starts[:3]
    expected = [framing2.crc16(data[a:b]) for a, b in zip(starts, ends)]
    assert framing2.range_crc16(view, starts, ends).tolist() == expected


# -- crafted files ------------------------------------------------------------------------

def every(step: int, size: int, claim) -> bytes:
    """A file header, then an intact record header every ``step`` bytes (zero padded), the
    one at offset p claiming ``claim(p, size)`` payload bytes."""
    out = bytearray(file_header(2))
    while len(out) + step <= size:
        head = header(claim(len(out), size))
        out += head + bytes(step - len(head))
    return bytes(out)


def past_the_end(pos, size):
    return min(size - pos + 100, framing2.MAX_PAYLOAD)


def huge_claim_then_records(size: int):
    """One header claiming nearly the whole file, then ~250-byte face records (keys and
    deltas of three tracks) up to ``size``."""
    rng = np.random.default_rng(5)
    packer = RecordPacker()
    out = bytearray(file_header(2)) + header(size - 40)
    count, frame = 0, 0
    while len(out) < size - 400:
        out += packer.pack(face(rng, 1 + count % 3, frame, 240))
        count += 1
        frame += count % 3 == 0
    return bytes(out), count


SHAPES = {
    "every 8 bytes, claiming to the end": lambda: every(8, 2 * MIB, claim_to_end),
    "every 8 bytes, claiming past the end": lambda: every(8, 2 * MIB, past_the_end),
    "every 16 bytes, claiming to the end": lambda: every(16, 2 * MIB, claim_to_end),
    "every 16 bytes, claiming 2^24": lambda: every(16, 2 * MIB, lambda p, s: framing2.MAX_PAYLOAD),
    "every 12 bytes, claiming 4000 bytes (CRC-16)": lambda: every(12, 2 * MIB, lambda p, s: 4000),
    "markers without a valid header check":
        lambda: file_header(2) + (M + b"\x10\x00") * ((2 * MIB - 16) // 4),
    "one huge claim, then many records": lambda: huge_claim_then_records(2 * MIB)[0],
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
            # the huge claim is skipped (its header: 6 bytes of damage), every record after it read
            assert [(d.offset, d.kind) for d in damage] == [(16, "corrupt")]
            assert len(items) - 1 == huge_claim_then_records(2 * MIB)[1]
        else:
            assert damage == items and damage[0].offset == 16
            assert all(a.offset + a.length == b.offset for a, b in zip(damage, damage[1:]))
            assert damage[-1].offset + damage[-1].length == len(data)
            if "past the end" in shape or "2^24" in shape:
                assert [d.kind for d in damage] == ["truncated"]


def test_crafted_files_match_the_reference_when_small():
    for build in (lambda: every(8, 4096, claim_to_end), lambda: every(16, 4096, claim_to_end),
                  lambda: every(8, 4096, past_the_end), lambda: every(12, 9000, lambda p, s: 4000),
                  lambda: huge_claim_then_records(20000)[0]):
        data = build()
        assert summary(read_face_stream(data)) == reference_read(data)


def test_many_small_records_cost_the_same_per_record():
    """The most items a file can hold: face records with empty bitstreams (about 12 bytes
    each). Reading is linear: twice the file, about twice the time."""
    rng = np.random.default_rng(7)
    packer = RecordPacker()
    records = [packer.pack(face(rng, 1 + i % 3, i // 3, 0)) for i in range(20000)]
    small, large = file_header(2) + b"".join(records[:10000]), file_header(2) + b"".join(records)
    times = []
    for data in (small, large):
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            count = sum(isinstance(i, FaceRecord) for i in read_face_stream(data))
            best = min(best, time.perf_counter() - start)
        times.append(best)
        assert count == (10000 if data is small else 20000)
    per_record_us = 1e6 * times[1] / 20000
    print(f"{len(large)} bytes, 20000 records: {times[1]:.2f} s, {per_record_us:.1f} us/record")
    assert times[1] < 3.0 * times[0] + 0.05
    assert per_record_us < 100
