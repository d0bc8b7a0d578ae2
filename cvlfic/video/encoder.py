"""``FaceStreamEncoder``: frames in, one coded face record per face out."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Iterable, Iterator, List, Optional, Tuple, Union

import numpy as np

from cvlfic.face import STANDARD_SIZE, Face, FrameDetector, standard_crop
from cvlfic.face.detect import check_image
from cvlfic.lfic.modes import DEFAULT_MODE
from cvlfic.video.quality import Quality, face_quality
from cvlfic.video.records import FaceRecord

STAGES = ("detect", "align", "encode")


@dataclass
class FaceCandidate:
    """A face found in a frame, before it is coded: its record (``data`` empty), its
    aligned crop and its best-shot score."""
    record: FaceRecord
    crop: np.ndarray
    quality: Quality


class FaceStreamEncoder:
    """Detects, aligns (standard 112 crop) and encodes every face of each frame.

    ``codec``: a ``cvlfic.lfic.Codec`` (default: the shipped model, 1 thread). Rate: at most
    one of ``quality`` / ``bpp`` / ``max_bytes`` (the codec's default otherwise). Detection:
    ``detector`` and ``detect_every`` as in :class:`cvlfic.face.FrameDetector`;
    faces narrower than ``min_face`` pixels are skipped. Records carry the detector's track
    number (``FaceRecord.track``) and landmarks rounded to whole pixels (what a version-2
    stream stores), and the crop is cut at those landmarks, so the stored landmarks give
    back the coded crop. ``stage_seconds`` accumulates the time spent per stage; ``frames``
    counts the frames, ``seen`` the faces found, ``faces`` and ``bytes`` the faces coded.

    ``encode_frame`` codes every face. ``analyse_frame`` stops before coding and gives
    :class:`FaceCandidate` items, for a storage policy to choose from
    (``cvlfic.video.policy``); ``encode_candidates`` codes the chosen ones.
    """

    def __init__(self, codec=None, *, quality: Optional[float] = None,
                 bpp: Optional[float] = None, max_bytes: Optional[int] = None,
                 mode: str = DEFAULT_MODE.value, detector: str = "auto", detect_every: int = 1,
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
        self.frames = self.seen = self.faces = self.bytes = 0
        self.stage_seconds = dict.fromkeys(STAGES, 0.0)
        self._start: Optional[float] = None

    @property
    def ended_tracks(self) -> List[int]:
        """Tracks that the last frame ended (see ``FrameDetector.ended``)."""
        return self.detector.ended

    def end_all(self) -> List[int]:
        """End every open track (end of the video); returns their numbers."""
        return self.detector.end_all()

    def analyse_frame(self, frame: np.ndarray, timestamp: Optional[float] = None,
                      frame_index: Optional[int] = None) -> List[FaceCandidate]:
        """The faces of one BGR uint8 frame, aligned and scored, not coded. ``timestamp``
        defaults to seconds since the first frame (wall clock), ``frame_index`` to the count
        of frames so far."""
        frame = check_image(frame)
        now = time.perf_counter()
        if self._start is None:
            self._start = now
        if timestamp is None:
            timestamp = now - self._start
        if frame_index is None:
            frame_index = self.frames
        found = self.detector(frame)
        kept = [(f, t) for f, t in zip(found, self.detector.tracks)
                if f.box[2] - f.box[0] >= self.min_face]
        t_detect = time.perf_counter()
        out = []
        for i, (f, track) in enumerate(kept):
            points = np.floor(np.asarray(f.landmarks, np.float64) + 0.5).astype(np.float32)
            face = Face(tuple(int(v) for v in f.box), points, f.score)
            crop = standard_crop(frame, face, self.size)
            record = FaceRecord(frame_index, float(timestamp), face.box, points, b"", i,
                                float(f.score), track=int(track))
            out.append(FaceCandidate(record, crop, face_quality(crop, points, f.score)))
        t_align = time.perf_counter()
        self.stage_seconds["detect"] += t_detect - now
        self.stage_seconds["align"] += t_align - t_detect
        self.frames += 1
        self.seen += len(out)
        return out

    def encode_candidates(self, candidates: Iterable[FaceCandidate]) -> List[FaceRecord]:
        """Code the crops of ``candidates``: their records with ``data`` filled in."""
        start = time.perf_counter()
        records = []
        for candidate in candidates:
            candidate.record.data = self.codec.encode(candidate.crop, **self.rate)
            records.append(candidate.record)
        self.stage_seconds["encode"] += time.perf_counter() - start
        self.faces += len(records)
        self.bytes += sum(len(r.data) for r in records)
        return records

    def encode_frame(self, frame: np.ndarray, timestamp: Optional[float] = None,
                     frame_index: Optional[int] = None) -> List[FaceRecord]:
        """Records for the faces of one BGR uint8 frame (see ``analyse_frame``)."""
        return self.encode_candidates(self.analyse_frame(frame, timestamp, frame_index))

    def encode_frames(self, frames: Iterable[Union[np.ndarray, Tuple[np.ndarray, float]]]
                      ) -> Iterator[FaceRecord]:
        """Records of a sequence of frames, or of ``(frame, timestamp)`` pairs."""
        for item in frames:
            frame, timestamp = item if isinstance(item, tuple) else (item, None)
            yield from self.encode_frame(frame, timestamp)
