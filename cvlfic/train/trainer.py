"""The training loop: random masks and levels, L1 + semantic + LSGAN (+ distillation and
periodic-texture) losses, resumable."""
from __future__ import annotations

import json
import math
import signal
import time
from pathlib import Path
from typing import Dict, Optional

import numpy as np
import torch
from tqdm import tqdm

from cvlfic.nets.decoder import RapDecoder
from cvlfic.nets.discriminator import Discriminator, lsgan_d_loss, lsgan_g_loss
from cvlfic.nets.network import training_inputs
from cvlfic.nets.rap import PROFILES, mask_shape
from cvlfic.train.config import TrainConfig
from cvlfic.train.masks import fixed_block_masks, random_levels, random_masks
from cvlfic.train.periodic import measurable, periodic_loss


def augment(batch: np.ndarray, generator: torch.Generator) -> torch.Tensor:
    """uint8 N x H x W x 3 BGR -> uint8 N x 3 x H x W with flips and mild photometric jitter."""
    x = torch.from_numpy(np.ascontiguousarray(batch)).permute(0, 3, 1, 2).float()
    n = x.shape[0]
    flip = torch.rand(n, generator=generator) < 0.5
    x = torch.where(flip.view(-1, 1, 1, 1), x.flip(-1), x)
    gain = 1.0 + 0.2 * (torch.rand(n, 1, 1, 1, generator=generator) - 0.5)
    bias = 20.0 * (torch.rand(n, 1, 1, 1, generator=generator) - 0.5)
    return (x * gain + bias).round().clamp(0, 255).to(torch.uint8)


def held_out_indices(count: int, config: TrainConfig) -> np.ndarray:
    """The validation crops of a run (never trained on): a seeded split of the cache."""
    order = np.random.default_rng(config.seed).permutation(count)
    return np.sort(order[:config.validation_size])


def load_teacher(config: TrainConfig) -> RapDecoder:
    """The frozen decoder of ``config.teacher`` (a model folder with decoder.pt and model.json)."""
    from cvlfic.lfic.model_files import find_model, model_metadata

    folder = find_model(config.teacher)
    meta = model_metadata(folder)
    if meta.get("profile", 0) != config.profile:
        raise ValueError(f"teacher {folder} codes profile {meta.get('profile')}, the run {config.profile}")
    teacher = RapDecoder(meta["widths"], ycc=PROFILES[config.profile].ycc)
    teacher.load_state_dict(torch.load(folder / "decoder.pt", weights_only=True))
    teacher.eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    return teacher


