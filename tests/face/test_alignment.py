"""Alignment to the standard crop: output shape and determinism."""
import importlib.util

import cv2
import numpy as np
import pytest

from cvlfic import datasets

pytest.importorskip("dlib")
if importlib.util.find_spec("face_recognition_models") is None:  # its import needs setuptools
    pytest.skip("face-recognition-models not installed", allow_module_level=True)

from cvlfic.face import Face, align_face, detect_faces  # noqa: E402


def lfw_image():
    if not datasets.has_data():
        pytest.skip("shared LFW data not present")
    return cv2.imread(str(datasets.lfw_image_path("Aaron_Eckhart", 1)))


def test_standard_crop_shape_and_determinism_on_lfw():
    image = lfw_image()
    faces = detect_faces(image)
    assert faces, "dlib HOG finds the centred face of a deep-funneled LFW image"
    crops = [align_face(image, detect_faces(image)[0]) for _ in range(2)]
    assert crops[0].shape == (112, 112, 3) and crops[0].dtype == np.uint8
    np.testing.assert_array_equal(crops[0], crops[1])
    chip = align_face(image, faces[0], size=150)
    assert chip.shape == (150, 150, 3)
    # Same geometry at both sizes: the 112 crop resized to 150 is close to the 150 chip.
    resized = cv2.resize(crops[0], (150, 150), interpolation=cv2.INTER_LINEAR)
    assert np.abs(resized.astype(int) - chip.astype(int)).mean() < 12


def test_alignment_from_given_landmarks_is_deterministic():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (200, 180, 3), dtype=np.uint8)
    landmarks = np.array([[120, 80], [105, 82], [60, 80], [75, 82], [90, 115]], np.float32)
    face = Face((50, 50, 130, 140), landmarks, 0.0)
    a = align_face(image, face)
    b = align_face(image.copy(), face)
    assert a.shape == (112, 112, 3) and a.dtype == np.uint8
    np.testing.assert_array_equal(a, b)
    with pytest.raises(TypeError):
        align_face(image.astype(np.float32), face)
