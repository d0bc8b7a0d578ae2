"""Gray faces (IR cameras) round-trip gray, as H x W arrays or BGR with equal channels, and
cost fewer bytes than the same face in colour at the same rate setting."""
import numpy as np
import pytest

import cv2
from cvlfic.lfic import Codec


@pytest.fixture(scope="module")
def codec():
    return Codec(threads=1)


@pytest.fixture(scope="module")
def colour_face():
    yy, xx = np.mgrid[0:112, 0:112]
    face = np.stack([xx * 2, yy * 2, (xx + yy) % 256], -1).astype(np.uint8)
    cv2.circle(face, (56, 50), 30, (40, 90, 200), -1)
    cv2.circle(face, (45, 45), 5, (10, 10, 10), -1)
    cv2.circle(face, (67, 45), 5, (10, 10, 10), -1)
    return face


@pytest.mark.parametrize("setting", [{}, {"bpp": 0.1}, {"bpp": 0.2}, {"bpp": 0.3}, {"quality": 90}])
def test_gray_round_trips_gray_and_costs_less(codec, colour_face, setting):
    gray = cv2.cvtColor(colour_face, cv2.COLOR_BGR2GRAY)
    as_2d = codec.encode(gray, **setting)
    as_bgr = codec.encode(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), **setting)
    assert as_2d == as_bgr
    coloured = codec.encode(colour_face, **setting)
    assert len(as_2d) < len(coloured)
    restored = codec.decode(as_2d)
    assert restored.shape == (112, 112, 3)
    assert int(np.abs(restored.astype(int) - restored[..., :1]).max()) == 0  # no tint
    assert abs(float(restored.mean()) - float(gray.mean())) < 25
    assert int(np.abs(codec.decode(coloured).astype(int) - codec.decode(coloured)[..., :1]).max()) > 0


def test_max_bytes_stays_a_cap_for_gray(codec, colour_face):
    gray = cv2.cvtColor(colour_face, cv2.COLOR_BGR2GRAY)
    assert len(codec.encode(gray, max_bytes=200)) <= 200


def test_single_channel_3d_is_gray(codec, colour_face):
    gray = cv2.cvtColor(colour_face, cv2.COLOR_BGR2GRAY)
    assert codec.encode(gray[:, :, None]) == codec.encode(gray)
