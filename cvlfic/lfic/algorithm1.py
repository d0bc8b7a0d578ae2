"""The paper's Algorithm 1 (``mode="best"``): refine where the semantic loss pulls hardest.

Start from the largest block everywhere; repeat: decode through G, take the gradient of
the loss (semantic + content) with respect to the decoder input x_RAP, sum its magnitude
per region, switch the region(s) with the largest sum to their next smaller block; stop
when the budget would be exceeded. Needs torch and the recognizer port; ~1 s per face.
"""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np
import torch

from cvlfic import bitstream
from cvlfic.nets.network import block_size_map, step_value
from cvlfic.nets.rap import PROFILES

CONTENT_WEIGHT = 1.0


class SemanticGradient:
    """Loss and its gradient with respect to the decoder input, for one face."""

    def __init__(self, decoder, embedder, face: np.ndarray, profile_id: int):
        self.decoder = decoder
        self.embed = embedder.embed_tensor
        self.profile = PROFILES[profile_id]
        self.real = torch.from_numpy(np.array(face)).permute(2, 0, 1)[None].float() / 255.0
        with torch.no_grad():
            self.target = self.embed(self.real.flip(1))

    def __call__(self, recon: np.ndarray, mask: np.ndarray, levels: int) -> Tuple[float, np.ndarray]:
        """(loss, |gradient| summed per region as a Mh x Mw array)."""
        h, w = recon.shape[:2]
        planes = torch.from_numpy(recon).permute(2, 0, 1)[None].float().requires_grad_(True)
        log2 = block_size_map(torch.from_numpy(mask)[None], h, w, self.profile.region, self.profile.blocks)
        fake = self.decoder(planes, log2, torch.tensor([step_value(levels)]))
        loss = ((self.embed(fake.flip(1)) - self.target) ** 2).sum() \
            + CONTENT_WEIGHT * (fake - self.real).abs().mean()
        (grad,) = torch.autograd.grad(loss, planes)
        r = self.profile.region
        mh, mw = mask.shape
        g = grad.abs().sum(1)[0]
        g = torch.nn.functional.pad(g, (0, mw * r - w, 0, mh * r - h))
        return float(loss.detach()), g.reshape(mh, r, mw, r).sum((1, 3)).numpy()


def refine_for_budget(face: np.ndarray, profile_id: int, levels: int, budget: int,
                      gradient: SemanticGradient, per_step: int = 3,
                      max_loops: int = 200) -> Optional[Tuple[float, np.ndarray]]:
    """Algorithm 1 at one level count: (final loss, mask) of the last state within budget."""
    shape = bitstream.mask_shape(face.shape[0], face.shape[1], profile_id)
    finest = len(PROFILES[profile_id].blocks) - 1
    mask = np.zeros(shape, np.uint8)
    if len(bitstream.encode_pooled(face, mask, profile_id, levels)) > budget:
        return None
    for _ in range(max_loops):
        recon = bitstream.reconstruct(face, mask, profile_id, levels)
        loss, g = gradient(recon, mask, levels)
        g = np.where(mask < finest, g, -np.inf).reshape(-1)
        order = [r for r in np.argsort(-g) if np.isfinite(g[r])]
        if not order:
            break
        # Try the top regions; if they overshoot, fall back to the single best one.
        for take in (per_step, 1):
            trial = mask.reshape(-1).copy()
            trial[order[:take]] += 1
            trial = trial.reshape(shape)
            if len(bitstream.encode_pooled(face, trial, profile_id, levels)) <= budget:
                mask = trial
                break
        else:
            break
    recon = bitstream.reconstruct(face, mask, profile_id, levels)
    return gradient(recon, mask, levels)[0], mask


def encode_best(codec, face: np.ndarray, budget: int) -> bytes:
    """Algorithm 1 at the fast mode's level count and its two neighbours; keep the lowest loss."""
    from cvlfic.nets.export import load_decoder
    from cvlfic.recognition import FaceEmbedder

    decoder = load_decoder(codec.model_dir)
    gradient = SemanticGradient(decoder, FaceEmbedder(), face, codec.profile_id)
    candidates = codec.level_candidates
    at = candidates.index(codec.fast_choice(face, budget)[1])
    best = None
    for levels in candidates[max(0, at - 1):at + 2]:
        result = refine_for_budget(face, codec.profile_id, levels, budget, gradient)
        if result is not None and (best is None or result[0] < best[0]):
            best = (result[0], result[1], levels)
    if best is None:
        raise ValueError(f"budget of {budget} bytes is below this crop's minimum")
    return bitstream.encode_pooled(face, best[1], codec.profile_id, best[2])
