"""The LFIC codec: ``Codec.encode(face) -> bytes`` and ``Codec.decode(bytes) -> face``.

Encoding is the lossless core's RAP + coding under a mask chosen for the byte budget;
decoding is the core's reconstruction restored by the learned decoder. Rate is set by
exactly one of ``max_bytes`` (never exceeded), ``bpp`` (a cap of bpp*H*W/8 bytes) or
``quality`` (0..100, a fixed rate curve: see ``bpp_for_quality``).
"""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional, Sequence, Union

import numpy as np

from cvlfic import bitstream
from cvlfic.backends.inputs import decoder_inputs
from cvlfic.errors import CorruptStreamError
from cvlfic.lfic.mask_search import (greedy_sequence, longest_fitting_prefix, mask_from_sequence,
                                     search_weights, sequence_costs)
from cvlfic.lfic.model_files import DEFAULT_MODEL, find_model, model_metadata
from cvlfic.lfic.region_errors import RegionErrors

DEFAULT_QUALITY = 50
LOWEST_BPP, HIGHEST_BPP = 0.03, 1.0
DEFAULT_LEVEL_CANDIDATES = (4, 6, 8, 12, 16, 24, 32)


def bpp_for_quality(quality: float) -> float:
    """Quality 0..100 -> bits per pixel, geometric from 0.03 (0) to 1.0 (100); 50 -> 0.17."""
    if not 0 <= quality <= 100:
        raise ValueError("quality must be in 0..100")
    return LOWEST_BPP * (HIGHEST_BPP / LOWEST_BPP) ** (quality / 100.0)


def _check_face(face: np.ndarray) -> np.ndarray:
    if not isinstance(face, np.ndarray) or face.dtype != np.uint8:
        raise TypeError("face must be a numpy uint8 array (BGR)")
    if face.ndim != 3 or face.shape[2] != 3 or min(face.shape[:2]) < 1:
        raise ValueError(f"face must be H x W x 3 BGR, got shape {face.shape}")
    return np.ascontiguousarray(face)


