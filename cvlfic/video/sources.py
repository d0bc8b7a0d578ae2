"""Frame sources for ``cvlfic video``: FFmpeg through PyAV when it is installed (the plugin
``cvlfic.plugins.pyav_input``), OpenCV's ``VideoCapture`` otherwise.

A source iterates ``(bgr_frame, seconds)`` and has ``fps``, ``frame_count`` (None when
unknown, e.g. cameras and streams), ``size`` and ``backend``.
"""
from __future__ import annotations

from typing import Iterator, Optional, Tuple

import cv2
import numpy as np

BACKENDS = ("auto", "pyav", "opencv")


class OpenCVFrames:
    """``cv2.VideoCapture`` over a path, URL or camera index (a string of digits)."""

    def __init__(self, source: str):
        source = str(source)
        self.capture = cv2.VideoCapture(int(source) if source.isdigit() else source)
        if not self.capture.isOpened():
            raise OSError(f"OpenCV cannot open {source!r}")
        fps = self.capture.get(cv2.CAP_PROP_FPS)
        self.fps: Optional[float] = fps if fps > 0 else None
        count = int(self.capture.get(cv2.CAP_PROP_FRAME_COUNT))
        self.frame_count: Optional[int] = count if count > 0 else None
        self.size: Tuple[int, int] = (int(self.capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
                                      int(self.capture.get(cv2.CAP_PROP_FRAME_HEIGHT)))
        self.backend = f"OpenCV {cv2.__version__} VideoCapture"

    def __iter__(self) -> Iterator[Tuple[np.ndarray, float]]:
        index = 0
        while True:
            ok, frame = self.capture.read()
            if not ok:
                return
            msec = self.capture.get(cv2.CAP_PROP_POS_MSEC)
            # cameras report 0 or wall-clock-like values: fall back to the frame count
            seconds = msec / 1000.0 if msec > 0 or index == 0 else index / (self.fps or 30.0)
            index += 1
            yield frame, seconds

    def close(self) -> None:
        self.capture.release()

    def __enter__(self) -> "OpenCVFrames":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def pyav_available() -> bool:
    try:
        from cvlfic.plugins import pyav_input  # noqa: F401
    except ImportError:
        return False
    return True


def open_source(source: str, backend: str = "auto", threads: int = 1):
    """A frame source for a file, URL or camera index."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}")
    if backend == "pyav" or (backend == "auto" and pyav_available()):
        from cvlfic.plugins.pyav_input import PyAVFrames
        return PyAVFrames(source, threads=threads)
    return OpenCVFrames(source)
