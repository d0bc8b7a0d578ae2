"""Turn a training checkpoint into shipped model files: ``decoder.pt`` and ``decoder.onnx``.

A model folder (``models/<name>/``) holds the decoder's weights for torch, its ONNX graph
for ONNX Runtime and TensorRT, and ``model.json`` (profile, widths, provenance).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, Optional

import torch

from cvlfic.nets import network
from cvlfic.nets.decoder import RapDecoder
from cvlfic.nets.rap import PROFILES


class PaddedGraph(torch.nn.Module):
    """The exported graph; the runtime pads to a multiple of ``network.PAD_MULTIPLE`` itself
    (the inputs and output are those of ``cvlfic.nets.network``)."""

    def __init__(self, decoder: RapDecoder):
        super().__init__()
        self.decoder = decoder

    def forward(self, planes, log2_block, step):
        return self.decoder.padded_forward(planes, log2_block, step)


def export_onnx(decoder: RapDecoder, path: Path, opset: int = 17) -> None:
    decoder = decoder.eval()
    torch.onnx.export(PaddedGraph(decoder).eval(), network.example_inputs(), str(path),
                      input_names=list(network.INPUT_NAMES), output_names=[network.OUTPUT_NAME],
                      dynamic_axes=network.dynamic_axes(), opset_version=opset, dynamo=False)


def export_model(checkpoint: Path, out_dir: Path, extra: Optional[Dict] = None) -> Path:
    """Write ``decoder.pt``, ``decoder.onnx``, ``model.json`` and ``encoder.bin`` from a trainer
    checkpoint."""
    state = torch.load(checkpoint, weights_only=False)
    config = state["config"]
    decoder = RapDecoder(config.widths, ycc=PROFILES[config.profile].ycc)
    decoder.load_state_dict(state["decoder"])
    decoder.eval()
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.save(decoder.state_dict(), out_dir / "decoder.pt")
    export_onnx(decoder, out_dir / "decoder.onnx")
    meta_path = out_dir / "model.json"
    meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
    meta.update({"name": config.name, "profile": config.profile, "widths": list(config.widths),
                 "train_levels": list(config.levels), "steps": state["step"],
                 "losses": vars(config.loss)})
    meta.update(extra or {})
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    return out_dir


def load_decoder(model_dir: Path) -> RapDecoder:
    """The torch decoder of a model folder (for Algorithm 1 and parity checks)."""
    meta = json.loads((model_dir / "model.json").read_text())
    decoder = RapDecoder(meta["widths"], ycc=PROFILES[meta["profile"]].ycc)
    decoder.load_state_dict(torch.load(model_dir / "decoder.pt", weights_only=True))
    return decoder.eval()
