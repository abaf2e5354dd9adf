"""The forecasts of every candidate at the rolling validation origins and at the final one
(:class:`ValidationSet`), from which :mod:`.auto` selects and combines; saved and loaded as ``.npz``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from rnnkit.errors import ConfigError

__all__ = ["ValidationSet"]


def _nanmean(a: np.ndarray, axis=None):
    with np.errstate(invalid="ignore"):
        cnt = np.isfinite(a).sum(axis=axis)
        tot = np.where(np.isfinite(a), a, 0.0).sum(axis=axis)
        return np.where(cnt > 0, tot / np.maximum(cnt, 1), np.nan)


@dataclass
class ValidationSet:
    """Forecasts of every candidate at ``K`` validation origins and at the final origin.

    ``val[name]``: ``(S, K, H)`` (NaN where a series was too short for an origin); ``actual``:
    ``(S, K, H)``; ``scale``: ``(S, K)`` in-sample MASE scales at each origin; ``final[name]``:
    ``(S, H)``; ``ids``: the series ids; ``final_scale``: ``(S,)`` the MASE scale of all the data; ``periods``: ``(S,)``
    each series' seasonal period."""

    ids: list[str]
    val: dict[str, np.ndarray]
    actual: np.ndarray
    scale: np.ndarray
    final: dict[str, np.ndarray]
    final_scale: np.ndarray | None = None
    wild: np.ndarray | None = None   # (S,) the jump of a wild last value (.guard), 0 where none; None: not guarded
    constant: np.ndarray | None = None   # (S,) bool: the series is constant up to the final origin; None: not known
    fell: dict | None = None   # name -> (S,) bool: its final forecast is the seasonal naive fallback (.validated); saved since session 16 (None: a set saved before)
    periods: np.ndarray | None = None   # (S,) each series' period: its fallback band's seasons ahead (.probabilistic); None: saved before session 35

    def errors(self, forecasts: np.ndarray) -> np.ndarray:
        """Per (series, origin) MASE of ``forecasts`` ``(S, K, H)``; NaN where not available."""
        return _nanmean(np.abs(forecasts - self.actual), axis=2) / self.scale

    def save(self, path) -> None:
        extra = {k: v for k, v in (("wild", self.wild), ("constant", self.constant), ("periods", self.periods)) if v is not None}
        np.savez_compressed(path, ids=np.array(self.ids), actual=self.actual, scale=self.scale, **extra,
                            final_scale=self.final_scale if self.final_scale is not None else np.full(len(self.ids), np.nan),
                            **{f"val__{k}": v for k, v in self.val.items()},
                            **{f"final__{k}": v for k, v in self.final.items()},
                            **{f"fell__{k}": v for k, v in (self.fell or {}).items()})

    @classmethod
    def load(cls, path) -> "ValidationSet":
        z = np.load(path)
        val = {k[5:]: z[k] for k in z.files if k.startswith("val__")}
        final = {k[7:]: z[k] for k in z.files if k.startswith("final__")}
        fs = z["final_scale"] if "final_scale" in z.files else None
        fell = {k[6:]: z[k] for k in z.files if k.startswith("fell__")} or None    # saved since session 16
        return cls([str(i) for i in z["ids"]], val, z["actual"], z["scale"], final, fs,
                   z["wild"] if "wild" in z.files else None, z["constant"] if "constant" in z.files else None, fell,
                   z["periods"] if "periods" in z.files else None)

    def subset(self, rows: Sequence[int]) -> "ValidationSet":
        """The series at positions ``rows``."""
        rows = list(rows)
        return ValidationSet([self.ids[i] for i in rows], {k: v[rows] for k, v in self.val.items()},
                             self.actual[rows], self.scale[rows], {k: v[rows] for k, v in self.final.items()},
                             None if self.final_scale is None else self.final_scale[rows],
                             None if self.wild is None else self.wild[rows],
                             None if self.constant is None else self.constant[rows],
                             None if self.fell is None else {k: v[rows] for k, v in self.fell.items()},
                             None if self.periods is None else self.periods[rows])

    def merge(self, other: "ValidationSet") -> "ValidationSet":
        """The candidates of both (same series and origins)."""
        if other.ids != self.ids:
            raise ConfigError("merge: expected validation sets of the same series")
        return ValidationSet(self.ids, {**self.val, **other.val}, self.actual, self.scale, {**self.final, **other.final},
                             self.final_scale, self.wild, self.constant,
                             None if self.fell is None or other.fell is None else {**self.fell, **other.fell},
                             self.periods if self.periods is not None else other.periods)
