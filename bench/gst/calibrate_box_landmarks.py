"""Measure the box templates of cvlficfaceenc (``box-landmarks``): where dlib's 5 points sit
inside a face detector's box, in fractions of the box.

Reference points: dlib's 5-point predictor (cvlfic's landmarks) on dlib's HOG box of the face.
Detectors: OpenCV's Haar cascades ``haarcascade_frontalface_alt2.xml`` and
``haarcascade_profileface.xml`` with the settings of the pipeline in docs/gstreamer.md (scale
1.1, minimum 20 px, canny pruning; 3 neighbours frontal, 2 profile), and dlib's HOG box itself.
A detection counts for a face when it holds the centre of the face's 5 points.

For every detector: the number of faces, the median position of each point (the template),
and the error of the template's points in the 112 px standard crop (pixels, mean over the 5
points; the crop cut at the reference points), mean and median over the faces.

    python bench/gst/calibrate_box_landmarks.py --lfw-step 7 \
        --clip-boxes haar-frontal=frontal.txt haar-profile=profile.txt --reference ref.lfics \
        -o results/gst/box_landmarks_calibration.json

On the sample clip the reference points are those of ``cvlfic video`` (ref.lfics) and the boxes
come from the facedetect elements' bus messages (``gst-launch-1.0 -m``, one file per cascade,
one line per frame; the commands are in docs/gstreamer.md). "crop_error_px": mean and median
over the faces; "... with the lfw/clip template": the other set's medians on this set's faces.
"""
from __future__ import annotations

import argparse
import collections
import glob
import json
import re
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/: devdata
import devdata  # noqa: E402,F401  (CVLFIC_DATA: the checkout's data folder when unset)

HAAR = "/usr/share/opencv4/haarcascades"
CASCADES = {"haar-frontal": ("haarcascade_frontalface_alt2.xml", 3),
            "haar-profile": ("haarcascade_profileface.xml", 2)}
DLIB_TEMPLATE_112 = np.array([[82.372, 34.457], [66.687, 34.889], [27.264, 34.606],
                              [42.856, 34.964], [54.618, 64.911]])


def similarity(src, dst):
    src, dst = np.asarray(src, float), np.asarray(dst, float)
    s0, d0 = src.mean(0), dst.mean(0)
    a, b = src - s0, dst - d0
    norm = (a ** 2).sum()
    p = (a * b).sum() / norm
    q = (a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]).sum() / norm
    rot = np.array([[p, -q], [q, p]])
    return np.hstack([rot, (d0 - rot @ s0)[:, None]])


def relative(points, box):
    left, top, right, bottom = box
    return np.stack([(points[:, 0] - left) / (right - left), (points[:, 1] - top) / (bottom - top)], 1)


def crop_error(template, pairs):
    """Mean distance (112 px crop) between the template's points and the reference points."""
    errors = []
    for box, points in pairs:
        left, top, right, bottom = box
        guess = np.stack([left + template[:, 0] * (right - left), top + template[:, 1] * (bottom - top)], 1)
        to_crop = similarity(points, DLIB_TEMPLATE_112)
        moved = guess @ to_crop[:, :2].T + to_crop[:, 2]
        errors.append(np.linalg.norm(moved - DLIB_TEMPLATE_112, axis=1).mean())
    return float(np.mean(errors)), float(np.median(errors))


def summary(pairs_by_detector):
    out = {}
    for name, pairs in pairs_by_detector.items():
        if not pairs:
            out[name] = {"faces": 0}
            continue
        rel = np.array([relative(points, box) for box, points in pairs])
        median = np.median(rel, 0)
        out[name] = {"faces": len(pairs), "template": [round(float(v), 4) for v in median.reshape(-1)],
                     "crop_error_px": [round(v, 2) for v in crop_error(median, pairs)]}
    return out


def cross_errors(result, pairs):
    """The error of each detector's template measured on the other set, on this set's faces."""
    for this, other in (("lfw", "clip"), ("clip", "lfw")):
        for name, entry in result.get(this, {}).items():
            template = result.get(other, {}).get(name, {}).get("template") if isinstance(entry, dict) else None
            if template and pairs[this].get(name):
                t = np.asarray(template, float).reshape(5, 2)
                entry[f"crop_error_px with the {other} template"] = [round(v, 2) for v in crop_error(t, pairs[this][name])]


