"""The .lfics face stream, version 2: round trip, compatibility with version 1, cut at every
byte, flip every byte, garbage and overwrites, and the size of the records."""
import json
import shutil
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cvlfic.errors import CorruptStreamError
from cvlfic.video import compact, framing2, lfics
from cvlfic.video.lfics import (Damage, FaceStreamWriter, RecordPacker, file_header,
                                read_face_stream)
from cvlfic.video.records import FaceRecord, StreamInfo

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(scope="module")
def codec():
    from cvlfic.lfic import Codec
    return Codec(threads=1)


def quantized(record: FaceRecord) -> FaceRecord:
    """What version 2 keeps of a record: whole-pixel landmarks, 1/120000 s, 1/256 score."""
    ticks = np.floor(record.timestamp * compact.TICKS_PER_SECOND + 0.5)
    return FaceRecord(record.frame_index, float(ticks / compact.TICKS_PER_SECOND), record.box,
                      np.floor(np.asarray(record.landmarks, np.float64) + 0.5).astype(np.float32),
                      record.data, record.face_index,
                      float(np.floor(record.score * 256 + 0.5) / 256), track=record.track)


def same(a: FaceRecord, b: FaceRecord) -> bool:
    return (a.frame_index, a.timestamp, tuple(a.box), a.face_index, a.score, a.track, a.data) == \
        (b.frame_index, b.timestamp, tuple(b.box), b.face_index, b.score, b.track, b.data) and \
        np.array_equal(a.landmarks, b.landmarks)


def faces_of(items):
    return [i for i in items if isinstance(i, FaceRecord)]


