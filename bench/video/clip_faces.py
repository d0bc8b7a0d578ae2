"""The sample clip through cvlfic video's pipeline (BlazeFace, detect every 3 frames, the
codec's default rate, 1 thread), kept in memory for the face-stream benchmarks: every face
of every frame with its crop, best-shot score and track, and the tracks each frame ended."""
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Tuple

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/: devdata
import devdata  # noqa: E402  (CVLFIC_DATA: the checkout's data folder when unset)
from cvlfic.lfic import Codec  # noqa: E402
from cvlfic.video.encoder import FaceCandidate, FaceStreamEncoder  # noqa: E402
from cvlfic.video.sources import open_source  # noqa: E402


@dataclass
class ClipFaces:
    info: dict
    frames: List[Tuple[float, List[FaceCandidate], List[int]]] = field(default_factory=list)
    last_tracks: List[int] = field(default_factory=list)  # open at the end of the clip
    encoder: FaceStreamEncoder = None
    encode_seconds: float = 0.0

    @property
    def candidates(self) -> List[FaceCandidate]:
        return [c for _, faces, _ in self.frames for c in faces]


def clip_faces(detect_every: int = 3, threads: int = 1) -> ClipFaces:
    cv2.setNumThreads(threads)
    codec = Codec(threads=threads)
    encoder = FaceStreamEncoder(codec, detect_every=detect_every)
    path = str(devdata.sample_clip_path())
    with open_source(path, threads=threads) as source:
        info = {"source": os.path.basename(path), "reader": source.backend, "fps": source.fps,
                "width": source.size[0], "height": source.size[1], "frame_step": 1,
                "detector": encoder.detector.name, "detect_every": detect_every,
                "model": codec.model_dir.name,
                "rate": {k: v for k, v in encoder.rate.items() if v}}
        out = ClipFaces(info, encoder=encoder)
        for index, (frame, seconds) in enumerate(source):
            faces = encoder.analyse_frame(frame, seconds, index)
            out.frames.append((seconds, faces, list(encoder.ended_tracks)))
    out.last_tracks = encoder.end_all()
    start = time.perf_counter()
    encoder.encode_candidates(out.candidates)
    out.encode_seconds = round(time.perf_counter() - start, 2)
    return out
