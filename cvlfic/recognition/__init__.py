"""dlib's face recognition ResNet, ported to PyTorch: the semantic metric H of cvlfic.

``FaceEmbedder().embed_bgr(crops)`` gives dlib's 128-D descriptors of aligned crops;
``FaceEmbedder().embed_tensor(rgb)`` is the differentiable version for training losses.
Names load lazily: ``dlib_reference_embed_bgr`` (dlib-bin itself) works without torch.
"""
from importlib import import_module
from typing import Any

_LAZY = {
    "FaceEmbedder": "cvlfic.recognition.embedder",
    "dlib_reference_embed_bgr": "cvlfic.recognition.reference",
    "DlibResNet": "cvlfic.recognition.resnet",
    "load_recognizer": "cvlfic.recognition.resnet",
    "DESCRIPTOR_SIZE": "cvlfic.recognition.chips",
    "INPUT_SIZE": "cvlfic.recognition.chips",
}

__all__ = list(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'cvlfic.recognition' has no attribute {name!r}")
    return getattr(import_module(module), name)
