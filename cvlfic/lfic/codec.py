"""The LFIC codec: ``Codec.encode(face) -> bytes`` and ``Codec.decode(bytes) -> face``.

Encoding is the lossless core's RAP + coding under a mask chosen for the byte budget;
decoding is the core's reconstruction restored by the learned decoder. Rate is set by
exactly one of ``max_bytes`` (never exceeded), ``bpp`` (a cap of bpp*H*W/8 bytes) or
``quality`` (0..100, a fixed rate curve: see ``bpp_for_quality``).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, List, Optional, Sequence, Tuple, Union

import numpy as np

from cvlfic import _core, bitstream
from cvlfic.errors import BudgetError, CorruptStreamError, LimitError
from cvlfic.lfic.encoder_params import load_encoder
from cvlfic.lfic.model_files import DEFAULT_MODEL, find_model, model_metadata
from cvlfic.lfic.modes import DEFAULT_MODE, Mode, check_mode
from cvlfic.nets.network import is_gray_reconstruction, restore_outputs, stream_inputs

DEFAULT_QUALITY = 50


def bpp_for_quality(quality: float) -> float:
    """Quality 0..100 -> bits per pixel, geometric from 0.03 (0) to 1.0 (100); 50 -> 0.17
    (the core's curve, cvlfic_bpp_for_quality)."""
    if not 0 <= quality <= 100:
        raise ValueError("quality must be in 0..100")
    return _core.bpp_for_quality(float(quality))


def _check_face(face: np.ndarray) -> np.ndarray:
    """A BGR (H x W x 3) or gray (H x W) uint8 face as the contiguous BGR array the core codes."""
    if not isinstance(face, np.ndarray) or face.dtype != np.uint8:
        raise TypeError("face must be a numpy uint8 array (BGR, or gray H x W)")
    if face.ndim == 3 and face.shape[2] == 1:
        face = face[:, :, 0]
    if face.ndim == 2:
        face = np.repeat(face[:, :, None], 3, axis=2)
    if face.ndim != 3 or face.shape[2] != 3:
        hint = " (BGRA? drop the alpha channel: face[..., :3])" if face.ndim == 3 and face.shape[2] == 4 else ""
        raise ValueError(f"face must be H x W x 3 BGR or H x W gray, got shape {face.shape}{hint}")
    if min(face.shape[:2]) < 1:
        raise ValueError(f"face must be at least 1x1, got shape {face.shape}")
    return np.ascontiguousarray(face)


class Codec:
    """A loaded model plus its inference backend, for repeated calls.

    ``max_pixels`` bounds the images it encodes and the streams it decodes (default
    ``bitstream.DEFAULT_MAX_PIXELS``, 1024 x 1024): a larger one raises ``LimitError`` before
    any work, as a whole photo decoded through the network costs gigabytes. Faces are small;
    raise it only for trusted input."""

    def __init__(self, model: Union[str, Path] = DEFAULT_MODEL, backend: str = "auto",
                 threads: Optional[int] = None, max_pixels: int = bitstream.DEFAULT_MAX_PIXELS,
                 spinning: Optional[bool] = None):
        if not 1 <= int(max_pixels) <= bitstream.MAX_PIXELS:
            raise ValueError(f"max_pixels must be in 1..{bitstream.MAX_PIXELS}")
        self.max_pixels = int(max_pixels)
        self.model_dir = find_model(model)
        self.meta = model_metadata(self.model_dir)
        self.profile_id = int(self.meta["profile"])
        self.profile = bitstream.profile_info(self.profile_id)
        # The fast mode's search runs in the core, on the model's encoder.bin (its prior,
        # search weights and calibrated rate-to-levels table: cvlfic.lfic.encoder_params).
        self.encoder = load_encoder(self.model_dir)
        if self.encoder.profile != self.profile_id:
            raise ValueError(f"{self.model_dir}: encoder.bin is for profile {self.encoder.profile}, "
                             f"model.json says {self.profile_id}")
        self._level_encoders = {}
        self.backend = backend
        self.threads = threads  # None: the backend's default for a shared CPU
        self.spinning = spinning
        self._runner = None

    # -- encoding -------------------------------------------------------------------------
    @property
    def level_candidates(self) -> Tuple[int, ...]:
        """Level counts the search may use, coarsest first."""
        return tuple(self.encoder.params["level_candidates"])

    @property
    def rate_levels(self) -> List[Tuple[float, int]]:
        """Calibrated (bpp, levels) pairs: the level count used near each rate."""
        return [tuple(p) for p in self.encoder.params["rate_levels"]]

    def budget_bytes(self, shape, bpp: Optional[float], max_bytes: Optional[int],
                     quality: Optional[float]) -> int:
        given = [v is not None for v in (bpp, max_bytes, quality)]
        if sum(given) > 1:
            raise ValueError("give at most one of bpp, max_bytes, quality")
        if max_bytes is not None:
            if int(max_bytes) < 1:
                raise ValueError(f"max_bytes must be a positive number of bytes, not {max_bytes}")
            return int(max_bytes)
        if bpp is None:
            bpp = bpp_for_quality(DEFAULT_QUALITY if quality is None else quality)
        elif not bpp > 0:
            raise ValueError(f"bpp must be positive, not {bpp}")
        return int(bpp * shape[0] * shape[1] / 8)

    def gray_share(self) -> float:
        """The share of a rate that a gray face gets: what a colour face spends on its luma
        (``gray_share`` in model.json, measured by ``bench/lfic/gray_share.py``; 1.0 for a
        model without it). A gray face then gets the luma detail a colour face gets at the
        same ``bpp`` or ``quality``, in fewer bytes; ``max_bytes`` stays the cap it is."""
        return float(self.encoder.params["gray_share"])

    def smallest_stream(self, face: np.ndarray) -> int:
        """Bytes of the smallest stream of this crop: largest blocks, fewest levels."""
        shape = bitstream.mask_shape(face.shape[0], face.shape[1], self.profile_id)
        return len(bitstream.encode_pooled(face, np.zeros(shape, np.uint8), self.profile_id,
                                           self.level_candidates[0]))

    def _budget_error(self, face: np.ndarray, budget: int, setting: str, minimum: int = 0) -> BudgetError:
        minimum = minimum or self.smallest_stream(face)  # the core's, when it reported it
        return BudgetError(f"{setting} gives a budget of {budget} bytes, below the minimum of "
                           f"{minimum} bytes for this {face.shape[1]}x{face.shape[0]} crop",
                           budget, minimum)

    def check_size(self, face: np.ndarray) -> None:
        pixels = face.shape[0] * face.shape[1]
        if pixels > self.max_pixels:
            raise LimitError(
                f"the image is {face.shape[1]}x{face.shape[0]} ({pixels} pixels), above the limit "
                f"of {self.max_pixels} pixels: crop or align the face first (align_face, --align) "
                f"or raise the limit (max_pixels, --max-pixels)", pixels, self.max_pixels)

    def encode(self, face: np.ndarray, *, bpp: Optional[float] = None,
               max_bytes: Optional[int] = None, quality: Optional[float] = None,
               mode: str = DEFAULT_MODE.value) -> bytes:
        """Compress a BGR (H x W x 3) or gray (H x W) uint8 face crop to at most the budget
        in bytes. A gray face (or BGR with equal channels) is coded as gray: it decodes gray,
        and a ``bpp`` or ``quality`` rate gives it ``gray_share()`` of a colour face's budget.

        ``max_bytes`` and ``bpp`` are caps: a cap below the crop's smallest stream raises
        ``BudgetError`` (with the minimum). ``quality`` is a target: on a crop too small for
        it, the smallest stream is written."""
        face = _check_face(face)
        self.check_size(face)
        mode = check_mode(mode)
        kind, rate, setting = self._rate(bpp, max_bytes, quality)
        try:
            if mode is Mode.FAST:
                status, data, size = self.encoder.encode(face, kind, rate)
                if data is None:
                    raise BudgetError("below the minimum", self.encoder.budget(face, kind, rate), size)
                return data
            budget = self.encoder.budget(face, kind, rate)
            if mode is Mode.FIXED:
                return self._encode_fixed(face, budget)
            from cvlfic.lfic.algorithm1 import encode_best
            return encode_best(self, face, budget)
        except BudgetError as exc:
            raise self._budget_error(face, exc.budget, setting, exc.minimum) from exc

    def _rate(self, bpp, max_bytes, quality):
        """(core rate kind, value, how the caller said it) of exactly one of the three."""
        if sum(v is not None for v in (bpp, max_bytes, quality)) > 1:
            raise ValueError("give at most one of bpp, max_bytes, quality")
        if max_bytes is not None:
            if int(max_bytes) < 1:
                raise ValueError(f"max_bytes must be a positive number of bytes, not {max_bytes}")
            return _core.RATE_MAX_BYTES, float(int(max_bytes)), f"max_bytes={max_bytes}"
        if bpp is not None:
            if not bpp > 0:
                raise ValueError(f"bpp must be positive, not {bpp}")
            return _core.RATE_BPP, float(bpp), f"bpp={bpp}"
        if quality is None:
            return _core.RATE_QUALITY, float(DEFAULT_QUALITY), f"quality={DEFAULT_QUALITY}"
        if not 0 <= quality <= 100:
            raise ValueError("quality must be in 0..100")
        return _core.RATE_QUALITY, float(quality), f"quality={quality}"

    def _encode_fixed(self, face: np.ndarray, budget: int) -> bytes:
        """Regular fixed pooling (the paper's RFP ablation): one block size everywhere, the
        finest that fits with any level count, at the most levels that still fit."""
        shape = bitstream.mask_shape(face.shape[0], face.shape[1], self.profile_id)
        for index in reversed(range(len(self.profile["block_sizes"][0]))):
            mask = np.full(shape, index, np.uint8)
            for levels in reversed(self.level_candidates):
                data = bitstream.encode_pooled(face, mask, self.profile_id, levels)
                if len(data) <= budget:
                    return data
        raise BudgetError(f"budget of {budget} bytes is below this crop's minimum", budget)

    def _encoder_for(self, level_candidates) -> "_core.Encoder":
        """The model's encoder restricted to these level counts (no rate table)."""
        key = tuple(int(v) for v in level_candidates)
        if key not in self._level_encoders:
            p = self.encoder.params
            self._level_encoders[key] = _core.Encoder(_core.write_encoder_params(
                p["profile"], list(key), [], p["gray_share"], list(p["step_cost"]), p["prior_weight"]))
        return self._level_encoders[key]

    def fast_choice(self, face: np.ndarray, budget: int, level_candidates=None):
        """(mask, levels) the fast mode picks for ``budget`` bytes (the core's search; with
        ``level_candidates``, among those level counts only, without the rate table)."""
        encoder = self.encoder if level_candidates is None else self._encoder_for(level_candidates)
        status, data, size = encoder.encode(_check_face(face), _core.RATE_MAX_BYTES, float(budget))
        if data is None:
            raise BudgetError(f"budget of {budget} bytes is below this crop's minimum of {size}",
                              budget, size)
        _, mask, info = bitstream.decode_pooled(data, bitstream.MAX_PIXELS)
        return mask, info["levels"]

    # -- decoding -------------------------------------------------------------------------
    @property
    def runner(self):
        if self._runner is None:
            from cvlfic.backends.select import create_runner
            self._runner = create_runner(self.model_dir, self.backend, self.threads, self.spinning)
        return self._runner

    def stream_is_gray(self, recon: np.ndarray, levels: int) -> bool:
        """A gray image's reconstruction (``cvlfic.nets.network.is_gray_reconstruction``)."""
        return is_gray_reconstruction(recon, self.profile, levels)

    def decoder_inputs(self, data: bytes):
        """``(network inputs, (height, width))`` of one stream."""
        return self._prepare(data)[:2]

    def _prepare(self, data: bytes):
        """``(network inputs, (height, width), gray)`` of one stream (``cvlfic.nets.network``)."""
        recon, mask, info = bitstream.decode_pooled(data, self.max_pixels)
        if info["profile"] != self.profile_id:
            raise CorruptStreamError(
                f"stream uses profile {info['profile']}, model {self.model_dir.name} decodes "
                f"profile {self.profile_id}")
        inputs, gray = stream_inputs(recon, mask, info["levels"], self.profile)
        return inputs, (info["height"], info["width"]), gray

    def decode(self, data: bytes) -> np.ndarray:
        """Restore a BGR uint8 face of the encoded size (equal channels for a gray face)."""
        return self.decode_batch([data])[0]

    def decode_batch(self, streams: Sequence[bytes]) -> List[np.ndarray]:
        """Decode many streams, batching those of equal size through the network."""
        prepared = [self._prepare(d) for d in streams]
        out: List[Optional[np.ndarray]] = [None] * len(prepared)
        groups = {}
        for i, (inputs, _, _) in enumerate(prepared):
            groups.setdefault(inputs[0].shape, []).append(i)
        for indices in groups.values():
            for i, face in zip(indices, self._restore_prepared([prepared[i] for i in indices])):
                out[i] = face
        return out

    # -- batches with per-item errors -------------------------------------------------------
    def encode_batch(self, faces: Sequence[np.ndarray], *, bpp: Optional[float] = None,
                     max_bytes: Optional[int] = None, quality: Optional[float] = None,
                     mode: str = DEFAULT_MODE.value) -> List["BatchResult"]:
        """Encode many faces at one rate setting (as ``encode``), one ``BatchResult`` per face
        in order: ``.data`` is its stream, or ``.error`` the exception that face raised
        (``LimitError``, ``BudgetError``, ``TypeError``/``ValueError`` for an item that is not a
        face crop, ...). One bad face never fails the others.

        The rate and mode are checked once, before any work: a bad setting (two rates, a
        quality outside 0..100, an unknown mode) raises ``ValueError`` for the whole batch."""
        self.budget_bytes((1, 1), bpp, max_bytes, quality)  # raises on a bad setting
        mode = check_mode(mode)
        results = []
        for face in faces:
            try:
                data = self.encode(face, bpp=bpp, max_bytes=max_bytes, quality=quality, mode=mode)
            except Exception as exc:  # noqa: BLE001 (reported per item)
                results.append(BatchResult(error=exc))
            else:
                results.append(BatchResult(data=data))
        return results

    def decode_batch_results(self, streams: Sequence[bytes],
                             batch_size: int = 64) -> List["BatchResult"]:
        """Decode many streams, one ``BatchResult`` per stream in order: ``.data`` is the BGR
        face (as ``decode`` returns it), or ``.error`` the exception that stream raised
        (``CorruptStreamError``, ``TruncatedStreamError``, ``LimitError``, ``TypeError`` for an
        item that is not bytes, ...). One bad stream never fails the others.

        Streams of equal size go through the network together, ``batch_size`` at a time (the
        network's memory grows with it); the results equal ``decode_batch``'s. Should a batched
        network call fail, its streams are retried one by one, so a failure stays with the
        stream that causes it."""
        if int(batch_size) < 1:
            raise ValueError(f"batch_size must be positive, not {batch_size}")
        batch_size = int(batch_size)
        results: List[Optional[BatchResult]] = [None] * len(streams)
        prepared = {}
        groups = {}
        for i, data in enumerate(streams):
            try:
                prepared[i] = self._prepare(data)
            except Exception as exc:  # noqa: BLE001 (reported per item)
                results[i] = BatchResult(error=exc)
                continue
            groups.setdefault(prepared[i][0][0].shape, []).append(i)
        for indices in groups.values():
            for start in range(0, len(indices), batch_size):
                chunk = indices[start:start + batch_size]
                try:
                    faces = self._restore_prepared([prepared[i] for i in chunk])
                except Exception as exc:  # noqa: BLE001
                    if len(chunk) == 1:
                        results[chunk[0]] = BatchResult(error=exc)
                        continue
                    faces = []
                    for i in chunk:
                        try:
                            faces.append(self._restore_prepared([prepared[i]])[0])
                        except Exception as one:  # noqa: BLE001
                            faces.append(one)
                for i, face in zip(chunk, faces):
                    results[i] = (BatchResult(error=face) if isinstance(face, BaseException)
                                  else BatchResult(data=face))
        return results

    def _restore_prepared(self, prepared) -> List[np.ndarray]:
        """Faces of ``_prepare`` outputs of one input shape, in one network call."""
        batch = [np.concatenate([p[0][j] for p in prepared]) for j in range(3)]
        return restore_outputs(self.runner(*batch), [p[1] for p in prepared], [p[2] for p in prepared])


@dataclass(frozen=True)
class BatchResult:
    """One item's outcome in ``Codec.encode_batch`` / ``Codec.decode_batch_results``: ``data``
    (the stream, or the decoded face) when it succeeded, else ``error`` (the exception it
    raised; ``data`` is None)."""
    data: Any = None
    error: Optional[BaseException] = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def unwrap(self) -> Any:
        """``data``, or raise ``error``."""
        if self.error is not None:
            raise self.error
        return self.data

