"""The ``cvlfic`` command line: one subcommand per module that registers one."""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import List, Optional

# Each module named here defines ``register(subparsers)``, which adds its subcommand and
# sets ``func`` on it. Modules are imported lazily so ``cvlfic --help`` stays fast and a
# missing extra only disables the subcommands that need it.
SUBCOMMAND_MODULES = [
    "cvlfic.commands.demo",
    "cvlfic.commands.codec_files",
    "cvlfic.commands.export",
    "cvlfic.video.commands",
    "cvlfic.eval.bench",
    "cvlfic.train.cli",
    "cvlfic.baselines.cli",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cvlfic", description="cvlfic: a learned face-image codec for video analytics")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:  # an extra is not installed
            sub.add_parser(name.rsplit(".", 1)[-1], help=f"(unavailable: {exc})")
            continue
        module.register(sub)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0 if args.command is None else 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
