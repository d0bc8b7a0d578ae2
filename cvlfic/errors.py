"""Exceptions of the public API.

Every error cvlfic raises on bad input is a :class:`CvlficError` and a ``ValueError``, with a
message in words (what happened, and what to do where there is a choice). Code that skips bad
records catches ``CvlficError``; code that wants the reason catches the subclasses.
"""


class CvlficError(Exception):
    """Base class of cvlfic's own errors. ``str(exc)`` is the message alone, whatever else a
    subclass's constructor takes (a status, sizes)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class CorruptStreamError(CvlficError, ValueError):
    """A bitstream is truncated, corrupted, foreign or of an unsupported version.

    ``status`` is the C core's status code (``cvlfic_status`` in ``cvlfic.h``), or 0 when the
    error was found outside the core."""

    def __init__(self, message: str, status: int = 0):
        super().__init__(message)
        self.status = status


class TruncatedStreamError(CorruptStreamError):
    """The stream ends before its last byte: it was cut (a partial write or transfer)."""


class UnsupportedVersionError(CorruptStreamError):
    """A cvlfic stream of a format version this library cannot read (a newer one)."""


class LimitError(CvlficError, ValueError):
    """An image or stream is larger than a limit the caller set (or the default limit).

    ``pixels`` is what was asked for, ``limit`` the limit in pixels."""

    def __init__(self, message: str, pixels: int = 0, limit: int = 0):
        super().__init__(message)
        self.pixels = pixels
        self.limit = limit


class BudgetError(CvlficError, ValueError):
    """The byte budget is below the smallest stream this crop can be coded to.

    ``minimum`` is that smallest size in bytes."""

    def __init__(self, message: str, budget: int = 0, minimum: int = 0):
        super().__init__(message)
        self.budget = budget
        self.minimum = minimum


class ModelFileError(CvlficError, ValueError):
    """A weights file is truncated, corrupted or not of the expected kind."""
