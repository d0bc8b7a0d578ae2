"""Inference backends for the decoder network: ONNX Runtime (default), torch, TensorRT."""
