"""The fast mode's semantic prior: where Algorithm 1's gradient lands, on average.

For held-out training crops at several uniform block sizes and level counts, take the
gradient of the semantic + content loss with respect to the decoder input (the quantity
Algorithm 1 ranks regions by), sum its magnitude per region, normalise per crop, and
average. The fast mode weights each region's pooling error by a power of this map (the
exponent is calibrated, see ``cvlfic.train.calibrate``), so it refines where Algorithm 1
would, at no run-time cost. Stored as ``importance`` in model.json.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from cvlfic import bitstream
from cvlfic.lfic.algorithm1 import SemanticGradient
from cvlfic.lfic.model_files import model_metadata
from cvlfic.nets.export import load_decoder


def importance_map(model_dir: Path, crops: np.ndarray, levels=(6, 12), blocks=(0, 1, 2)) -> np.ndarray:
    from cvlfic.recognition import FaceEmbedder

    meta = model_metadata(model_dir)
    profile = meta["profile"]
    decoder = load_decoder(model_dir)
    embedder = FaceEmbedder()
    h, w = crops.shape[1:3]
    shape = bitstream.mask_shape(h, w, profile)
    total = np.zeros(shape, np.float64)
    for crop in tqdm(crops, desc="importance", unit="crop"):
        crop = np.ascontiguousarray(crop)
        gradient = SemanticGradient(decoder, embedder, crop, profile)
        for lv in levels:
            for index in blocks:
                mask = np.full(shape, index, np.uint8)
                _, g = gradient(bitstream.reconstruct(crop, mask, profile, lv), mask, lv)
                total += g / max(g.sum(), 1e-12)
    total /= total.mean()
    return total.astype(np.float32)


def store_importance(model_dir: Path, crops: np.ndarray) -> np.ndarray:
    torch.set_grad_enabled(True)
    importance = importance_map(model_dir, crops)
    path = model_dir / "model.json"
    meta = json.loads(path.read_text())
    meta["importance"] = np.round(importance, 4).tolist()
    meta["importance_crops"] = int(len(crops))
    path.write_text(json.dumps(meta, indent=2) + "\n")
    from cvlfic.lfic.encoder_params import write_encoder_file
    write_encoder_file(model_dir, meta)
    return importance
