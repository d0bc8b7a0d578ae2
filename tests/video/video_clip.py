"""Frames of the sample clip for the video tests."""
import cv2
import pytest

from sample_data import sample_clip_path


def sample_clip() -> str:
    """Path of the sample clip (skips the test when the data is absent)."""
    try:
        return str(sample_clip_path())
    except FileNotFoundError as exc:
        pytest.skip(f"sample clip not present ({exc})")


def clip_frames(count: int, start: int = 0):
    """``count`` frames of the sample clip from ``start`` (skips when the data is absent)."""
    capture = cv2.VideoCapture(sample_clip())
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
