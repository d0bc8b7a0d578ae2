"""cvlfic video and cvlfic unpack, end to end on a few frames of the sample clip.

The input is an image sequence (``f%03d.png``, which both frame readers take) of clip frames
where the singer's face is large, so every detector finds it."""
import subprocess
import sys

import cv2
import pytest

from cvlfic.cli import main
from cvlfic.video import FaceRecord, StreamInfo, read_face_stream
from cvlfic.face import installed_detectors

from video_clip import clip_frames

if not installed_detectors():
    pytest.skip("no face detector installed", allow_module_level=True)


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    folder = tmp_path_factory.mktemp("frames")
    for i, frame in enumerate(clip_frames(6, start=100)):
        cv2.imwrite(str(folder / f"f{i:03d}.png"), frame)
    return str(folder / "f%03d.png")


def test_help_lists_the_options(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["video", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "--max-frames" in out and "--detect-every" in out and "camera index" in out


def test_video_then_unpack(clip, tmp_path, capsys):
    out = tmp_path / "clip.lfics"
    assert main(["video", clip, "-o", str(out), "--max-frames", "6", "-q"]) == 0
    summary = capsys.readouterr().out
    assert "6 frames" in summary and "fps end to end" in summary and "faces" in summary
    items = list(read_face_stream(out))
    assert isinstance(items[0], StreamInfo) and items[0].fields["width"] == 640
    faces = [i for i in items if isinstance(i, FaceRecord)]
    assert len(faces) >= 6 and all(f.frame_index < 6 for f in faces)

    folder = tmp_path / "faces"
    assert main(["unpack", str(out), "-o", str(folder), "-q"]) == 0
    pngs = sorted(p for p in folder.glob("frame*.png"))
    assert len(pngs) == len(faces)
    assert cv2.imread(str(pngs[0])).shape == (112, 112, 3)
    sheet = cv2.imread(str(folder / "contact_sheet.png"))
    assert sheet is not None and sheet.shape[0] >= 112

    # a cut file: the intact faces still come out; --strict turns the damage into exit 1
    cut = tmp_path / "cut.lfics"
    cut.write_bytes(out.read_bytes()[:-5])
    capsys.readouterr()
    assert main(["unpack", str(cut), "-o", str(tmp_path / "cut"), "-q", "--sheet-only"]) == 0
    assert "truncated" in capsys.readouterr().err
    assert main(["unpack", str(cut), "-o", str(tmp_path / "cut"), "-q", "--strict",
                 "--overwrite"]) == 1


def test_frame_thinning_and_opencv_reader(clip, tmp_path, capsys):
    out = tmp_path / "thin.lfics"
    assert main(["video", clip, "-o", str(out), "--every", "2", "--max-frames", "3",
                 "--backend", "opencv", "-q"]) == 0
    assert "3 frames (5 read)" in capsys.readouterr().out
    items = list(read_face_stream(out))
    assert "OpenCV" in items[0].fields["reader"] and items[0].fields["frame_step"] == 2
    assert {i.frame_index for i in items if isinstance(i, FaceRecord)} <= {0, 2, 4}


def test_missing_input_is_a_clear_error(tmp_path):
    with pytest.raises(SystemExit, match="cannot open"):
        main(["video", str(tmp_path / "none.mp4"), "-o", str(tmp_path / "x.lfics"), "-q",
              "--backend", "opencv"])


def test_refuses_to_append_to_a_foreign_file(clip, tmp_path):
    other = tmp_path / "notes.txt"
    other.write_text("not a face stream")
    with pytest.raises(SystemExit, match="not a face stream"):
        main(["video", clip, "-o", str(other), "-q", "--max-frames", "1"])
    assert other.read_text() == "not a face stream"


def test_two_appended_runs_unpack_to_one_png_per_face(clip, tmp_path, capsys):
    out = tmp_path / "twice.lfics"
    for _ in range(2):  # the second run appends, its frame indices restart at 0
        assert main(["video", clip, "-o", str(out), "--max-frames", "3", "-q"]) == 0
    items = list(read_face_stream(out))
    faces = [i for i in items if isinstance(i, FaceRecord)]
    assert len([i for i in items if isinstance(i, StreamInfo)]) == 2
    assert {f.run for f in faces} == {1, 2} and len(faces) >= 6
    folder = tmp_path / "faces"
    capsys.readouterr()
    assert main(["unpack", str(out), "-o", str(folder), "-q"]) == 0
    assert f"{len(faces)} faces as PNG" in capsys.readouterr().out
    pngs = [p.name for p in folder.glob("*.png") if p.name != "contact_sheet.png"]
    assert len(pngs) == len(faces)
    assert len([n for n in pngs if n.startswith("run2_")]) == len([f for f in faces if f.run == 2])


def video_error(args):
    """``cvlfic video ARGS`` that must fail: the one-line message."""
    with pytest.raises(SystemExit) as failed:
        main(["video", *args, "-q"])
    message = str(failed.value.code)
    assert failed.value.code != 0 and message and "\n" not in message
    return message


@pytest.fixture
def not_videos(tmp_path):
    """A text file, and a cut PNG (readers open it, but no frame comes out), named .mp4."""
    text = tmp_path / "notes.mp4"
    text.write_text("these are notes, not a video\n" * 20)
    ok, png = cv2.imencode(".png", clip_frames(1, start=100)[0])
    half_png = tmp_path / "half.mp4"
    half_png.write_bytes(png.tobytes()[:len(png) // 2])
    return [text, half_png]


@pytest.mark.parametrize("backend", ["opencv", "auto"])
def test_an_input_that_is_not_a_video_leaves_no_output(tmp_path, not_videos, backend):
    for bad in [*not_videos, tmp_path / "missing.mp4"]:
        out = tmp_path / f"{bad.stem}.lfics"
        message = video_error([str(bad), "-o", str(out), "--backend", backend])
        assert bad.name in message, message
        assert not out.exists(), (bad, message)


def test_a_bad_input_leaves_an_existing_stream_as_it_was(clip, tmp_path, not_videos):
    out = tmp_path / "kept.lfics"
    assert main(["video", clip, "-o", str(out), "--max-frames", "1", "-q"]) == 0
    before = out.read_bytes()
    for bad in not_videos:
        for backend in ("opencv", "auto"):
            video_error([str(bad), "-o", str(out), "--backend", backend])
            assert out.read_bytes() == before


def test_an_output_that_cannot_be_written(clip, tmp_path):
    folder = tmp_path / "a_folder"
    folder.mkdir()
    message = video_error([clip, "-o", str(folder), "--max-frames", "1"])
    assert "cannot write" in message and folder.is_dir() and not list(folder.iterdir())
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    message = video_error([clip, "-o", str(a_file / "out.lfics"), "--max-frames", "1"])
    assert "cannot write" in message and a_file.read_text() == "x"


def test_not_a_video_is_one_line_on_stderr(tmp_path, not_videos):
    out = tmp_path / "out.lfics"
    for bad in not_videos:
        for backend in ("opencv", "auto"):
            done = subprocess.run([sys.executable, "-m", "cvlfic", "video", str(bad), "-o",
                                   str(out), "-q", "--backend", backend],
                                  capture_output=True, text=True, timeout=300, cwd=tmp_path)
            assert done.returncode != 0
            assert len(done.stderr.strip().splitlines()) == 1, done.stderr
            assert "Traceback" not in done.stderr and not out.exists()
