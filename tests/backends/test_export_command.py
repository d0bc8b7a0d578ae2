"""``cvlfic export``: ONNX and TorchScript regenerated from decoder.pt, with dynamic axes and parity."""
import argparse

import numpy as np
import pytest

from cvlfic.commands import export
from cvlfic.lfic.codec import Codec
from cvlfic.lfic.model_files import find_model, model_metadata

torch = pytest.importorskip("torch")


def run_export(*argv) -> int:
    parser = argparse.ArgumentParser(prog="cvlfic")
    export.register(parser.add_subparsers())
    args = parser.parse_args(["export", *argv])
    return args.func(args)


@pytest.fixture(scope="module")
def decoder():
    from cvlfic.nets.export import load_decoder
    return load_decoder(find_model())


def test_onnx_export_is_dynamic_and_matches_torch(tmp_path, capsys, decoder):
    import onnxruntime as ort

    assert run_export("--format", "onnx", "--out", str(tmp_path)) == 0
    printed = capsys.readouterr().out
    assert "parity onnxruntime vs torch" in printed and ": ok" in printed
    session = ort.InferenceSession(str(tmp_path / "decoder.onnx"), providers=["CPUExecutionProvider"])
    shapes = {i.name: i.shape for i in session.get_inputs()}
    assert shapes["planes"] == ["batch", 3, "height", "width"]
    assert shapes["step"] == ["batch", 1, 1, 1]
    # A batch and a size the command's own check did not use.
    batch = export.sample_inputs(model_metadata(find_model())["profile"], [(5, 40, 100)], seed=3)[0]
    got = session.run(None, dict(zip(["planes", "log2_block", "step"], batch)))[0]
    assert got.shape == (5, 3, 48, 112)
    assert np.abs(got - export.torch_reference(decoder)(*batch)).max() <= export.ONNX_LIMIT


def test_exported_folder_is_a_model_folder(tmp_path):
    assert run_export("--format", "onnx", "--out", str(tmp_path), "--no-check") == 0
    face = np.random.default_rng(1).integers(0, 256, (112, 112, 3), dtype=np.uint8)
    shipped = Codec()
    data = shipped.encode(face, max_bytes=250)
    restored = Codec(model=tmp_path).decode(data).astype(int)
    assert np.abs(restored - shipped.decode(data)).max() <= 1


def test_torchscript_export_matches_torch(tmp_path, capsys, decoder):
    assert run_export("--format", "torchscript", "--out", str(tmp_path)) == 0
    assert "parity torchscript vs torch" in capsys.readouterr().out
    files = {"model.json": ""}
    loaded = torch.jit.load(str(tmp_path / export.TORCHSCRIPT_NAME), _extra_files=files)
    assert b'"profile"' in files["model.json"]
    batch = export.sample_inputs(0, [(3, 30, 130)], seed=4)[0]
    with torch.inference_mode():
        got = loaded(*map(torch.from_numpy, batch)).numpy()
    assert got.shape == (3, 3, 32, 144)
    assert np.abs(got - export.torch_reference(decoder)(*batch)).max() <= export.ONNX_LIMIT


def test_parity_report_fails_above_the_limit(capsys, decoder):
    batches = export.sample_inputs(0, [(1, 16, 16)])
    reference = export.torch_reference(decoder)
    diff = export.max_abs_diff(reference, lambda *b: reference(*b) + 0.002, batches)
    assert diff == pytest.approx(0.002, abs=1e-6)
    assert not export.report_parity("shifted", diff, export.ONNX_LIMIT, batches)
    assert "FAILED" in capsys.readouterr().out


def test_sample_inputs_are_real_decoder_inputs():
    planes, log2_block, step = export.sample_inputs(0, [(2, 53, 77)])[0]
    assert planes.shape == (2, 3, 64, 80) and log2_block.shape == (2, 1, 64, 80)
    assert step.shape == (2, 1, 1, 1) and np.all(step > 0)
    assert 0 <= planes.min() and planes.max() <= 255
    assert len(np.unique(log2_block)) > 1  # mixed block sizes under the random masks


def test_fp16_is_for_tensorrt_only():
    with pytest.raises(SystemExit, match="tensorrt"):
        run_export("--format", "onnx", "--fp16")


@pytest.mark.parametrize("upsampling", [False, True])
def test_int8_export_is_calibrated_and_close_to_fp32(tmp_path, capsys, upsampling):
    from cvlfic import datasets

    onnx = pytest.importorskip("onnx")
    if not datasets.training_image_paths():
        pytest.skip("no training faces in the data folder")
    flags = ["--int8-upsampling"] if upsampling else []
    assert run_export("--format", "onnx-int8", "--out", str(tmp_path), "--calibration", "12", *flags) == 0
    printed = capsys.readouterr().out
    assert "calibrated on 12 training faces" in printed
    assert "parity onnxruntime int8 vs fp32" in printed and ": ok" in printed
    assert (tmp_path / "decoder_int8.onnx").stat().st_size < (find_model() / "decoder.onnx").stat().st_size / 2
    ops = [n.op_type for n in onnx.load(str(tmp_path / "decoder_int8.onnx")).graph.node]
    # By default the convolutions are int8 and the rest float; with --int8-upsampling the
    # upsampling layers too, each convolution's ReLU fused, and the output layer in float.
    assert ("ConvTranspose" in ops) != upsampling and "BatchNormalization" not in ops
    assert ops.count("Conv") == (1 if upsampling else 0)
    assert ops.count("Relu") == (0 if upsampling else 40)


def test_int8_export_without_training_faces_says_so(tmp_path):
    with pytest.raises(SystemExit, match="calibration needs training face crops"):
        run_export("--format", "onnx-int8", "--out", str(tmp_path), "--data", str(tmp_path))
