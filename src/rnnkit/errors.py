"""Typed errors raised by rnnkit.

Every error names the argument at fault and says what was expected and what was received, so a
message reads like ``lengths: expected values in [1, 7], got max 9``. Each class also derives from the
matching builtin (``ValueError``/``TypeError``) so code that already catches those keeps working.
"""

from __future__ import annotations

__all__ = [
    "RnnkitError",
    "ConfigError",
    "ShapeError",
    "InputTypeError",
    "DataError",
    "CheckpointError",
    "NonFiniteLossError",
    "ParityError",
]


class RnnkitError(Exception):
    """Base class of every error rnnkit raises on purpose."""


class ConfigError(RnnkitError, ValueError):
    """A constructor argument or option is invalid (unknown name, out-of-range value, bad combination)."""


class ShapeError(RnnkitError, ValueError):
    """A tensor argument has the wrong rank, size, or does not match another argument."""


class InputTypeError(RnnkitError, TypeError):
    """An argument has the wrong type or dtype (never silently converted)."""


class DataError(RnnkitError, ValueError):
    """A data set, file or series cannot be used as given (missing, malformed, too short)."""


class CheckpointError(RnnkitError, ValueError):
    """A checkpoint is missing, corrupt, or does not match the model/config it is loaded into."""


class NonFiniteLossError(RnnkitError, FloatingPointError):
    """Training produced a NaN or infinite loss."""


class ParityError(RnnkitError, RuntimeError):
    """An exported model's outputs differ from the original model's by more than the tolerance
    (:func:`rnnkit.export`; also importable from :mod:`rnnkit.export`)."""


def expect(condition: bool, error: type[RnnkitError], message: str) -> None:
    """Raise ``error(message)`` unless ``condition`` holds (for user input; never use ``assert``)."""
    if not condition:
        raise error(message)
