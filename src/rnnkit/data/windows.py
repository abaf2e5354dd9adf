"""Sliding windows over a series for sequence models, and chronological train/validation splits.

A window is named by its *origin* ``t``: the index of the first value to forecast. Its past is
``values[t - lookback : t]`` and its future ``values[t : t + horizon]``, so nothing at or after ``t``
is ever an input. Windows are views (no copy) made with numpy stride tricks.

>>> import numpy as np
>>> v = np.arange(10.0)
>>> origins = window_origins(10, lookback=3, horizon=2)
>>> origins.tolist()
[3, 4, 5, 6, 7, 8]
>>> past, future = make_windows(v, 3, 2, origins[:2])
>>> past.tolist(), future.tolist()
([[0.0, 1.0, 2.0], [1.0, 2.0, 3.0]], [[3.0, 4.0], [4.0, 5.0]])
"""

from __future__ import annotations

import numpy as np

from rnnkit._validate import is_int
from rnnkit.errors import ConfigError, DataError

__all__ = ["window_origins", "make_windows", "split_origins"]


def _check_int(name: str, value, minimum: int) -> int:
    if not is_int(value) or value < minimum:
        raise ConfigError(f"{name}: expected an int >= {minimum}, got {value!r}")
    return int(value)


def window_origins(n: int, lookback: int, horizon: int, first: int | None = None,
                   last: int | None = None) -> np.ndarray:
    """Every origin ``t`` with a full past (``t >= lookback``) and a full future (``t + horizon <= n``),
    optionally restricted to ``first <= t <= last``."""
    n = _check_int("n", n, 0)
    lookback = _check_int("lookback", lookback, 1)
    horizon = _check_int("horizon", horizon, 1)
    for name, v in (("first", first), ("last", last)):
        if v is not None and not is_int(v):
            raise ConfigError(f"{name}: expected None or an int, got {v!r}")
    lo = lookback if first is None else max(lookback, int(first))
    hi = n - horizon if last is None else min(n - horizon, int(last))
    return np.arange(lo, hi + 1) if hi >= lo else np.zeros(0, dtype=int)


def make_windows(values: np.ndarray, lookback: int, horizon: int, origins: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """``past[i] = values[t - lookback : t]`` and ``future[i] = values[t : t + horizon]`` for each
    origin ``t = origins[i]``; ``values`` is ``(n,)`` or ``(n, F)`` (windows then ``(N, L, F)``)."""
    lookback = _check_int("lookback", lookback, 1)
    horizon = _check_int("horizon", horizon, 1)
    values = np.asarray(values)
    if values.ndim not in (1, 2):
        raise DataError(f"values: expected a (n,) or (n, F) array, got shape {values.shape}")
    origins = np.asarray(origins)
    if origins.ndim != 1 or (origins.size and origins.dtype.kind not in "iu"):
        raise DataError(f"origins: expected a 1-D array of int indices, got {origins.dtype} of shape {origins.shape}")
    origins = origins.astype(int)
    n = values.shape[0]
    if origins.size and (origins.min() < lookback or origins.max() + horizon > n):
        raise DataError(f"origins: expected values in [{lookback}, {n - horizon}], got "
                        f"[{origins.min()}, {origins.max()}]")
    size = lookback + horizon
    if n < size:
        raise DataError(f"series: expected at least lookback + horizon = {size} values, got {n}")
    win = np.lib.stride_tricks.sliding_window_view(values, size, axis=0)  # (n-size+1, [F,] size)
    if values.ndim == 2:
        win = np.moveaxis(win, -1, 1)  # (n-size+1, size, F)
    sel = win[origins - lookback]
    return sel[:, :lookback], sel[:, lookback:]


def split_origins(n: int, lookback: int, horizon: int, val_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Chronological split of the window origins of a series of length ``n``: the last ``val_size``
    values form the validation part. Training windows end before it (``t + horizon <= n - val_size``:
    no training target lies in the validation part); validation windows forecast from inside it
    (``t >= n - val_size``; their inputs may reach back into the training part, as a forecast would).

    >>> tr, va = split_origins(20, lookback=4, horizon=3, val_size=5)
    >>> int(tr.max()) + 3 <= 15 <= int(va.min()), va.tolist()
    (True, [15, 16, 17])

    ``val_size`` may exceed ``n``, on purpose: the forecaster holds out ``max(val_fraction * n, 2 * horizon)``
    values of every series of a panel, and a series shorter than that (14 values at horizon 8) gives its
    windows to validation alone and none to training -- refusing it would refuse the whole panel's fit.

    >>> [a.tolist() for a in split_origins(14, lookback=5, horizon=8, val_size=16)]
    [[], [5, 6]]
    """
    n = _check_int("n", n, 0)            # before n - val_size: n="10" was Python's bare TypeError (so was
    lookback = _check_int("lookback", lookback, 1)    # horizon=None in split - horizon)
    horizon = _check_int("horizon", horizon, 1)
    val_size = _check_int("val_size", val_size, 0)
    split = n - val_size
    train = window_origins(n, lookback, horizon, last=split - horizon)
    val = window_origins(n, lookback, horizon, first=split) if val_size else np.zeros(0, dtype=int)
    return train, val
