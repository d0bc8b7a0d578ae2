"""The bench command's options and its report files, on synthetic results."""
import argparse
import json

import cv2
import numpy as np
import pytest

from cvlfic.eval import bench, report


def synthetic_results():
    results = []
    for codec, scale in (("jpeg2000", 1.0), ("webp", 0.5)):
        for i, bpp in enumerate((0.1, 0.2, 0.4, 0.8)):
            results.append({"codec": codec, "setting": i, "bpp_mean": bpp * scale,
                            "bytes_mean": bpp * scale * 112 * 112 / 8, "psnr_mean": 25.0 + i,
                            "ssim_mean": 0.8, "accuracy_mean": 0.8 + 0.05 * i,
                            "accuracy_std": 0.01, "tar_at_far": 0.5})
    return results


def test_report_files(tmp_path):
    protocol = {"pairs": 6000, "folds": list(range(1, 11)), "images": 7701, "far": 1e-3,
                "recognizer": "fake", "face_finding": {"hog": 7700, "central_box": 1}}
    references = [{"name": "native150", "description": "chips", "accuracy_mean": 0.98,
                   "accuracy_std": 0.005, "tar_at_far": 0.93}]
    document = report.build_document(protocol, references, synthetic_results(),
                                     ["jpeg2000", "webp"], "akima", "cvlfic bench")
    assert document["schema"] == report.SCHEMA
    table = document["bd_rate"]["anchors"]
    assert table["jpeg2000"]["webp"]["bd_rate_percent"] == pytest.approx(-50.0)
    assert table["webp"]["jpeg2000"]["bd_rate_percent"] == pytest.approx(100.0)
    report.write_json(document, tmp_path / "r.json")
    report.write_plot(document, tmp_path / "r.png")
    report.write_markdown(document, tmp_path / "r.md")
    assert json.loads((tmp_path / "r.json").read_text())["results"][0]["codec"] == "jpeg2000"
    assert (tmp_path / "r.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = (tmp_path / "r.md").read_text()
    assert "| webp | -50.0% |" in text and "### Anchor: jpeg2000" in text
    assert "98.00%" in text


def test_command_line_options():
    parser = argparse.ArgumentParser(prog="cvlfic")
    bench.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["bench", "--codecs", "jpeg,webp", "--folds", "1,3"])
    assert args.func is not None and args.codecs == "jpeg,webp"
    assert bench._parse_folds("all", 10) == list(range(10))
    assert bench._parse_folds("3,1", 10) == [0, 2]
    for bad in ("1", "0,2", "2,11"):
        with pytest.raises(ValueError):
            bench._parse_folds(bad, 10)
    plan = bench.codec_plan("jpeg,webp", ["webp=0,50"])
    assert plan[0][0] == "jpeg" and len(plan[0][1]) >= 6
    assert plan[1] == ("webp", [0, 50])
    with pytest.raises(ValueError):
        bench.codec_plan("nope", [])


def test_a_whole_run_on_synthetic_pairs(tmp_path, monkeypatch):
    """``cvlfic bench`` end to end with synthetic LFW pairs, crops and recognizer."""
    from cvlfic.cli import build_parser
    from cvlfic.eval import lfw

    rng = np.random.default_rng(0)
    n_people, per_person, n_folds = 12, 2, 3
    images = [(f"P{p}", i + 1) for p in range(n_people) for i in range(per_person)]
    colours = rng.integers(30, 220, (n_people, 3))
    crops112 = np.clip(colours.repeat(per_person, 0)[:, None, None, :]
                       + rng.normal(0, 6, (len(images), 112, 112, 3)), 0, 255).astype(np.uint8)
    rows = []  # (left, right, same, fold): per fold 4 matched, then 4 mismatched pairs
    for f in range(n_folds):
        people = range(4 * f, 4 * f + 4)
        rows += [(2 * p, 2 * p + 1, True, f) for p in people]
        rows += [(2 * p, 2 * (4 * f + (p + 1) % 4), False, f) for p in people]
    left, right, same, fold = (np.array(column) for column in zip(*rows))
    pairs = lfw.LfwPairs(images, left, right, same, fold, n_folds)
    chips150 = np.stack([cv2.resize(c, (150, 150), interpolation=cv2.INTER_LINEAR)
                         for c in crops112])
    crops = lfw.LfwCrops(images, crops112, chips150, np.zeros(len(images), np.uint8))
    monkeypatch.setattr(lfw, "parse_pairs", lambda root=None: pairs)
    monkeypatch.setattr(lfw, "load_crops", lambda keys, progress=None, root=None: crops)
    monkeypatch.setattr(bench, "make_embedder", lambda recognizer, threads: (
        lambda chips: np.repeat(chips.mean(axis=(1, 2)), 43, axis=1)[:, :128].astype(np.float32),
        "mean colour (test)"))
    monkeypatch.setenv("CVLFIC_CACHE", str(tmp_path / "cache"))

    args = build_parser().parse_args(
        ["bench", "--codecs", "jpeg,webp", "--settings", "jpeg=1,50", "webp=0,50",
         "--out", str(tmp_path / "out"), "--name", "t", "--anchors", "webp", "--quiet"])
    args.argv = []
    assert bench.run(args) == 0
    document = json.loads((tmp_path / "out" / "t.json").read_text())
    assert [r["name"] for r in document["references"]] == ["native150", "resized112"]
    assert document["references"][0]["accuracy_mean"] == 1.0  # colours tell people apart
    assert [(r["codec"], r["setting"]) for r in document["results"]] == [
        ("jpeg", 1), ("jpeg", 50), ("webp", 0), ("webp", 50)]
    jpeg_low, jpeg_high = document["results"][:2]
    assert jpeg_low["bytes_mean"] < jpeg_high["bytes_mean"]
    assert jpeg_low["psnr_mean"] < jpeg_high["psnr_mean"]
    assert document["protocol"]["pairs"] == 24 and document["protocol"]["images"] == 24
    assert "jpeg" in document["bd_rate"]["anchors"]["webp"]
    assert (tmp_path / "out" / "t.png").is_file() and (tmp_path / "out" / "t.md").is_file()
    # A rerun reads every measurement from the cache.
    monkeypatch.setattr("cvlfic.eval.sweep.psnr", None)
    assert bench.run(args) == 0
