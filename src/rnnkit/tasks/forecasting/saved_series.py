"""The saved form of a fitted series (``config.json`` of a saved forecaster): :func:`series_record` writes
JSON values, :func:`read_series_record` reads them back as typed values, checked (a ConfigError naming the
field), never converted from text."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from rnnkit.errors import ConfigError
from rnnkit.tasks.forecasting.config import check_int, saved_numbers
from rnnkit.tasks.forecasting.new_times import check_placement
from rnnkit.tasks.forecasting.outliers import saved_outliers

__all__ = ["series_record", "read_series_record"]


def series_record(s: Any) -> dict[str, Any]:
    """The saved form (JSON values only; :func:`read_series_record` reads it back) of a fitted series: anything
    with ``id``, ``index``, ``freq``, ``y``, ``observed``, ``missing``, ``resampled``, ``reordered``, ``outliers``
    (the values ``outliers="missing"`` read as missing: :mod:`.outliers`)."""
    idx = s.index
    dt = isinstance(idx, pd.DatetimeIndex)
    return {"id": s.id, "freq": s.freq, "datetime": dt, "tz": str(idx.tz) if dt and idx.tz is not None else None,
            "index": [str(t) for t in idx] if dt else [int(t) for t in idx], "y": s.y.tolist(),
            "observed": s.observed.astype(int).tolist(), "missing": s.missing, "resampled": s.resampled,
            "reordered": s.reordered, "outliers": [[p, v] for p, v in s.outliers],
            "placed": getattr(s, "placed", None)}


def _saved_times(texts: list[Any], tz: Any, freq: str | None) -> pd.DatetimeIndex:
    """Saved time stamps in their zone ``tz`` (``'Europe/Paris'``, ``'UTC+01:00'``; ``None``: naive or saved before
    zones were kept): read as UTC, then converted (a named zone's offsets differ across DST changes)."""
    if tz is None:
        return pd.DatetimeIndex(pd.to_datetime(texts, format="ISO8601"), freq=freq)
    if not isinstance(tz, str):
        raise ConfigError(f"series.tz: expected a time zone name or null, got {str(tz)[:60]}")
    try:
        return pd.DatetimeIndex(pd.to_datetime(texts, format="ISO8601", utc=True).tz_convert(tz), freq=freq)
    except (ValueError, TypeError, KeyError) as e:      # an unknown zone name (zoneinfo's error is a KeyError)
        raise ConfigError(f"series.tz: expected a known time zone name, got {tz[:60]!r} ({e})") from None


def read_series_record(d: dict[str, Any]) -> dict[str, Any]:
    """The fields of :func:`series_record` rebuilt and checked (ConfigError naming the field), never
    converted from text: ``id``, ``index``, ``freq``, ``y``, ``observed`` (bool), ``missing``,
    ``resampled``, ``reordered`` (0 when a folder saved before it existed has none), ``placed`` (``None`` then)."""
    y = saved_numbers("series.y", d["y"])
    tz = d.get("tz")     # read for every entry (integer steps write null): an entry's keys are all read back
    if not isinstance(d["id"], str) or (d["freq"] is not None and not isinstance(d["freq"], str)):
        raise ConfigError(f"series.id/freq: expected strings, got {d['id']!r} and {d['freq']!r}")
    if not isinstance(d["index"], list) or len(d["index"]) != y.size:
        raise ConfigError(f"series.index: expected {y.size} time stamps (one per value), got {str(d['index'])[:60]}")
    if d["datetime"] is True:
        idx = _saved_times(d["index"], tz, d["freq"])
        if not idx.is_monotonic_increasing or not idx.is_unique:    # reversed: forecast from the first stamp on
            raise ConfigError(f"series.index: expected time stamps in increasing order, got {str(d['index'])[:60]}")
    else:
        steps = saved_numbers("series.index", d["index"])
        if steps.size and not (steps == steps[0] + np.arange(steps.size)).all():   # 1.5 was truncated to 1
            raise ConfigError(f"series.index: expected consecutive integer steps, got {str(d['index'])[:60]}")
        idx = pd.Index(steps.astype(np.int64))
    if not all(v in (0, 1) for v in d["observed"] if isinstance(v, (int, float))):    # 2 was read as True
        raise ConfigError(f"series.observed: expected 0 or 1 per value, got {str(d['observed'])[:60]}")
    counts = {key: d.get(key, 0) for key in ("missing", "resampled", "reordered")}
    for key, v in counts.items():
        check_int(f"series.{key}", v, 0)
    observed = saved_numbers("series.observed", d["observed"], y.size).astype(bool)
    return {"id": d["id"], "index": idx, "freq": d["freq"], "y": y, "observed": observed, **counts,
            "outliers": saved_outliers(d, y.size), "placed": check_placement(d.get("placed"))}
