"""Periodic texture in restored faces: spectral peaks of the coding error on the 16-pixel grid.

A decoder that paints a repeating pattern (dots from transposed convolutions, a block grid)
leaves the coding error ``restored - original`` with energy concentrated at the frequencies of
that period. For each codec and rate this bench averages the power spectrum of the error
(luma, Hann window) over LFW faces, and compares it, at every frequency of a pattern with
period 2, 4, 8 or 16 pixels (on a 112-pixel face: multiples of 7 cycles), with the median of
the frequencies two to three bins around it. A codec without periodic texture scores about
0 dB at every such frequency; the table reports the largest excess and where it is.

LFIC codes each face at the rate; WebP gets LFIC's byte count (its own quality search).

    python bench/lfic/periodic_texture.py --models lfic_ycc16,lfic_ycc16_quarter,ablation_nogan
"""
from __future__ import annotations

import sys

import argparse
import json
from pathlib import Path
from typing import Dict, List, Tuple

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/: devdata
import devdata  # noqa: E402,F401  (CVLFIC_DATA: the checkout's data folder when unset)

from cvlfic.codecs import create_codec, default_settings, encode_within
from cvlfic.eval import lfw
from cvlfic.lfic import Codec
from cvlfic.train.periodic import RING, grid_mask  # what the training loss counts

SIZE = 112
GRID = grid_mask(SIZE, SIZE).numpy()  # the pattern frequencies, zero frequency excluded

def _near_grid() -> np.ndarray:
    """Bins within one step of a grid frequency or of zero: never part of a ring."""
    centres = GRID.copy()
    centres[0, 0] = True
    return np.any([np.roll(centres, (dy, dx), (0, 1)) for dy in (-1, 0, 1) for dx in (-1, 0, 1)], axis=0)


NEAR_GRID = _near_grid()


def luma(bgr: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY).astype(np.float64)


def error_power(restored: np.ndarray, original: np.ndarray) -> np.ndarray:
    """|FFT|^2 of the Hann-windowed luma error, zero frequency at [0, 0]."""
    window = np.outer(np.hanning(SIZE), np.hanning(SIZE))
    error = luma(restored) - luma(original)
    error -= error.mean()
    return np.abs(np.fft.fft2(error * window)) ** 2


def grid_frequencies() -> List[Tuple[int, int]]:
    """Frequencies (ky, kx) of patterns with period 16, 8, 4 or 2 pixels; one of each +-pair."""
    return [(int(ky), int(kx)) for ky, kx in np.argwhere(GRID)
            if kx <= SIZE // 2 and not (kx in (0, SIZE // 2) and ky > SIZE // 2)]


def period(k: int) -> str:
    """The pattern's period along one axis for bin ``k`` (shortest alias)."""
    k = min(k, SIZE - k)
    return "-" if k == 0 else f"{SIZE / k:.3g}"


def peak_excess(power: np.ndarray) -> Dict[str, object]:
    """Per grid frequency: 10 log10(power / median power of its ring); the largest, the mean."""
    excess = []
    for ky, kx in grid_frequencies():
        ring = [power[(ky + dy) % SIZE, (kx + dx) % SIZE]
                for dy in range(-RING[1], RING[1] + 1) for dx in range(-RING[1], RING[1] + 1)
                if max(abs(dy), abs(dx)) >= RING[0] and not NEAR_GRID[(ky + dy) % SIZE, (kx + dx) % SIZE]]
        excess.append((10 * np.log10(power[ky, kx] / np.median(ring)), ky, kx))
    top = max(excess)
    return {"max_db": round(float(top[0]), 2), "at_period_y_x": [period(top[1]), period(top[2])],
            "mean_db": round(float(np.mean([e[0] for e in excess])), 2),
            "over_3db": int(sum(e[0] > 3 for e in excess)), "frequencies": len(excess)}


def spectrum_tile(power: np.ndarray, label: str) -> np.ndarray:
    """The log error spectrum, zero frequency in the middle, 2x enlarged, labelled."""
    logp = np.log10(np.fft.fftshift(power) + 1e-12)
    lo, hi = np.percentile(logp, [1, 99.9])
    image = np.clip((logp - lo) / (hi - lo) * 255, 0, 255).astype(np.uint8)
    image = cv2.resize(image, (2 * SIZE, 2 * SIZE), interpolation=cv2.INTER_NEAREST)
    canvas = np.full((2 * SIZE + 18, 2 * SIZE), 255, np.uint8)
    canvas[18:] = image
    cv2.putText(canvas, label, (2, 13), cv2.FONT_HERSHEY_SIMPLEX, 0.38, 0, 1, cv2.LINE_AA)
    return canvas


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="lfic_ycc16,lfic_ycc16_quarter")
    parser.add_argument("--rates", default="0.1,0.2,0.3")
    parser.add_argument("--faces", type=int, default=300, help="LFW pair images, evenly spaced")
    parser.add_argument("--out", type=Path, default=Path("results/lfic/periodic_texture.json"))
    args = parser.parse_args()
    models = [m for m in args.models.split(",") if m]
    rates = [float(r) for r in args.rates.split(",")]
    pairs = lfw.parse_pairs()
    picks = [pairs.images[i] for i in np.linspace(0, len(pairs.images) - 1, args.faces).astype(int)]
    crops = lfw.load_crops(picks).crops112
    codecs = {m: Codec(model=m) for m in models}
    webp = create_codec("webp", default_settings("webp")[0])
    rows, tiles = [], []
    for rate in rates:
        power: Dict[str, np.ndarray] = {}
        for i, face in enumerate(crops):
            face = np.ascontiguousarray(face)
            sizes = []
            for name, codec in codecs.items():
                data = codec.encode(face, bpp=rate)
                sizes.append(len(data))
                power[name] = power.get(name, 0) + error_power(codec.decode(data), face)
            fit = encode_within("webp", face, sizes[0])
            if not fit.missed:
                power["webp"] = power.get("webp", 0) + error_power(webp.decode(fit.data), face)
            print(f"\r{rate} bpp: {i + 1}/{len(crops)} faces", end="", file=sys.stderr)
        print(file=sys.stderr)
        for name, p in power.items():
            rows.append({"codec": name, "bpp": rate, **peak_excess(p)})
            print(json.dumps(rows[-1]))
        tiles.append(np.concatenate([spectrum_tile(p, f"{n} {rate} bpp") for n, p in power.items()], 1))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"faces": len(crops), "rows": rows}, indent=1) + "\n")
    width = max(t.shape[1] for t in tiles)
    grid = np.concatenate([np.pad(t, ((0, 0), (0, width - t.shape[1])), constant_values=255) for t in tiles])
    cv2.imwrite(str(args.out.with_suffix(".png")), grid)
    print(f"wrote {args.out} and {args.out.with_suffix('.png')}")


if __name__ == "__main__":
    main()
