"""New points given to ``Forecaster.update`` without a frame -- values alone (a list, a tuple, a 1-D array, a
Series on pandas' default index) or a Series indexed by its times -- as ``{series id: frame}`` and the name of
the frame's value column, for :func:`.inputs.parse_new_points` to check as it checks a frame's rows.

A Series is the one value column of one series: a model fitted with covariates needs their columns too, so a
Series (like bare values) is an :class:`InputTypeError` naming them. Before session 24 a Series was read into a
column named ``'__y__'`` and a model fitted with past covariates said "column 'x' not found; expected one of
['__y__']", an internal name the user never wrote; the column is now named as the Series (or the fitted series).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

from rnnkit.errors import DataError, InputTypeError

__all__ = ["bare_frames"]


def bare_frames(data: Any, fitted: Sequence[Any], args: dict[str, Any], covariates: Sequence[str],
                future_index: Any) -> tuple[dict[str, pd.DataFrame], str] | None:
    """``({id: frame}, value column)`` for ``data`` given as values alone or as a Series; ``None`` for a frame
    (or anything else: the caller names it). ``fitted``: the forecaster's series (``id, index, freq``);
    ``args``: the fit's column settings; ``covariates``: the fit's covariate columns; ``future_index(index,
    freq, n)``: the ``n`` times after ``index`` (the values alone take them)."""
    alone = isinstance(data, (list, tuple, np.ndarray)) or (isinstance(data, pd.Series)
                                                            and isinstance(data.index, pd.RangeIndex))
    if not alone and not isinstance(data, pd.Series):
        return None
    if alone and (len(fitted) != 1 or covariates):
        raise InputTypeError("new_points: expected a DataFrame with the id/time/covariate columns for this "
                             "model, got bare values")
    if len(fitted) != 1:
        raise InputTypeError("new_points: expected a DataFrame with an id column for a multi-series model, "
                             "got a Series")
    if covariates:
        raise InputTypeError(f"new_points: expected a DataFrame holding the new values and the covariate columns "
                             f"{list(covariates)} (the model was fitted with them), got a Series")
    f = fitted[0]
    if alone:
        values = data.to_numpy() if isinstance(data, pd.Series) else data
        if isinstance(values, np.ndarray) and values.ndim != 1:
            raise DataError(f"new_points: expected a 1-D array of values for series {f.id!r}, got shape {values.shape}")
        values = pd.Series(values if isinstance(values, np.ndarray) else list(values), name="new_points")
        return {f.id: values.to_frame().set_index(future_index(f.index, f.freq, len(values)))}, "new_points"
    target = str(data.name) if data.name is not None else str(args.get("target") or f.id)   # as the user knows it
    return {f.id: data.to_frame(name=target)}, target
