"""The GStreamer element cvlficfaceenc (csrc/gst, docs/gstreamer.md).

The plugin is part of the install (``pip install .`` builds it when pkg-config finds
GStreamer's development files; CI installs them, see .ci/run). These tests skip, with the
reason, only where those development files or GStreamer's tools are absent; where they are
present, a missing plugin is a failure.

* gst-inspect-1.0 shows both elements of the plugin;
* crafted frames and ROIs (csrc/gst/tests/roi_feeder.c): bad boxes are skipped, detector
  landmarks and scores are kept, caps changes (size and format) mid-stream are survived, and
  the records are byte for byte what the Python writer makes of them;
* the sample clip through a real upstream face detector (OpenCV's facedetect, Debian's
  gstreamer1.0-opencv, two cascades) and gst-launch-1.0 into a filesink: the .lfics holds at
  least 80% as many faces as ``cvlfic video`` finds on the clip, and they decode.
"""
from __future__ import annotations

import collections
import os
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from cvlfic import native
from cvlfic.video import FaceStreamDecoder, read_face_stream
from cvlfic.video.lfics import RecordPacker
from cvlfic.video.records import FaceRecord, StreamInfo

ROOT = Path(__file__).resolve().parents[2]
HAAR = "/usr/share/opencv4/haarcascades"
FEEDER = ROOT / "csrc" / "gst" / "tests" / "roi_feeder.c"


def _have_gst_dev() -> bool:
    if shutil.which("pkg-config") is None:
        return False
    return subprocess.run(["pkg-config", "--exists", "gstreamer-1.0", "gstreamer-base-1.0", "gstreamer-video-1.0"],
                          capture_output=True).returncode == 0


pytestmark = [
    pytest.mark.skipif(not _have_gst_dev(), reason="GStreamer development files absent (pkg-config finds no "
                       "gstreamer-1.0/-base/-video): the plugin is not built; Debian: apt-get install pkg-config "
                       "libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev gstreamer1.0-tools"),
    pytest.mark.skipif(shutil.which("gst-launch-1.0") is None or shutil.which("gst-inspect-1.0") is None,
                       reason="GStreamer's tools absent (Debian: apt-get install gstreamer1.0-tools)"),
]


@pytest.fixture(scope="module")
def gst_env(tmp_path_factory):
    """Environment that finds the installed plugin, with a registry of its own."""
    plugin_dir = native.get_gst_plugin_dir()
    assert (plugin_dir / "libgstcvlfic.so").is_file(), (
        f"{plugin_dir}/libgstcvlfic.so is missing although GStreamer's development files are present: "
        "reinstall cvlfic (pip install .) so that CMake builds the plugin")
    env = dict(os.environ)
    env["GST_PLUGIN_PATH"] = str(plugin_dir)
    env["GST_REGISTRY"] = str(tmp_path_factory.mktemp("gst") / "registry.bin")
    env.pop("GST_DEBUG", None)
    return env


def _inspect(name, env):
    return subprocess.run(["gst-inspect-1.0", name], capture_output=True, text=True, env=env, timeout=120)


def _faces(path):
    items = list(read_face_stream(path))
    assert not [i for i in items if not isinstance(i, (FaceRecord, StreamInfo))], "damage in the stream"
    assert isinstance(items[0], StreamInfo)
    return items[0], [i for i in items if isinstance(i, FaceRecord)]


def _python_bytes(info, faces):
    """What the Python writer (key interval 8, ticks of 1/120000 s) makes of these records."""
    packer = RecordPacker(key_interval=8, time_unit=1)
    packer.pack(info)
    return b"".join(packer.pack(f) for f in faces)


def _face_records_bytes(path):
    """The element's file after its file header and stream info record."""
    data = Path(path).read_bytes()
    pos, value, shift = 18, 0, 0  # 16-byte file header, 2-byte marker, then the varint
    while True:
        byte = data[pos]
        value |= (byte & 0x7F) << shift
        shift += 7
        pos += 1
        if not byte & 0x80:
            break
    length = value >> 3
    return data[pos + 1 + length + (2 if length < 4080 else 4):]


