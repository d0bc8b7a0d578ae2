"""Calibration of the fast mode on held-out crops: its mask search, then its levels per rate.

Both are chosen by what the product is for: the mean dlib-port descriptor distance between
held-out training crops and their decoded faces.

- ``mask_search``: the greedy order ranks a refinement step by (importance ** a) x (pooling
  error removed) / (values the step adds) ** b. The exponents (a, b) with the smallest mean
  distance over ``SEARCH_BPP`` are stored.
- ``rate_levels``: per rate, the level count with the smallest mean distance (the fast
  mode then tries only the calibrated level count nearest the requested rate).

The levels are calibrated first at the search's rates under the default search, then the
search, then the levels at every rate under the chosen search.
"""
from __future__ import annotations

import itertools
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Dict, List, Optional, Sequence

import numpy as np
from tqdm import tqdm

from cvlfic import _core, bitstream
from cvlfic.lfic.codec import Codec
from cvlfic.lfic.encoder_params import encoder_params, write_encoder_file

CALIBRATION_BPP = (0.04, 0.06, 0.08, 0.1, 0.13, 0.17, 0.22, 0.3, 0.4, 0.55, 0.75, 1.0)
SEARCH_BPP = (0.06, 0.1, 0.2, 0.3)
SEARCH_GRID = {"importance_exponent": (1.0, 2.0, 4.0, 6.0), "cost_exponent": (0.0, 1.0)}


class DistanceProbe:
    """Mean descriptor distance of held-out crops after a fast-mode round trip."""

    def __init__(self, codec: Codec, crops: np.ndarray):
        from cvlfic.recognition import FaceEmbedder

        self.codec = codec
        # The search settings being calibrated; the codec's encoder is rebuilt from them.
        search = codec.meta.get("mask_search", {})
        self.search = SimpleNamespace(importance_exponent=float(search.get("importance_exponent", 1.0)),
                                      cost_exponent=float(search.get("cost_exponent", 0.0)),
                                      rate_levels=list(codec.rate_levels))
        self._applied = None
        self.embedder = FaceEmbedder()
        self.crops = np.ascontiguousarray(crops)
        self.reference = self.embedder.embed_bgr(self.crops)

    def __call__(self, bpp: float, levels: Optional[int] = None) -> Optional[float]:
        """None when ``levels`` (if given) does not fit every crop at this rate."""
        self._apply_search()
        budget = self.codec.budget_bytes(self.crops.shape[1:3], bpp, None, None)
        streams = []
        for crop in self.crops:
            try:
                mask, chosen = self.codec.fast_choice(crop, budget, None if levels is None else (levels,))
            except ValueError:
                return None
            if levels is not None and chosen != levels:
                return None  # this level count does not fit the rate
            streams.append(bitstream.encode_pooled(crop, mask, self.codec.profile_id, chosen))
        decoded = self.codec.decode_batch(streams)
        return float(np.linalg.norm(self.embedder.embed_bgr(np.stack(decoded)) - self.reference,
                                    axis=1).mean())


    def _apply_search(self) -> None:
        s = self.search
        key = (s.importance_exponent, s.cost_exponent, tuple(map(tuple, s.rate_levels)))
        if key == self._applied:
            return
        codec, importance = self.codec, self.codec.meta.get("importance")
        codec.encoder = _core.Encoder(encoder_params(
            codec.profile_id, None if importance is None else np.asarray(importance, np.float32),
            s.importance_exponent, s.cost_exponent, s.rate_levels, codec.level_candidates,
            codec.gray_share()))
        codec._level_encoders = {}
        self._applied = key


def calibrate_levels(probe: DistanceProbe, rates: Sequence[float] = CALIBRATION_BPP) -> Dict:
    table: List[List] = []
    detail = {}
    for bpp in tqdm(rates, desc="calibrating levels", unit="rate"):
        distances = {}
        for levels in probe.codec.level_candidates:
            dist = probe(bpp, levels)
            if dist is not None:
                distances[levels] = dist
        if distances:
            table.append([bpp, min(distances, key=distances.get)])
            detail[str(bpp)] = distances
    return {"rate_levels": table, "rate_levels_detail": detail}


def calibrate_search(probe: DistanceProbe, rates: Sequence[float] = SEARCH_BPP) -> Dict:
    detail = {}
    best = None
    grid = list(itertools.product(*SEARCH_GRID.values()))
    for a, b in tqdm(grid, desc="calibrating mask search", unit="setting"):
        probe.search.importance_exponent, probe.search.cost_exponent = a, b
        dist = float(np.mean([probe(bpp) for bpp in rates]))
        detail[f"importance^{a:g}, cost^{b:g}"] = dist
        if best is None or dist < best[0]:
            best = (dist, a, b)
    probe.search.importance_exponent, probe.search.cost_exponent = best[1], best[2]
    return {"mask_search": {"importance_exponent": best[1], "cost_exponent": best[2]},
            "mask_search_detail": detail, "mask_search_bpp": list(rates)}


def calibrate(model_dir: Path, crops: np.ndarray) -> Dict:
    codec = Codec(model_dir)
    probe = DistanceProbe(codec, crops)
    levels = calibrate_levels(probe, SEARCH_BPP)
    probe.search.rate_levels = [tuple(p) for p in levels["rate_levels"]]
    search = calibrate_search(probe)
    levels = calibrate_levels(probe)
    return {**search, **levels, "calibration_crops": int(len(crops))}


def store_calibration(model_dir: Path, crops: np.ndarray) -> Dict:
    result = calibrate(model_dir, crops)
    path = model_dir / "model.json"
    meta = json.loads(path.read_text())
    meta.pop("rate_levels_crops", None)  # named calibration_crops now
    meta.update(result)
    path.write_text(json.dumps(meta, indent=2) + "\n")
    write_encoder_file(model_dir, meta)  # what the core's encoder reads
    return result
