"""The ``onnxruntime-int8`` backend: the model's decoder_int8.onnx under the same contract."""
import shutil

import numpy as np
import pytest

from cvlfic.lfic.codec import Codec
from cvlfic.lfic.model_files import find_model
from cvlfic.nets.quantize import INT8_NAME


def faces():
    rng = np.random.default_rng(0)
    base = np.linspace(40, 210, 112, dtype=np.float32)
    out = []
    for i in range(3):
        face = np.stack([np.add.outer(base, base[::-1]) / 2] * 3, axis=2) + rng.normal(0, 12, (112, 112, 3))
        out.append(np.clip(face + 10 * i, 0, 255).astype(np.uint8))
    out.append(np.clip(rng.normal(128, 40, (53, 77, 3)), 0, 255).astype(np.uint8))  # an odd size
    return out


def test_int8_backend_decodes_like_fp32():
    if not (find_model() / INT8_NAME).is_file():
        pytest.skip(f"the default model has no {INT8_NAME}")
    fp32, int8 = Codec(), Codec(backend="onnxruntime-int8")
    streams = [fp32.encode(f, bpp=0.2) for f in faces()]
    for a, b in zip(fp32.decode_batch(streams), int8.decode_batch(streams)):
        assert a.shape == b.shape and a.dtype == b.dtype == np.uint8
        diff = np.abs(a.astype(int) - b.astype(int))
        assert diff.mean() < 4 and np.quantile(diff, 0.999) < 24


def test_int8_backend_without_the_file_says_how_to_make_it(tmp_path):
    for f in find_model().iterdir():
        if f.name != INT8_NAME:
            shutil.copy(f, tmp_path / f.name)
    codec = Codec(model=tmp_path, backend="onnxruntime-int8")
    with pytest.raises(FileNotFoundError, match="cvlfic export --format onnx-int8"):
        codec.decode(codec.encode(faces()[0], bpp=0.2))


def test_split_transposed_convs_and_folded_norms_are_the_same_network():
    onnx = pytest.importorskip("onnx")
    import onnxruntime as ort

    from cvlfic.commands.export import sample_inputs
    from cvlfic.nets.network import INPUT_NAMES
    from cvlfic.nets.quantize import fold_upsampling_norms, output_convs, split_transposed_convs

    source = onnx.load(str(find_model() / "decoder.onnx"))
    split = split_transposed_convs(source)
    folded = fold_upsampling_norms(split)
    onnx.checker.check_model(folded)
    ops = lambda m, op: sum(n.op_type == op for n in m.graph.node)  # noqa: E731
    assert ops(split, "ConvTranspose") == 0
    assert ops(split, "DepthToSpace") == ops(source, "ConvTranspose") > 0
    # Every upsampling layer's norm goes into its four phase convolutions, its ReLU onto each.
    assert ops(folded, "BatchNormalization") == ops(split, "BatchNormalization") - ops(split, "DepthToSpace")
    assert ops(folded, "Relu") == ops(split, "Relu") + 3 * ops(split, "DepthToSpace")
    assert output_convs(folded) == ["/out/Conv"]
    a = ort.InferenceSession(source.SerializeToString(), providers=["CPUExecutionProvider"])
    for model in (split, folded):
        b = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        for batch in sample_inputs(0, [(2, 112, 112), (1, 53, 77)], seed=5):
            feed = dict(zip(INPUT_NAMES, batch))
            assert np.abs(a.run(None, feed)[0] - b.run(None, feed)[0]).max() < 1e-5
