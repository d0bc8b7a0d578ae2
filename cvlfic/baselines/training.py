"""Training plumbing shared by the baselines (torch; the ``[train]`` extra).

Same data as the LFIC decoder: the cached 112x112 training crops (UTKFace + LFW identities in
no pair), the same seeded held-out split and augmentation, the same semantic metric (squared
distance of dlib-port descriptors). ``TrainingRun`` is a resumable, time-limited loop.
"""
from __future__ import annotations

import json
import math
import shutil
import signal
import time
from pathlib import Path
from typing import Callable, Dict, Optional

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from cvlfic.train.config import TrainConfig
from cvlfic.train.data import training_crops
from cvlfic.train.trainer import augment, held_out_indices


class FaceBatches:
    """Random augmented training batches and the fixed held-out crops, BGR float in [0, 1]."""

    def __init__(self, seed: int = 1, validation_size: int = 256):
        self.crops = training_crops()
        split = TrainConfig(name="split", seed=seed, validation_size=validation_size)
        self.val_index = held_out_indices(len(self.crops), split)
        self.train_index = np.setdiff1d(np.arange(len(self.crops)), self.val_index)
        self.generator = torch.Generator().manual_seed(seed)

    def sample(self, batch_size: int) -> torch.Tensor:
        pick = torch.randint(0, len(self.train_index), (batch_size,), generator=self.generator)
        rows = np.sort(self.train_index[pick.numpy()])
        return augment(self.crops[rows], self.generator).float() / 255.0

    def held_out(self, count: Optional[int] = None) -> torch.Tensor:
        rows = self.val_index[:count]
        x = torch.from_numpy(np.ascontiguousarray(self.crops[rows])).permute(0, 3, 1, 2)
        return x.float() / 255.0


class Semantic:
    """The face-feature loss: squared L2 distance of dlib-port descriptors (H frozen)."""

    def __init__(self):
        from cvlfic.recognition import FaceEmbedder
        self.embedder = FaceEmbedder()
        for p in self.embedder.model.parameters():
            p.requires_grad_(False)

    def embed(self, bgr: torch.Tensor) -> torch.Tensor:
        """N x 3 x H x W BGR in [0, 1] -> N x 128 descriptors (differentiable)."""
        return self.embedder.embed_tensor(bgr.flip(1))

    def loss(self, fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            target = self.embed(real)
        return self.loss_to(fake, target)

    def loss_to(self, fake: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Mean squared descriptor distance of ``fake`` to the descriptors ``target``."""
        return ((self.embed(fake) - target) ** 2).sum(1).mean()

    @torch.no_grad()
    def distance(self, fake: torch.Tensor, real: torch.Tensor) -> float:
        """Mean descriptor distance (not squared) over a held-out batch, in chunks."""
        out = [((self.embed(fake[i:i + 64]) - self.embed(real[i:i + 64])) ** 2).sum(1).sqrt()
               for i in range(0, len(fake), 64)]
        return float(torch.cat(out).mean())


def psnr(fake: torch.Tensor, real: torch.Tensor) -> float:
    mse = ((fake.clamp(0, 1) - real) ** 2).mean((1, 2, 3)).clamp_min(1e-10)
    return float((10 * torch.log10(1.0 / mse)).mean())


class TrainingRun:
    """Checkpoints ``modules`` and ``optimizers`` in ``run_dir/checkpoint.pt`` (resumed if
    present), logs JSONL to ``run_dir/log.jsonl``, stops at ``steps`` or after ``max_minutes``
    or on SIGTERM, always saving first."""

    def __init__(self, run_dir: Path, modules: Dict[str, nn.Module],
                 optimizers: Dict[str, torch.optim.Optimizer], extra_state: Optional[Dict] = None):
        self.run_dir = Path(run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.modules, self.optimizers = modules, optimizers
        self.extra_state = extra_state if extra_state is not None else {}
        self.step = 0
        self._stop = False
        if self.checkpoint_path.is_file():
            state = torch.load(self.checkpoint_path, weights_only=False)
            for k, m in modules.items():
                m.load_state_dict(state["modules"][k])
            for k, o in optimizers.items():
                o.load_state_dict(state["optimizers"][k])
            self.extra_state.update(state.get("extra", {}))
            self.step = state["step"]

    @property
    def checkpoint_path(self) -> Path:
        return self.run_dir / "checkpoint.pt"

    def save(self) -> None:
        state = {"step": self.step, "extra": self.extra_state,
                 "modules": {k: m.state_dict() for k, m in self.modules.items()},
                 "optimizers": {k: o.state_dict() for k, o in self.optimizers.items()}}
        tmp = self.checkpoint_path.with_suffix(".tmp")
        torch.save(state, tmp)
        tmp.replace(self.checkpoint_path)

    def log(self, record: Dict) -> None:
        with open(self.run_dir / "log.jsonl", "a") as f:
            f.write(json.dumps(record) + "\n")

    def run(self, step_fn: Callable[[int], Dict[str, float]], steps: int, desc: str,
            max_minutes: float = math.inf, validate_fn: Optional[Callable[[], Dict]] = None,
            validate_every: int = 250, checkpoint_every: int = 100, log_every: int = 20) -> None:
        """``step_fn(step) -> logs`` does one optimisation step; ``validate_fn() -> dict``."""
        signal.signal(signal.SIGTERM, lambda *_: setattr(self, "_stop", True))
        start = time.time()
        bar = tqdm(total=steps, initial=self.step, desc=desc, unit="step")
        running: Dict[str, float] = {}
        while self.step < steps and not self._stop:
            for m in self.modules.values():
                m.train()
            logs = step_fn(self.step)
            self.step += 1
            bar.update(1)
            for k, v in logs.items():
                running[k] = 0.98 * running.get(k, v) + 0.02 * v
            bar.set_postfix({k: f"{v:.4f}" for k, v in running.items()})
            if self.step % log_every == 0:
                self.log({"step": self.step, "time": time.time(), **logs})
            if validate_fn is not None and self.step % validate_every == 0:
                for m in self.modules.values():
                    m.eval()
                with torch.no_grad():
                    self.log({"step": self.step, "validation": validate_fn()})
            if self.step % checkpoint_every == 0:
                self.save()
            if (time.time() - start) / 60 > max_minutes:
                break
        bar.close()
        self.save()


def export_onnx(module: nn.Module, example: torch.Tensor, path: Path, input_name: str,
                output_name: str) -> None:
    """Export with a dynamic batch axis (the rest fixed at the example's shape)."""
    module.eval()
    torch.onnx.export(module, (example,), str(path), input_names=[input_name],
                      output_names=[output_name], opset_version=17, dynamo=False,
                      dynamic_axes={input_name: {0: "batch"}, output_name: {0: "batch"}})


def ship_files(run_dir: Path, out_dir: Path, model_json: Dict) -> None:
    """Write model.json and copy the run's training log next to the exported nets."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "model.json").write_text(json.dumps(model_json, indent=2) + "\n")
    log = Path(run_dir) / "log.jsonl"
    if log.is_file():
        shutil.copyfile(log, out_dir / "training_log.jsonl")
