"""cvlfic unpack and FaceStreamDecoder: refused records, appended runs, existing files.

Built from coded 112x112 crops (no detector needed): a stream whose face records include
one claiming a 2048x2048 image (29 bytes that would cost seconds and gigabytes through the
network) must still give every other face, and a file written by two runs must give every
face its own PNG.
"""
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import cv2
import numpy as np
import pytest

import cvlfic
from cvlfic import bitstream
from cvlfic.cli import main
from cvlfic.errors import BudgetError, CorruptStreamError, LimitError
from cvlfic.video import FaceRecord, FaceStreamDecoder, FaceStreamWriter, StreamInfo
from cvlfic.video.commands import UNPACK_FILE, face_png_name
from cvlfic.video.lfics import Damage


@pytest.fixture(scope="module")
def coded_faces():
    """Ten coded faces: LFW crops when the data is there, random pixels otherwise."""
    rng = np.random.default_rng(7)
    crops = []
    from cvlfic import datasets
    if datasets.has_data():
        lfw = datasets.lfw_dir()
        for path in sorted(lfw.glob("A*/*_0001.jpg"))[:10]:
            image = cv2.imread(str(path))
            crops.append(cv2.resize(image[40:210, 40:210], (112, 112)))
    while len(crops) < 10:
        crops.append(rng.integers(0, 256, (112, 112, 3), dtype=np.uint8))
    return [cvlfic.encode(crop, quality=50) for crop in crops]


@pytest.fixture(scope="module")
def bomb():
    """A valid stream of a flat 2048x2048 image: 29 bytes, 4 Mpixels."""
    import inspect

    from cvlfic.lfic import Codec
    if "max_pixels" not in inspect.signature(Codec).parameters:
        pytest.skip("this codec has no decode limit: the bomb would cost 16 s and 2.4 GB")
    shape = bitstream.mask_shape(2048, 2048, 0)
    return bitstream.encode_pooled(np.full((2048, 2048, 3), 128, np.uint8),
                                   np.zeros(shape, np.uint8), 0, 16)


def face_record(frame: int, data: bytes, face: int = 0) -> FaceRecord:
    return FaceRecord(frame, frame / 25, (10, 10, 90, 90),
                      np.arange(10, dtype=np.float32).reshape(5, 2), data, face, 0.9)


def write_stream(path: Path, datas, info=None, first_frame=0) -> None:
    with FaceStreamWriter(path) as writer:
        writer.write(StreamInfo(info or {"source": "test"}))
        for i, data in enumerate(datas):
            writer.write(face_record(first_frame + i, data))


