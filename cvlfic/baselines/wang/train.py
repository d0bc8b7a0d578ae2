"""Training and shipping of the Wang et al. 2019 baseline (torch; the ``[train]`` extra).

Only the feature-to-face network learns. Each batch: descriptors of the crops (the frozen
dlib-port recognizer), base-layer quantization noise, reconstruction; loss = L1 (all steps)
+ SEMANTIC_WEIGHT x squared descriptor distance of the reconstruction to the input
descriptor (after PIXEL_ONLY_STEPS). The base-layer entropy-code tables (per-dimension
offsets and Rice parameters) are fitted once on training-crop descriptors.
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Dict, Optional

import numpy as np
import torch

from cvlfic.baselines.training import (FaceBatches, Semantic, TrainingRun, export_onnx, psnr,
                                       ship_files)
from cvlfic.baselines.wang import base
from cvlfic.baselines.wang.nets import FeatureDecoder

STEPS = 4000
PIXEL_ONLY_STEPS = 1000
BATCH = 16
LR = 2e-4
SEMANTIC_WEIGHT = 0.1
STATS_CROPS = 1024
VALIDATION_CROPS = 64


def _embed(semantic: Semantic, x: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return torch.cat([semantic.embed(x[i:i + 64]) for i in range(0, len(x), 64)])


def fit_base_tables(data: FaceBatches, semantic: Semantic, path: Path) -> Dict:
    """Per-dimension offsets and Rice parameters of the quantized descriptors of
    ``STATS_CROPS`` training crops (no augmentation), saved to ``path``."""
    rows = data.train_index[np.linspace(0, len(data.train_index) - 1, STATS_CROPS).astype(int)]
    x = torch.from_numpy(np.ascontiguousarray(data.crops[rows])).permute(0, 3, 1, 2).float() / 255
    q = np.round(_embed(semantic, x).numpy() * base.STEP_INVERSE).astype(np.int64)
    tables = base.fit_tables(q)
    path.write_text(json.dumps(tables))
    return tables


def train(run_dir: Path, minutes: float = math.inf, steps: Optional[int] = None) -> None:
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(1)
    data = FaceBatches(seed=1)
    semantic = Semantic()
    tables_path = run_dir / "base_tables.json"
    if not tables_path.is_file():
        fit_base_tables(data, semantic, tables_path)
    decoder = FeatureDecoder()
    opt = torch.optim.Adam(decoder.parameters(), lr=LR)
    run = TrainingRun(run_dir, {"decoder": decoder}, {"decoder": opt})
    step_size = 1.0 / base.STEP_INVERSE
    val = data.held_out(VALIDATION_CROPS)
    val_descriptors = _embed(semantic, val)

    def step_fn(step: int) -> Dict[str, float]:
        x = data.sample(BATCH)
        target = _embed(semantic, x)
        noisy = target + (torch.rand_like(target) - 0.5) * step_size
        fake = decoder(noisy)
        l1 = (fake - x).abs().mean()
        logs = {"l1": l1.item()}
        loss = l1
        if step >= PIXEL_ONLY_STEPS:
            sem = semantic.loss_to(fake, target)
            loss = loss + SEMANTIC_WEIGHT * sem
            logs["semantic"] = sem.item()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return logs

    def validate() -> Dict[str, float]:
        q = torch.round(val_descriptors * base.STEP_INVERSE) * step_size
        fake = decoder(q)
        return {"psnr": psnr(fake, val), "descriptor_distance": semantic.distance(fake, val)}

    run.run(step_fn, steps or STEPS, "wang", max_minutes=minutes, validate_fn=validate,
            validate_every=250, checkpoint_every=100)


def ship(run_dir: Path, out_dir: Path) -> None:
    run_dir, out_dir = Path(run_dir), Path(out_dir)
    state = torch.load(run_dir / "checkpoint.pt", weights_only=False)
    decoder = FeatureDecoder()
    decoder.load_state_dict(state["modules"]["decoder"])
    out_dir.mkdir(parents=True, exist_ok=True)
    export_onnx(decoder, torch.zeros(1, base.DESCRIPTOR_SIZE), out_dir / "feature_decoder.onnx",
                "descriptor", "bgr")
    tables = json.loads((run_dir / "base_tables.json").read_text())
    ship_files(run_dir, out_dir, {
        "name": "baseline_wang", "paper": "Wang et al. 2019, Scalable Facial Image Compression "
                                          "with Deep Feature Reconstruction",
        "steps": int(state["step"]), "batch": BATCH, "lr": LR,
        "pixel_only_steps": PIXEL_ONLY_STEPS, "semantic_weight": SEMANTIC_WEIGHT,
        "widths": list(decoder.widths), "base_step_inverse": base.STEP_INVERSE, **tables})
