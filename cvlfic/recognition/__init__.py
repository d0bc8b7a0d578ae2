"""dlib's face recognition ResNet, ported to PyTorch: the semantic metric H of cvlfic.

``FaceEmbedder().embed_bgr(crops)`` gives dlib's 128-D descriptors of aligned crops;
``FaceEmbedder().embed_tensor(rgb)`` is the differentiable version for training losses.
"""
from cvlfic.recognition.embedder import FaceEmbedder
from cvlfic.recognition.reference import dlib_reference_embed_bgr
from cvlfic.recognition.resnet import DESCRIPTOR_SIZE, INPUT_SIZE, DlibResNet, load_recognizer

__all__ = ["FaceEmbedder", "dlib_reference_embed_bgr", "DlibResNet", "load_recognizer",
           "DESCRIPTOR_SIZE", "INPUT_SIZE"]
