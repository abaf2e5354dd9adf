"""Reading one table once in a command that fits on it several times (``rnnkit forecast --backtest``).

``rnnkit forecast --backtest K`` hands the same frame to the backtest, then to the fit (and to the
``--future-csv`` check): each called :func:`.inputs.parse_series` on it, which for a panel of 10,000 series is
about 17 s of CPU (one frequency inference per series; helper P, session 19) spent twice. Inside
:func:`parsed_once`, a call with the same frame object and the same arguments gets a copy of the first call's
series instead of a second reading -- the same values, since reading is a function of the frame and its
arguments and the command does not change the frame between the calls. Outside it (the Python API, where a
caller may change a frame between two fits) nothing is kept. The first call's warnings are not repeated.
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
from typing import Any, Iterator

_KEPT: contextvars.ContextVar[list | None] = contextvars.ContextVar("rnnkit_parsed_once", default=None)


@contextlib.contextmanager
def parsed_once() -> Iterator[None]:
    """Within this block, :func:`.inputs.parse_series` reads a frame once per set of arguments."""
    token = _KEPT.set([])
    try:
        yield
    finally:
        _KEPT.reset(token)


def kept(data: Any, args: tuple) -> list | None:
    """A copy of the series read from ``data`` (the same object) with ``args`` in this block, or ``None``."""
    entries = _KEPT.get()
    if entries is None:
        return None
    key = repr(args)
    for obj, k, series in entries:
        if obj is data and k == key:
            return copy.deepcopy(series)
    return None


def keep(data: Any, args: tuple, series: list) -> list:
    """``series`` (returned as read); a copy is kept for the next call with ``data`` and ``args`` in the block."""
    entries = _KEPT.get()
    if entries is not None:
        entries.append((data, repr(args), copy.deepcopy(series)))   # the frame is held: its id is not reused
    return series
