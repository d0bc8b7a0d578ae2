"""How LFW faces are found and aligned for the crop cache."""
import importlib.util

import cv2
import numpy as np
import pytest

from cvlfic import datasets

pytest.importorskip("dlib")
if importlib.util.find_spec("face_recognition_models") is None:
    pytest.skip("face-recognition-models not installed", allow_module_level=True)

from cvlfic.eval import lfw  # noqa: E402


def test_a_faceless_image_falls_back_to_the_central_box():
    image = np.full((250, 250, 3), 127, np.uint8)
    face, how = lfw.find_face(image)
    assert how == lfw.FOUND_FALLBACK and tuple(face.box) == lfw.FALLBACK_BOX
    crop, chip, how = lfw.align_lfw_image(image)
    assert crop.shape == (112, 112, 3) and chip.shape == (150, 150, 3)


@pytest.mark.skipif(not datasets.has_data(), reason="shared LFW data not present")
def test_an_lfw_image_is_found_by_hog_and_aligned_deterministically():
    image = cv2.imread(str(datasets.lfw_image_path("Abel_Pacheco", 1)))
    first = lfw.align_lfw_image(image)
    second = lfw.align_lfw_image(image)
    assert first[2] == lfw.FOUND_HOG
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
