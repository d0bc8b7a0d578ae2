"""Frames of the sample clip for the video tests."""
import cv2
import pytest

from cvlfic import datasets


def clip_frames(count: int, start: int = 0):
    """``count`` frames of the sample clip from ``start`` (skips when the data is absent)."""
    try:
        path = datasets.video_clip_path()
    except FileNotFoundError:
        path = None
    if path is None or not path.is_file():
        pytest.skip("sample clip (shared/data/video) not present")
    capture = cv2.VideoCapture(str(path))
    frames = []
    index = 0
    while len(frames) < count:
        ok, frame = capture.read()
        if not ok:
            break
        if index >= start:
            frames.append(frame)
        index += 1
    capture.release()
    return frames
