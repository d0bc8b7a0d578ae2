"""Which faces of a video a face stream keeps (``cvlfic video --store``).

* ``all``: every face of every processed frame;
* ``best``: one face per track, the one with the highest best-shot score
  (``cvlfic.video.quality``), written when the track ends (and, at the end of the video,
  for every track still open);
* ``best:N`` (or ``best:Ns``): the same, and a track open for N seconds has its best face
  so far written, and a new choice begun: a long track (a live camera) gives a face at
  least every N seconds, never waiting for its end.

The policy sees the faces of each frame (``push``) with the tracks that frame ended, and
gives back the faces to code and write now; ``flush`` gives the rest at the end.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional

from cvlfic.video.encoder import FaceCandidate

_SPEC = re.compile(r"(all|best)(?::(\d+(?:\.\d*)?|\.\d+)s?)?$")


@dataclass
class _Open:
    best: FaceCandidate
    since: float  # timestamp the current choice began


class StoragePolicy:
    """``StoragePolicy("all" | "best" | "best:10s")``; see the module's description."""

    def __init__(self, spec: str = "all"):
        match = _SPEC.match(spec.strip().lower())
        if match is None or (match.group(1) == "all" and match.group(2)):
            raise ValueError(f"storage policy must be all, best or best:SECONDS, not {spec!r}")
        self.mode = match.group(1)
        self.max_delay: Optional[float] = float(match.group(2)) if match.group(2) else None
        if self.max_delay is not None and self.max_delay <= 0:
            raise ValueError("best:SECONDS needs a positive number of seconds")
        self.spec = spec
        self._open: Dict[int, _Open] = {}

    def __repr__(self) -> str:
        return f"StoragePolicy({self.spec!r})"

    @property
    def open_tracks(self) -> List[int]:
        return sorted(self._open)

    def push(self, candidates: Iterable[FaceCandidate], timestamp: float,
             ended: Iterable[int] = ()) -> List[FaceCandidate]:
        """The faces of one frame (at ``timestamp``) and the tracks that frame ended: the
        faces to write now, in the order to write them."""
        candidates = list(candidates)
        if self.mode == "all":
            return candidates
        out: List[FaceCandidate] = []
        for candidate in candidates:
            track = candidate.record.track
            if not track:  # no track to wait for
                out.append(candidate)
                continue
            held = self._open.get(track)
            if held is None:
                self._open[track] = _Open(candidate, timestamp)
            elif candidate.quality.total > held.best.quality.total:
                held.best = candidate
        for track in sorted(set(ended)):
            held = self._open.pop(track, None)
            if held is not None:
                out.append(held.best)
        if self.max_delay is not None:
            for track in sorted(self._open):
                held = self._open[track]
                if timestamp - held.since >= self.max_delay:
                    out.append(held.best)
                    del self._open[track]  # the track's next face begins a new choice
        return _in_stream_order(out)

    def flush(self) -> List[FaceCandidate]:
        """The faces still held (end of the video), in stream order."""
        out = [held.best for held in self._open.values()]
        self._open = {}
        return _in_stream_order(out)


def _in_stream_order(faces: List[FaceCandidate]) -> List[FaceCandidate]:
    return sorted(faces, key=lambda c: (c.record.frame_index, c.record.face_index))
