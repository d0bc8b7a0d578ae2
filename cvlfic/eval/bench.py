"""``cvlfic bench``: codecs against LFW verification accuracy (View 2 protocol).

Every pair image's aligned 112x112 crop goes through each chosen codec and setting; the
decoded crop, resized to 150x150, is embedded by the face recognizer, and the 10-fold
protocol gives accuracy per setting. Writes ``<out>/<name>.json`` (versioned), an RD plot
``<name>.png`` and ``<name>.md`` with BD-rates against the anchor codecs. Crops and
descriptors are cached (``cvlfic.cache.cache_dir()``), so an interrupted run resumes
and a rerun with other reports is cheap.
"""
from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Callable, Dict, List, Sequence, Tuple

import numpy as np

DEFAULT_ANCHORS = ("jpeg2000", "webp")
RECOGNIZERS = ("port", "dlib")


def _parse_folds(text: str, n_folds: int) -> List[int]:
    """``all`` or comma-separated 1-based fold numbers -> 0-based fold indices."""
    if text == "all":
        return list(range(n_folds))
    folds = sorted({int(part) - 1 for part in text.split(",") if part.strip()})
    if len(folds) < 2 or folds[0] < 0 or folds[-1] >= n_folds:
        raise ValueError(f"folds must be 'all' or at least two numbers in 1..{n_folds} "
                         f"(thresholds are chosen on the other folds), got {text!r}")
    return folds


def _parse_settings(items: Sequence[str]) -> Dict[str, List]:
    """``codec=s1,s2`` overrides of the default sweeps."""
    chosen: Dict[str, List] = {}
    for item in items:
        name, _, values = item.partition("=")
        if not values:
            raise ValueError(f"--settings takes codec=s1,s2,..., got {item!r}")
        chosen[name] = [float(v) if "." in v else int(v) for v in values.split(",")]
    return chosen


def codec_plan(codecs: str, settings: Sequence[str]) -> List[Tuple[str, list]]:
    """(codec, settings) to run: the named codecs (or all), default sweeps unless overridden."""
    from cvlfic.codecs import default_settings, list_codecs

    names = list_codecs() if codecs == "all" else [c for c in codecs.split(",") if c]
    overrides = _parse_settings(settings)
    unknown = [n for n in [*names, *overrides] if n not in list_codecs()]
    if unknown:
        raise ValueError(f"unknown codecs {unknown}; choose from {list_codecs()}")
    return [(name, list(overrides.get(name, default_settings(name)))) for name in names]


def make_embedder(recognizer: str, threads: int) -> Tuple[Callable[[np.ndarray], np.ndarray], str]:
    """(embed 150x150 BGR chips -> descriptors, description)."""
    import torch

    torch.set_num_threads(threads)
    if recognizer == "port":
        from cvlfic.recognition import FaceEmbedder

        embedder = FaceEmbedder(threads=threads)
        return embedder.embed_bgr, f"dlib ResNet v1, PyTorch port ({embedder.backend})"
    from cvlfic.recognition import dlib_reference_embed_bgr

    return dlib_reference_embed_bgr, "dlib ResNet v1 (dlib-bin)"


