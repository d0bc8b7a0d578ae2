"""The core's fast encoder against its numpy restatement and against the previous numpy search.

1. Byte identity: on ``--chips`` aligned LFW chips at each rate, the core's streams
   (``cvlfic_encode_face``, what ``cvlfic.encode`` runs) against tests/lfic/search_reference.py,
   and the largest stream against its budget.
2. LFW verification side by side (all 6000 pairs, the bench's protocol): the core's search
   and the previous numpy search (bench/lfic/previous_search.py: float32 errors from rounded
   means). Faces whose streams are identical share their descriptors.

    python bench/lfic/search_parity.py --out results/lfic/search_parity.json
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "lfic"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import previous_search  # noqa: E402
import search_reference  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/: devdata
import devdata  # noqa: E402,F401  (CVLFIC_DATA: the checkout's data folder when unset)

from cvlfic import _core  # noqa: E402
from cvlfic.eval import lfw  # noqa: E402
from cvlfic.eval.bench import make_embedder  # noqa: E402
from cvlfic.eval.sweep import to_recognizer_size  # noqa: E402
from cvlfic.eval.verification import correct_pairs, mcnemar_p, pair_distances, verify  # noqa: E402
from cvlfic.lfic.codec import Codec  # noqa: E402


def write_markdown(doc: dict, path: Path) -> None:
    lines = ["# The core's fast encoder against the numpy reference and the previous search", "",
             f"Command: `{doc['command']}`; recognizer: {doc['recognizer']}; all 6000 LFW pairs "
             "(10 folds), 7701 aligned 112x112 crops.", "",
             "| bpp | chips identical to the reference | over budget | streams identical to the previous search "
             "| accuracy, core | accuracy, previous | bytes, core | bytes, previous |",
             "|---|---|---|---|---|---|---|---|"]
    for r in doc["rows"]:
        lines.append(f"| {r['bpp']} | {r['identical_to_reference']} / {r['chips_checked']} | {r['over_budget']} "
                     f"| {r['identical_to_previous']} / {r['faces']} "
                     f"| {100 * r['core']['accuracy']:.2f}% (std {100 * r['core']['std']:.2f}) "
                     f"| {100 * r['previous']['accuracy']:.2f}% (std {100 * r['previous']['std']:.2f}) "
                     f"| {r['core']['bytes_mean']:.1f} | {r['previous']['bytes_mean']:.1f} |")
    if all("discordant" in r for r in doc["rows"]):
        lines += ["", "Pairs the two searches judge differently (each at its own per-fold thresholds): right "
                  "with the core's search only, right with the previous one only, and the two-sided exact "
                  "(McNemar) p-value of a difference that large if neither search were better.", "",
                  "| bpp | core only | previous only | p |", "|---|---|---|---|"]
        for r in doc["rows"]:
            d = r["discordant"]
            lines.append(f"| {r['bpp']} | {d['core_only']} | {d['previous_only']} | {d['p_value']:.2f} |")
    path.write_text("\n".join(lines) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="0.05,0.1,0.2,0.3")
    parser.add_argument("--chips", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "results/lfic/search_parity.json")
    parser.add_argument("--markdown-only", action="store_true", help="rewrite the .md of an existing --out")
    args = parser.parse_args()
    if args.markdown_only:
        write_markdown(json.loads(args.out.read_text()), args.out.with_suffix(".md"))
        return 0
    rates = [float(r) for r in args.rates.split(",")]

    pairs = lfw.parse_pairs()
    crops = lfw.load_crops(pairs.images).crops112
    indices = pairs.used_images()
    codec = Codec()
    params = codec.encoder.params
    embed, recognizer = make_embedder("port", args.threads)
    rows = []
    for bpp in rates:
        new, old, budgets = {}, {}, {}
        for i in tqdm(indices, desc=f"encode {bpp}", unit="face"):
            face = np.ascontiguousarray(crops[i])
            budgets[i] = codec.encoder.budget(face, _core.RATE_BPP, bpp)
            new[i] = codec.encode(face, bpp=bpp)
            old[i] = previous_search.encode(face, params, budgets[i])
        chips = indices[:args.chips]
        same_ref = sum(search_reference.encode(np.ascontiguousarray(crops[i]), params, budgets[i]) == new[i]
                       for i in tqdm(chips, desc=f"reference {bpp}", unit="face"))
        over = sum(len(new[i]) > budgets[i] for i in indices)
        differ = [i for i in indices if old[i] != new[i]]
        descriptors_new = np.zeros((len(crops), 128), np.float32)
        descriptors_old = np.zeros((len(crops), 128), np.float32)
        for start in tqdm(range(0, len(indices), 256), desc=f"decode {bpp}", unit="batch"):
            part = indices[start:start + 256]
            faces = np.stack(codec.decode_batch([new[i] for i in part]))
            descriptors_new[part] = embed(to_recognizer_size(faces))
        descriptors_old[:] = descriptors_new
        for start in range(0, len(differ), 256):
            part = differ[start:start + 256]
            faces = np.stack(codec.decode_batch([old[i] for i in part]))
            descriptors_old[part] = embed(to_recognizer_size(faces))
        result, right = {}, {}
        for name, d, streams in (("core", descriptors_new, new), ("previous", descriptors_old, old)):
            distances = pair_distances(d, pairs.left, pairs.right)
            v = verify(distances, pairs.same, pairs.fold)
            right[name] = correct_pairs(distances, pairs.same, pairs.fold, v)
            result[name] = {"accuracy": float(v.accuracy_mean), "std": float(v.accuracy_std),
                            "bytes_mean": float(np.mean([len(streams[i]) for i in indices]))}
        core_only = int(np.sum(right["core"] & ~right["previous"]))
        previous_only = int(np.sum(right["previous"] & ~right["core"]))
        result["discordant"] = {"core_only": core_only, "previous_only": previous_only,
                                "p_value": mcnemar_p(core_only, previous_only)}
        rows.append({"bpp": bpp, "chips_checked": len(chips), "identical_to_reference": int(same_ref),
                     "over_budget": int(over), "faces": len(indices),
                     "identical_to_previous": len(indices) - len(differ), **result})
        print(json.dumps(rows[-1]))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    doc = {"command": "python bench/lfic/search_parity.py " + " ".join(sys.argv[1:]),
           "recognizer": recognizer, "rows": rows}
    args.out.write_text(json.dumps(doc, indent=2) + "\n")
    write_markdown(doc, args.out.with_suffix(".md"))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
