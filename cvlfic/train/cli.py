"""``cvlfic train``: train the LFIC decoder from a TOML config, resuming where it stopped."""
from __future__ import annotations

import argparse
import ast
import json
import math
import shutil
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


def run_ship(args: argparse.Namespace) -> int:
    """Export a run's checkpoint to a model folder, then learn its prior and calibrate rates."""
    import numpy as np
    import torch

    from cvlfic.lfic.encoder_params import write_encoder_file
    from cvlfic.nets.export import export_model
    from cvlfic.train.calibrate import store_calibration
    from cvlfic.train.data import training_crops
    from cvlfic.train.importance import store_importance
    from cvlfic.train.trainer import held_out_indices

    if args.threads:
        torch.set_num_threads(args.threads)
    state = torch.load(args.run / "checkpoint.pt", weights_only=False)
    crops = training_crops()
    held_out = held_out_indices(len(crops), state["config"])
    rng = np.random.default_rng(0)
    pick = np.sort(rng.choice(held_out, min(args.crops, len(held_out)), replace=False))
    export_model(args.run / "checkpoint.pt", args.out)
    # The search's parameters, uncalibrated until store_importance / store_calibration below.
    write_encoder_file(args.out, json.loads((args.out / "model.json").read_text()))
    if (args.run / "log.jsonl").is_file():  # provenance: the losses and validations of the run
        shutil.copyfile(args.run / "log.jsonl", args.out / "training_log.jsonl")
    store_importance(args.out, crops[pick])
    result = store_calibration(args.out, crops[pick])
    print(f"exported {args.out}: step {state['step']}, mask search {result['mask_search']}, "
          f"rate_levels {result['rate_levels']}")
    return 0


def register(subparsers) -> None:
    ship = subparsers.add_parser(
        "ship-model", help="export a training run to models/ (ONNX + prior + rate calibration)",
        description=run_ship.__doc__)
    ship.add_argument("--run", type=Path, required=True, help="run directory with checkpoint.pt")
    ship.add_argument("--out", type=Path, required=True, help="model folder, e.g. models/lfic_ycc16")
    ship.add_argument("--crops", type=int, default=128, help="held-out crops for prior and calibration")
    ship.add_argument("--threads", type=int, default=0, help="torch threads (0 = default)")
    ship.set_defaults(func=run_ship)

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