def lfw_pairs(step: int):
    from cvlfic.face.detect import detect_faces
    cascades = {name: (cv2.CascadeClassifier(f"{HAAR}/{file}"), neighbours)
                for name, (file, neighbours) in CASCADES.items()}
    pairs = collections.defaultdict(list)
    from cvlfic import datasets
    files = sorted(glob.glob(str(datasets.lfw_dir() / "*" / "*.jpg")))[::step]
    for file in files:
        image = cv2.imread(file)
        faces = detect_faces(image, detector="hog")
        if not faces:
            continue
        h, w = image.shape[:2]
        face = min(faces, key=lambda f: abs((f.box[0] + f.box[2]) / 2 - w / 2) + abs((f.box[1] + f.box[3]) / 2 - h / 2))
        points = np.asarray(face.landmarks, float)
        pairs["dlib-hog"].append((face.box, points))
        cx, cy = points.mean(0)
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        for name, (cascade, neighbours) in cascades.items():
            found = cascade.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=neighbours,
                                             flags=cv2.CASCADE_DO_CANNY_PRUNING, minSize=(20, 20))
            inside = [(x, y, x + bw, y + bh) for x, y, bw, bh in found
                      if x <= cx <= x + bw and y <= cy <= y + bh]
            if inside:
                pairs[name].append((max(inside, key=lambda b: b[2] - b[0]), points))
    return pairs, len(files)


def clip_pairs(boxes_files, reference):
    """Boxes from `gst-launch-1.0 -m ... facedetect` bus messages (one file per detector,
    name=file), matched to the faces of a `cvlfic video` stream (half of the smaller box)."""
    from cvlfic.video import read_face_stream
    from cvlfic.video.records import FaceRecord
    ref = collections.defaultdict(list)
    for item in read_face_stream(reference):
        if isinstance(item, FaceRecord):
            ref[item.frame_index].append((tuple(item.box), np.asarray(item.landmarks, float)))
    pattern = re.compile(r"x=\(uint\)(\d+), y=\(uint\)(\d+), width=\(uint\)(\d+), height=\(uint\)(\d+)")
    pairs = {}
    for spec in boxes_files:
        name, file = spec.split("=", 1)
        found = []
        for frame, line in enumerate(Path(file).read_text().splitlines()):
            for x, y, w, h in pattern.findall(line.replace("\\", "")):
                box = (int(x), int(y), int(x) + int(w), int(y) + int(h))
                for rbox, points in ref[frame]:
                    inter = max(0, min(box[2], rbox[2]) - max(box[0], rbox[0])) * \
                        max(0, min(box[3], rbox[3]) - max(box[1], rbox[1]))
                    smaller = min((box[2] - box[0]) * (box[3] - box[1]), (rbox[2] - rbox[0]) * (rbox[3] - rbox[1]))
                    if inter >= 0.5 * smaller:
                        found.append((box, points))
        pairs[name] = found
    return pairs


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lfw-step", type=int, default=0, help="every Nth LFW image (0: skip LFW)")
    parser.add_argument("--clip-boxes", nargs="*", default=[], metavar="DETECTOR=FILE")
    parser.add_argument("--reference", help="the clip's cvlfic video stream (.lfics)")
    parser.add_argument("-o", "--output")
    args = parser.parse_args()
    result, pairs = {}, {}
    if args.lfw_step:
        pairs["lfw"], images = lfw_pairs(args.lfw_step)
        result["lfw"] = {"images": images, **summary(pairs["lfw"])}
    if args.clip_boxes:
        pairs["clip"] = clip_pairs(args.clip_boxes, args.reference)
        result["clip"] = summary(pairs["clip"])
    cross_errors(result, pairs)
    text = json.dumps(result, indent=1)
    print(text)
    if args.output:
        Path(args.output).write_text(text + "\n")


if __name__ == "__main__":
    main()
