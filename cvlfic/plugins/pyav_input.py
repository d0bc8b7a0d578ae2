"""FFmpeg input through PyAV: any source FFmpeg reads (files, RTSP/HTTP/UDP streams, V4L2
cameras), as BGR uint8 frames with their presentation time in seconds.

``cvlfic video`` uses it when PyAV is installed (``pip install av``), OpenCV's capture
otherwise (``cvlfic.video.sources``).
"""
from __future__ import annotations

import sys
from typing import Dict, Iterator, Optional, Tuple

import av
import numpy as np


class PyAVFrames:
    """Iterate ``(bgr_frame, seconds)`` over the first video stream of ``source``.

    ``source``: a path or URL, or a camera index (``"0"`` opens ``/dev/video0`` through
    V4L2 on Linux, AVFoundation on macOS, DirectShow on Windows). ``options`` go to FFmpeg
    (e.g. ``{"rtsp_transport": "tcp"}``); ``threads`` decoder threads.
    """

    def __init__(self, source: str, options: Optional[Dict[str, str]] = None, threads: int = 1):
        source = str(source)
        fmt = None
        if source.isdigit():
            fmt, source = _camera(int(source))
        try:
            self.container = av.open(source, format=fmt, options=options or {})
        except av.FFmpegError as exc:
            raise OSError(f"cannot open {source!r} with FFmpeg: {exc}") from None
        if not self.container.streams.video:
            self.container.close()
            raise OSError(f"{source!r} has no video stream")
        self.stream = self.container.streams.video[0]
        self.stream.thread_type = "AUTO"
        self.stream.thread_count = threads
        rate = self.stream.average_rate or self.stream.guessed_rate
        self.fps: Optional[float] = float(rate) if rate else None
        self.frame_count: Optional[int] = self.stream.frames or None
        self.size: Tuple[int, int] = (self.stream.codec_context.width,
                                      self.stream.codec_context.height)
        self.backend = f"PyAV {av.__version__} (FFmpeg)"

    def __iter__(self) -> Iterator[Tuple[np.ndarray, float]]:
        # Times count from the stream's start (MP4 edit lists often start it above 0).
        start = self.stream.start_time or 0
        index = 0
        for frame in self.container.decode(self.stream):
            if frame.pts is None:  # no timestamps (some raw streams): count frames instead
                seconds = index / self.fps if self.fps else float(index)
            else:
                seconds = float((frame.pts - start) * self.stream.time_base)
            index += 1
            yield frame.to_ndarray(format="bgr24"), seconds

    def close(self) -> None:
        self.container.close()

    def __enter__(self) -> "PyAVFrames":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _camera(index: int) -> Tuple[str, str]:
    if sys.platform.startswith("linux"):
        return "v4l2", f"/dev/video{index}"
    if sys.platform == "darwin":
        return "avfoundation", str(index)
    return "dshow", f"video={index}"
