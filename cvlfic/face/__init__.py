"""Face detection, 5-point landmarks and alignment to the standard crop."""
from cvlfic.face.detect import Face, detect_faces, available_detectors
from cvlfic.face.align import (align_face, align_face_points, alignment_transform, STANDARD_SIZE,
                               STANDARD_PADDING)

__all__ = ["Face", "detect_faces", "available_detectors", "align_face", "align_face_points",
           "alignment_transform", "STANDARD_SIZE", "STANDARD_PADDING"]