def moving_faces(rng, frames: int, tracks: int, data=lambda rng: b"", start: int = 0,
                 scale=None):
    """Faces of ``tracks`` tracks over ``frames`` frames: boxes and landmarks drifting a
    pixel or two per frame, the detector's score changing every third frame. ``scale``:
    face size (1: a 40 px box; default random 0.6 to 3)."""
    base = np.array([[550, 65], [546, 65], [531, 66], [537, 66], [545, 77]], np.float64) - 530
    out = []
    state = [(rng.uniform(0, 500), rng.uniform(0, 300),
              rng.uniform(0.6, 3.0) if scale is None else scale) for _ in range(tracks)]
    for f in range(start, start + frames):
        for t in range(tracks):
            x, y, scale = state[t]
            x, y = x + rng.normal(0, 1), y + rng.normal(0, 0.7)
            state[t] = (x, y, scale)
            points = base * scale + (x, y) + rng.normal(0, 0.4, (5, 2))
            w = 40 * scale
            box = (int(x - 0.05 * w), int(y - 0.3 * w), int(x + 0.95 * w), int(y + 0.7 * w))
            score = 0.75 + 0.05 * np.sin(f // 3 + t)
            out.append(FaceRecord(f, f / 29.97, box, points.astype(np.float32), data(rng), t,
                                  float(score), track=t + 1))
    return out


# -- round trip ---------------------------------------------------------------------------

def test_round_trip_keys_deltas_and_runs(tmp_path):
    rng = np.random.default_rng(3)
    records = moving_faces(rng, 40, 3, lambda rng: rng.bytes(int(rng.integers(0, 300))))
    records.append(FaceRecord(41, 2.0, (-20, -5, 30, 40), np.zeros((5, 2)), b"x", 0, -0.25))
    path = tmp_path / "s.lfics"
    with FaceStreamWriter(path, key_interval=5) as writer:
        assert writer.version == 2
        writer.write(StreamInfo({"fps": 29.97, "source": "a"}))
        for r in records[:60]:
            writer.write(r)
        assert writer.packer.keys and writer.packer.deltas
    with FaceStreamWriter(path, key_interval=5) as writer:  # appends: a second run
        writer.write(StreamInfo({"source": "b"}))
        for r in records[60:]:
            writer.write(r)
    assert path.read_bytes()[:16] == file_header(2) and path.read_bytes().count(lfics.MAGIC) == 1
    items = list(read_face_stream(path))
    assert not [i for i in items if isinstance(i, Damage)]
    infos = [i for i in items if isinstance(i, StreamInfo)]
    assert [i.fields["source"] for i in infos] == ["a", "b"] and [i.run for i in infos] == [1, 2]
    got = faces_of(items)
    assert len(got) == len(records)
    assert all(same(a, quantized(b)) for a, b in zip(got, records))
    assert [g.run for g in got] == [1] * 60 + [2] * (len(records) - 60)


def test_quantization_is_exact_for_the_usual_frame_rates():
    for fps in (24000 / 1001, 24, 25, 30000 / 1001, 30, 50, 60000 / 1001, 60):
        packer = RecordPacker()
        data = file_header() + packer.pack(StreamInfo({"fps": fps}))
        records = [FaceRecord(i, i / fps, (0, 0, 10, 10), np.zeros((5, 2)), b"", 0, 0.5, track=1)
                   for i in range(0, 3000, 7)]
        data += b"".join(packer.pack(r) for r in records)
        got = faces_of(read_face_stream(data))
        assert [g.timestamp for g in got] == pytest.approx([r.timestamp for r in records],
                                                           abs=1e-12)


def test_values_of_every_size_round_trip():
    rng = np.random.default_rng(8)
    packer = RecordPacker(key_interval=4)
    data = bytearray(file_header())
    records = []
    for i in range(200):
        big = 10 ** int(rng.integers(0, 12))
        r = FaceRecord(int(rng.integers(0, big)), float(rng.uniform(-big, big)),
                       tuple(int(v) for v in rng.integers(-big, big, 4)),
                       rng.uniform(-1e6, 1e6, (5, 2)) / big,  # float32 landmarks
                       rng.bytes(int(rng.integers(0, 40))),
                       int(rng.integers(0, 300)), float(rng.uniform(-5, 5)),
                       track=int(rng.integers(0, 4)))
        records.append(r)
        data += packer.pack(r)
    got = faces_of(read_face_stream(bytes(data)))
    assert len(got) == 200
    for a, b in zip(got, records):
        q = quantized(b)
        assert (a.frame_index, a.box, a.face_index, a.track, a.data) == \
            (q.frame_index, q.box, q.face_index, q.track, q.data)
        assert a.score == q.score and a.timestamp == pytest.approx(q.timestamp, rel=1e-15)
        assert np.array_equal(a.landmarks.astype(np.float64),
                              np.floor(np.asarray(b.landmarks, np.float64) + 0.5))


def test_bad_records_are_refused_by_the_writer(tmp_path):
    with FaceStreamWriter(tmp_path / "s.lfics") as writer:
        for bad in (FaceRecord(-1, 0.0, (0, 0, 1, 1), np.zeros((5, 2)), b""),
                    FaceRecord(0, float("nan"), (0, 0, 1, 1), np.zeros((5, 2)), b""),
                    FaceRecord(0, 0.0, (0, 0, 1, 1), np.zeros((4, 2)), b""),
                    FaceRecord(0, 0.0, (0, 0, 1, 1), np.zeros((5, 2)), b"", track=-2)):
            with pytest.raises(ValueError):
                writer.write(bad)
        writer.write(FaceRecord(0, 0.0, (0, 0, 1, 1), np.zeros((5, 2)), b"ok"))
    assert [f.data for f in faces_of(read_face_stream(tmp_path / "s.lfics"))] == [b"ok"]


# -- size ---------------------------------------------------------------------------------

def overhead(data: bytes, records) -> float:
    """Mean record bytes beyond the bitstream, over the face records of a stream."""
    sizes = [e[4] - e[0] for e in lfics._walk(data, 16, lfics._headers_v2(data, 16),
                                              framing2.cut_header)
             if not isinstance(e, Damage) and e[1] == lfics.TYPE_FACE]
    assert len(sizes) == len(records)
    return float(np.mean([s - len(r.data) for s, r in zip(sizes, records)]))


def test_overhead_on_a_run_shaped_like_the_sample_clip():
    """418 faces of 13 tracks over 275 frames, 150-330 byte bitstreams (the sample clip:
    14.0 bytes per record, bench/video/face_stream_v2.py)."""
    rng = np.random.default_rng(5)
    records = []
    for t, (start, length, scale) in enumerate([(0, 275, 1.0), (9, 40, 0.7), (30, 60, 0.8),
                                                (70, 25, 0.6), (100, 120, 1.5), (120, 30, 0.7),
                                                (150, 50, 0.9), (170, 20, 0.6), (200, 75, 2.0),
                                                (210, 10, 0.7), (230, 8, 0.7), (240, 30, 0.8),
                                                (250, 20, 0.6)]):
        for r in moving_faces(rng, length, 1, lambda rng: rng.bytes(int(rng.integers(150, 330))),
                              start=start, scale=scale):
            r.track = t + 1
            records.append(r)
    records = sorted(records, key=lambda r: (r.frame_index, r.track))[:418]
    assert len(records) == 418
    packer = RecordPacker()
    data = file_header() + packer.pack(StreamInfo({"fps": 29.97})) + \
        b"".join(packer.pack(r) for r in records)
    mean = overhead(data, records)
    print(f"synthetic clip-shaped run: {mean:.2f} bytes of overhead per face record")
    assert mean <= 16
    # every record a key (no record depends on another; the sample clip: 21.8 bytes): still
    # far below version 1's 98
    packer = RecordPacker(key_interval=1)
    data = file_header() + packer.pack(StreamInfo({"fps": 29.97})) + \
        b"".join(packer.pack(r) for r in records)
    assert overhead(data, records) <= 26


# -- version 1 ----------------------------------------------------------------------------

def golden_expected():
    return json.loads((GOLDEN / "v1_two_runs.json").read_text())


def check_golden(items, extra=()):
    import hashlib
    expected = golden_expected()
    infos = [i for i in items if isinstance(i, StreamInfo)]
    assert [i.fields for i in infos] == [r["info"] for r in expected["runs"]]
    faces = faces_of(items)
    want = [(run, f) for run, r in enumerate(expected["runs"], 1) for f in r["faces"]]
    assert len(faces) == len(want) + len(extra)
    for got, (run, f) in zip(faces, want):
        assert got.run == run and got.track == 0
        assert (got.frame_index, got.timestamp, list(got.box), got.face_index) == \
            (f["frame_index"], f["timestamp"], f["box"], f["face_index"])
        assert got.landmarks.astype(float).tolist() == f["landmarks"] and got.score == f["score"]
        assert hashlib.sha256(got.data).hexdigest() == f["data_sha256"]
    return faces[len(want):]


def test_version_1_files_read_unchanged(codec):
    """A file written by the version-1 writer (kept under tests/video/golden)."""
    data = (GOLDEN / "v1_two_runs.lfics").read_bytes()
    assert data[:16] == file_header(1)
    items = list(read_face_stream(data))
    assert not [i for i in items if isinstance(i, Damage)]
    check_golden(items)
    for face in faces_of(items):
        assert codec.decode(face.data).shape == (24, 24, 3)


def test_appending_to_a_version_1_file_keeps_version_1(tmp_path):
    path = tmp_path / "old.lfics"
    shutil.copy(GOLDEN / "v1_two_runs.lfics", path)
    before = path.read_bytes()
    extra = FaceRecord(7, 0.123456789, (1, 2, 3, 4), np.full((5, 2), 0.3, np.float32), b"abc",
                       1, 0.3)
    with FaceStreamWriter(path) as writer:  # the file's version, not the current one
        assert writer.version == 1
        writer.write(StreamInfo({"source": "appended"}))
        writer.write(extra)
    after = path.read_bytes()
    assert after.startswith(before) and after[len(before):][:4] == lfics.MARKER
    items = list(read_face_stream(path))
    got = check_golden([i for i in items if not (isinstance(i, StreamInfo) and
                                                  i.fields == {"source": "appended"})], [extra])
    assert got[0].timestamp == 0.123456789 and got[0].landmarks[0, 0] == np.float32(0.3)
    with pytest.raises(CorruptStreamError, match="version 1"):
        FaceStreamWriter(path, version=2)


def test_new_version_1_files_can_still_be_written(tmp_path):
    path = tmp_path / "v1.lfics"
    with FaceStreamWriter(path, version=1) as writer:
        writer.write(StreamInfo({"a": 1}))
    assert path.read_bytes()[:16] == file_header(1)
    assert path.read_bytes()[16:20] == lfics.MARKER


def test_unknown_versions_fail_clearly(tmp_path):
    for version in (0, 3, 99):
        head = lfics.MAGIC + struct.pack("<HH", version, 0)
        data = head + struct.pack("<I", zlib.crc32(head)) + b"\0" * 40
        with pytest.raises(CorruptStreamError, match=f"version {version} is not supported"):
            list(read_face_stream(data))
        path = tmp_path / f"v{version}.lfics"
        path.write_bytes(data)
        with pytest.raises(CorruptStreamError, match=f"version {version} is not supported"):
            FaceStreamWriter(path)
        assert path.read_bytes() == data
    with pytest.raises(ValueError):
        FaceStreamWriter(tmp_path / "new.lfics", version=3)


def test_a_damaged_or_cut_file_header_is_not_appended_to(tmp_path):
    good = file_header(2) + framing2.pack_frame(1, b"{}")
    for bad in (good[:10], good[:12] + b"\0\0\0\0" + good[16:]):
        path = tmp_path / "bad.lfics"
        path.write_bytes(bad)
        with pytest.raises(CorruptStreamError, match="not appending"):
            FaceStreamWriter(path)
        assert path.read_bytes() == bad


def test_a_damaged_file_header_still_gives_the_records():
    for version, data in ((1, (GOLDEN / "v1_two_runs.lfics").read_bytes()),
                          (2, file_header(2) + RecordPacker().pack(StreamInfo({"x": 1})))):
        for pos in range(16):
            bad = bytearray(data)
            bad[pos] ^= 0xFF
            items = list(read_face_stream(bytes(bad)))
            assert isinstance(items[0], Damage) and items[0].kind == "header"
            assert [i.fields for i in items if isinstance(i, StreamInfo)][:1] == \
                [{"source": "golden", "fps": 29.97} if version == 1 else {"x": 1}]


# -- cut, flip, garbage -------------------------------------------------------------------

@pytest.fixture(scope="module")
def stream(codec):
    """A stream info record, then 8 faces of 2 tracks (key every 3 records of a track),
    with real LFIC bitstreams: the file image, each record's byte span, the records as
    stored, and for each face record the index (in ``records``) of the one it refers to."""
    rng = np.random.default_rng(1)

    def bitstream(rng):
        return codec.encode(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8), max_bytes=150)
    records = moving_faces(rng, 4, 2, bitstream, start=10)
    packer = RecordPacker(key_interval=3)
    data, spans = bytearray(file_header()), []
    for item in [StreamInfo({"source": "test", "fps": 29.97}), *records]:
        packed = packer.pack(item)
        spans.append((len(data), len(data) + len(packed)))
        data += packed
    data = bytes(data)
    refs = []
    for k, (a, b) in enumerate(spans[1:]):
        entry = next(lfics._headers_v2(data, a))
        payload = data[entry[2]:entry[3]]
        refs.append(k - compact.reference_distance(payload) if compact.is_delta(payload)
                    else None)
    assert refs == [None, None, 0, 1, 2, 3, None, None]
    return data, spans, [quantized(r) for r in records], refs


