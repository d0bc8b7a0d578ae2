"""TensorRT: engine cache keys and profiles (everywhere), engines and the runner (NVIDIA GPUs only)."""
import numpy as np
import pytest

from cvlfic.backends import tensorrt_runtime as trt_runtime
from cvlfic.backends.select import create_runner
from cvlfic.lfic.model_files import find_model


def test_profile_shapes_for_the_graph_inputs():
    profile = trt_runtime.ShapeProfile()
    assert profile.shapes((-1, 3, -1, -1)) == ((1, 3, 16, 16), (8, 3, 112, 112), (64, 3, 160, 160))
    assert profile.shapes((-1, 1, 1, 1)) == ((1, 1, 1, 1), (8, 1, 1, 1), (64, 1, 1, 1))
    assert profile.accepts_size(112, 112) and profile.accepts_size(16, 160)
    assert not profile.accepts_size(112, 176)


@pytest.mark.parametrize("fields", [dict(max_batch=4, opt_batch=8), dict(min_batch=0),
                                    dict(max_side=250), dict(min_side=8), dict(opt_side=512)])
def test_bad_profiles_are_refused(fields):
    with pytest.raises(ValueError):
        trt_runtime.ShapeProfile(**fields)


def test_engine_key_covers_gpu_version_precision_onnx_and_profile(tmp_path):
    onnx = find_model() / "decoder.onnx"
    sha = trt_runtime.file_sha256(onnx)
    base = trt_runtime.engine_key("NVIDIA Jetson Orin", "10.3.0", "fp16", sha)
    assert base == trt_runtime.engine_key("NVIDIA Jetson Orin", "10.3.0", "fp16", sha)
    variants = [trt_runtime.engine_key("NVIDIA GeForce RTX 4090", "10.3.0", "fp16", sha),
                trt_runtime.engine_key("NVIDIA Jetson Orin", "8.6.2", "fp16", sha),
                trt_runtime.engine_key("NVIDIA Jetson Orin", "10.3.0", "fp32", sha),
                trt_runtime.engine_key("NVIDIA Jetson Orin", "10.3.0", "fp16", "0" * 64),
                trt_runtime.engine_key("NVIDIA Jetson Orin", "10.3.0", "fp16", sha,
                                       trt_runtime.ShapeProfile(max_batch=32))]
    ids = {base["id"]} | {v["id"] for v in variants}
    assert len(ids) == 6
    path = trt_runtime.engine_path(tmp_path, "lfic_ycc16", base)
    assert path.parent == tmp_path and path.name == f"lfic_ycc16-fp16-{base['id']}.engine"
    with pytest.raises(ValueError, match="precision"):
        trt_runtime.engine_key("gpu", "10.3.0", "int8", sha)


def test_backend_names():
    with pytest.raises(ValueError, match="tensorrt"):
        create_runner(find_model(), "cuda")


# -- on an NVIDIA GPU with TensorRT (see docs/gpu.md) ---------------------------------------

@pytest.fixture(scope="module")
def gpu():
    pytest.importorskip("tensorrt", reason="TensorRT is not installed (pip install 'cvlfic[tensorrt]')")
    try:
        return trt_runtime.cuda_device()
    except RuntimeError as exc:
        pytest.skip(f"no CUDA device: {exc}")


@pytest.fixture(scope="module")
def onnx_runner():
    from cvlfic.backends.onnx_runtime import OnnxDecoderRunner
    return OnnxDecoderRunner(find_model() / "decoder.onnx")


@pytest.mark.parametrize("precision", ["fp32", "fp16"])
def test_engine_matches_onnx_runtime(gpu, onnx_runner, tmp_path, precision):
    from cvlfic.commands.export import TENSORRT_LIMITS, max_abs_diff, sample_inputs

    profile = trt_runtime.ShapeProfile(opt_batch=4, max_batch=4, max_side=128)
    runner = trt_runtime.TensorRTDecoderRunner(find_model(), precision, profile, cache=tmp_path)
    assert runner.engine_path.parent == tmp_path and runner.key["precision"] == precision
    batches = sample_inputs(0, [(2, 112, 112), (6, 53, 77)])  # 6 > max_batch: two chunks
    assert max_abs_diff(onnx_runner, runner, batches) <= TENSORRT_LIMITS[precision]
    with pytest.raises(ValueError, match="outside"):
        runner(*sample_inputs(0, [(1, 200, 200)])[0])


def test_engine_cache_is_reused(gpu, tmp_path):
    profile = trt_runtime.ShapeProfile(opt_batch=2, max_batch=2, max_side=128)
    first = trt_runtime.TensorRTDecoderRunner(find_model(), "fp32", profile, cache=tmp_path)
    built = first.engine_path.stat().st_mtime_ns
    second = trt_runtime.TensorRTDecoderRunner(find_model(), "fp32", profile, cache=tmp_path)
    assert second.engine_path == first.engine_path
    assert second.engine_path.stat().st_mtime_ns == built
    assert first.engine_path.with_suffix(".engine.json").is_file()


def test_codec_decodes_with_tensorrt(gpu, monkeypatch, tmp_path):
    from cvlfic.lfic.codec import Codec

    monkeypatch.setenv("CVLFIC_CACHE", str(tmp_path))
    face = np.random.default_rng(2).integers(0, 256, (112, 112, 3), dtype=np.uint8)
    cpu = Codec()
    data = cpu.encode(face, max_bytes=300)
    restored = Codec(backend="tensorrt").decode(data).astype(int)
    assert np.abs(restored - cpu.decode(data)).max() <= 2