def test_inspect_shows_the_elements(gst_env):
    result = _inspect("cvlficfaceenc", gst_env)
    assert result.returncode == 0, result.stderr
    for text in ("cvlficfaceenc", "application/x-lfics", "video/x-raw", "model", "quality", "bpp", "max-bytes",
                 "roi-types", "min-size", "box-landmarks", "libgstcvlfic.so"):
        assert text in result.stdout, text
    result = _inspect("cvlficroilabel", gst_env)
    assert result.returncode == 0, result.stderr
    assert "label" in result.stdout


def test_no_frames_gives_an_empty_valid_stream(gst_env, tmp_path):
    out = tmp_path / "empty.lfics"
    result = subprocess.run(["gst-launch-1.0", "-q", "videotestsrc", "num-buffers=5", "!", "video/x-raw,format=BGR,"
                             "width=160,height=120", "!", "cvlficfaceenc", "!", "filesink", f"location={out}"],
                            capture_output=True, text=True, env=gst_env, timeout=120)
    assert result.returncode == 0, result.stderr
    info, faces = _faces(out)
    assert faces == [] and info.fields["width"] == 160 and info.fields["model"]


def test_bad_model_is_a_clear_error(gst_env, tmp_path):
    result = subprocess.run(["gst-launch-1.0", "videotestsrc", "num-buffers=2", "!", "video/x-raw,format=BGR", "!",
                             "cvlficfaceenc", f"model={tmp_path / 'nowhere'}", "!", "fakesink"],
                            capture_output=True, text=True, env=gst_env, timeout=120)
    assert result.returncode != 0
    assert "cvlficfaceenc: model" in result.stdout + result.stderr


@pytest.fixture(scope="module")
def feeder(tmp_path_factory):
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if cc is None:
        pytest.skip("no C compiler for the ROI feeder")
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "gstreamer-1.0", "gstreamer-app-1.0",
                            "gstreamer-video-1.0"], capture_output=True, text=True)
    assert flags.returncode == 0, flags.stderr
    exe = tmp_path_factory.mktemp("feeder") / "roi_feeder"
    subprocess.run([cc, str(FEEDER), "-o", str(exe), *flags.stdout.split(), "-lm"], check=True, timeout=300)
    return exe


def test_crafted_rois_and_caps_changes(gst_env, feeder, tmp_path):
    out = tmp_path / "feed.lfics"
    result = subprocess.run([str(feeder), str(out)], capture_output=True, text=True, env=gst_env, timeout=120)
    assert result.returncode == 0, result.stderr
    # per frame of the first 10: 12 ROIs, 3 bad boxes and a degenerate face skipped, 1 other type,
    # 1 merged duplicate: 6 faces; then 5 GRAY8 frames and 5 BGR frames of another size, 1 each
    assert result.stdout.split() == ["faces", "70", "skipped", "40"]
    info, faces = _faces(out)
    assert (info.fields["width"], info.fields["height"], info.fields["fps"]) == (320, 240, 30)
    per_frame = collections.Counter(f.frame_index for f in faces)
    assert per_frame == {**{i: 6 for i in range(10)}, **{i: 1 for i in range(10, 20)}}
    first = {f.box: f for f in faces if f.frame_index == 0}
    assert set(first) == {(20, 20, 80, 80), (290, 180, 350, 240), (120, 20, 180, 80), (200, 20, 260, 80),
                          (120, 120, 180, 180), (10, 150, 60, 200)}
    # the detector's dlib-order points are kept (whole pixels), its confidence is the score
    assert first[(120, 20, 180, 80)].landmarks.reshape(-1).tolist() == [165, 44, 157, 44, 135, 45, 143, 45, 150, 60]
    assert first[(120, 120, 180, 180)].score == pytest.approx(0.8, abs=1 / 256)
    # eyes-nose-mouth keypoints become dlib's points: outer eye corners outside the eye centres
    enm = first[(200, 20, 260, 80)].landmarks
    assert enm[0, 0] > 240 > 215 > enm[2, 0] and 50 < enm[4, 1] < 68
    # faces are followed: the same box keeps its track; a new frame size starts new tracks
    tracks = {f.box: {g.track for g in faces if g.box == f.box and g.frame_index < 10} for f in first.values()}
    assert all(len(t) == 1 for t in tracks.values()) and len({min(t) for t in tracks.values()}) == 6
    assert {f.track for f in faces if f.frame_index >= 10}.isdisjoint(set().union(*tracks.values()))
    assert [round(f.timestamp * 30) for f in faces if f.face_index == 0] == list(range(20))
    # the C writer's records are the Python writer's, byte for byte
    assert _face_records_bytes(out) == _python_bytes(info, faces)
    decoder = FaceStreamDecoder()
    decoded = list(decoder.decode(out))
    assert len(decoded) == 70 and not decoder.damage
    assert all(face.shape == (112, 112, 3) for _, face in decoded)