@pytest.fixture(scope="module")
def bomb_stream(tmp_path_factory, coded_faces, bomb):
    """Ten normal faces (frames 0..9) and the bomb in the middle (frame 100)."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.lfics"
    with FaceStreamWriter(path) as writer:
        writer.write(StreamInfo({"source": "test"}))
        for i, data in enumerate(coded_faces[:5]):
            writer.write(face_record(i, data))
        writer.write(face_record(100, bomb))
        for i, data in enumerate(coded_faces[5:], 5):
            writer.write(face_record(i, data))
    return path


@pytest.mark.parametrize("batch_size", [1, 4, 32])
def test_decoder_reports_the_refused_record_and_decodes_the_rest(bomb_stream, batch_size):
    from cvlfic.lfic import Codec
    decoder = FaceStreamDecoder(Codec(threads=1), batch_size)
    pairs = list(decoder.decode(bomb_stream))
    assert [r.frame_index for r, _ in pairs] == list(range(10))
    assert all(face.shape == (112, 112, 3) for _, face in pairs)
    assert decoder.refused == 1 and len(decoder.damage) == 1
    damage = decoder.damage[0]
    assert (damage.offset, damage.length, damage.kind) == (-1, 29, "corrupt")
    assert "frame 100 face 0" in damage.detail and "1048576" in damage.detail
    assert "1048576" in str(damage) and "byte -1" not in str(damage)


class FakeCodec:
    """Refuses streams by their first byte (L: LimitError, B: BudgetError, C: corrupt), the
    way the codec refuses a batch holding one: the whole call fails."""

    def __init__(self):
        self.calls = 0

    def decode_batch(self, streams):
        self.calls += 1
        for data in streams:
            error = {b"L": LimitError, b"B": BudgetError, b"C": CorruptStreamError}.get(data[:1])
            if error is not None:
                raise error(f"refused {data.decode()}")
        return [np.full((2, 2, 3), int(data[1:]), np.uint8) for data in streams]


def test_decoder_isolates_every_kind_of_codec_error():
    streams = [b"G%d" % i for i in range(40)]
    for i, bad in [(3, b"L3"), (17, b"B17"), (18, b"C18"), (39, b"L39")]:
        streams[i] = bad
    codec = FakeCodec()
    decoder = FaceStreamDecoder(codec, batch_size=16)
    pairs = list(decoder.decode([face_record(i, s) for i, s in enumerate(streams)]))
    good = [i for i, s in enumerate(streams) if s[:1] == b"G"]
    assert [r.frame_index for r, _ in pairs] == good
    assert all(int(face[0, 0, 0]) == r.frame_index for r, face in pairs)
    assert decoder.refused == 4
    assert [d.detail for d in decoder.damage] == [
        "frame 3 face 0: refused L3", "frame 17 face 0: refused B17",
        "frame 18 face 0: refused C18", "frame 39 face 0: refused L39"]
    assert codec.calls < 40  # the good faces stay batched


def test_unpack_skips_the_bomb_in_seconds_and_little_memory(tmp_path, bomb_stream):
    """In a fresh process: ten PNGs, the refused record reported with the limit, the usual
    exit status; peak memory and time measured there."""
    out = tmp_path / "faces"
    script = textwrap.dedent(f"""
        import sys, time
        from cvlfic.cli import main
        start = time.perf_counter()
        status = main(["unpack", {str(bomb_stream)!r}, "-o", {str(out)!r}, "-q"])
        print("SECONDS", time.perf_counter() - start)
        # VmHWM: this process's peak since exec (ru_maxrss carries a forking parent's peak)
        print("PEAK_KB", next(int(l.split()[1]) for l in open("/proc/self/status")
                              if l.startswith("VmHWM:")))
        sys.exit(status)
    """)
    # cwd outside the checkout: `python -c` puts the cwd first on sys.path
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "frame 100 face 0" in done.stderr and "1048576" in done.stderr
    assert "10 faces as PNG" in done.stdout
    assert "1 face records that do not decode" in done.stdout
    assert len([p for p in out.iterdir() if UNPACK_FILE.fullmatch(p.name)]) == 10
    seconds = float(re.search(r"SECONDS (\S+)", done.stdout).group(1))
    peak_mb = int(re.search(r"PEAK_KB (\d+)", done.stdout).group(1)) / 1024
    print(f"unpack with the bomb: {seconds:.2f} s, peak RSS {peak_mb:.0f} MB")
    # decoding the bomb would take about 16 s and 2.4 GB
    assert seconds < 10 and peak_mb < 800


def test_unpack_strict_fails_on_a_refused_record(tmp_path, bomb_stream, capsys):
    assert main(["unpack", str(bomb_stream), "-o", str(tmp_path / "a"), "-q", "--strict"]) == 1
    assert "1 face records that do not decode" in capsys.readouterr().out
    assert len(list((tmp_path / "a").glob("frame*.png"))) == 10


def test_unpack_of_two_appended_runs_gives_every_face_a_png(tmp_path, coded_faces, capsys):
    path = tmp_path / "two_runs.lfics"
    write_stream(path, coded_faces[:4], {"run": 1})
    write_stream(path, coded_faces[4:9], {"run": 2})  # appended: frames restart at 0
    out = tmp_path / "faces"
    assert main(["unpack", str(path), "-o", str(out), "-q"]) == 0
    assert "9 faces as PNG, contact_sheet.png from 2 runs" in capsys.readouterr().out
    names = sorted(p.name for p in out.glob("*.png") if p.name != "contact_sheet.png")
    assert names == sorted([f"frame{i:06d}_face0.png" for i in range(4)] +
                           [f"run2_frame{i:06d}_face0.png" for i in range(5)])
    # each PNG is its own face: the one coded in that run
    first = cv2.imread(str(out / "frame000000_face0.png"))
    second = cv2.imread(str(out / "run2_frame000000_face0.png"))
    assert np.array_equal(first, cvlfic.decode(coded_faces[0]))
    assert np.array_equal(second, cvlfic.decode(coded_faces[4]))


def test_a_name_met_twice_gets_a_suffix():
    taken = set()
    record = face_record(12, b"")
    assert face_png_name(record, taken) == "frame000012_face0.png"
    assert face_png_name(record, taken) == "frame000012_face0_2.png"
    assert face_png_name(record, taken) == "frame000012_face0_3.png"
    record.run = 3
    assert face_png_name(record, taken) == "run3_frame000012_face0.png"
    assert all(UNPACK_FILE.fullmatch(name) for name in taken)


def test_unpack_never_overwrites_an_earlier_unpack(tmp_path, coded_faces, capsys):
    path = tmp_path / "s.lfics"
    write_stream(path, coded_faces[:3])
    out = tmp_path / "faces"
    assert main(["unpack", str(path), "-o", str(out), "-q"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    (out / "frame000001_face0.png").write_bytes(b"mine")
    before["frame000001_face0.png"] = b"mine"
    for extra in ([], ["--sheet-only"]):
        with pytest.raises(SystemExit) as refused:
            main(["unpack", str(path), "-o", str(out), "-q", *extra])
        message = str(refused.value.code)
        assert "already holds" in message and "--overwrite" in message and "\n" not in message
        assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    # a folder with other files is fine; --overwrite replaces an earlier unpack
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.png").write_bytes(b"x")
    assert main(["unpack", str(path), "-o", str(other), "-q"]) == 0
    assert (other / "notes.png").read_bytes() == b"x"
    assert main(["unpack", str(path), "-o", str(out), "-q", "--overwrite"]) == 0
    assert (out / "frame000001_face0.png").read_bytes() != b"mine"


def test_max_pixels_option_reaches_the_codec(tmp_path, coded_faces, capsys):
    path = tmp_path / "s.lfics"
    write_stream(path, coded_faces[:2])
    # 112 x 112 = 12544 pixels: a limit below it refuses both faces
    assert main(["unpack", str(path), "-o", str(tmp_path / "f"), "-q",
                 "--max-pixels", "10000"]) == 0
    captured = capsys.readouterr()
    assert "0 faces" in captured.out and "2 face records that do not decode" in captured.out
    assert captured.err.count("10000") == 2


def test_damage_of_a_refused_record_reads_well():
    assert str(Damage(-1, 29, "corrupt", "frame 3 face 0: too big")) == \
        "corrupt face record (29 bytes of bitstream): frame 3 face 0: too big"
