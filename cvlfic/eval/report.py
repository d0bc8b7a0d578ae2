"""Benchmark reports: the versioned results JSON, the RD plot and the markdown tables."""
from __future__ import annotations

import json
import os
import platform
import sys
from collections import OrderedDict
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Sequence

from cvlfic.eval.bdrate import bd_rate

SCHEMA = "cvlfic.bench.lfw/1"


def machine_info() -> Dict:
    """Where the numbers were measured: platform, CPU and library versions."""
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {"python": sys.version.split()[0]}
    for module in ("numpy", "cv2", "torch", "onnxruntime", "dlib", "imagecodecs", "pyvips"):
        try:
            versions[module] = getattr(__import__(module), "__version__", "?")
        except ImportError:
            continue
    try:
        import imagecodecs

        libs = dict(item.split("-", 1) for item in imagecodecs.version().split(", ")
                    if "-" in item)
        for lib in ("libjpeg_turbo", "openjpeg", "libwebp", "libavif", "libjxl"):
            versions[lib] = libs.get(lib, "?")
    except ImportError:
        pass
    try:
        import pyvips

        versions["libvips"] = pyvips.version_string() if hasattr(pyvips, "version_string") \
            else ".".join(str(pyvips.version(i)) for i in range(3))
    except (ImportError, OSError):
        pass
    return {"platform": platform.platform(), "cpu": cpu, "cpu_count": os.cpu_count(),
            "versions": versions}


def curves(results: Sequence[Dict]) -> "OrderedDict[str, List[Dict]]":
    """Per-setting records grouped by codec, each curve sorted by rate."""
    grouped: "OrderedDict[str, List[Dict]]" = OrderedDict()
    for record in results:
        grouped.setdefault(record["codec"], []).append(record)
    for records in grouped.values():
        records.sort(key=lambda r: r["bpp_mean"])
    return grouped


def bd_rate_tables(results: Sequence[Dict], anchors: Sequence[str],
                   method: str) -> Dict[str, Dict[str, Dict]]:
    """``{anchor: {codec: BdRateResult dict}}`` with accuracy as the quality axis."""
    grouped = curves(results)
    tables: Dict[str, Dict[str, Dict]] = {}
    for anchor in anchors:
        if anchor not in grouped:
            continue
        ref = grouped[anchor]
        tables[anchor] = {}
        for codec, records in grouped.items():
            if codec == anchor:
                continue
            tables[anchor][codec] = bd_rate(
                [r["bpp_mean"] for r in ref], [r["accuracy_mean"] for r in ref],
                [r["bpp_mean"] for r in records], [r["accuracy_mean"] for r in records],
                method=method).to_dict()
    return tables


def build_document(protocol: Dict, references: List[Dict], results: List[Dict],
                   anchors: Sequence[str], method: str, command: str) -> Dict:
    return {
        "schema": SCHEMA,
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": command,
        "machine": machine_info(),
        "protocol": protocol,
        "references": references,
        "results": results,
        "bd_rate": {"quality": "accuracy_mean", "rate": "bpp_mean", "method": method,
                    "anchors": bd_rate_tables(results, anchors, method)},
    }


def write_json(document: Dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=1) + "\n")


def write_plot(document: Dict, path: Path) -> None:
    """Accuracy vs bpp and PSNR vs bpp, one curve per codec; references as lines."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    fig, (ax_acc, ax_psnr) = plt.subplots(1, 2, figsize=(12, 4.8))
    for codec, records in curves(document["results"]).items():
        bpp = [r["bpp_mean"] for r in records]
        ax_acc.plot(bpp, [100 * r["accuracy_mean"] for r in records], "o-", ms=4, label=codec)
        ax_psnr.plot(bpp, [r["psnr_mean"] for r in records], "o-", ms=4, label=codec)
    for style, ref in zip(("--", ":", "-."), document["references"]):
        ax_acc.axhline(100 * ref["accuracy_mean"], color="gray", ls=style, lw=1,
                       label=f"uncompressed {ref['name']}")
    pairs = document["protocol"]["pairs"]
    ax_acc.set(xlabel="bits per pixel (112x112 crop, whole file)",
               ylabel="LFW verification accuracy (%)",
               title=f"Accuracy vs rate ({pairs} pairs, {document['protocol']['recognizer']})")
    ax_psnr.set(xlabel="bits per pixel (112x112 crop, whole file)", ylabel="PSNR RGB (dB)",
                title="PSNR vs rate")
    for ax in (ax_acc, ax_psnr):
        ax.grid(True, alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _fmt_bd(entry: Dict) -> str:
    if entry["bd_rate_percent"] is None:
        return "n/a"
    return f"{entry['bd_rate_percent']:+.1f}%"


def markdown(document: Dict) -> str:
    """Reference accuracies, per-setting results and BD-rate tables."""
    protocol = document["protocol"]
    found = ", ".join(f"{n} {how}" for how, n in protocol["face_finding"].items())
    lines = [
        f"# LFW verification vs rate ({document['date']})", "",
        f"Schema `{document['schema']}`. Pairs: {protocol['pairs']} (folds "
        f"{', '.join(str(f) for f in protocol['folds'])}); recognizer: "
        f"{protocol['recognizer']}; images: {protocol['images']} aligned 112x112 crops "
        f"(faces of all LFW pair images: {found}). Each crop is compressed, decoded, "
        "resized to 150x150 (bilinear) and embedded; accuracy: threshold chosen on the other "
        f"folds; TAR at FAR={protocol['far']} pooled over all pairs.", "",
        f"Command: `{document['command']}`", "",
        "## Uncompressed references", "",
        "| input | accuracy | std | TAR@FAR |", "|---|---|---|---|",
    ]
    for ref in document["references"]:
        lines.append(f"| {ref['name']} ({ref['description']}) | "
                     f"{100 * ref['accuracy_mean']:.2f}% | {100 * ref['accuracy_std']:.2f} | "
                     f"{100 * ref['tar_at_far']:.2f}% |")
    lines += ["", "## Per setting", "",
              "| codec | setting | bytes | bpp | PSNR dB | SSIM | accuracy | std | TAR@FAR |",
              "|---|---|---|---|---|---|---|---|---|"]
    for codec, records in curves(document["results"]).items():
        for r in records:
            lines.append(
                f"| {codec} | {r['setting']} | {r['bytes_mean']:.0f} | {r['bpp_mean']:.3f} | "
                f"{r['psnr_mean']:.2f} | {r['ssim_mean']:.4f} | {100 * r['accuracy_mean']:.2f}% "
                f"| {100 * r['accuracy_std']:.2f} | {100 * r['tar_at_far']:.2f}% |")
    bd = document["bd_rate"]
    lines += ["", f"## BD-rate (quality axis: verification accuracy; {bd['method']})", "",
              "Negative: fewer bytes than the anchor for the same accuracy, averaged over the "
              "accuracy range both curves cover (shown). Points whose accuracy does not rise "
              "with rate are dropped first (noted)."]
    for anchor, table in bd["anchors"].items():
        lines += ["", f"### Anchor: {anchor}", "",
                  "| codec | BD-rate | accuracy overlap | overlap share | notes |",
                  "|---|---|---|---|---|"]
        for codec, entry in table.items():
            overlap = entry["overlap"]
            span = f"{100 * overlap[0]:.2f}-{100 * overlap[1]:.2f}%" if overlap else "none"
            lines.append(f"| {codec} | {_fmt_bd(entry)} | {span} | "
                         f"{100 * entry['overlap_fraction']:.0f}% | {entry['message']} |")
    return "\n".join(lines) + "\n"


def write_markdown(document: Dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(markdown(document))
