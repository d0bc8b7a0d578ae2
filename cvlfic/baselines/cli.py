"""``cvlfic baseline train|ship NAME``: train a literature baseline, export it to models/."""
from __future__ import annotations

import argparse
import importlib
from pathlib import Path

from cvlfic.baselines import BASELINES


def _train(args: argparse.Namespace) -> int:
    import torch
    torch.set_num_threads(args.threads)
    module = importlib.import_module(f"cvlfic.baselines.{args.name}.train")
    module.train(args.runs / f"baseline_{args.name}", minutes=args.minutes, steps=args.steps)
    return 0


def _ship(args: argparse.Namespace) -> int:
    module = importlib.import_module(f"cvlfic.baselines.{args.name}.train")
    out = args.out or Path("models") / f"baseline_{args.name}"
    module.ship(args.runs / f"baseline_{args.name}", out)
    print(f"shipped {args.name} to {out}")
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "baseline", help="train or ship a literature face codec (Bian, Napoli Spatafora, Wang)",
        description="Train a baseline face codec on the cvlfic training crops (resumable) or "
                    "export a trained run to models/baseline_<name>/.")
    sub = parser.add_subparsers(dest="action", required=True)
    train = sub.add_parser("train", help="train (resumes runs/baseline_<name>/checkpoint.pt)")
    train.add_argument("name", choices=BASELINES)
    train.add_argument("--runs", type=Path, default=Path("runs"), help="folder of training runs")
    train.add_argument("--minutes", type=float, default=float("inf"), help="stop after this long")
    train.add_argument("--steps", type=int, default=None, help="total steps (default: the baseline's)")
    train.add_argument("--threads", type=int, default=1, help="torch threads")
    train.set_defaults(func=_train)
    ship = sub.add_parser("ship", help="export a run's nets to ONNX with model.json and its log")
    ship.add_argument("name", choices=BASELINES)
    ship.add_argument("--runs", type=Path, default=Path("runs"))
    ship.add_argument("--out", type=Path, default=None, help="default models/baseline_<name>")
    ship.set_defaults(func=_ship)