@pytest.fixture(scope="module")
def decoded(codec):
    cache = {}

    def decode(data: bytes):
        if data not in cache:
            cache[data] = codec.decode(data)
        return cache[data]
    return decode


def survivors(refs, lost, barrier):
    """Indices of the face records a reader returns when the records ``lost`` are damaged
    and the reader resynchronised before record ``barrier`` (no record from there on may
    refer to one before it)."""
    out = []
    for k in range(len(refs)):
        if k in lost:
            continue
        chain, ok = k, True
        while ok and chain is not None:
            ok = chain not in lost and (k < barrier or chain >= barrier)
            chain = refs[chain]
        if ok:
            out.append(k)
    return out


def test_cut_at_every_byte(stream, decoded):
    data, spans, records, _ = stream
    for cut in range(len(data) + 1):
        items = list(read_face_stream(data[:cut]))  # anything raised fails the test
        damage = [i for i in items if isinstance(i, Damage)]
        whole = [k for k, (_, end) in enumerate(spans) if end <= cut]
        got = faces_of(items)
        expected = [records[k - 1] for k in whole if k > 0]
        assert len(got) == len(expected), cut
        for a, b in zip(got, expected):
            assert same(a, b)
            assert decoded(a.data).shape == (32, 32, 3)
        at_boundary = cut in (0, 16) or any(end == cut for _, end in spans)
        if at_boundary:
            assert damage == [], cut
        else:
            assert len(damage) == 1 and damage[0].kind == "truncated", (cut, damage)
            assert damage[0].offset + damage[0].length == cut


