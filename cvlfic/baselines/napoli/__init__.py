"""Napoli Spatafora et al. 2021: a small convolutional autoencoder with a stochastic binarizer,
LZMA-coded bits and a pixel + face-feature loss (see models/baseline_napoli/MODEL_CARD.md)."""

# The code's shape on a 112x112 crop and the trained rate points, shared by nets, training and
# the (torch-free) codec.
CODE_CHANNELS = 128
GRID = 14
CHANNEL_SWEEP = (4, 8, 16, 32, 64, 128)
