"""Training and export of the bian baseline.

Schedule: ``WARMUP`` steps of pixel L2 only, then pixel L2 + ``SEMANTIC_WEIGHT`` x the
squared descriptor distance of the frozen dlib-port recognizer. Every batch uses one rate
point drawn at random from ``RATES`` (straight-through rounding), so one model serves all.
"""
from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Dict, Optional

import torch

from cvlfic.baselines.bian.nets import COMPACT, CHANNELS, CompNet, RecNet, coarsen, expand, quantize
from cvlfic.baselines.bian.rates import RATES
from cvlfic.baselines.training import FaceBatches, Semantic, TrainingRun, export_onnx, psnr, ship_files

STEPS = 6000
WARMUP = 1200
BATCH = 16
LR = 5e-4
SEMANTIC_WEIGHT = 0.05


def compress(comp: CompNet, x: torch.Tensor, side: int, bits: int) -> torch.Tensor:
    """Image -> dequantized compact image at RecNet's input size (training and validation)."""
    return expand(quantize(coarsen(comp(x), side), bits))


def train(run_dir: Path, minutes: float = math.inf, steps: Optional[int] = None) -> None:
    torch.manual_seed(1)
    rng = random.Random(1)
    data = FaceBatches()
    comp, rec = CompNet(), RecNet()
    opt = torch.optim.Adam(list(comp.parameters()) + list(rec.parameters()), lr=LR)
    run = TrainingRun(run_dir, {"comp": comp, "rec": rec}, {"opt": opt})
    semantic = Semantic()
    held_out = data.held_out(48)

    def step(i: int) -> Dict[str, float]:
        x = data.sample(BATCH)
        side, bits = RATES[rng.randrange(len(RATES))]
        y = rec(compress(comp, x, side, bits))
        pixel = ((y - x) ** 2).mean()
        loss, logs = pixel, {"pixel": pixel.item(), "bits": bits, "side": side}
        if i >= WARMUP:
            sem = semantic.loss(y, x)
            loss = loss + SEMANTIC_WEIGHT * sem
            logs["semantic"] = sem.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
        return logs

    def validate() -> Dict:
        out = {}
        for side, bits in (RATES[1], RATES[4], RATES[-1]):
            y = rec(compress(comp, held_out, side, bits))
            out[f"{side}x{bits}b"] = {"psnr": psnr(y, held_out),
                                      "distance": semantic.distance(y, held_out)}
        return out

    run.run(step, steps or STEPS, "bian", max_minutes=minutes, validate_fn=validate,
            validate_every=500)


def ship(run_dir: Path, out_dir: Path) -> None:
    state = torch.load(Path(run_dir) / "checkpoint.pt", weights_only=False)
    comp, rec = CompNet(), RecNet()
    comp.load_state_dict(state["modules"]["comp"])
    rec.load_state_dict(state["modules"]["rec"])
    out_dir.mkdir(parents=True, exist_ok=True)
    export_onnx(comp, torch.zeros(1, 3, 112, 112), out_dir / "compnet.onnx", "image", "compact")
    export_onnx(rec, torch.zeros(1, CHANNELS, COMPACT, COMPACT), out_dir / "recnet.onnx",
                "compact", "image")
    ship_files(run_dir, out_dir, {
        "name": "baseline_bian", "paper": "Bian et al. 2019, CCHI",
        "steps": state["step"], "warmup_steps": WARMUP, "batch": BATCH, "lr": LR,
        "semantic_weight": SEMANTIC_WEIGHT, "compact": [CHANNELS, COMPACT, COMPACT],
        "rates": [list(r) for r in RATES]})