@pytest.mark.parametrize("mask", [0x01, 0x80, 0xFF])
def test_flip_every_byte(stream, decoded, mask):
    data, spans, records, refs = stream
    for pos in range(len(data)):
        bad = bytearray(data)
        bad[pos] ^= mask
        items = list(read_face_stream(bytes(bad)))
        damage = [i for i in items if isinstance(i, Damage)]
        assert damage, f"flip at {pos} went unreported"
        assert all(d.kind in ("corrupt", "header", "orphan") for d in damage)
        hit = [k for k, (start, end) in enumerate(spans) if start <= pos < end]
        if hit:  # the damaged record is never returned, nor any predicted from it
            expected = survivors(refs, {hit[0] - 1}, hit[0])
            spans_hit = [d for d in damage if d.kind == "corrupt"]
            assert [(d.offset, d.offset + d.length) for d in spans_hit] == [spans[hit[0]]]
            orphans = [d for d in damage if d.kind == "orphan"]
            assert len(orphans) == len(records) - len(expected) - (hit[0] > 0)
        else:  # the file header
            expected = list(range(len(records)))
        got = faces_of(items)
        assert len(got) == len(expected), pos
        for a, k in zip(got, expected):
            assert same(a, records[k])
            assert decoded(a.data).shape == (32, 32, 3)


