"""Bian et al. 2019, "A Deep Image Compression Framework for Face Recognition": a CompNet
makes a small compact image stored losslessly with PNG, a RecNet restores the face; both are
trained with a (frozen) face recognizer in the loss. See models/baseline_bian/MODEL_CARD.md."""
