"""Alignment in the C core (cvlfic_align_face / cvlfic_align_transform): byte-identical to
cvlfic.align_face (dlib's face chip), argument errors, degenerate points, gray input, and a
fuzz-like random pass (checked against dlib where it is installed)."""
import importlib.util

import cv2
import numpy as np
import pytest

from cvlfic import _core, datasets
from cvlfic.face import Face, align_face
from cvlfic.face.align import align_face_points, alignment_transform
from cvlfic.face import landmarks as face_landmarks

HAVE_DLIB = importlib.util.find_spec("dlib") is not None
# detect_faces needs dlib's 5-point model (face_recognition_models)
HAVE_PREDICTOR = HAVE_DLIB and importlib.util.find_spec("face_recognition_models") is not None
needs_dlib = pytest.mark.skipif(not HAVE_DLIB, reason="dlib not installed")

# dlib's 5-point reference face (unit square) and where it sits in a 112 chip, padding 0.25.
REFERENCE = np.array([[0.8595674595992, 0.2134981538014], [0.6460604764104, 0.2289674387677],
                      [0.1205750620789, 0.2137274526848], [0.3340850613712, 0.2290642403242],
                      [0.4901123135679, 0.6277975316475]])


def chip_points(size=112):
    return (REFERENCE + 0.25) / 1.5 * size


def lfw_sample(count):
    if not datasets.has_data():
        pytest.skip("shared LFW data not present")
    folders = sorted(p for p in datasets.lfw_dir().iterdir() if p.is_dir())
    step = max(1, len(folders) // count)
    return [sorted(f.glob("*.jpg"))[0] for f in folders[::step][:count]]


def dlib_chip(image, points, size):
    """dlib.get_face_chip on a BGR or gray image, landmarks rounded as align_face does."""
    import dlib
    shape = dlib.full_object_detection(dlib.rectangle(0, 0, 1, 1),
                                       [dlib.point(int(round(float(x))), int(round(float(y))))
                                        for x, y in points])
    if image.ndim == 2:
        return np.asarray(dlib.get_face_chip(np.ascontiguousarray(image), shape, size=size, padding=0.25))
    rgb = np.ascontiguousarray(image[:, :, ::-1])
    return np.ascontiguousarray(np.asarray(dlib.get_face_chip(rgb, shape, size=size, padding=0.25))[:, :, ::-1])


def synthetic_landmarks(rng, size=250):
    """Five plausible points for a face around the middle of a size x size image."""
    scale = rng.uniform(0.6, 1.4) * size / 250
    angle = rng.uniform(-0.5, 0.5)
    rot = scale * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    centre = np.array([size / 2, size / 2]) + rng.uniform(-20, 20, 2)
    return ((chip_points(112) - 56) @ rot.T + centre).astype(np.float32)


# ---- the same crop as cvlfic.align_face ------------------------------------------------

@pytest.mark.skipif(not HAVE_PREDICTOR, reason="dlib or its 5-point model not installed")
def test_identical_to_align_face_on_lfw():
    from cvlfic.face import detect_faces
    identical = faces = 0
    for path in lfw_sample(120):
        image = cv2.imread(str(path))
        found = detect_faces(image)
        if not found:
            continue
        faces += 1
        reference = align_face(image, found[0])
        crop = align_face_points(image, found[0].landmarks)
        identical += np.array_equal(crop, reference)
        # the box plays no part: a 5-point chip depends on the points alone
        other = Face((0, 0, 5, 5), found[0].landmarks, 0.0)
        np.testing.assert_array_equal(align_face(image, other), reference)
    assert faces >= 100
    assert identical == faces  # bench/core/align_match.py: 597 of 597


def test_close_to_opencv_with_the_core_transform_on_lfw():
    # Needs no dlib: OpenCV's bilinear warp with the core's transform is the same geometry;
    # it rounds where dlib truncates (about 0.5 grey levels).
    rng = np.random.default_rng(3)
    diffs = []
    for path in lfw_sample(40):
        image = cv2.imread(str(path))
        points = synthetic_landmarks(rng)
        crop = align_face_points(image, points).astype(int)
        warped = cv2.warpAffine(image, alignment_transform(points), (112, 112), flags=cv2.INTER_LINEAR)
        diffs.append(np.abs(warped.astype(int) - crop)[4:-4, 4:-4].mean())
    assert np.mean(diffs) < 0.8, np.mean(diffs)


def test_standard_crop_without_dlib_is_the_dlib_crop(monkeypatch):
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (240, 260, 3), dtype=np.uint8)
    points = synthetic_landmarks(rng)
    face = Face((40, 40, 200, 200), points, 1.0)
    monkeypatch.setattr(face_landmarks, "dlib_module", lambda: None)
    crop = face_landmarks.standard_crop(image, face)
    np.testing.assert_array_equal(crop, align_face_points(image, points))
    if HAVE_DLIB:
        monkeypatch.undo()
        np.testing.assert_array_equal(crop, align_face(image, face))


