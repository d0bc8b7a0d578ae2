"""Training and export of the Napoli Spatafora et al. baseline.

Two phases in one resumable run: a pixel-only warm-up on our training crops (standing in for
the paper's CLIC pretraining, which needs data we do not have offline), then the paper's face
phase, eq. 2 with a = b = 1: pixel L2 + squared L2 of the face descriptors (our dlib-port
recognizer standing in for FaceNet). Every sample draws its number C of sent bit planes, so one
model serves every rate (nested code).
"""
from __future__ import annotations

import math
import shutil
from pathlib import Path
from typing import Dict, Optional

import torch

from cvlfic.baselines.napoli import CHANNEL_SWEEP, CODE_CHANNELS, GRID
from cvlfic.baselines.napoli.nets import Decoder, Encoder, binarize, channel_mask
from cvlfic.baselines.training import (FaceBatches, Semantic, TrainingRun, export_onnx, psnr,
                                       ship_files)
from cvlfic.recognition.chips import DESCRIPTOR_SIZE

WARMUP_STEPS = 1500
FACE_STEPS = 5000
WARMUP_BATCH = 32
FACE_BATCH = 16
LR = 3e-3            # the paper's face phase: static learning rate 0.003
BETAS = (0.9, 0.999)  # the paper's "momentum 0.99" as beta1 learned slower (model card)
WEIGHT_DECAY = 1e-3  # the paper's weight decay, decoupled (AdamW): coupled L2 capped PSNR near 19 dB
PIXEL_WEIGHT = SEMANTIC_WEIGHT = 1.0  # eq. 2: a = b = 1
VALIDATION_SIZE = 64


def _random_channels(n: int) -> torch.Tensor:
    pick = torch.randint(0, len(CHANNEL_SWEEP), (n,))
    return torch.tensor(CHANNEL_SWEEP)[pick]


def _reconstruct(encoder: Encoder, decoder: Decoder, x: torch.Tensor, channels: torch.Tensor,
                 stochastic: bool) -> torch.Tensor:
    bits = binarize(encoder(x), stochastic) * channel_mask(channels)
    return decoder(bits)


def train(run_dir: Path, minutes: float = math.inf, steps: Optional[int] = None) -> None:
    torch.manual_seed(1)
    encoder, decoder = Encoder(), Decoder()
    params = list(encoder.parameters()) + list(decoder.parameters())
    optimizer = torch.optim.AdamW(params, lr=LR, betas=BETAS, weight_decay=WEIGHT_DECAY)
    run = TrainingRun(run_dir, {"encoder": encoder, "decoder": decoder}, {"adam": optimizer})
    data = FaceBatches(validation_size=256)
    semantic = Semantic()
    held_out = data.held_out(VALIDATION_SIZE)

    def step_fn(step: int) -> Dict[str, float]:
        face_phase = step >= WARMUP_STEPS
        if step == WARMUP_STEPS and not (run.run_dir / "warmup.pt").is_file():
            run.save()  # keep the warmed-up nets: the face phase can be rerun from them
            shutil.copyfile(run.checkpoint_path, run.run_dir / "warmup.pt")
        x = data.sample(FACE_BATCH if face_phase else WARMUP_BATCH)
        fake = _reconstruct(encoder, decoder, x, _random_channels(len(x)), stochastic=True)
        pixel = ((fake - x) ** 2).mean()
        logs = {"pixel": pixel.item()}
        loss = PIXEL_WEIGHT * pixel
        if face_phase:
            feature = semantic.loss(fake, x) / DESCRIPTOR_SIZE  # a mean, like the pixel term
            loss = loss + SEMANTIC_WEIGHT * feature
            logs["feature"] = feature.item()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return logs

    def validate() -> Dict:
        out = {}
        for c in CHANNEL_SWEEP:
            channels = torch.full((len(held_out),), c)
            fake = _reconstruct(encoder, decoder, held_out, channels, stochastic=False)
            out[f"psnr_c{c}"] = psnr(fake, held_out)
            if c in (4, 16, 128):
                out[f"dist_c{c}"] = semantic.distance(fake, held_out)
        return out

    total = steps if steps is not None else WARMUP_STEPS + FACE_STEPS
    run.run(step_fn, total, desc="napoli", max_minutes=minutes, validate_fn=validate,
            validate_every=250, log_every=20)


def ship(run_dir: Path, out_dir: Path) -> None:
    run_dir, out_dir = Path(run_dir), Path(out_dir)
    state = torch.load(run_dir / "checkpoint.pt", weights_only=False)
    encoder, decoder = Encoder(), Decoder()
    encoder.load_state_dict(state["modules"]["encoder"])
    decoder.load_state_dict(state["modules"]["decoder"])
    out_dir.mkdir(parents=True, exist_ok=True)
    # BGR [0, 1] -> tanh activations (the codec thresholds them at 0)
    export_onnx(encoder, torch.zeros(1, 3, 112, 112), out_dir / "encoder.onnx", "bgr", "activations")
    export_onnx(decoder, torch.zeros(1, CODE_CHANNELS, GRID, GRID), out_dir / "decoder.onnx",
                "bits", "bgr")
    ship_files(run_dir, out_dir, {
        "name": "napoli", "paper": "Napoli Spatafora, Ortis, Battiato 2021",
        "steps": state["step"], "warmup_steps": WARMUP_STEPS, "code_channels": CODE_CHANNELS,
        "grid": GRID, "channel_sweep": list(CHANNEL_SWEEP),
        "files": {"encoder": "encoder.onnx", "decoder": "decoder.onnx"}})