def test_every_record_a_key_loses_only_the_damaged_one(codec):
    rng = np.random.default_rng(2)
    records = [quantized(r) for r in moving_faces(rng, 3, 2, lambda rng: rng.bytes(60))]
    packer = RecordPacker(key_interval=1)
    data, spans = bytearray(file_header()), []
    for r in records:
        packed = packer.pack(r)
        spans.append((len(data), len(data) + len(packed)))
        data += packed
    for pos in range(16, len(data)):
        bad = bytearray(data)
        bad[pos] ^= 0x80
        hit = next(k for k, (a, b) in enumerate(spans) if a <= pos < b)
        got = faces_of(read_face_stream(bytes(bad)))
        assert len(got) == len(records) - 1
        assert all(same(a, b) for a, b in zip(got, records[:hit] + records[hit + 1:]))


def test_garbage_between_records_resynchronises(stream):
    data, spans, records, refs = stream
    for at in (2, 4, 7):  # before face record at - 1
        start = spans[at][0]
        junk = bytes(range(256)) + framing2.MARKER + b"\x00" * 20  # includes a false marker
        items = list(read_face_stream(data[:start] + junk + data[start:]))
        damage = [i for i in items if isinstance(i, Damage)]
        assert damage[0].kind == "corrupt" and (damage[0].offset, damage[0].length) == \
            (start, len(junk))
        expected = survivors(refs, set(), at - 1)
        assert [d.kind for d in damage[1:]] == ["orphan"] * (len(records) - len(expected))
        got = faces_of(items)
        assert len(got) == len(expected) and all(same(a, records[k])
                                                 for a, k in zip(got, expected))


