"""The date arguments of a fit or backtest (``date_format``, ``dayfirst``) where the times need no reading.

Both describe text dates (and, for ``date_format``, integers or whole floats that are dates written as
numbers). Times that are already timestamps (a DatetimeIndex or PeriodIndex, a datetime64 column, a column of
``Timestamp``/``date`` objects) or integer steps read without a format: a format given with them was ignored
silently (a user who passed ``date_format='%d/%m/%Y'`` believed it was applied). One rule for the index and
the time column: refused, naming the argument, unless the frame's time column was read with that very format
by :func:`rnnkit.data.series.read_series_csv` (recorded in ``frame.attrs['date_format']``): it was applied.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from rnnkit.data.series import _day_month_order
from rnnkit.errors import ConfigError


def check_date_args(raw: Any, what: str, read_fmt: str | None, date_format: str | None, dayfirst: bool | None,
                    frame_fmt: Any = None) -> None:
    """``raw``: the time values as given (``df[time_col]`` or ``df.index``), ``what`` names them;
    ``read_fmt``: the format they were read with (``None``: none was needed); ``frame_fmt``: the format
    ``read_series_csv`` read the frame's time column with, if any. Raises a one-line ConfigError naming
    ``date_format``/``dayfirst`` when one was given and applied to nothing."""
    if read_fmt is not None or (date_format is None and dayfirst is None):
        return
    if isinstance(frame_fmt, str) and (date_format == frame_fmt if date_format is not None
                                       else _day_month_order(frame_fmt) in (None, "day" if dayfirst else "month")):
        return      # read_series_csv read the text with it: applied there
    key, value = ("date_format", date_format) if date_format is not None else ("dayfirst", dayfirst)
    if isinstance(raw, pd.RangeIndex) and raw.start == 0 and raw.step == 1:     # pandas' default: rows
        raise ConfigError(f"{key}: expected None for data without times (a list, an array, or a Series or "
                          f"DataFrame with the default index 0, 1, 2, ...: integer steps; give the dates as the "
                          f"index or a time_col), got {value!r}")
    kind = type(raw).__name__ if isinstance(raw, pd.Index) else f"dtype {raw.dtype}"
    steps = pd.api.types.is_integer_dtype(raw) and not pd.api.types.is_bool_dtype(raw)
    held = "integer time steps" if steps else "times that are already timestamps"
    read = f"; it was read with {frame_fmt!r} by read_series_csv" if isinstance(frame_fmt, str) else ""
    raise ConfigError(f"{key}: expected None for {held} ({what}: {kind}{read}; {key} is for dates "
                      f"written as text), got {value!r}")
