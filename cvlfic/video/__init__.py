"""Faces from video: detect, align and encode the faces of each frame into a ``.lfics``
face stream (every face, or the best of each track), and read it back
(``docs/face-stream.md``)."""
from cvlfic.video.decoder import FaceStreamDecoder
from cvlfic.video.encoder import FaceCandidate, FaceStreamEncoder
from cvlfic.video.lfics import Damage, FaceStreamWriter, read_face_stream
from cvlfic.video.policy import StoragePolicy
from cvlfic.video.records import FaceRecord, StreamInfo

__all__ = ["FaceStreamEncoder", "FaceStreamDecoder", "FaceStreamWriter", "read_face_stream",
           "FaceRecord", "StreamInfo", "Damage", "FaceCandidate", "StoragePolicy"]
