"""Masks and levels as the fast encoder picks them, for training on what decoding will see.

Random masks teach the decoder every mix of block sizes; the fast encoder, though, produces
one family of masks (the face centre refined first, the calibrated level count per rate).
Fine-tuning on that family spends the small decoder's capacity where real streams are.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence, Tuple, Union

import numpy as np
import torch

from cvlfic import bitstream


class EncoderMasks:
    """Draws a rate per crop (log-uniform in ``bpp_range``) and asks the fast mode of
    ``model`` (a name or folder: its semantic prior and calibration) for mask and levels."""

    def __init__(self, model: Union[str, Path], bpp_range: Sequence[float]):
        from cvlfic.lfic.codec import Codec  # the encoder side needs no network

        self.codec = Codec(model)
        low, high = bpp_range
        if not 0 < low <= high:
            raise ValueError(f"encoder_bpp must be 0 < low <= high, got {bpp_range}")
        self.log_range = (float(np.log(low)), float(np.log(high)))

    def choose(self, bgr_u8: torch.Tensor, bpp: float) -> Tuple[np.ndarray, int]:
        """(mask, levels) for one uint8 3 x H x W BGR crop at a rate cap."""
        face = np.ascontiguousarray(bgr_u8.permute(1, 2, 0).numpy())
        budget = self.codec.budget_bytes(face.shape, bpp, None, None)
        try:
            return self.codec.fast_choice(face, budget)
        except ValueError:  # below this crop's minimum: the coarsest stream is what it gets
            shape = bitstream.mask_shape(face.shape[0], face.shape[1], self.codec.profile_id)
            return np.zeros(shape, np.uint8), self.codec.level_candidates[0]

    def sample(self, bgr_u8: torch.Tensor, generator: torch.Generator):
        """Masks (int64 N x Mh x Mw) and levels (int64 N) for a uint8 N x 3 x H x W batch."""
        low, high = self.log_range
        rates = torch.exp(low + (high - low) * torch.rand(len(bgr_u8), generator=generator))
        return self.choose_batch(bgr_u8, rates.tolist())

    def choose_batch(self, bgr_u8: torch.Tensor, rates: Sequence[float]):
        """Masks (int64 N x Mh x Mw) and levels (int64 N), one rate cap per crop."""
        chosen = [self.choose(crop, float(bpp)) for crop, bpp in zip(bgr_u8, rates)]
        masks = torch.from_numpy(np.stack([m for m, _ in chosen]).astype(np.int64))
        levels = torch.tensor([lv for _, lv in chosen], dtype=torch.int64)
        return masks, levels