def _record(verification, **fields) -> Dict:
    record = dict(fields)
    record.update(verification.to_dict())
    return record


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from cvlfic.codecs import codec_family, create_codec
    from cvlfic.eval import lfw, report
    from cvlfic.eval.sweep import MeasurementStore, measure_codec, measure_reference
    from cvlfic.eval.verification import pair_distances, verify

    all_pairs = lfw.parse_pairs(root=args.data)
    try:
        folds = _parse_folds(args.folds, all_pairs.n_folds)
        plan = codec_plan(args.codecs, args.settings)
    except ValueError as exc:
        print(f"cvlfic bench: {exc}", file=sys.stderr)
        return 2
    pairs = all_pairs.select_folds(folds)
    indices = pairs.used_images()
    with tqdm(total=len(all_pairs.images), desc="aligning LFW crops", unit="img",
              disable=args.quiet) as bar:
        crops = lfw.load_crops(all_pairs.images, bar.update, root=args.data)
    embed, recognizer_text = make_embedder(args.recognizer, args.threads)
    store = MeasurementStore(args.recognizer)

    def evaluate(descriptors: np.ndarray):
        distances = pair_distances(descriptors, pairs.left, pairs.right)
        return verify(distances, pairs.same, pairs.fold, far=args.far)

    references = []
    for name, source, text in (("native150", crops.chips150, "native 150x150 chips"),
                               ("resized112", crops.crops112, "112x112 crops resized to 150")):
        with tqdm(total=len(indices), desc=f"reference {name}", unit="img",
                  disable=args.quiet) as bar:
            descriptors = measure_reference(name, source, indices, embed, store,
                                            progress=bar.update)
        references.append(_record(evaluate(descriptors), name=name, description=text))
        tqdm.write(f"reference {name}: accuracy {100 * references[-1]['accuracy_mean']:.2f}%")

    results = []
    pixels = crops.crops112.shape[1] * crops.crops112.shape[2]
    for name, settings in plan:
        for setting in settings:
            codec = create_codec(name, setting)
            with tqdm(total=len(indices), desc=f"{name} {setting}", unit="img",
                      disable=args.quiet) as bar:
                arrays = measure_codec(codec, crops.crops112, indices, embed, store,
                                       progress=bar.update, fresh=args.fresh)
            sizes = arrays["bytes"][indices]
            result = _record(
                evaluate(arrays["descriptors"]), codec=name, setting=setting,
                description=codec_family(name).description,
                bytes_mean=float(sizes.mean()), bytes_min=int(sizes.min()),
                bytes_max=int(sizes.max()), bpp_mean=float(8 * sizes.mean() / pixels),
                psnr_mean=float(arrays["psnr"][indices].mean()),
                ssim_mean=float(arrays["ssim"][indices].mean()))
            results.append(result)
            tqdm.write(f"{name} {setting}: {result['bpp_mean']:.3f} bpp, "
                       f"PSNR {result['psnr_mean']:.2f} dB, "
                       f"accuracy {100 * result['accuracy_mean']:.2f}%")

    protocol = {
        "dataset": "LFW deep-funneled, View 2 pairs.txt",
        "pairs": int(len(pairs.same)), "folds": [f + 1 for f in folds],
        "images": int(len(indices)), "far": args.far, "recognizer": recognizer_text,
        "recognizer_threads": args.threads,
        "face_finding": crops.found_counts(),
        "crop": "dlib get_face_chip geometry, padding 0.25, 112x112; recognizer input: "
                "decoded crop resized to 150x150 (bilinear)",
        "distance": "Euclidean", "accuracy_std": "population (ddof=0) over folds",
    }
    command = "cvlfic bench " + " ".join(shlex.quote(a) for a in args.argv)
    document = report.build_document(protocol, references, results, args.anchors.split(","),
                                     args.bd_method, command)
    out = Path(args.out)
    report.write_json(document, out / f"{args.name}.json")
    report.write_plot(document, out / f"{args.name}.png")
    report.write_markdown(document, out / f"{args.name}.md")
    print(f"wrote {out / args.name}.json, .png, .md")
    return 0


def register(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "bench", help="benchmark codecs by LFW verification accuracy vs rate",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--codecs", default="all",
                        help="comma-separated codec names, or 'all' (default)")
    parser.add_argument("--settings", nargs="*", default=[], metavar="CODEC=S1,S2",
                        help="settings to run instead of a codec's default sweep")
    parser.add_argument("--folds", default="all",
                        help="'all' (default) or two or more comma-separated fold numbers 1..10")
    parser.add_argument("--data", type=Path, metavar="DIR",
                        help="face data folder, the one holding lfw/ (default: $CVLFIC_DATA)")
    parser.add_argument("--out", default="results", help="output folder (default: results)")
    parser.add_argument("--name", default="lfw_bench",
                        help="base name of the output files (default: lfw_bench)")
    parser.add_argument("--anchors", default=",".join(DEFAULT_ANCHORS),
                        help="anchor codecs of the BD-rate tables (default: jpeg2000,webp)")
    parser.add_argument("--bd-method", default="akima", choices=("akima", "pchip"),
                        help="BD-rate interpolation (default: akima)")
    parser.add_argument("--recognizer", default="port", choices=RECOGNIZERS,
                        help="'port': cvlfic's PyTorch/ONNX port (default); 'dlib': dlib-bin")
    parser.add_argument("--threads", type=int, default=1,
                        help="recognizer threads (default 1: the machine is shared)")
    parser.add_argument("--far", type=float, default=1e-3, help="FAR for TAR@FAR (default 1e-3)")
    parser.add_argument("--fresh", action="store_true",
                        help="recompute the codecs' cached results (a codec family's "
                             "description is its cache key)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.set_defaults(func=_main)
    return parser


def _main(args: argparse.Namespace) -> int:
    args.argv = sys.argv[2:] if len(sys.argv) > 2 and sys.argv[1] == "bench" else []
    return run(args)
