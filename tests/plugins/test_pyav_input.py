"""The PyAV (FFmpeg) frame reader against OpenCV's on the sample clip."""
import numpy as np
import pytest

pytest.importorskip("av")
from cvlfic.plugins.pyav_input import PyAVFrames  # noqa: E402
from cvlfic.video.sources import OpenCVFrames, open_source  # noqa: E402


@pytest.fixture(scope="module")
def clip(sample_clip):
    return sample_clip  # tests/conftest.py


def test_pyav_reads_what_opencv_reads(clip):
    with PyAVFrames(clip) as pyav, OpenCVFrames(clip) as opencv:
        assert pyav.size == opencv.size == (640, 360)
        assert pyav.fps == pytest.approx(29.97, abs=0.01)
        assert pyav.frame_count == 275
        pairs = [(a, b) for a, b, _ in zip(pyav, opencv, range(5))]
    times = [a[1] for a, _ in pairs]
    assert times[0] == pytest.approx(0.0, abs=0.05) and np.all(np.diff(times) > 0)
    for (frame_a, _), (frame_b, _) in pairs:
        assert frame_a.shape == frame_b.shape == (360, 640, 3) and frame_a.dtype == np.uint8
        # same pictures; the YUV->BGR conversions differ by rounding
        assert np.abs(frame_a.astype(int) - frame_b.astype(int)).mean() < 3


def test_open_source_picks_pyav_and_reports_bad_input(clip, tmp_path):
    with open_source(clip) as source:
        assert "PyAV" in source.backend
    with pytest.raises(OSError):
        PyAVFrames(str(tmp_path / "missing.mp4"))
    with pytest.raises(ValueError):
        open_source(clip, backend="gstreamer")
