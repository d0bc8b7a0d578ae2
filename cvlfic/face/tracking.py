"""Faces in consecutive video frames: detection, 5-point landmarks and frame-to-frame tracking.

The detectors and ``auto`` are those of ``cvlfic.face.detect`` (``resolve_detector``).

Tracking (``detect_every`` > 1): between detections each face's landmarks are followed by
pyramidal Lucas-Kanade optical flow, with a forward-backward check; a face whose points get
lost is dropped, and a scene cut (a large change of the whole frame) forces a detection.

Track identities: every face returned has a track number (``FrameDetector.tracks``, 1, 2,
... per detector). A detection takes the number of the face it overlaps most (box IoU at
least ``MATCH_IOU``) among the faces of the previous frame and those lost in the last
``track_gap`` frames; a face lost for longer, or any face at a scene cut, ends its track
(``FrameDetector.ended`` lists the tracks ended by the last frame).
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np

from cvlfic.face import blazeface
from cvlfic.face.detect import Face, detect_faces, have_dlib_landmarks, resolve_detector
from cvlfic.face.landmarks import blazeface_faces

# Tracking gives up on a point that comes back more than this far (pixels) on the backward pass.
MAX_FORWARD_BACKWARD_PX = 1.5
# Mean absolute change of the 64x36 grey thumbnail above which a frame counts as a new shot.
SCENE_CUT_LEVEL = 25.0
# A detection continues a track when its box overlaps the track's last box at least this much.
MATCH_IOU = 0.3


class FrameDetector:
    """``detector(frame) -> [Face]`` for consecutive BGR uint8 frames of one video."""

    def __init__(self, detector: str = "auto", upsample: int = 0, detect_every: int = 1,
                 min_score: float = 0.5, track_gap: Optional[int] = None):
        if detect_every < 1:
            raise ValueError("detect_every must be >= 1")
        # frames a lost face may stay unseen and still continue its track: the detection
        # after the one that missed it
        self.track_gap = 2 * detect_every if track_gap is None else track_gap
        self.name = resolve_detector(detector)
        self.upsample = upsample
        self.detect_every = detect_every
        self.use_dlib = have_dlib_landmarks()
        self._blazeface = (blazeface.BlazeFace("full", min_score)
                           if self.name == "blazeface" else None)
        self._since_detection = 0
        self._faces: List[Face] = []
        self._gray: Optional[np.ndarray] = None
        self._thumb: Optional[np.ndarray] = None
        self.tracks: List[int] = []  # track number of each face of the last frame
        self.ended: List[int] = []  # tracks ended by the last frame
        self._next_track = 1
        self._lost: Dict[int, Tuple[Tuple[int, int, int, int], int]] = {}  # box, frames unseen

    def __call__(self, frame: np.ndarray) -> List[Face]:
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        thumb = cv2.resize(gray, (64, 36), interpolation=cv2.INTER_AREA).astype(np.int16)
        cut = self._thumb is not None and np.abs(thumb - self._thumb).mean() > SCENE_CUT_LEVEL
        previous = list(zip(self.tracks, self._faces))
        ended: List[int] = []
        if cut:  # a new shot: nothing continues
            ended = sorted([t for t, _ in previous] + list(self._lost))
            previous, self._lost = [], {}
        if self._gray is None or cut or self._since_detection + 1 >= self.detect_every:
            self._faces = self.detect(frame)
            self._since_detection = 0
            self.tracks = self._match(previous)
        else:
            self._faces, self.tracks = self._track(gray)
            self._since_detection += 1
        # faces of the previous frame not continued are lost for now
        for track, face in previous:
            if track not in self.tracks:
                self._lost[track] = (tuple(face.box), 0)
        for track in sorted(self._lost):
            box, unseen = self._lost[track]
            if unseen + 1 > self.track_gap:
                del self._lost[track]
                ended.append(track)
            else:
                self._lost[track] = (box, unseen + 1)
        self.ended = ended
        self._gray, self._thumb = gray, thumb
        return self._faces

    def end_all(self) -> List[int]:
        """End every open track (the end of the video); returns their numbers."""
        ended = sorted(set(self.tracks) | set(self._lost))
        self.tracks, self._faces, self._lost = [], [], {}
        return ended

    def _match(self, previous) -> List[int]:
        """Track numbers of the faces just detected: the best-overlapping face of the
        previous frame or recently lost one, else a new number."""
        candidates = [(t, f.box) for t, f in previous] + \
            [(t, box) for t, (box, _) in self._lost.items()]
        pairs = sorted(((_iou(face.box, box), i, track)
                        for i, face in enumerate(self._faces) for track, box in candidates),
                       key=lambda p: (-p[0], p[1], p[2]))
        tracks: List[Optional[int]] = [None] * len(self._faces)
        used = set()
        for overlap, i, track in pairs:
            if overlap < MATCH_IOU:
                break
            if tracks[i] is None and track not in used:
                tracks[i] = track
                used.add(track)
        for i in range(len(tracks)):
            if tracks[i] is None:
                tracks[i] = self._next_track
                self._next_track += 1
        for track in used:
            self._lost.pop(track, None)
        return tracks

    def detect(self, frame: np.ndarray) -> List[Face]:
        """Detection on one frame, no tracking state used."""
        if self.name != "blazeface":
            return detect_faces(frame, detector=self.name, upsample=self.upsample)
        return blazeface_faces(frame, self._blazeface.detect(frame), self.use_dlib)

    def _track(self, gray: np.ndarray) -> Tuple[List[Face], List[int]]:
        if not self._faces:
            return [], []
        points = np.concatenate([f.landmarks for f in self._faces]).astype(np.float32)
        size = max(15, int(np.median([f.box[2] - f.box[0] for f in self._faces]) // 4) | 1)
        params = dict(winSize=(size, size), maxLevel=3,
                      criteria=(cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 20, 0.03))
        moved, ok, _ = cv2.calcOpticalFlowPyrLK(self._gray, gray, points, None, **params)
        back, ok_back, _ = cv2.calcOpticalFlowPyrLK(gray, self._gray, moved, None, **params)
        good = (ok.ravel() == 1) & (ok_back.ravel() == 1) & \
            (np.linalg.norm(back - points, axis=1) < MAX_FORWARD_BACKWARD_PX)
        tracked, tracks = [], []
        for i, (face, track) in enumerate(zip(self._faces, self.tracks)):
            rows = slice(5 * i, 5 * i + 5)
            if good[rows].sum() < 4:  # lost: wait for the next detection
                continue
            shift = np.median((moved[rows] - points[rows])[good[rows]], axis=0)
            new_points = np.where(good[rows, None], moved[rows], points[rows] + shift)
            dx, dy = (int(round(v)) for v in shift)
            left, top, right, bottom = face.box
            tracked.append(Face((left + dx, top + dy, right + dx, bottom + dy),
                                new_points.astype(np.float32), face.score))
            tracks.append(track)
        return tracked, tracks


def _iou(a, b) -> float:
    left, top = max(a[0], b[0]), max(a[1], b[1])
    right, bottom = min(a[2], b[2]), min(a[3], b[3])
    inter = max(0, right - left) * max(0, bottom - top)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0
