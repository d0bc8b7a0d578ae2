"""The face stage: detection (BlazeFace, dlib HOG, Haar), 5-point landmarks, tracking across
video frames, and alignment to the standard crop (frame -> detect/track -> align)."""
from cvlfic.face.detect import (Face, detect_faces, available_detectors, installed_detectors,
                                resolve_detector)
from cvlfic.face.align import (align_face, align_face_points, alignment_transform, STANDARD_SIZE,
                               STANDARD_PADDING)
from cvlfic.face.landmarks import standard_crop
from cvlfic.face.tracking import FrameDetector

__all__ = ["Face", "detect_faces", "available_detectors", "installed_detectors",
           "resolve_detector", "align_face", "align_face_points", "alignment_transform",
           "STANDARD_SIZE", "STANDARD_PADDING", "standard_crop", "FrameDetector"]
