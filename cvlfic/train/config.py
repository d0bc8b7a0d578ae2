"""Training configuration: a TOML file mapped onto dataclasses."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import List


@dataclass
class LossWeights:
    content: float = 1.0
    semantic: float = 1.0
    adversarial: float = 0.005
    distill: float = 0.0  # L1 to the teacher's restored face (config.teacher)
    periodic: float = 0.0  # error on the 16-pixel grid's frequencies (cvlfic.train.periodic)
    semantic_from_step: int = 0
    adversarial_from_step: int = 0


@dataclass
class TrainConfig:
    name: str = "lfic_ycc16"
    profile: int = 0
    widths: List[int] = field(default_factory=lambda: [16, 24, 32, 48, 64])
    levels: List[int] = field(default_factory=lambda: [4, 6, 8, 12, 16, 24])
    batch_size: int = 16
    lr: float = 2e-4
    steps: int = 60000
    seed: int = 1
    validation_size: int = 256
    validate_every: int = 250
    checkpoint_every: int = 100
    fixed_blocks: bool = False  # RFP ablation: one block size per image instead of random masks
    # Share of each batch masked as the fast encoder would (see cvlfic.train.encoder_masks),
    # at log-uniform rates in encoder_bpp, by the prior and calibration of encoder_model.
    encoder_masks: float = 0.0
    encoder_model: str = "lfic_ycc16"  # a model name or folder
    encoder_bpp: List[float] = field(default_factory=lambda: [0.03, 0.6])
    teacher: str = ""  # a model name or folder whose decoder.pt the distill loss follows
    # Start from the teacher's most important channels (cvlfic.train.narrow) when the run has
    # no checkpoint and no --init-from.
    start_from_teacher: bool = False
    loss: LossWeights = field(default_factory=LossWeights)


def load_config(path: Path) -> TrainConfig:
    raw = tomllib.loads(Path(path).read_text())
    known = {f.name for f in fields(TrainConfig)}
    unknown = set(raw) - known
    if unknown:
        raise ValueError(f"unknown keys in {path}: {sorted(unknown)}")
    loss = LossWeights(**raw.pop("loss", {}))
    return TrainConfig(**raw, loss=loss)
