"""Napoli Spatafora et al. 2021: a small convolutional autoencoder with a stochastic binarizer,
LZMA-coded bits and a pixel + face-feature loss (see models/baseline_napoli/MODEL_CARD.md)."""
