"""The records of a face stream: one coded face, and the stream's own description.

Layouts (little-endian) are in ``docs/face-stream.md``.
"""
from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from typing import Any, Dict, Tuple

import numpy as np

from cvlfic.errors import CorruptStreamError

# frame index, timestamp (s), face index in the frame, score, box (l, t, r, b), 5 landmarks
_FACE = struct.Struct("<QdHf4i10f")


@dataclass
class FaceRecord:
    """One face of one frame: where it was and its LFIC bitstream (``data``).

    ``track``: the face track the record belongs to (faces followed from frame to frame get
    the same number, 1, 2, ... within a run; 0 = none). Stored from format version 2 on (a
    version-1 file reads as 0).

    ``run``: which writer run of the file the record was read from (1 = the first; each
    appended run restarts frame indices at 0, so ``(run, frame_index, face_index)`` names a
    face within a file). Set by the reader, not stored; 0 for a record not read from a file.

    ``to_payload`` / ``from_payload`` are the version-1 face payload; version 2 is
    ``cvlfic.video.compact``."""
    frame_index: int
    timestamp: float
    box: Tuple[int, int, int, int]
    landmarks: np.ndarray = field(repr=False)
    data: bytes = field(repr=False)
    face_index: int = 0
    score: float = 0.0
    track: int = 0
    run: int = field(default=0, compare=False)

    def to_payload(self) -> bytes:
        points = np.asarray(self.landmarks, np.float32).reshape(-1)
        if points.size != 10:
            raise ValueError("landmarks must be 5 (x, y) points")
        return _FACE.pack(int(self.frame_index), float(self.timestamp), int(self.face_index),
                          float(self.score), *[int(v) for v in self.box],
                          *[float(v) for v in points]) + bytes(self.data)

    @classmethod
    def from_payload(cls, payload: bytes) -> "FaceRecord":
        if len(payload) < _FACE.size:
            raise CorruptStreamError("face record shorter than its fixed fields")
        values = _FACE.unpack_from(payload)
        frame, timestamp, face, score = values[:4]
        box = tuple(values[4:8])
        points = np.array(values[8:], np.float32).reshape(5, 2)
        return cls(frame, timestamp, box, points, bytes(payload[_FACE.size:]), face, score)


@dataclass
class StreamInfo:
    """What a run of the encoder wrote once at its start: source, frame size, fps, codec
    settings (free-form JSON object). ``run``: the run it starts, as in ``FaceRecord.run``."""
    fields: Dict[str, Any]
    run: int = field(default=0, compare=False)

    def to_payload(self) -> bytes:
        return json.dumps(self.fields, sort_keys=True).encode("utf-8")

    @classmethod
    def from_payload(cls, payload: bytes) -> "StreamInfo":
        try:
            fields = json.loads(payload.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise CorruptStreamError(f"stream info is not JSON: {exc}") from None
        if not isinstance(fields, dict):
            raise CorruptStreamError("stream info is not a JSON object")
        return cls(fields)