# ---- transform and geometry -------------------------------------------------------------

def test_transform_maps_reference_points_into_the_chip():
    # Points exactly on the reference face (scaled 1.7, turned 0.3 rad, shifted) land on the
    # chip's reference points, up to dlib's half-pixel convention (width - 1 spans size - 1).
    angle, scale = 0.3, 1.7
    rot = scale * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    points = (chip_points() - 56) @ rot.T + np.array([300.0, 280.0])
    points = np.round(points).astype(np.float32)  # the core rounds; keep the test exact
    t = alignment_transform(points)
    assert t.shape == (2, 3) and t.dtype == np.float64
    mapped = points @ t[:, :2].T + t[:, 2]
    assert np.abs(mapped - (chip_points() - 0.5)).max() < 0.6
    linear = t[:, :2] * scale
    np.testing.assert_allclose(linear @ linear.T, np.eye(2), atol=0.02)  # a similarity


def test_landmarks_are_rounded_to_pixels():
    rng = np.random.default_rng(2)
    image = rng.integers(0, 256, (200, 200, 3), dtype=np.uint8)
    points = np.round(synthetic_landmarks(rng, 200))
    base = align_face_points(image, points)
    np.testing.assert_array_equal(align_face_points(image, points + 0.3), base)
    np.testing.assert_array_equal(align_face_points(image, points - 0.49), base)
    np.testing.assert_array_equal(alignment_transform(points + 0.2), alignment_transform(points))
    # ties go to even, as Python's round() in align_face
    half = points.copy()
    half[0, 0] = np.floor(half[0, 0] / 2) * 2 + 0.5  # even + 0.5 -> even
    rounded = half.copy()
    rounded[0, 0] -= 0.5
    np.testing.assert_array_equal(align_face_points(image, half), align_face_points(image, rounded))


def test_gray_input_and_layouts():
    rng = np.random.default_rng(4)
    bgr = rng.integers(0, 256, (180, 170, 3), dtype=np.uint8)
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    points = synthetic_landmarks(rng, 175)
    g = align_face_points(gray, points, 96)
    assert g.shape == (96, 96) and g.dtype == np.uint8
    # each channel is sampled alike: a gray image as BGR gives the gray crop thrice
    c = align_face_points(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), points, 96)
    for k in range(3):
        np.testing.assert_array_equal(c[:, :, k], g)
    # views with strides (a crop of a bigger image, a flipped channel order) give the same bytes
    big = np.zeros((200, 220, 3), np.uint8)
    big[10:190, 20:190] = bgr
    view = big[10:190, 20:190]
    np.testing.assert_array_equal(align_face_points(view, points), align_face_points(bgr, points))
    rgb_view = bgr[:, :, ::-1]
    np.testing.assert_array_equal(align_face_points(rgb_view, points)[:, :, ::-1], align_face_points(bgr, points))
    if HAVE_DLIB:
        np.testing.assert_array_equal(g, dlib_chip(gray, points, 96))
        np.testing.assert_array_equal(align_face(gray, Face((0, 0, 1, 1), points, 0.0), 96)[:, :, 0], g)


def test_outside_the_image_is_black():
    image = np.full((100, 100, 3), 200, np.uint8)
    points = (chip_points() - 56) * 0.5 + np.array([5.0, 50.0])  # face on the left edge
    crop = align_face_points(image, points.astype(np.float32))
    assert (crop[:, :10] == 0).all() and (crop[:, -10:] == 200).all()
    far = (chip_points() + 10000).astype(np.float32)  # wholly outside
    assert not align_face_points(image, far).any()


# ---- argument errors ---------------------------------------------------------------------

GOOD = (chip_points() + 40).astype(np.float32)


