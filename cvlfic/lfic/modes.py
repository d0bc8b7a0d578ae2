"""The LFIC encoder's modes: how ``Codec.encode`` picks the pooling mask for a budget.

Every place that takes a mode (the codec, the benchmark families, the command line, the
archive) names it with ``Mode`` and checks it with ``check_mode``. A ``Mode`` is a ``str``,
so ``Mode.FAST == "fast"`` and plain strings work wherever a mode is taken.
"""
from __future__ import annotations

from enum import Enum
from typing import Tuple, Union

__all__ = ["Mode", "DEFAULT_MODE", "MODES", "MODE_HELP", "check_mode", "modes_help"]


class Mode(str, Enum):
    FAST = "fast"    # greedy search weighted by the learned semantic prior (the default)
    FIXED = "fixed"  # one block size everywhere (the paper's RFP ablation)
    BEST = "best"    # the paper's Algorithm 1 (needs torch; seconds per face)

    def __str__(self) -> str:
        return self.value


DEFAULT_MODE = Mode.FAST
# The mode names in order, e.g. for argparse ``choices``.
MODES: Tuple[str, ...] = tuple(mode.value for mode in Mode)
# One line per mode, for help texts.
MODE_HELP = {
    Mode.FAST: "greedy mask search with the learned semantic prior (default)",
    Mode.FIXED: "one block size everywhere",
    Mode.BEST: "the paper's Algorithm 1; needs torch, tens of seconds per face on a CPU",
}


def check_mode(mode: Union[str, Mode]) -> Mode:
    """``mode`` as a ``Mode``; ValueError naming the modes for anything else."""
    try:
        return Mode(mode)
    except ValueError:
        names = ", ".join(repr(name) for name in MODES)
        raise ValueError(f"mode must be one of {names}, not {mode!r}") from None


def modes_help() -> str:
    """``fast (...), fixed (...) or best (...)``: the modes for a command's ``--mode`` help."""
    parts = [f"{mode.value} ({MODE_HELP[mode]})" for mode in Mode]
    return ", ".join(parts[:-1]) + " or " + parts[-1]
