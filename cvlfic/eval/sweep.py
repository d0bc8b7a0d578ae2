"""Per-setting measurements of a codec on LFW crops, cached so reruns and resumes are cheap.

For one (codec, setting), every pair image's 112x112 crop is encoded and decoded; the file
size, PSNR and SSIM are recorded and the decoded crop, resized to 150x150 (bilinear), is
embedded by the recognizer. Results go to one ``.npz`` per (recognizer, codec, setting)
in ``cvlfic.cache.cache_dir()``, saved after every chunk, so an interrupted run resumes
where it stopped and a rerun only reads files.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Dict, Optional

import cv2
import numpy as np

from cvlfic.cache import cache_dir
from cvlfic.codecs import BenchCodec, codec_family
from cvlfic.eval.lfw import CROP_CACHE_VERSION
from cvlfic.eval.metrics import psnr, ssim

RECOGNIZER_SIZE = 150
DESCRIPTOR_SIZE = 128
# Bump when what is stored, or how it is computed, changes: old files are then ignored.
STORE_VERSION = 1

Embed = Callable[[np.ndarray], np.ndarray]  # N x 150 x 150 x 3 BGR uint8 -> N x 128


def to_recognizer_size(crops: np.ndarray) -> np.ndarray:
    """The recognizer's view of crops: resized to 150x150 with bilinear interpolation."""
    size = (RECOGNIZER_SIZE, RECOGNIZER_SIZE)
    if crops.shape[1:3] == size:
        return np.ascontiguousarray(crops)
    return np.stack([cv2.resize(c, size, interpolation=cv2.INTER_LINEAR) for c in crops])


class MeasurementStore:
    """Cached per-image arrays of one recognizer's runs, keyed by (codec, setting)."""

    def __init__(self, recognizer: str, root: Optional[Path] = None):
        base = Path(root) if root is not None else cache_dir()
        self.folder = base / f"lfw_bench_v{STORE_VERSION}_crops{CROP_CACHE_VERSION}" / recognizer

    def path(self, codec: str, setting) -> Path:
        return self.folder / codec / f"{setting}.npz"

    def load(self, codec: str, setting, n_images: int, tag: str,
             fresh: bool = False) -> Dict[str, np.ndarray]:
        """Stored arrays, or empty ones if ``fresh``, absent, or made by another ``tag``
        (it holds the codec's description: a changed codec configuration invalidates its
        cache)."""
        path = self.path(codec, setting)
        if path.is_file() and not fresh:
            with np.load(path) as stored:
                arrays = {k: stored[k] for k in stored.files}
            if str(arrays.get("tag")) == tag and len(arrays["done"]) == n_images:
                return arrays
        return {
            "tag": np.array(tag),
            "done": np.zeros(n_images, bool),
            "bytes": np.zeros(n_images, np.int64),
            "psnr": np.zeros(n_images, np.float64),
            "ssim": np.zeros(n_images, np.float64),
            "descriptors": np.zeros((n_images, DESCRIPTOR_SIZE), np.float32),
        }

    def save(self, codec: str, setting, arrays: Dict[str, np.ndarray]) -> None:
        path = self.path(codec, setting)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.stem + ".partial.npz")
        np.savez(partial, **arrays)
        os.replace(partial, path)  # atomic: a killed run never leaves a torn file


def measure_codec(codec: BenchCodec, crops112: np.ndarray, indices: np.ndarray, embed: Embed,
                  store: MeasurementStore, chunk: int = 512,
                  progress: Optional[Callable[[int], None]] = None,
                  fresh: bool = False) -> Dict[str, np.ndarray]:
    """Bytes, PSNR, SSIM and descriptors of ``crops112[indices]`` through ``codec``
    (arrays over all crops; entries outside ``indices`` may be unset, see ``done``).
    ``fresh``: ignore cached results (e.g. a retrained model under the same name)."""
    tag = f"{codec.name}:{codec.setting}:{codec_family(codec.name).description}"
    arrays = store.load(codec.name, codec.setting, len(crops112), tag, fresh)
    todo = np.asarray(indices)[~arrays["done"][indices]]
    if progress is not None:
        progress(len(indices) - len(todo))
    for start in range(0, len(todo), chunk):
        part = todo[start:start + chunk]
        decoded = np.empty((len(part), *crops112.shape[1:]), np.uint8)
        for j, i in enumerate(part):
            original = np.ascontiguousarray(crops112[i])
            data = codec.encode(original)
            decoded[j] = codec.decode(data)
            arrays["bytes"][i] = len(data)
            arrays["psnr"][i] = psnr(original, decoded[j])
            arrays["ssim"][i] = ssim(original, decoded[j])
        arrays["descriptors"][part] = embed(to_recognizer_size(decoded))
        arrays["done"][part] = True
        store.save(codec.name, codec.setting, arrays)
        if progress is not None:
            progress(len(part))
    return arrays


def measure_reference(name: str, crops: np.ndarray, indices: np.ndarray, embed: Embed,
                      store: MeasurementStore, chunk: int = 512,
                      progress: Optional[Callable[[int], None]] = None) -> np.ndarray:
    """Descriptors of uncompressed crops (resized to 150 if needed), cached as
    ``reference/<name>``."""
    tag = f"reference:{name}:{crops.shape[1]}x{crops.shape[2]}"
    arrays = store.load("reference", name, len(crops), tag)
    todo = np.asarray(indices)[~arrays["done"][indices]]
    if progress is not None:
        progress(len(indices) - len(todo))
    for start in range(0, len(todo), chunk):
        part = todo[start:start + chunk]
        arrays["descriptors"][part] = embed(to_recognizer_size(np.asarray(crops[part])))
        arrays["done"][part] = True
        store.save("reference", name, arrays)
        if progress is not None:
            progress(len(part))
    return arrays["descriptors"]
