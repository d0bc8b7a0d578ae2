"""Landmarks and crops without dlib: the similarity fit, the OpenCV crop against dlib's."""
import cv2
import numpy as np
import pytest

from cvlfic import datasets
from cvlfic.face import Face
from cvlfic.face import landmarks


def test_similarity_recovers_a_known_transform():
    rng = np.random.default_rng(0)
    src = rng.uniform(0, 100, (5, 2))
    angle, scale, shift = 0.3, 1.7, np.array([12.0, -5.0])
    rot = scale * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    dst = src @ rot.T + shift
    m = landmarks.similarity(src, dst)
    np.testing.assert_allclose(m[:, :2], rot, atol=1e-9)
    np.testing.assert_allclose(m[:, 2], shift, atol=1e-9)
    with pytest.raises(ValueError):
        landmarks.similarity(np.ones((5, 2)), dst)


def test_keypoints_map_onto_the_dlib_template():
    # BlazeFace keypoints placed exactly on their template give dlib's template back.
    keypoints = np.vstack([landmarks.BLAZEFACE_TEMPLATE_112 * 2 + 7, np.zeros((2, 2))])
    points = landmarks.landmarks_from_keypoints(keypoints)
    np.testing.assert_allclose(points, landmarks.DLIB_TEMPLATE_112 * 2 + 7, atol=1e-3)


def test_opencv_crop_matches_dlib_chip(monkeypatch):
    pytest.importorskip("dlib")
    if not datasets.has_data():
        pytest.skip("shared LFW data not present")
    from cvlfic.face import align_face, detect_faces
    image = cv2.imread(str(datasets.lfw_image_path("Aaron_Eckhart", 1)))
    face = detect_faces(image, detector="hog")[0]
    reference = align_face(image, face).astype(int)
    monkeypatch.setattr(landmarks, "dlib_module", lambda: None)  # as if dlib were absent
    crop = landmarks.standard_crop(image, Face(face.box, face.landmarks, 1.0))
    assert crop.shape == (112, 112, 3)
    # Same geometry up to the template's calibration error: measured 1.6 grey levels here,
    # where landmarks off by 3 px give 12.
    assert np.abs(crop.astype(int) - reference).mean() < 4
