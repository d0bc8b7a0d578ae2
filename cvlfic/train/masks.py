"""Random region masks and levels for training: the decoder must learn every mix."""
from __future__ import annotations

from typing import Sequence

import torch


def random_masks(count: int, shape: Sequence[int], block_count: int,
                 generator: torch.Generator, uniform_share: float = 0.25) -> torch.Tensor:
    """N x Mh x Mw block-size indices.

    Each mask draws its own mix of block sizes (a flat Dirichlet), so fine-everywhere,
    coarse-everywhere and everything between appear; ``uniform_share`` of them use a
    single block size everywhere (the fixed-pooling operating points).
    """
    mh, mw = shape
    # A flat Dirichlet is normalised i.i.d. exponentials.
    mix = -torch.log(torch.rand(count, block_count, generator=generator).clamp_min(1e-12))
    masks = torch.multinomial(mix, mh * mw, replacement=True, generator=generator).view(count, mh, mw)
    uniform = torch.rand(count, generator=generator) < uniform_share
    single = torch.randint(0, block_count, (count, 1, 1), generator=generator)
    return torch.where(uniform.view(-1, 1, 1), single.expand(-1, mh, mw), masks)


def fixed_block_masks(count: int, shape: Sequence[int], block_count: int,
                      generator: torch.Generator) -> torch.Tensor:
    """One block size per image (regular fixed pooling, the paper's RFP ablation)."""
    single = torch.randint(0, block_count, (count, 1, 1), generator=generator)
    return single.expand(-1, *shape).contiguous()


def random_levels(count: int, levels: Sequence[int], generator: torch.Generator) -> torch.Tensor:
    pick = torch.randint(0, len(levels), (count,), generator=generator)
    return torch.tensor(levels)[pick]