class Trainer:
    def __init__(self, config: TrainConfig, crops: np.ndarray, run_dir: Path):
        self.config = config
        self.profile = PROFILES[config.profile]
        self.run_dir = run_dir
        run_dir.mkdir(parents=True, exist_ok=True)
        torch.manual_seed(config.seed)
        self.generator = torch.Generator().manual_seed(config.seed)
        self.val_index = held_out_indices(len(crops), config)
        self.train_index = np.setdiff1d(np.arange(len(crops)), self.val_index)
        self.crops = crops
        self.decoder = RapDecoder(config.widths, ycc=self.profile.ycc)
        self.discriminator = Discriminator()
        self.opt_g = torch.optim.Adam(self.decoder.parameters(), lr=config.lr, betas=(0.5, 0.999))
        self.opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=config.lr, betas=(0.5, 0.999))
        self.step = 0
        self._embedder = None
        self._stop = False
        self.encoder_masks = None
        if config.encoder_masks > 0:
            from cvlfic.train.encoder_masks import EncoderMasks
            self.encoder_masks = EncoderMasks(config.encoder_model, config.encoder_bpp)
        self._validation_points = None
        self.teacher = load_teacher(config) if config.teacher else None

    # -- losses ---------------------------------------------------------------------------
    def embedder(self):
        if self._embedder is None:
            from cvlfic.recognition import FaceEmbedder  # the semantic metric H (dlib port)
            self._embedder = FaceEmbedder()
        return self._embedder

    def semantic_loss(self, fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
        """Squared L2 distance of descriptors; H is frozen and sees RGB."""
        embed = self.embedder().embed_tensor
        with torch.no_grad():
            target = embed(real.flip(1))
        return ((embed(fake.flip(1)) - target) ** 2).sum(1).mean()

    def _weights_now(self) -> Dict[str, float]:
        loss = self.config.loss
        return {
            "content": loss.content,
            "semantic": loss.semantic if self.step >= loss.semantic_from_step else 0.0,
            "adversarial": loss.adversarial if self.step >= loss.adversarial_from_step else 0.0,
            "distill": loss.distill if self.teacher is not None else 0.0,
            "periodic": loss.periodic,
        }

    # -- one step -------------------------------------------------------------------------
    def sample_batch(self):
        config = self.config
        pick = torch.randint(0, len(self.train_index), (config.batch_size,), generator=self.generator)
        rows = np.sort(self.train_index[pick.numpy()])
        real_u8 = augment(self.crops[rows], self.generator)
        h, w = real_u8.shape[-2:]
        shape = mask_shape(h, w, self.profile)
        make = fixed_block_masks if config.fixed_blocks else random_masks
        masks = make(config.batch_size, shape, len(self.profile.blocks), self.generator)
        levels = random_levels(config.batch_size, config.levels, self.generator)
        if self.encoder_masks is not None:
            take = torch.rand(config.batch_size, generator=self.generator) < config.encoder_masks
            if bool(take.any()):
                enc_masks, enc_levels = self.encoder_masks.sample(real_u8[take], self.generator)
                masks[take] = enc_masks
                levels[take] = enc_levels
        return real_u8, masks, levels

    def train_step(self) -> Dict[str, float]:
        weights = self._weights_now()
        real_u8, masks, levels = self.sample_batch()
        real = real_u8.float() / 255.0
        self.decoder.train()
        inputs = training_inputs(real_u8, masks, levels, self.profile)
        fake = self.decoder(*inputs)
        logs = {}
        if weights["adversarial"] > 0:
            self.discriminator.train()
            d_loss = lsgan_d_loss(self.discriminator(real), self.discriminator(fake.detach()))
            self.opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            self.opt_d.step()
            logs["d"] = d_loss.item()
        content = (fake - real).abs().mean()
        total = weights["content"] * content
        logs["l1"] = content.item()
        if weights["semantic"] > 0:
            semantic = self.semantic_loss(fake, real)
            total = total + weights["semantic"] * semantic
            logs["sem"] = semantic.item()
        if weights["distill"] > 0:
            with torch.no_grad():
                target = self.teacher(*inputs)
            distill = (fake - target).abs().mean()
            total = total + weights["distill"] * distill
            logs["distill"] = distill.item()
        if weights["periodic"] > 0:
            periodic = periodic_loss(fake, real)
            total = total + weights["periodic"] * periodic
            logs["periodic"] = periodic.item()
        if weights["adversarial"] > 0:
            adversarial = lsgan_g_loss(self.discriminator(fake))
            total = total + weights["adversarial"] * adversarial
            logs["adv"] = adversarial.item()
        self.opt_g.zero_grad(set_to_none=True)
        total.backward()
        self.opt_g.step()
        logs["total"] = total.item()
        return logs

    # -- validation -----------------------------------------------------------------------
    def validation_points(self, real_u8: torch.Tensor):
        """(key, masks, levels) of the operating points: uniform 8x8 at L=8 and 4x4 at L=16,
        and with encoder masks on, the fast encoder's choice at 0.1 and 0.2 bpp."""
        if self._validation_points is None:
            h, w = real_u8.shape[-2:]
            shape = mask_shape(h, w, self.profile)
            n = len(real_u8)
            points = []
            for block_index, levels in ((1, 8), (2, 16)):
                points.append((f"b{self.profile.blocks[block_index]}_L{levels}",
                               torch.full((n, *shape), block_index, dtype=torch.int64),
                               torch.full((n,), levels)))
            if self.encoder_masks is not None:
                for bpp in (0.1, 0.2):
                    points.append((f"fast{bpp}", *self.encoder_masks.choose_batch(real_u8, [bpp] * n)))
            self._validation_points = points
        return self._validation_points

    @torch.no_grad()
    def validate(self) -> Dict[str, float]:
        """PSNR, periodic texture (and descriptor distance when H is on) at fixed operating
        points."""
        self.decoder.eval()
        real_u8 = torch.from_numpy(np.ascontiguousarray(self.crops[self.val_index])).permute(0, 3, 1, 2)
        results = {}
        for key, masks, lv in self.validation_points(real_u8):
            real = real_u8.float() / 255.0
            fakes = [self.decoder(*training_inputs(real_u8[i:i + 64], masks[i:i + 64], lv[i:i + 64],
                                                   self.profile)) for i in range(0, len(real_u8), 64)]
            fake = torch.cat(fakes)
            mse = ((fake - real) ** 2).mean((1, 2, 3))
            results[f"psnr_{key}"] = float((10 * torch.log10(1.0 / mse.clamp_min(1e-10))).mean())
            if measurable(*real.shape[-2:]):
                results[f"periodic_{key}"] = float(periodic_loss(fake, real))
            if self.config.loss.semantic > 0:
                embed = self.embedder().embed_tensor
                dist = torch.cat([((embed(fake[i:i + 64].flip(1)) - embed(real[i:i + 64].flip(1))) ** 2)
                                  .sum(1).sqrt() for i in range(0, len(fake), 64)])
                results[f"dist_{key}"] = float(dist.mean())
        return results

    # -- checkpoints ----------------------------------------------------------------------
    @property
    def checkpoint_path(self) -> Path:
        return self.run_dir / "checkpoint.pt"

    def save(self) -> None:
        state = {"step": self.step, "decoder": self.decoder.state_dict(),
                 "discriminator": self.discriminator.state_dict(),
                 "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict(),
                 "generator": self.generator.get_state(), "config": self.config}
        tmp = self.checkpoint_path.with_suffix(".tmp")
        torch.save(state, tmp)
        tmp.replace(self.checkpoint_path)

    def resume(self, init_from: Optional[Path] = None) -> None:
        """Continue from this run's checkpoint; else start the decoder from ``init_from`` (a
        trainer checkpoint or a model folder's ``decoder.pt``)."""
        if self.checkpoint_path.is_file():
            state = torch.load(self.checkpoint_path, weights_only=False)
            self.decoder.load_state_dict(state["decoder"])
            self.discriminator.load_state_dict(state["discriminator"])
            self.opt_g.load_state_dict(state["opt_g"])
            self.opt_d.load_state_dict(state["opt_d"])
            self.generator.set_state(state["generator"])
            self.step = state["step"]
            for optimizer in (self.opt_g, self.opt_d):  # the config's rate wins (decay by resuming)
                for group in optimizer.param_groups:
                    group["lr"] = self.config.lr
        elif init_from is not None:
            # A trainer checkpoint, or a shipped model's decoder.pt (a bare state dict).
            state = torch.load(init_from, weights_only=False)
            self.decoder.load_state_dict(state.get("decoder", state))
        elif self.config.start_from_teacher and self.teacher is not None:
            from cvlfic.train.narrow import narrowed_state
            self.decoder.load_state_dict(narrowed_state(self.teacher, self.config.widths))

    def _log(self, record: Dict) -> None:
        with open(self.run_dir / "log.jsonl", "a") as f:
            f.write(json.dumps(record) + "\n")

    def run(self, max_minutes: float = math.inf) -> None:
        """Train until ``config.steps`` or ``max_minutes``, checkpointing as it goes."""
        signal.signal(signal.SIGTERM, lambda *_: setattr(self, "_stop", True))
        start = time.time()
        bar = tqdm(total=self.config.steps, initial=self.step, desc=self.config.name, unit="step")
        running: Dict[str, float] = {}
        while self.step < self.config.steps and not self._stop:
            logs = self.train_step()
            self.step += 1
            bar.update(1)
            for k, v in logs.items():
                running[k] = 0.98 * running.get(k, v) + 0.02 * v
            bar.set_postfix({k: f"{v:.4f}" for k, v in running.items()})
            if self.step % 20 == 0:
                self._log({"step": self.step, "time": time.time(), **logs})
            if self.step % self.config.validate_every == 0:
                self._log({"step": self.step, "validation": self.validate()})
            if self.step % self.config.checkpoint_every == 0:
                self.save()
            if (time.time() - start) / 60 > max_minutes:
                break
        self.save()
        bar.close()
