"""The ``cvlfic`` command line: one subcommand per module that registers one.

User errors (a missing file, a bad setting, a damaged stream, a limit) end the command with
one line on stderr and exit status 1 (2 for bad arguments), never a traceback; set
``CVLFIC_DEBUG=1`` to see the traceback of one.
"""
from __future__ import annotations

import argparse
import importlib
import os
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
    "cvlfic.archive.cli",
]


class Parser(argparse.ArgumentParser):
    """argparse with usage errors on one line (subcommand parsers are of the same class)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def version_text() -> str:
    from cvlfic import __version__, _core, bitstream

    return (f"cvlfic {__version__} (core {_core.version()}, "
            f"bitstream version {bitstream.FORMAT_VERSION})")


class _Version(argparse.Action):
    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest, nargs=0, default=default, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        print(version_text())
        parser.exit(0)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="cvlfic", description="cvlfic: a learned face-image codec for video analytics")
    parser.add_argument("--version", action=_Version, help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:  # an extra is not installed
            sub.add_parser(name.rsplit(".", 1)[-1], help=f"(unavailable: {exc})")
            continue
        module.register(sub)
    return parser


def _user_error(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.filename is not None:
        reason = exc.strerror or str(exc)
        return f"cannot open {exc.filename}: {reason}"
    return str(exc) or type(exc).__name__


def main(argv: Optional[List[str]] = None) -> int:
    from cvlfic.errors import CvlficError

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0 if args.command is None else 2
    try:
        return int(args.func(args) or 0)
    except (CvlficError, OSError, ValueError) as exc:
        if os.environ.get("CVLFIC_DEBUG"):
            raise
        print(f"cvlfic {args.command}: error: {_user_error(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"cvlfic {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
