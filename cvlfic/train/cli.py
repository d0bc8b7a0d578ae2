"""``cvlfic train``: train the LFIC decoder from a TOML config, resuming where it stopped."""
from __future__ import annotations

import argparse
import ast
import math
from pathlib import Path

from cvlfic.train.config import TrainConfig, load_config


def apply_override(config: TrainConfig, assignment: str) -> None:
    """``key=value`` or ``loss.key=value``; the value is a Python literal."""
    key, _, value = assignment.partition("=")
    target = config
    *parents, leaf = key.strip().split(".")
    for parent in parents:
        target = getattr(target, parent)
    if not hasattr(target, leaf):
        raise SystemExit(f"unknown config key {key!r}")
    setattr(target, leaf, ast.literal_eval(value.strip()))


def run(args: argparse.Namespace) -> int:
    import torch

    from cvlfic.train.data import training_crops
    from cvlfic.train.trainer import Trainer

    config = load_config(args.config)
    for assignment in args.set or []:
        apply_override(config, assignment)
    if args.threads:
        torch.set_num_threads(args.threads)
    trainer = Trainer(config, training_crops(), Path(args.runs) / config.name)
    trainer.resume(args.init_from)
    trainer.run(max_minutes=args.max_minutes)
    print(f"stopped at step {trainer.step}; checkpoint {trainer.checkpoint_path}")
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser("train", help="train the LFIC decoder (needs cvlfic[train])",
                                   description=__doc__)
    parser.add_argument("--config", type=Path, required=True, help="TOML config (see configs/)")
    parser.add_argument("--runs", type=Path, default=Path("runs"), help="folder of run directories")
    parser.add_argument("--set", action="append", metavar="KEY=VALUE",
                        help="override a config value, e.g. --set loss.semantic=0")
    parser.add_argument("--init-from", type=Path, help="start the decoder from this checkpoint")
    parser.add_argument("--max-minutes", type=float, default=math.inf, help="stop after this long")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0 = default)")
    parser.set_defaults(func=run)
