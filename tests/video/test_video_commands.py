"""cvlfic video and cvlfic unpack, end to end on a few frames of the sample clip.

The input is an image sequence (``f%03d.png``, which both frame readers take) of clip frames
where the singer's face is large, so every detector finds it."""
import cv2
import pytest

from cvlfic.cli import main
from cvlfic.video import FaceRecord, StreamInfo, read_face_stream
from cvlfic.video.detection import installed_detectors

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
    assert main(["unpack", str(cut), "-o", str(tmp_path / "cut"), "-q", "--strict"]) == 1


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
