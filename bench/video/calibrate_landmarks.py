"""Calibrates the landmark constants of ``cvlfic.face.landmarks`` on LFW (needs dlib).

For each image: dlib's HOG box and 5-point landmarks, dlib's standard-chip transform
(``get_face_chip_details``, 112 px, padding 0.25), and BlazeFace's box and keypoints.
It prints, in standard-chip pixels, the mean position of dlib's 5 points (the chip template
used when dlib is absent) and of BlazeFace's eye/nose/mouth keypoints, the mean HOG box
relative to the BlazeFace box, and how far each landmark route lands from dlib's own.

    python bench/video/calibrate_landmarks.py [N_IMAGES] > results/video/landmark_calibration.json
"""
import json
import sys
from pathlib import Path

import cv2
import dlib
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/: devdata
import devdata  # noqa: E402,F401  (CVLFIC_DATA: the checkout's data folder when unset)
from cvlfic import datasets  # noqa: E402
from cvlfic.face import detect_faces  # noqa: E402
from cvlfic.face.detect import landmarks_for_box  # noqa: E402
from cvlfic.face.blazeface import BlazeFace  # noqa: E402
from cvlfic.face.landmarks import similarity  # noqa: E402

SIZE, PADDING = 112, 0.25


def chip_coords(points, landmarks):
    """Standard-chip pixel coordinates of image ``points`` under dlib's chip for ``landmarks``."""
    rect = dlib.rectangle(0, 0, 1, 1)
    shape = dlib.full_object_detection(rect, [dlib.point(int(round(x)), int(round(y)))
                                              for x, y in landmarks])
    d = dlib.get_face_chip_details(shape, SIZE, PADDING)
    r = d.rect
    centre = np.array([(r.left() + r.right()) / 2, (r.top() + r.bottom()) / 2])
    pixel = (r.right() - r.left()) / (d.cols - 1)
    c, s = np.cos(d.angle), np.sin(d.angle)
    rot = np.array([[c, -s], [s, c]])
    return (np.asarray(points, float) - centre) @ rot / pixel + (d.cols - 1) / 2


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    cv2.setNumThreads(1)
    pairs = [line.split("\t") for line in datasets.lfw_pairs_path().read_text().splitlines()[1:]]
    images = sorted({(p[0], int(p[1])) for p in pairs if len(p) == 3})[:count]
    blaze = BlazeFace("full")
    # Detect once: the templates come from all matches, then the same matches are scored.
    matches = []
    for name, index in images:
        bgr = cv2.imread(str(datasets.lfw_image_path(name, index)))
        faces = detect_faces(bgr, detector="hog")
        found = blaze.detect(bgr)
        if faces and found:
            matches.append((bgr, faces[0], max(found, key=lambda d: d.score)))
    dlib_chip, blaze_chip, box_rel, errors = [], [], [], {"dlib_on_blaze_box": [], "keypoints": []}
    for _, face, det in matches:
        l, t, r, b = det.box
        w, h = r - l, b - t
        hl, ht, hr, hb = face.box
        box_rel.append([(hl - l) / w, (ht - t) / h, (hr - l) / w, (hb - t) / h])
        dlib_chip.append(chip_coords(face.landmarks, face.landmarks))
        blaze_chip.append(chip_coords(det.keypoints[:4], face.landmarks))
    dlib_template = np.mean(dlib_chip, 0)
    blaze_template = np.mean(blaze_chip, 0)
    box = np.mean(box_rel, 0)
    # How far each landmark route lands from dlib's own points, in chip pixels.
    for bgr, face, det in matches:
        l, t, r, b = det.box
        w, h = r - l, b - t
        mapped = (int(l + box[0] * w), int(t + box[1] * h),
                  int(l + box[2] * w), int(t + box[3] * h))
        rgb = np.ascontiguousarray(bgr[:, :, ::-1])
        on_box = landmarks_for_box(rgb, mapped)
        m = similarity(blaze_template, det.keypoints[:4])  # chip -> image
        from_kp = dlib_template @ m[:, :2].T + m[:, 2]
        for key, pts in (("dlib_on_blaze_box", on_box), ("keypoints", from_kp)):
            errors[key].append(float(np.abs(chip_coords(pts, face.landmarks)
                                            - chip_coords(face.landmarks, face.landmarks)).mean()))
    print(json.dumps({
        "images": len(dlib_chip),
        "dlib_template_112": np.round(dlib_template, 3).tolist(),
        "blazeface_template_112": np.round(blaze_template, 3).tolist(),
        "hog_box_from_blazeface_box": np.round(box, 4).tolist(),
        "landmark_error_chip_px_mean": {k: round(float(np.mean(v)), 3) for k, v in errors.items()},
    }, indent=1))


if __name__ == "__main__":
    main()
