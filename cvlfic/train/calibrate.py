"""Rate calibration of the fast mode: which level count restores faces best at each rate.

For held-out training crops and a ladder of rates, encode with each candidate level count
alone (fast greedy mask), decode through the model, and measure the dlib-port descriptor
distance to the original. The winner per rate is stored as ``rate_levels`` in model.json;
the fast mode then tries only the calibrated level counts around the requested rate.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Sequence

import numpy as np
from tqdm import tqdm

from cvlfic import bitstream
from cvlfic.lfic.codec import Codec

CALIBRATION_BPP = (0.04, 0.06, 0.08, 0.1, 0.13, 0.17, 0.22, 0.3, 0.4, 0.55, 0.75, 1.0)


def calibrate_levels(model_dir: Path, crops: np.ndarray,
                     rates: Sequence[float] = CALIBRATION_BPP) -> Dict:
    from cvlfic.recognition import FaceEmbedder

    codec = Codec(model_dir)
    embedder = FaceEmbedder()
    crops = np.ascontiguousarray(crops)
    reference = embedder.embed_bgr(crops)
    h, w = crops.shape[1:3]
    table: List[List] = []
    detail = {}
    for bpp in tqdm(rates, desc="calibrating rates", unit="rate"):
        budget = int(bpp * h * w / 8)
        distances = {}
        for levels in codec.level_candidates:
            decoded, sizes = [], []
            for crop in crops:
                try:
                    mask, chosen = codec.fast_choice(crop, budget, (levels,))
                except ValueError:
                    break
                if chosen != levels:
                    break  # this level count does not fit the rate
                data = bitstream.encode_pooled(crop, mask, codec.profile_id, levels)
                sizes.append(len(data))
                decoded.append(codec.decode(data))
            else:
                dist = np.linalg.norm(embedder.embed_bgr(np.stack(decoded)) - reference, axis=1)
                distances[levels] = float(dist.mean())
        if distances:
            best = min(distances, key=distances.get)
            table.append([bpp, best])
            detail[str(bpp)] = distances
    return {"rate_levels": table, "rate_levels_detail": detail, "rate_levels_crops": int(len(crops))}


def store_calibration(model_dir: Path, crops: np.ndarray) -> Dict:
    result = calibrate_levels(model_dir, crops)
    path = model_dir / "model.json"
    meta = json.loads(path.read_text())
    meta.update(result)
    path.write_text(json.dumps(meta, indent=2) + "\n")
    return result
