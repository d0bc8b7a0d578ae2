"""``FaceStreamEncoder``: frames in, one coded face record per face out."""
from __future__ import annotations

import time
from typing import Iterable, Iterator, List, Optional, Tuple, Union

import numpy as np

from cvlfic.face import STANDARD_SIZE
from cvlfic.face.detect import _check_image
from cvlfic.video.detection import FrameDetector
from cvlfic.video.landmarks import standard_crop
from cvlfic.video.records import FaceRecord

STAGES = ("detect", "align", "encode")


class FaceStreamEncoder:
    """Detects, aligns (standard 112 crop) and encodes every face of each frame.

    ``codec``: a ``cvlfic.lfic.Codec`` (default: the shipped model, 1 thread). Rate: at most
    one of ``quality`` / ``bpp`` / ``max_bytes`` (the codec's default otherwise). Detection:
    ``detector`` and ``detect_every`` as in :class:`cvlfic.video.detection.FrameDetector`;
    faces narrower than ``min_face`` pixels are skipped. ``stage_seconds`` accumulates the
    time spent per stage; ``frames``, ``faces`` and ``bytes`` count the output.
    """

    def __init__(self, codec=None, *, quality: Optional[float] = None,
                 bpp: Optional[float] = None, max_bytes: Optional[int] = None,
                 mode: str = "fast", detector: str = "auto", detect_every: int = 1,
                 upsample: int = 0, min_face: int = 0, size: int = STANDARD_SIZE):
        if codec is None:
            from cvlfic.lfic import Codec
            codec = Codec(threads=1)
        self.codec = codec
        self.rate = dict(quality=quality, bpp=bpp, max_bytes=max_bytes, mode=mode)
        codec.budget_bytes((size, size), bpp, max_bytes, quality)  # rejects bad rates now
        self.detector = FrameDetector(detector, upsample=upsample, detect_every=detect_every)
        self.min_face = min_face
        self.size = size
        self.frames = self.faces = self.bytes = 0
        self.stage_seconds = dict.fromkeys(STAGES, 0.0)
        self._start: Optional[float] = None

    def encode_frame(self, frame: np.ndarray, timestamp: Optional[float] = None,
                     frame_index: Optional[int] = None) -> List[FaceRecord]:
        """Records for the faces of one BGR uint8 frame. ``timestamp`` defaults to seconds
        since the first frame (wall clock), ``frame_index`` to the count of frames so far."""
        frame = _check_image(frame)
        now = time.perf_counter()
        if self._start is None:
            self._start = now
        if timestamp is None:
            timestamp = now - self._start
        if frame_index is None:
            frame_index = self.frames
        faces = [f for f in self.detector(frame) if f.box[2] - f.box[0] >= self.min_face]
        t_detect = time.perf_counter()
        crops = [standard_crop(frame, f, self.size) for f in faces]
        t_align = time.perf_counter()
        records = [FaceRecord(frame_index, float(timestamp), tuple(int(v) for v in f.box),
                              np.asarray(f.landmarks, np.float32),
                              self.codec.encode(crop, **self.rate), i, float(f.score))
                   for i, (f, crop) in enumerate(zip(faces, crops))]
        t_encode = time.perf_counter()
        for stage, seconds in zip(STAGES, (t_detect - now, t_align - t_detect,
                                           t_encode - t_align)):
            self.stage_seconds[stage] += seconds
        self.frames += 1
        self.faces += len(records)
        self.bytes += sum(len(r.data) for r in records)
        return records

    def encode_frames(self, frames: Iterable[Union[np.ndarray, Tuple[np.ndarray, float]]]
                      ) -> Iterator[FaceRecord]:
        """Records of a sequence of frames, or of ``(frame, timestamp)`` pairs."""
        for item in frames:
            frame, timestamp = item if isinstance(item, tuple) else (item, None)
            yield from self.encode_frame(frame, timestamp)
