"""Video face detection: BlazeFace through OpenCV DNN, tracking between detections."""
import numpy as np
import pytest

from cvlfic.face import blazeface
from cvlfic.face import FrameDetector, resolve_detector

from video_clip import clip_frames

needs_blazeface = pytest.mark.skipif(not blazeface.available(),
                                     reason="no BlazeFace model installed")


def test_anchor_layouts_match_the_model_outputs():
    assert len(blazeface.ssd_anchors(128, (8, 16, 16, 16), 2)) == 896
    assert len(blazeface.ssd_anchors(192, (4,), 1)) == 2304
    anchors = blazeface.ssd_anchors(192, (4,), 1)
    assert anchors.min() > 0 and anchors.max() < 1


def test_unknown_detector_is_refused():
    with pytest.raises(ValueError):
        resolve_detector("yolo")
    with pytest.raises(ValueError):
        FrameDetector(detect_every=0)


@needs_blazeface
def test_blazeface_finds_the_singer():
    frame = clip_frames(1, start=100)[0]
    faces = FrameDetector("blazeface").detect(frame)
    assert len(faces) == 1
    left, top, right, bottom = faces[0].box
    # the singer's face (checked by eye): about 90 px wide, centred near (240, 145)
    assert 70 < right - left < 110 and abs((left + right) / 2 - 240) < 15
    assert abs((top + bottom) / 2 - 145) < 15
    assert faces[0].landmarks.shape == (5, 2)
    eyes = faces[0].landmarks[[0, 2], 1]
    assert abs(eyes[0] - eyes[1]) < 15 and eyes.mean() < faces[0].landmarks[4, 1]


@needs_blazeface
def test_tracking_follows_faces_between_detections():
    frames = clip_frames(7, start=100)
    tracker = FrameDetector("blazeface", detect_every=3)
    every = FrameDetector("blazeface")
    for frame in frames:
        tracked, detected = tracker(frame), every(frame)
        assert len(tracked) == len(detected) == 1
        centre = lambda f: np.array([(f.box[0] + f.box[2]) / 2, (f.box[1] + f.box[3]) / 2])
        assert np.linalg.norm(centre(tracked[0]) - centre(detected[0])) < 10
        assert np.abs(tracked[0].landmarks - detected[0].landmarks).mean() < 6


@needs_blazeface
def test_scene_cut_forces_a_detection():
    tracker = FrameDetector("blazeface", detect_every=100)
    face_frame = clip_frames(1, start=100)[0]
    assert len(tracker(face_frame)) == 1
    assert tracker(np.zeros_like(face_frame)) == []  # a black frame: new shot, no face