def test_strict_mode_raises_corrupt_stream_error(stream):
    data, _, records, _ = stream
    with pytest.raises(CorruptStreamError):
        list(read_face_stream(data[:-3], strict=True))
    assert len(faces_of(read_face_stream(data, strict=True))) == len(records)


def test_append_after_a_crash_keeps_the_new_records(tmp_path, stream):
    data, spans, records, _ = stream
    path = tmp_path / "crashed.lfics"
    cut_at = spans[4][0] + 9  # inside face record 3
    path.write_bytes(data[:cut_at])
    tail = moving_faces(np.random.default_rng(9), 3, 1, lambda rng: rng.bytes(30), start=50)
    with FaceStreamWriter(path) as writer:  # a restarted writer appends
        writer.write(StreamInfo({"restart": 1}))
        for r in tail:
            writer.write(r)
    items = list(read_face_stream(path))
    damage = [i for i in items if isinstance(i, Damage)]
    assert [(d.offset, d.length, d.kind) for d in damage] == [(spans[4][0], 9, "corrupt")]
    got = faces_of(items)
    assert len(got) == 3 + 3 and all(same(a, b) for a, b in zip(got, records[:3]))
    assert all(same(a, quantized(b)) for a, b in zip(got[3:], tail))
    assert [i.fields for i in items if isinstance(i, StreamInfo)][-1] == {"restart": 1}


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_random_overwrites_lose_only_what_they_touch(stream, data):
    file_bytes, spans, records, refs = stream
    start = data.draw(st.integers(0, len(file_bytes) - 1))
    junk = data.draw(st.binary(min_size=1, max_size=64))
    bad = bytearray(file_bytes)
    bad[start:start + len(junk)] = junk
    bad = bytes(bad[:len(file_bytes)])
    touched = {k for k, (a, b) in enumerate(spans)
               if a < start + len(junk) and start < b and bad[a:b] != file_bytes[a:b]}
    barrier = max(touched) if touched else 0
    expected = survivors(refs, {k - 1 for k in touched}, barrier)
    got = faces_of(read_face_stream(bad))
    # nothing damaged comes back; nothing is lost but what was touched and what refers to it
    assert len(got) == len(expected)
    assert all(same(a, records[k]) for a, k in zip(got, expected))


def test_runs_are_numbered_in_file_order(tmp_path):
    rng = np.random.default_rng(4)
    faces = moving_faces(rng, 2, 1, lambda rng: b"f")
    path = tmp_path / "runs.lfics"
    with FaceStreamWriter(path) as writer:
        for part in [faces[0], StreamInfo({"run": "a"}), faces[1], StreamInfo({"run": "b"})]:
            writer.write(part)
    assert [(type(i).__name__, i.run) for i in read_face_stream(path)] == \
        [("FaceRecord", 1), ("StreamInfo", 2), ("FaceRecord", 2), ("StreamInfo", 3)]


def test_unknown_record_types_are_skipped():
    packer = RecordPacker()
    faces = moving_faces(np.random.default_rng(6), 3, 1, lambda rng: b"z")
    data = file_header() + packer.pack(faces[0]) + framing2.pack_frame(5, b"later") + \
        packer.pack(faces[1]) + framing2.pack_frame(7, b"\0" * 5000) + packer.pack(faces[2])
    items = list(read_face_stream(data))
    assert len(items) == 3 and all(same(a, quantized(b)) for a, b in zip(items, faces))


def test_long_records_carry_a_crc32():
    payload = bytes(range(256)) * 20
    record = framing2.pack_frame(lfics.TYPE_STREAM_INFO, payload)
    assert len(record) == 2 + 3 + 1 + len(payload) + 4
    assert struct.unpack("<I", record[-4:])[0] == zlib.crc32(record[:-4])
    short = framing2.pack_frame(lfics.TYPE_STREAM_INFO, b"{}")
    assert short[-2:] == struct.pack("<H", framing2.crc16(short[:-2]))
    assert framing2.crc16(b"123456789") == 0xD64E  # CRC-16/GENIBUS check value
