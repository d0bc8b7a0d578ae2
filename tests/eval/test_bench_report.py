"""The bench command's options and its report files, on synthetic results."""
import argparse
import json

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