@pytest.mark.parametrize("points, message", [
    (np.zeros((4, 2)), "shape"),
    (np.zeros((5, 3)), "shape"),
    (np.full((5, 2), np.nan), "finite"),
    (np.where(np.arange(10).reshape(5, 2) == 3, np.inf, GOOD), "finite"),
    (np.where(np.arange(10).reshape(5, 2) == 7, -np.inf, GOOD), "finite"),
    (GOOD + 2e6, "1048576"),
    (np.full((5, 2), 50.0), "degenerate"),               # all at one point
    (np.full((5, 2), 50.0) + np.arange(5)[:, None] * 0.1, "degenerate"),  # one pixel once rounded
])
def test_bad_landmarks_raise_value_error(points, message):
    image = np.zeros((120, 120, 3), np.uint8)
    with pytest.raises(ValueError, match=message):
        align_face_points(image, points)
    with pytest.raises(ValueError, match=message):
        alignment_transform(points)


def test_bad_images_and_sizes():
    image = np.zeros((120, 120, 3), np.uint8)
    with pytest.raises(TypeError, match="uint8"):
        align_face_points(image.astype(np.float32), GOOD)
    with pytest.raises(TypeError, match="landmarks"):
        align_face_points(image, "eyes")
    for bad in (np.zeros((120, 120, 4), np.uint8), np.zeros((120,), np.uint8), np.zeros((0, 5, 3), np.uint8)):
        with pytest.raises(ValueError):
            align_face_points(bad, GOOD)
    for size in (0, 1, -5, 8193):
        with pytest.raises(ValueError, match="size"):
            align_face_points(image, GOOD, size)
        with pytest.raises(ValueError, match="size"):
            alignment_transform(GOOD, size)
    assert align_face_points(image, GOOD, 2).shape == (2, 2, 3)
    assert _core.align_face(image, GOOD.reshape(10), 112).shape == (112, 112, 3)


# ---- the C ABI itself (status codes, strides, untouched padding) --------------------------

CDEF = """
int cvlfic_align_transform(const float landmarks[10], size_t size, double transform[6]);
int cvlfic_align_face(const uint8_t *img, size_t height, size_t width, size_t stride, int channels,
                      const float landmarks[10], size_t size, uint8_t *out, size_t out_stride);
"""


@pytest.fixture(scope="module")
def clib():
    cffi = pytest.importorskip("cffi")
    from cvlfic import native
    ffi = cffi.FFI()
    ffi.cdef(CDEF)
    return ffi, ffi.dlopen(str(native.get_library_path()))


def test_c_abi_arguments(clib):
    ffi, c = clib
    OK, ARG = 0, 1
    rng = np.random.default_rng(5)
    image = rng.integers(0, 256, (130, 140, 3), dtype=np.uint8)
    lm = ffi.new("float[10]", [float(v) for v in GOOD.reshape(10)])
    img = ffi.from_buffer(image)
    n = 64
    out_stride = n * 3 + 5
    out = np.full((n, out_stride), 0xA5, np.uint8)
    o = ffi.from_buffer(out)
    assert c.cvlfic_align_face(img, 130, 140, 420, 3, lm, n, o, out_stride) == OK
    np.testing.assert_array_equal(out[:, :n * 3].reshape(n, n, 3), align_face_points(image, GOOD, n))
    assert (out[:, n * 3:] == 0xA5).all()  # the padding of each row is left alone
    t = ffi.new("double[6]")
    assert c.cvlfic_align_transform(lm, 112, t) == OK
    np.testing.assert_array_equal(np.array(list(t)).reshape(2, 3), alignment_transform(GOOD))
    bad_calls = [
        (ffi.NULL, 130, 140, 420, 3, lm, n, o, out_stride),
        (img, 130, 140, 420, 3, ffi.NULL, n, o, out_stride),
        (img, 130, 140, 420, 3, lm, n, ffi.NULL, out_stride),
        (img, 130, 140, 420, 2, lm, n, o, out_stride),          # channels
        (img, 130, 140, 420, 4, lm, n, o, out_stride),
        (img, 130, 140, 419, 3, lm, n, o, out_stride),          # stride < width * 3
        (img, 130, 140, 420, 3, lm, n, o, n * 3 - 1),           # out_stride < size * 3
        (img, 0, 140, 420, 3, lm, n, o, out_stride),
        (img, 130, 0, 420, 3, lm, n, o, out_stride),
        (img, 16385, 1, 420, 3, lm, n, o, out_stride),          # above CVLFIC_MAX_SIDE
        (img, 8193, 8193, 3 * 8193, 3, lm, n, o, out_stride),   # above CVLFIC_MAX_PIXELS
        (img, 130, 140, 2 ** 63, 3, lm, n, o, out_stride),      # rows not addressable
        (img, 130, 140, 420, 3, lm, 1, o, out_stride),          # size
        (img, 130, 140, 420, 3, lm, 8193, o, 3 * 8193),
    ]
    for args in bad_calls:
        assert c.cvlfic_align_face(*args) == ARG, args[1:5]
    assert (out[:, n * 3:] == 0xA5).all()
    assert c.cvlfic_align_transform(ffi.NULL, 112, t) == ARG
    assert c.cvlfic_align_transform(lm, 112, ffi.NULL) == ARG
    assert c.cvlfic_align_transform(lm, 0, t) == ARG
    for bad in (float("nan"), float("inf"), -float("inf"), 3e6):
        worse = ffi.new("float[10]", [float(v) for v in GOOD.reshape(10)])
        worse[7] = bad
        assert c.cvlfic_align_transform(worse, 112, t) == ARG
        assert c.cvlfic_align_face(img, 130, 140, 420, 3, worse, n, o, out_stride) == ARG
    same = ffi.new("float[10]", [33.0] * 10)
    assert c.cvlfic_align_face(img, 130, 140, 420, 3, same, n, o, out_stride) == ARG
    # gray, one row of padding per image row
    gray = np.ascontiguousarray(np.pad(image[:, :, 1], ((0, 0), (0, 3))))
    g = np.zeros((n, n), np.uint8)
    assert c.cvlfic_align_face(ffi.from_buffer(gray), 130, 140, 143, 1, lm, n, ffi.from_buffer(g), n) == OK
    np.testing.assert_array_equal(g, align_face_points(np.ascontiguousarray(image[:, :, 1]), GOOD, n))


