"""What the decoder benches share (``int8_decoder.py``, ``decoder_cost.py``): decoder graphs
on one thread timed in turns with one dlib-port descriptor, and LFW verification of their
faces side by side with the pairs only one of two decoders gets right."""
from __future__ import annotations

import time
from typing import Dict, List, Sequence

import numpy as np

from cvlfic.backends.onnx_runtime import OnnxDecoderRunner
from cvlfic.eval.sweep import to_recognizer_size
from cvlfic.eval.verification import correct_pairs, mcnemar_p, pair_distances, verify
from cvlfic.nets.network import INPUT_NAMES, restore_outputs


def session(path):
    """The graph on one thread with sleeping workers, as the descriptor runs."""
    return OnnxDecoderRunner(path, threads=1, spinning=False).session


def timing_feeds(codec, crops: np.ndarray, count: int, bpp: float = 0.2):
    """``count`` crops evenly through ``crops``: their decoder inputs at ``bpp`` (batch 1) and
    their recognizer chips."""
    faces = [np.ascontiguousarray(crops[i]) for i in np.linspace(0, len(crops) - 1, count).astype(int)]
    feeds = [dict(zip(INPUT_NAMES, codec.decoder_inputs(codec.encode(f, bpp=bpp))[0])) for f in faces]
    return feeds, to_recognizer_size(np.stack(faces))


def median_ms_in_turns(nets: Dict[str, object], feeds: Sequence[dict], chips: np.ndarray, embedder,
                       rounds: int) -> Dict[str, float]:
    """Median ms per face of each graph and of one descriptor ("descriptor"), all taking turns
    face by face so that they share the machine's load."""
    times: Dict[str, List[float]] = {name: [] for name in [*nets, "descriptor"]}
    for _ in range(rounds):
        for i, feed in enumerate(feeds):
            for name, net in nets.items():
                t0 = time.perf_counter()
                net.run(None, feed)
                times[name].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            embedder.embed_bgr(chips[i:i + 1])
            times["descriptor"].append(time.perf_counter() - t0)
    return {name: 1000 * float(np.median(t)) for name, t in times.items()}


def lfw_side_by_side(codec, nets: Dict[str, object], crops: np.ndarray, pairs, bpp: float, embedder,
                     reference: str) -> Dict[str, dict]:
    """Every pair image coded at ``bpp`` by ``codec`` and decoded by each graph: per graph the
    10-fold accuracy, its std, the mean PSNR, and the pairs only ``reference`` / only this
    graph gets right with the exact McNemar p."""
    indices = pairs.used_images()
    descriptors = {name: np.zeros((len(crops), 128), np.float32) for name in nets}
    psnr: Dict[str, list] = {name: [] for name in nets}
    for start in range(0, len(indices), 64):
        part = indices[start:start + 64]
        prepared = [codec._prepare(codec.encode(np.ascontiguousarray(crops[i]), bpp=bpp)) for i in part]
        inputs = [np.concatenate([p[0][k] for p in prepared]) for k in range(len(INPUT_NAMES))]
        originals = np.stack([crops[i] for i in part]).astype(np.float64)
        for name, net in nets.items():
            bgr = net.run(None, dict(zip(INPUT_NAMES, inputs)))[0]
            faces = np.stack(restore_outputs(bgr, [p[1] for p in prepared], [p[2] for p in prepared]))
            descriptors[name][part] = embedder.embed_bgr(to_recognizer_size(faces))
            mse = ((faces.astype(np.float64) - originals) ** 2).mean((1, 2, 3))
            psnr[name].extend(10 * np.log10(255.0 ** 2 / np.maximum(mse, 1e-10)))
    right, rows = {}, {}
    for name in nets:
        distances = pair_distances(descriptors[name], pairs.left, pairs.right)
        v = verify(distances, pairs.same, pairs.fold)
        right[name] = correct_pairs(distances, pairs.same, pairs.fold, v)
        rows[name] = {"accuracy": float(v.accuracy_mean), "std": float(v.accuracy_std), "psnr": float(np.mean(psnr[name]))}
    for name in nets:
        reference_only = int(np.sum(right[reference] & ~right[name]))
        this_only = int(np.sum(right[name] & ~right[reference]))
        rows[name].update({"reference_only": reference_only, "this_only": this_only,
                           "p_value": mcnemar_p(reference_only, this_only)})
    return rows
