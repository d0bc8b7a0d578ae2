"""Plot a shipped model's training log: losses and held-out validation over steps.

    python bench/lfic/training_curves.py models/lfic_ycc16 --out results/lfic/training_curves.png
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", type=Path, nargs="+", help="model folders with training_log.jsonl")
    parser.add_argument("--out", type=Path, default=Path("results/lfic/training_curves.png"))
    args = parser.parse_args()
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    for folder in args.model:
        rows = [json.loads(line) for line in (folder / "training_log.jsonl").read_text().splitlines()]
        train = [r for r in rows if "l1" in r]
        val = [r for r in rows if "validation" in r]
        axes[0].plot([r["step"] for r in train], [r["l1"] for r in train], label=f"{folder.name} L1", lw=0.8)
        sem = [r for r in train if "sem" in r]
        if sem:
            axes[0].plot([r["step"] for r in sem], [r["sem"] for r in sem], label=f"{folder.name} semantic", lw=0.8)
        for key in sorted(val[-1]["validation"]) if val else []:
            axis = axes[1] if key.startswith("psnr") else axes[2]
            points = [(r["step"], r["validation"][key]) for r in val if key in r["validation"]]
            axis.plot(*zip(*points), marker=".", label=f"{folder.name} {key}")
    axes[0].set(title="training losses", xlabel="step", yscale="log")
    axes[1].set(title="held-out PSNR (dB), fixed blocks/levels", xlabel="step")
    axes[2].set(title="held-out descriptor distance", xlabel="step")
    for axis in axes:
        axis.grid(alpha=0.3)
        axis.legend(fontsize=7)
    fig.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