# ---- random inputs: never a crash; dlib's bytes wherever the crop is made -----------------

def test_random_inputs():
    rng = np.random.default_rng(11)
    made = refused = 0
    for _ in range(400):
        h, w = (int(v) for v in rng.integers(1, 90, 2))
        gray = rng.random() < 0.3
        image = rng.integers(0, 256, (h, w) if gray else (h, w, 3), dtype=np.uint8)
        if rng.random() < 0.3:  # flat areas, where truncation is most fragile
            image = (image // 128 * 128).astype(np.uint8)
        kind = rng.integers(4)
        if kind == 0:
            points = synthetic_landmarks(rng, max(h, w))
        elif kind == 1:
            points = rng.uniform(-2 * w, 3 * w, (5, 2))
        elif kind == 2:
            points = rng.normal(0, 1, (5, 2)) * rng.choice([0.3, 3, 1e3, 1e7]) + rng.uniform(-50, 150, 2)
        else:
            points = synthetic_landmarks(rng, max(h, w))
            points[rng.integers(5), rng.integers(2)] = rng.choice([np.nan, np.inf, -np.inf, 3e38])
        size = int(rng.choice([2, 3, 7, 16, 33, 64, 112, 150]))
        try:
            crop = align_face_points(image, points, size)
            t = alignment_transform(points, size)
        except ValueError:
            refused += 1
            continue
        made += 1
        assert crop.shape == ((size, size) if gray else (size, size, 3))
        assert np.isfinite(t).all()
        if HAVE_DLIB:
            np.testing.assert_array_equal(crop, dlib_chip(image, points, size))
    assert made > 200 and refused > 50, (made, refused)


@needs_dlib
def test_random_geometry_against_dlib():
    # Rotations, strong down-scaling (dlib's pyramid), faces off the image, many sizes.
    rng = np.random.default_rng(7)
    base = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    base = cv2.resize(base, (400, 400), interpolation=cv2.INTER_CUBIC)
    for _ in range(150):
        scale = float(rng.choice([0.05, 0.3, 1.0, 2.5, 6.0]))
        angle = rng.uniform(-np.pi, np.pi)
        rot = scale * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        points = (chip_points() - 56) @ rot.T + rng.uniform(-100, 500, 2)
        points += rng.normal(0, 2 * scale, (5, 2))
        size = int(rng.choice([2, 5, 24, 56, 112, 200]))
        try:
            crop = align_face_points(base, points, size)
        except ValueError:
            continue
        np.testing.assert_array_equal(crop, dlib_chip(base, points, size))