class Codec:
    """A loaded model plus its inference backend, for repeated calls."""

    def __init__(self, model: Union[str, Path] = DEFAULT_MODEL, backend: str = "auto",
                 threads: Optional[int] = None):
        self.model_dir = find_model(model)
        self.meta = model_metadata(self.model_dir)
        self.profile_id = int(self.meta["profile"])
        self.profile = bitstream.profile_info(self.profile_id)
        importance = self.meta.get("importance")
        self.importance = None if importance is None else np.asarray(importance, np.float32)
        self.level_candidates = tuple(self.meta.get("level_candidates", DEFAULT_LEVEL_CANDIDATES))
        # Calibrated [bpp, levels] pairs (see cvlfic.train.calibrate): the level count that
        # restored faces best, by descriptor distance, at each rate.
        self.rate_levels = [tuple(p) for p in self.meta.get("rate_levels", [])]
        # How the fast mode's greedy order trades the prior against cost (calibrated per
        # model; absent = weighted pooling error alone, as the first models shipped).
        search = self.meta.get("mask_search", {})
        self.importance_exponent = float(search.get("importance_exponent", 1.0))
        self.cost_exponent = float(search.get("cost_exponent", 0.0))
        self.backend = backend
        self.threads = threads
        self._runner = None

    # -- encoding -------------------------------------------------------------------------
    def budget_bytes(self, shape, bpp: Optional[float], max_bytes: Optional[int],
                     quality: Optional[float]) -> int:
        given = [v is not None for v in (bpp, max_bytes, quality)]
        if sum(given) > 1:
            raise ValueError("give at most one of bpp, max_bytes, quality")
        if max_bytes is not None:
            return int(max_bytes)
        if bpp is None:
            bpp = bpp_for_quality(DEFAULT_QUALITY if quality is None else quality)
        if bpp <= 0:
            raise ValueError("bpp must be positive")
        return int(bpp * shape[0] * shape[1] / 8)

    def _importance_for(self, mask_shape) -> Optional[np.ndarray]:
        if self.importance is not None and self.importance.shape == tuple(mask_shape):
            return self.importance
        return None  # a crop of another size: no learned prior for its regions

    def encode(self, face: np.ndarray, *, bpp: Optional[float] = None,
               max_bytes: Optional[int] = None, quality: Optional[float] = None,
               mode: str = "fast") -> bytes:
        """Compress a BGR uint8 face crop to at most the budget in bytes."""
        face = _check_face(face)
        budget = self.budget_bytes(face.shape, bpp, max_bytes, quality)
        if mode == "fast":
            return self._encode_fast(face, budget)
        if mode == "fixed":
            return self._encode_fixed(face, budget)
        if mode == "best":
            from cvlfic.lfic.algorithm1 import encode_best
            return encode_best(self, face, budget)
        raise ValueError(f"mode must be 'fast', 'best' or 'fixed', not {mode!r}")

    def _encode_fast(self, face: np.ndarray, budget: int) -> bytes:
        mask, levels = self.fast_choice(face, budget)
        return bitstream.encode_pooled(face, mask, self.profile_id, levels)

    def _encode_fixed(self, face: np.ndarray, budget: int) -> bytes:
        """Regular fixed pooling (the paper's RFP ablation): one block size everywhere, the
        finest that fits with any level count, at the most levels that still fit."""
        shape = bitstream.mask_shape(face.shape[0], face.shape[1], self.profile_id)
        for index in reversed(range(len(self.profile["block_sizes"][0]))):
            mask = np.full(shape, index, np.uint8)
            for levels in reversed(self.level_candidates):
                data = bitstream.encode_pooled(face, mask, self.profile_id, levels)
                if len(data) <= budget:
                    return data
        raise ValueError(f"budget of {budget} bytes is below this crop's minimum")

    def levels_for_budget(self, shape, budget: int):
        """Level counts worth trying at this rate: the calibrated one nearest to it (in log
        rate), or every candidate for a model without calibration."""
        if not self.rate_levels:
            return self.level_candidates
        bpp = 8.0 * budget / (shape[0] * shape[1])
        rates = np.log([r for r, _ in self.rate_levels])
        nearest = int(np.argmin(np.abs(rates - np.log(max(bpp, 1e-6)))))
        return (self.rate_levels[nearest][1],)

    def fast_choice(self, face: np.ndarray, budget: int, level_candidates=None):
        """(mask, levels): per level count, the longest greedy prefix within budget; keep the
        one with the least weighted pooling error."""
        if level_candidates is None:
            level_candidates = self.levels_for_budget(face.shape, budget)
        shape = bitstream.mask_shape(face.shape[0], face.shape[1], self.profile_id)
        weight, step_cost = search_weights(self._importance_for(shape), self.profile["block_sizes"],
                                           self.profile["region"], self.importance_exponent,
                                           self.cost_exponent)
        if weight is None:
            weight = np.ones(shape)
        region_errors = RegionErrors(face, self.profile)
        best = None
        for levels in level_candidates:
            errors = region_errors(levels)
            sequence = greedy_sequence(errors, weight, step_cost)

            def size_of(k: int) -> int:
                return len(bitstream.encode_pooled(face, mask_from_sequence(shape, sequence, k),
                                                   self.profile_id, levels))

            costs = sequence_costs(sequence, self.profile["block_sizes"], self.profile["region"])
            k = longest_fitting_prefix(size_of, len(sequence), budget, costs)
            if k < 0:
                continue
            mask = mask_from_sequence(shape, sequence, k)
            picked = np.take_along_axis(errors, mask[..., None].astype(np.int64), 2)[..., 0]
            distortion = float((weight * picked).sum())
            if best is None or distortion < best[0]:
                best = (distortion, mask, levels)
        if best is None and tuple(level_candidates) != self.level_candidates[:1]:
            return self.fast_choice(face, budget, self.level_candidates[:1])  # coarsest levels
        if best is None:
            smallest = len(bitstream.encode_pooled(face, np.zeros(shape, np.uint8),
                                                   self.profile_id, self.level_candidates[0]))
            raise ValueError(f"budget of {budget} bytes is below this crop's minimum of {smallest}")
        return best[1], best[2]

    # -- decoding -------------------------------------------------------------------------
    @property
    def runner(self):
        if self._runner is None:
            from cvlfic.backends.select import create_runner
            self._runner = create_runner(self.model_dir, self.backend, self.threads)
        return self._runner

    def decoder_inputs(self, data: bytes):
        recon, mask, info = bitstream.decode_pooled(data)
        if info["profile"] != self.profile_id:
            raise CorruptStreamError(
                f"stream uses profile {info['profile']}, model {self.model_dir.name} decodes "
                f"profile {self.profile_id}")
        inputs = decoder_inputs(recon, mask, info["levels"], self.profile["region"],
                                self.profile["block_sizes"][0])
        return inputs, (info["height"], info["width"])

    def decode(self, data: bytes) -> np.ndarray:
        """Restore a BGR uint8 face of the encoded size."""
        return self.decode_batch([data])[0]

    def decode_batch(self, streams: Sequence[bytes]) -> List[np.ndarray]:
        """Decode many streams, batching those of equal size through the network."""
        prepared = [self.decoder_inputs(d) for d in streams]
        out: List[Optional[np.ndarray]] = [None] * len(prepared)
        groups = {}
        for i, (inputs, size) in enumerate(prepared):
            groups.setdefault(inputs[0].shape, []).append(i)
        for indices in groups.values():
            batch = [np.concatenate([prepared[i][0][j] for i in indices]) for j in range(3)]
            restored = self.runner(*batch)
            for row, i in enumerate(indices):
                h, w = prepared[i][1]
                bgr = restored[row, :, :h, :w].transpose(1, 2, 0)
                out[i] = np.clip(np.rint(bgr * 255.0), 0, 255).astype(np.uint8)
        return out
