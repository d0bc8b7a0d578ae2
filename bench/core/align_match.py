"""How close the C core's alignment (``cvlfic_align_face``) is to ``cvlfic.align_face`` (dlib).

On N LFW images (the first image of N identities of a fixed shuffle), dlib's HOG detector
and 5-point predictor give the landmarks (``cvlfic.face.detect_faces``, largest face), and
each crop below is compared with ``cvlfic.align_face`` (dlib's ``get_face_chip``, 112 px):

- ``core``: ``cvlfic.face.align.align_face_points`` (the C core);
- ``opencv_template``: the former no-dlib path of ``standard_crop``, a least-squares
  similarity onto ``DLIB_TEMPLATE_112`` and ``cv2.warpAffine`` (bilinear, black border);
- ``opencv_core_transform``: ``cv2.warpAffine`` with the core's transform
  (``alignment_transform``): the core's geometry with OpenCV's sampling.

``--random N`` adds N random cases against ``dlib.get_face_chip`` directly: the same LFW
faces rotated and rescaled (down to dlib's pyramid), shifted off the image, posterized (flat
areas), gray, with random or half-pixel points, at crop sizes 2-300.

    python bench/core/align_match.py --faces 600 --random 3000 [--out results/core]  # ~2 min
"""
from __future__ import annotations

import sys

import argparse
import json
import random
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/: devdata
import devdata  # noqa: E402,F401  (CVLFIC_DATA: the checkout's data folder when unset)

from cvlfic import datasets
from cvlfic.face import align_face, detect_faces
from cvlfic.face.align import align_face_points, alignment_transform
from cvlfic.face.landmarks import DLIB_TEMPLATE_112, similarity

SIZE = 112


def sample_paths(count: int, seed: int = 0) -> list:
    folders = sorted(p for p in datasets.lfw_dir().iterdir() if p.is_dir())
    random.Random(seed).shuffle(folders)
    return [sorted(f.glob("*.jpg"))[0] for f in folders[:count]]


def warp(image, to_crop):
    return cv2.warpAffine(image, np.asarray(to_crop, np.float64), (SIZE, SIZE), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT)


def measure(count: int, seed: int = 0) -> dict:
    methods = {
        "core": lambda img, lm: align_face_points(img, lm, SIZE),
        "opencv_template": lambda img, lm: warp(img, similarity(lm, DLIB_TEMPLATE_112)),
        "opencv_core_transform": lambda img, lm: warp(img, alignment_transform(lm, SIZE)),
    }
    diffs = {name: [] for name in methods}
    faces = 0
    for path in sample_paths(count, seed):
        image = cv2.imread(str(path))
        found = detect_faces(image)
        if not found:
            continue
        faces += 1
        reference = align_face(image, found[0], SIZE).astype(np.int16)
        for name, crop in methods.items():
            diffs[name].append(np.abs(crop(image, found[0].landmarks).astype(np.int16) - reference))
    result = {"faces": faces, "size": SIZE, "reference": "cvlfic.align_face (dlib get_face_chip)"}
    for name, d in diffs.items():
        stack = np.stack(d)
        result[name] = {
            "identical_fraction": float(np.mean([not x.any() for x in d])),
            "max_abs_diff": int(stack.max()),
            "mean_abs_diff": round(float(stack.mean()), 4),
            "differing_pixel_fraction": round(float((stack > 0).mean()), 4),
        }
    return result


def dlib_chip(image, points, size):
    import dlib
    shape = dlib.full_object_detection(dlib.rectangle(0, 0, 1, 1),
                                       [dlib.point(int(round(float(x))), int(round(float(y))))
                                        for x, y in points])
    if image.ndim == 2:
        return np.asarray(dlib.get_face_chip(image, shape, size=size, padding=0.25))
    rgb = np.ascontiguousarray(image[:, :, ::-1])
    return np.asarray(dlib.get_face_chip(rgb, shape, size=size, padding=0.25))[:, :, ::-1]


def random_cases(count: int, faces: int, seed: int = 0) -> dict:
    """Core vs dlib on randomly transformed LFW faces: {kind: [cases, identical]}."""
    rng = np.random.default_rng(seed)
    samples = []
    for path in sample_paths(faces, seed):
        image = cv2.imread(str(path))
        found = detect_faces(image)
        if found:
            samples.append((image, found[0].landmarks.astype(np.float64)))
    kinds = ["lfw", "rotated_rescaled", "shifted", "flat", "gray", "random_points", "half_pixel"]
    tally = {kind: [0, 0] for kind in kinds}
    sizes = [2, 3, 8, 16, 40, 56, 64, 96, 112, 150, 160, 200, 224, 256, 300]
    while sum(t[0] for t in tally.values()) < count:
        image, points = samples[rng.integers(len(samples))]
        kind = kinds[rng.integers(len(kinds))]
        size = int(rng.choice(sizes))
        if kind == "rotated_rescaled":
            scale = rng.uniform(0.3, 4.0)
            m = cv2.getRotationMatrix2D((125, 125), rng.uniform(-180, 180), scale)
            m[:, 2] += (scale * 250 - 250) / 2
            side = int(250 * scale) + 1
            image, points = cv2.warpAffine(image, m, (side, side)), points @ m[:, :2].T + m[:, 2]
        elif kind == "shifted":
            points = points + rng.uniform(-200, 200, 2)
        elif kind == "flat":
            image = cv2.resize(cv2.resize(image // 64 * 64, (25, 25)), (250, 250), interpolation=cv2.INTER_NEAREST)
        elif kind == "gray":
            image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        elif kind == "random_points":
            points = rng.uniform(-50, 300, (5, 2))
        elif kind == "half_pixel":
            points = np.floor(points) + 0.5 * rng.integers(0, 2, (5, 2))
        points = points.astype(np.float32)
        try:
            crop = align_face_points(image, points, size)
        except ValueError:  # degenerate random points
            continue
        tally[kind][0] += 1
        tally[kind][1] += bool(np.array_equal(crop, dlib_chip(image, points, size)))
    return tally


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=int, default=600)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--random", type=int, default=0, help="random cases against dlib (0: none)")
    parser.add_argument("--out", type=Path, default=None, help="folder for align_match.json")
    args = parser.parse_args()
    result = measure(args.faces, args.seed)
    if args.random:
        tally = random_cases(args.random, min(args.faces, 100), args.seed)
        result["random_cases_vs_dlib"] = {kind: {"cases": n, "identical": same} for kind, (n, same) in tally.items()}
    text = json.dumps(result, indent=1)
    print(text)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "align_match.json").write_text(text + "\n")


if __name__ == "__main__":
    main()
