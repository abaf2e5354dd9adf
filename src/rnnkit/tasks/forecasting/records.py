"""A forecast frame as people and JSON read it: one home for the ``time`` text and the row objects that
``rnnkit forecast`` prints and writes and ``rnnkit serve`` answers.

>>> import pandas as pd
>>> fc = pd.DataFrame({"id": ["a"], "time": [pd.Timestamp("2024-01-01")], "value": [1.5], "lower": [float("nan")],
...                    "upper": [2.0], "q0.5": [1.5]})
>>> forecast_records(fc)
[{'id': 'a', 'time': '2024-01-01', 'value': 1.5, 'lower': None, 'upper': 2.0, 'q0.5': 1.5}]
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from rnnkit._io import to_jsonable

__all__ = ["time_text", "time_texts", "forecast_records", "forecast_csv_frame"]


def time_text(t: Any) -> str:
    """ISO date for naive midnight timestamps, ISO date-time otherwise (a zone-aware time keeps its
    offset, midnight included); integer steps as their decimal text. (An aware time is never normalized: on a day
    whose midnight its zone skips -- Sao Paulo's 2018-11-04 -- normalize() is pandas' ValueError, and the service
    of such an hourly series could not start.) Dates are ISO's four-digit years: strftime's %Y wrote '760-01-01' on
    Linux (glibc pads no year; other C libraries do), which pandas' ISO 8601 reader refuses -- forecast.csv of a
    series from the year 700 could not be read back."""
    if isinstance(t, pd.Timestamp):
        return t.date().isoformat() if t.tzinfo is None and t == t.normalize() else t.isoformat()
    return str(t)


def time_texts(times: Any) -> list[str]:
    """A column of times in ONE format: dates when every time is a naive midnight, else :func:`time_text` of each
    (an hourly forecast crossing midnight wrote '2010-12-31' between '...T23:00:00' and '...T01:00:00', which
    pandas' read_csv(parse_dates=) left as text and pd.to_datetime refused).

    >>> time_texts(pd.date_range("2010-12-30 23:00", periods=2, freq="h"))
    ['2010-12-30T23:00:00', '2010-12-31T00:00:00']
    """
    times = list(times)
    days = all(isinstance(t, pd.Timestamp) and t.tzinfo is None and t == t.normalize() for t in times)
    return [t.date().isoformat() if days else t.isoformat() if isinstance(t, pd.Timestamp) else str(t)
            for t in times]


def forecast_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """``Forecaster.predict()``'s rows as JSON objects ``{id, time, value, lower, upper}`` and any
    quantile columns ``q<level>`` (NaN -> null); the times in one format (:func:`time_texts`)."""
    cols = [c for c in frame.columns if c not in ("id", "time")]
    out = []
    for row, when in zip(frame.itertuples(index=False, name=None), time_texts(frame["time"])):
        rec = dict(zip(frame.columns, row))
        out.append({"id": str(rec["id"]), "time": when, **{c: to_jsonable(float(rec[c])) for c in cols}})
    return out


def forecast_csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The forecast frame with its times as :func:`time_texts` (what ``forecast.csv`` holds)."""
    out = frame.copy()
    out["time"] = time_texts(out["time"])
    return out
