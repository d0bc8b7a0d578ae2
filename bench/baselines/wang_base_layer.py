"""LFW verification on the wang baseline's base layer alone (no pixels decoded).

Every LFW View 2 pair image's standard 112x112 crop is encoded at setting 0 (the base layer:
the quantized, entropy-coded dlib-port descriptor); the descriptor is read back from the
stream with ``cvlfic.baselines.wang.base_descriptor`` and the 10-fold protocol of
``cvlfic.eval.verification`` runs on those descriptors. For comparison: the same protocol on
the unquantized descriptors of the same crops (the benchmark's cached ``resized112``
reference, identical computation), and accuracy at dlib's fixed 0.6 threshold (on the
base layer: applied to ``compare_base``'s distances, corrected for quantization noise).

    PYTHONPATH=. python bench/baselines/wang_base_layer.py --out results
"""
from __future__ import annotations

import sys

import argparse
import json
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/: devdata
import devdata  # noqa: E402,F401  (CVLFIC_DATA: the checkout's data folder when unset)

from cvlfic.baselines import wang
from cvlfic.codecs import codec_family, create_codec
from cvlfic.eval import lfw
from cvlfic.eval.bench import make_embedder
from cvlfic.eval.sweep import MeasurementStore, measure_reference
from cvlfic.eval.verification import accuracy_at, pair_distances, verify


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("results/baselines"))
    args = parser.parse_args()

    pairs = lfw.parse_pairs()
    crops = lfw.load_crops(pairs.images)
    indices = pairs.used_images()
    codec = create_codec("wang", 0)
    descriptors = np.zeros((len(pairs.images), 128), np.float32)
    sizes = np.zeros(len(pairs.images), np.int64)
    start = time.time()
    for i in tqdm(indices, desc="wang base layer", unit="img"):
        data = codec.encode(np.ascontiguousarray(crops.crops112[i]))
        descriptors[i] = wang.base_descriptor(data)
        sizes[i] = len(data)
    seconds = time.time() - start

    embed, recognizer = make_embedder("port", 1)
    exact = measure_reference("resized112", crops.crops112, indices, embed,
                              MeasurementStore("port"))
    rows = {}
    for name, d in (("base_layer", descriptors), ("float_descriptor", exact)):
        distances = pair_distances(d, pairs.left, pairs.right)
        result = verify(distances, pairs.same, pairs.fold).to_dict()
        if name == "base_layer":
            result["accuracy_at_0.6_raw_distance"] = accuracy_at(
                distances, pairs.same, wang.SAME_PERSON_THRESHOLD)
            distances = wang.corrected_distance(distances)
        result["accuracy_at_0.6"] = accuracy_at(distances, pairs.same, wang.SAME_PERSON_THRESHOLD)
        rows[name] = result
    used = sizes[indices]
    document = {
        "what": "LFW View 2 (6000 pairs, 10 folds) on wang base-layer descriptors read from "
                "setting-0 streams, without decoding pixels",
        "codec": codec_family("wang").description, "recognizer": recognizer,
        "images": int(len(indices)), "pairs": int(len(pairs.same)),
        "stream_bytes_mean": float(used.mean()), "stream_bytes_min": int(used.min()),
        "stream_bytes_max": int(used.max()), "container_overhead_bytes": 6,
        "bpp_mean": float(8 * used.mean() / (112 * 112)),
        "encode_seconds_per_image": seconds / len(indices),
        "results": rows,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "wang_base_layer.json").write_text(json.dumps(document, indent=2) + "\n")
    base, ref = rows["base_layer"], rows["float_descriptor"]
    lines = [
        "# Wang et al. 2019 baseline: verification on the base layer alone", "",
        document["what"] + ".", "",
        f"Codec: {document['codec']}. Recognizer: {recognizer}.", "",
        "| descriptors | bytes per face (mean, min-max) | bpp | accuracy (10-fold) | "
        "accuracy at 0.6 (compare_base) | TAR@FAR=1e-3 |",
        "|---|---|---|---|---|---|",
        f"| base layer (quantized, step 1/16, coded) | {used.mean():.1f} ({used.min()}-{used.max()}) "
        f"| {document['bpp_mean']:.4f} | {100 * base['accuracy_mean']:.2f}% "
        f"+- {100 * base['accuracy_std']:.2f} | {100 * base['accuracy_at_0.6']:.2f}% "
        f"| {100 * base['tar_at_far']:.2f}% |",
        f"| float descriptor of the same crops (not a stream) | 512 as float32 | - | "
        f"{100 * ref['accuracy_mean']:.2f}% +- {100 * ref['accuracy_std']:.2f} "
        f"| {100 * ref['accuracy_at_0.6']:.2f}% | {100 * ref['tar_at_far']:.2f}% |",
        "",
        f"At 0.6 on raw (uncorrected) base-layer distances: "
        f"{100 * base['accuracy_at_0.6_raw_distance']:.2f}% (rounding inflates distances; "
        f"`compare_base` subtracts the expected {wang.QUANTIZATION_BIAS:.4f} from squared distances).",
        "",
        "Bytes include the 6-byte container (codec id, setting, size, CRC). The base layer IS "
        "the descriptor of the recognizer the benchmark uses, so this accuracy is that "
        "recognizer's accuracy on the uncompressed crops minus the quantization loss; it says "
        "nothing about how another recognizer would do with these bytes.",
        "",
        f"Encoding time (recognizer + entropy code, shared machine, 1 thread): "
        f"{1000 * document['encode_seconds_per_image']:.1f} ms per face.",
        "", "Command: `PYTHONPATH=. python bench/baselines/wang_base_layer.py --out results`", "",
    ]
    (args.out / "wang_base_layer.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