def _reference_faces(clip, tmp_path):
    """The faces `cvlfic video` finds on the clip (its BlazeFace detector when installed)."""
    from cvlfic.face import installed_detectors
    if "blazeface" not in installed_detectors():
        return None
    ref = tmp_path / "reference.lfics"
    # cwd outside the checkout: `python -m` puts the working directory first on sys.path
    subprocess.run([sys.executable, "-m", "cvlfic", "video", clip, "-o", str(ref), "--detector", "blazeface"],
                   check=True, capture_output=True, timeout=600, cwd=tmp_path)
    return _faces(ref)[1]


def _overlap(a, b):
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return max(0, w) * max(0, h) / smaller if smaller > 0 else 0.0


def test_pipeline_with_facedetect_on_the_clip(gst_env, tmp_path, sample_clip):
    clip = sample_clip
    if _inspect("facedetect", gst_env).returncode != 0:
        pytest.skip("GStreamer's OpenCV plugins (facedetect) absent: Debian: apt-get install gstreamer1.0-opencv")
    if not Path(HAAR, "haarcascade_profileface.xml").is_file():
        pytest.skip(f"OpenCV's Haar cascades absent from {HAAR} (Debian: opencv-data)")
    out = tmp_path / "clip.lfics"
    # the pipeline of docs/gstreamer.md
    detect = ["display=false", "updates=none", "scale-factor=1.1"]
    pipeline = [
        "filesrc", f"location={clip}", "!", "decodebin", "!", "videoconvert", "!",
        "facedetect", *detect, "min-size-width=20", "min-size-height=20",
        f"profile={HAAR}/haarcascade_frontalface_alt2.xml", "!", "cvlficroilabel", "label=face-frontal", "!", "queue",
        "!", "facedetect", *detect, "min-size-width=24", "min-size-height=24", "min-neighbors=2",
        f"profile={HAAR}/haarcascade_profileface.xml", "!", "cvlficroilabel", "label=face-profile", "!", "queue", "!",
        "videoconvert", "!", "cvlficfaceenc", "roi-types=face-frontal,face-profile",
        "box-landmarks=face-frontal=haar-frontal;face-profile=haar-profile", "!", "filesink", f"location={out}"]
    result = subprocess.run(["gst-launch-1.0", "-q", *pipeline], capture_output=True, text=True, env=gst_env,
                            timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    info, faces = _faces(out)
    assert info.fields["fps"] == pytest.approx(30000 / 1001)
    assert _face_records_bytes(out) == _python_bytes(info, faces)
    reference = _reference_faces(clip, tmp_path)
    # `cvlfic video` finds 418 faces on the clip (docs/face-stream.md); without its detector
    # installed, that figure stands in
    wanted = len(reference) if reference is not None else 418
    assert len(faces) >= 0.8 * wanted, (len(faces), wanted)
    if reference is not None:
        # and most of them are the same faces: boxes overlapping by half in the same frame
        mine = collections.defaultdict(list)
        for f in faces:
            mine[f.frame_index].append(f.box)
        found = sum(any(_overlap(r.box, b) >= 0.5 for b in mine[r.frame_index]) for r in reference)
        assert found >= 0.8 * len(reference), (found, len(reference))
    # every face decodes through cvlfic unpack (--strict: nothing damaged or refused)
    faces_dir = tmp_path / "faces"
    unpacked = subprocess.run([sys.executable, "-m", "cvlfic", "unpack", str(out), "-o", str(faces_dir), "--strict"],
                              capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert unpacked.returncode == 0, unpacked.stderr
    pngs = sorted(faces_dir.glob("frame*_face*.png"))
    assert len(pngs) == len(faces)
    decoded = [cv2.imread(str(p)) for p in pngs[::20]]
    assert all(face.shape == (112, 112, 3) for face in decoded)
    assert np.mean([face.std() for face in decoded]) > 10  # faces, not blank crops
