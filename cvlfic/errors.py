"""Exceptions of the public API."""


class CvlficError(Exception):
    """Base class of cvlfic's own errors."""


class CorruptStreamError(CvlficError, ValueError):
    """A bitstream is truncated, corrupted, foreign or of an unsupported version."""


class ModelFileError(CvlficError, ValueError):
    """A weights file is truncated, corrupted or not of the expected kind."""
