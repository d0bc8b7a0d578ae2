"""The .lfics face stream, format version 1: cut at every byte, flip every byte, never more than
a report."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cvlfic.errors import CorruptStreamError
from cvlfic.video.lfics import (MARKER, Damage, FaceStreamWriter, file_header, pack_record,
                                read_face_stream)
from cvlfic.video.records import FaceRecord, StreamInfo


@pytest.fixture(scope="module")
def codec():
    from cvlfic.lfic import Codec
    return Codec(threads=1)


@pytest.fixture(scope="module")
def records(codec):
    """Three small faces with real LFIC bitstreams (32x32 crops, about 130 bytes each)."""
    rng = np.random.default_rng(1)
    out = []
    for i in range(3):
        crop = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
        points = rng.uniform(0, 100, (5, 2)).astype(np.float32)
        out.append(FaceRecord(10 + i, 0.5 * i, (i, 2 * i, 40 + i, 44 + i), points,
                              codec.encode(crop, max_bytes=150), face_index=i % 2, score=0.75))
    return out


@pytest.fixture(scope="module")
def stream(records):
    """The file image and the byte span of each record (the info record first)."""
    info = StreamInfo({"source": "test", "fps": 25.0})
    data, spans = bytearray(file_header(1)), []
    for item in [info, *records]:
        packed = pack_record(item)
        spans.append((len(data), len(data) + len(packed)))
        data += packed
    return bytes(data), spans


@pytest.fixture(scope="module")
def decoded(codec):
    cache = {}

    def decode(data: bytes):
        if data not in cache:
            cache[data] = codec.decode(data)
        return cache[data]
    return decode


def faces_of(items):
    return [i for i in items if isinstance(i, FaceRecord)]


def same(a: FaceRecord, b: FaceRecord) -> bool:
    return (a.frame_index, a.timestamp, a.box, a.face_index, a.data) == \
        (b.frame_index, b.timestamp, b.box, b.face_index, b.data) and \
        np.array_equal(a.landmarks, b.landmarks) and a.score == pytest.approx(b.score)


def test_writer_reader_round_trip(tmp_path, records):
    path = tmp_path / "s.lfics"
    with FaceStreamWriter(path, version=1) as writer:
        writer.write(StreamInfo({"source": "a"}))
        for r in records[:2]:
            writer.write(r)
    with FaceStreamWriter(path, version=1) as writer:  # reopening appends
        writer.write(records[2])
    items = list(read_face_stream(path))
    assert isinstance(items[0], StreamInfo) and items[0].fields == {"source": "a"}
    assert not [i for i in items if isinstance(i, Damage)]
    got = faces_of(items)
    assert len(got) == 3 and all(same(a, b) for a, b in zip(got, records))
    assert path.read_bytes().count(file_header(1)) == 1


def test_empty_file_and_foreign_append(tmp_path):
    empty = tmp_path / "empty.lfics"
    empty.write_bytes(b"")
    assert list(read_face_stream(empty)) == []
    foreign = tmp_path / "foreign.lfics"
    foreign.write_bytes(b"not a face stream at all")
    with pytest.raises(CorruptStreamError):
        FaceStreamWriter(foreign)
    items = list(read_face_stream(foreign))
    assert items and all(isinstance(i, Damage) for i in items)


def test_cut_at_every_byte(stream, records, decoded):
    data, spans = stream
    for cut in range(len(data) + 1):
        items = list(read_face_stream(data[:cut]))  # anything raised fails the test
        damage = [i for i in items if isinstance(i, Damage)]
        whole = [k for k, (_, end) in enumerate(spans) if end <= cut]
        # every record wholly before the cut is returned intact and decodes
        got = faces_of(items)
        expected = [records[k - 1] for k in whole if k > 0]
        assert len(got) == len(expected), cut
        for a, b in zip(got, expected):
            assert same(a, b)
            assert decoded(a.data).shape == (32, 32, 3)
        # at most the record being written is lost, and that is reported as truncation
        at_boundary = cut in (0, len(file_header(1))) or any(end == cut for _, end in spans)
        if at_boundary:
            assert damage == [], cut
        else:
            assert len(damage) == 1 and damage[0].kind == "truncated", (cut, damage)
            assert damage[0].offset + damage[0].length == cut


@pytest.mark.parametrize("mask", [0x01, 0x80, 0xFF])
def test_flip_every_byte(stream, records, decoded, mask):
    data, spans = stream
    for pos in range(len(data)):
        bad = bytearray(data)
        bad[pos] ^= mask
        items = list(read_face_stream(bytes(bad)))
        damage = [i for i in items if isinstance(i, Damage)]
        assert damage, f"flip at {pos} went unreported"
        assert all(d.kind in ("corrupt", "header") for d in damage)
        hit = [k for k, (start, end) in enumerate(spans) if start <= pos < end]
        # the damaged record is never returned; every other record is, intact
        expected = [r for k, r in enumerate(records, 1) if k not in hit]
        got = faces_of(items)
        assert len(got) == len(expected), pos
        for a, b in zip(got, expected):
            assert same(a, b)
            assert decoded(a.data).shape == (32, 32, 3)


def test_garbage_between_records_resynchronises(stream, records):
    data, spans = stream
    start = spans[2][0]
    junk = bytes(range(256)) + MARKER + b"\x00" * 20  # includes a false marker
    items = list(read_face_stream(data[:start] + junk + data[start:]))
    assert [type(i).__name__ for i in items] == \
        ["StreamInfo", "FaceRecord", "Damage", "FaceRecord", "FaceRecord"]
    damage = items[2]
    assert damage.kind == "corrupt" and damage.offset == start and damage.length == len(junk)
    assert all(same(a, b) for a, b in zip(faces_of(items), records))


def test_strict_mode_raises_corrupt_stream_error(stream):
    data, spans = stream
    with pytest.raises(CorruptStreamError):
        list(read_face_stream(data[:-3], strict=True))
    assert len(faces_of(read_face_stream(data, strict=True))) == 3


def test_unsupported_version_is_refused(stream):
    import struct
    import zlib
    data, _ = stream
    head = data[:8] + struct.pack("<HH", 99, 0)
    future = head + struct.pack("<I", zlib.crc32(head)) + data[16:]
    with pytest.raises(CorruptStreamError, match="version 99"):
        list(read_face_stream(future))


def test_append_after_a_crash_keeps_the_new_records(tmp_path, stream, records):
    data, spans = stream
    path = tmp_path / "crashed.lfics"
    cut_at = spans[2][0] + 40  # inside the second face record
    path.write_bytes(data[:cut_at])
    with FaceStreamWriter(path) as writer:  # a restarted writer appends
        writer.write(StreamInfo({"restart": 1}))
        writer.write(records[2])
    items = list(read_face_stream(path))
    damage = [i for i in items if isinstance(i, Damage)]
    assert len(damage) == 1 and damage[0].kind == "corrupt"
    assert (damage[0].offset, damage[0].length) == (spans[2][0], 40)
    got = faces_of(items)
    assert len(got) == 2 and same(got[0], records[0]) and same(got[1], records[2])
    assert [i.fields for i in items if isinstance(i, StreamInfo)][-1] == {"restart": 1}


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_random_overwrites_lose_only_what_they_touch(stream, records, data):
    file_bytes, spans = stream
    start = data.draw(st.integers(0, len(file_bytes) - 1))
    junk = data.draw(st.binary(min_size=1, max_size=64))
    bad = bytearray(file_bytes)
    bad[start:start + len(junk)] = junk
    bad = bytes(bad[:len(file_bytes)])
    touched = {k for k, (a, b) in enumerate(spans)
               if a < start + len(junk) and start < b and bad[a:b] != file_bytes[a:b]}
    got = faces_of(read_face_stream(bad))
    expected = [r for k, r in enumerate(records, 1) if k not in touched]
    # nothing damaged comes back, nothing untouched is lost
    assert len(got) == len(expected)
    assert all(same(a, b) for a, b in zip(got, expected))
