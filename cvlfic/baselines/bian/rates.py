"""The rate points of the bian codec: (side of the compact image, bits per sample).

The stream's setting byte is the 1-based index into ``RATES`` (ordered by bytes). Shared by
training (which samples one rate per batch, so one model serves them all) and the codec.
"""
from __future__ import annotations

RATES = ((7, 2), (7, 3), (7, 4), (14, 1), (14, 2), (14, 3), (14, 4), (28, 2), (28, 3), (28, 4), (28, 5), (28, 6))
