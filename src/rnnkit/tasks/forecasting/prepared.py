"""One series made ready for the network: its seasonal period, the fitted preprocessing pipeline, the
scaled step changes and covariates the network reads (:class:`PreparedSeries`), and the choices made
for it (lookback candidates, STL vs seasonal differencing).

Every step's network input is ``[dz_t / s, z_t, covariates_t]`` (``z`` the transformed series, ``dz``
its step change, ``s`` the training standard deviation of ``dz``): inputs never hold an absolute level
beyond ``z``'s own scale, so trending series stay in range.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
import pandas as pd

from rnnkit.data.timeseries.seasonality import PeriodInfo, detect_period
from rnnkit.data.timeseries.transforms import (BoxCox, Difference, Log, Pipeline, Scaler, SeasonalSTL, column_scaler,
                                               root_mean_square, spread_divisor, typical_magnitude)
from rnnkit.errors import ConfigError, DataError
from rnnkit.tasks.forecasting.config import ForecastConfig, check_int, saved_numbers
from rnnkit.tasks.forecasting.inputs import SeriesData, time_label
from rnnkit.tasks.forecasting.saved_series import read_series_record, series_record

__all__ = ["PreparedSeries", "prepare_series", "choose_deseasonalize", "lookback_candidates", "network_inputs",
           "val_size", "short_transform"]


def val_size(n: int, cfg: ForecastConfig) -> int:
    """Values at the end of a training series of length ``n`` held out for validation (at least 2 horizons)."""
    return max(int(round(cfg.val_fraction * n)), 2 * cfg.horizon)


def lookback_candidates(period: int, horizon: int, max_lookback: int = 192) -> list[int]:
    """Lookbacks worth trying, tied to the seasonal period ``m``: ``m, 2m, 3m`` when they fit under
    ``max_lookback``; for long periods (daily data's 365) ``m/16, m/8, m/4`` (the season itself is removed
    beforehand, and a 182-step window cost 4x the time of a 46-step one for no gain on Seattle's daily
    temperatures); without a period ``h, 2h, 3h`` from the horizon (at least 4).

    >>> lookback_candidates(12, 6), lookback_candidates(52, 52), lookback_candidates(365, 30)
    ([12, 24, 36], [52, 104, 156], [23, 46, 91])
    >>> lookback_candidates(1, 8), lookback_candidates(24, 48, max_lookback=60)
    ([8, 16, 24], [24, 48])
    """
    if period > 1:
        if period <= max_lookback:
            cands = [k * period for k in (1, 2, 3) if k * period <= max_lookback]
        else:
            cands = [max(4, round(period / d)) for d in (16, 8, 4)]
    else:
        base = max(4, min(horizon, max_lookback // 3))
        cands = [base, 2 * base, 3 * base]
    return sorted({c for c in cands if 2 <= c <= max_lookback}) or [min(max_lookback, max(2, period))]


class PreparedSeries:
    """What the forecaster keeps for one series: its history, fitted pipeline and recurrent state."""

    def __init__(self, s: SeriesData, period: PeriodInfo, pipeline: Pipeline, cfg: ForecastConfig) -> None:
        self.id, self.freq = s.id, s.freq
        self.index = s.index
        self.y = s.y.copy()
        self.observed = s.observed.copy()
        self.past, self.fut = s.past.copy(), s.future.copy()
        self.missing, self.resampled, self.reordered = s.missing, s.resampled, s.reordered
        self.outliers, self.placed = s.outliers, s.placed
        self.period_info, self.period = period, period.period
        self.pipeline = pipeline
        self.level_input = cfg.level_input
        z = pipeline.transform(self.y)
        finite = np.isfinite(z)
        self.valid_start = int(np.argmax(finite)) if finite.any() else z.size
        dz = np.diff(z[self.valid_start:])
        with np.errstate(over="ignore", invalid="ignore"):
            spread = root_mean_square(dz - dz.mean(), unit=typical_magnitude(z[self.valid_start:])) \
                if dz.size > 1 else 0.0
        if not math.isfinite(spread):
            raise DataError(f"series {s.id!r}: expected step changes with a finite spread after preprocessing, got "
                            f"an overflow (largest |change| {float(np.abs(dz).max()):.3g}); rescale the series")
        self.inc = float(spread_divisor(spread, np.abs(z[self.valid_start:]).max())) if dz.size else 1.0
        self.past_loc, self.past_scale = _col_scaler(self.past)
        self.fut_loc, self.fut_scale = _col_scaler(self.fut)
        self.z = z
        self.state: Any = None
        self.deseasonalize_scores: dict[str, float] = {}
        self.deseasonalize = "none"

    def features(self, z: np.ndarray, z_prev: float, past: np.ndarray, fut: np.ndarray) -> np.ndarray:
        """Inputs ``(n, F)`` for values ``z`` following ``z_prev`` (NaN -> 0: before the valid start)."""
        zz = np.concatenate([[z_prev], z])
        dz = np.nan_to_num(np.diff(zz), nan=0.0) / self.inc
        cols = [dz[:, None]]
        if self.level_input:
            cols.append(np.nan_to_num(z, nan=0.0)[:, None])
        if past.shape[1]:
            cols.append((past - self.past_loc) / self.past_scale)
        if fut.shape[1]:
            cols.append((fut - self.fut_loc) / self.fut_scale)
        return np.concatenate(cols, 1)

    def history_features(self) -> np.ndarray:
        x = self.features(self.z, float("nan"), self.past, self.fut)
        x[: self.valid_start + 1, 0] = 0.0
        return x

    def scaled_future(self, fut: np.ndarray) -> np.ndarray:
        return (fut - self.fut_loc) / self.fut_scale

    def to_dict(self) -> dict[str, Any]:
        """The saved form; the input scales are kept as fitted (after ``update`` the history is longer
        than what they were fitted on, so recomputing them on load would change the inputs)."""
        return {**series_record(self), "past": self.past.tolist(), "fut": self.fut.tolist(),
                "period_info": self.period_info.to_dict(), "pipeline": self.pipeline.to_dict(),
                "scales": {"inc": self.inc, "past_loc": self.past_loc.tolist(), "past_scale": self.past_scale.tolist(),
                           "fut_loc": self.fut_loc.tolist(), "fut_scale": self.fut_scale.tolist()}}

    @classmethod
    def from_dict(cls, d: dict[str, Any], cfg: ForecastConfig) -> "PreparedSeries":
        """Rebuild from :meth:`to_dict`; values are checked (ConfigError), never converted from text."""
        r = read_series_record(d)
        n = r["y"].size
        s = SeriesData(r["id"], r["index"], r["y"], r["freq"], saved_numbers("series.past", d["past"], n, 2),
                       saved_numbers("series.fut", d["fut"], n, 2), r["missing"], r["resampled"],
                       observed=r["observed"], reordered=r["reordered"], outliers=r["outliers"], placed=r["placed"])
        pi = d["period_info"]
        check_int("period_info.period", pi["period"], 1)
        period = PeriodInfo(pi["period"], pi["method"], {int(k): v for k, v in pi["scores"].items()}, pi["threshold"])
        self = cls(s, period, Pipeline.from_dict(d["pipeline"]), cfg)
        sc = d.get("scales")          # absent in folders saved before the fitted scales were kept
        if sc is not None:
            self.inc = float(saved_numbers("series.scales.inc", [sc["inc"]], 1)[0])
            for key, cols in (("past", self.past.shape[1]), ("fut", self.fut.shape[1])):
                loc = saved_numbers(f"series.scales.{key}_loc", sc[f"{key}_loc"], cols)
                scale = saved_numbers(f"series.scales.{key}_scale", sc[f"{key}_scale"], cols)
                setattr(self, f"{key}_loc", loc)
                setattr(self, f"{key}_scale", scale)
            if self.inc <= 0 or (self.past_scale <= 0).any() or (self.fut_scale <= 0).any():
                raise ConfigError(f"series.scales: expected positive scales, got {sc!r}"[:120])
        return self


def network_inputs(x: np.ndarray, what: str, times: Sequence[Any]) -> np.ndarray:
    """``x`` as float32, the network's dtype; a row beyond float32's range after scaling is a DataError
    naming its time (an inf input would give NaN states and forecasts)."""
    with np.errstate(over="ignore", invalid="ignore"):
        x32 = x.astype(np.float32)
    bad = ~np.isfinite(x32).all(axis=1)
    if bad.any():
        i = int(np.argmax(bad))
        raise DataError(f"{what}: expected values the model can take, got a scaled input of "
                        f"{float(np.nanmax(np.abs(x[i]))):.3g} at {time_label(times[i])} (beyond float32, the "
                        "network's dtype); rescale the series and refit")
    return x32


def _col_scaler(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if a.shape[1] == 0:
        return np.zeros(0), np.ones(0)
    return column_scaler(a)


def prepare_series(s: SeriesData, cfg: ForecastConfig, fixed_deseasonalize: dict[str, str]) -> PreparedSeries:
    """Period, preprocessing pipeline (fitted on ``s``) and network features of one series; ``fixed_deseasonalize``:
    ``deseasonalize="auto"`` choices made earlier (backtest fold 0), kept by series id."""
    n = len(s)
    if cfg.period is not None:
        period = PeriodInfo(cfg.period, "given")
    else:
        period = detect_period(s.y, s.freq)
    m = period.period
    steps = []
    if cfg.transform == "log":
        steps.append(Log())
    elif cfg.transform == "boxcox":
        steps.append(BoxCox())
    des = cfg.deseasonalize
    choice: dict[str, float] = {}
    if des == "auto":
        fixed = fixed_deseasonalize.get(s.id)
        if fixed is not None:   # chosen earlier (backtest fold 0) on less data: keep the representation
            des = fixed
        else:
            des = "none"
            if m > 1 and n >= 2 * m:
                des, choice = choose_deseasonalize(s.y, m, cfg)
    if des == "stl" and m > 1:
        if n < 2 * m:
            raise DataError(f"series {s.id!r}: expected at least 2 seasons ({2 * m} values) to deseasonalize "
                            f"with STL at period {m}, got {n}")
        steps.append(SeasonalSTL(m))
    elif des == "diff" and m > 1:
        steps.append(Difference(m))
    if cfg.detrend == "diff":
        steps.append(Difference(1))
    if cfg.scale != "none":
        steps.append(Scaler(cfg.scale))
    pipeline = Pipeline(steps).fit(s.y)
    fitted = PreparedSeries(s, period, pipeline, cfg)
    fitted.deseasonalize_scores = choice
    fitted.deseasonalize = des
    return fitted


def choose_deseasonalize(y: np.ndarray, m: int, cfg: ForecastConfig) -> tuple[str, dict[str, float]]:
    """``deseasonalize="auto"``: STL or seasonal differencing, whichever makes a naive forecast of the
    adjusted series (with the last season's drift, which seasonal differencing carries implicitly)
    more accurate on the validation part (STL fitted before it); STL unless differencing is at least
    10 % better (its profile averages three cycles, so it is the less noisy of the two when they are
    close: on elec_equip the naive errors differed by 4 % and the LSTM's backtest MASE by 0.22 vs
    0.32 in STL's favour). No training, so it costs one STL fit. Seasonality that changes from one
    cycle to the next (hourly temperatures, sunspots) goes to seasonal differences, a stable
    profile (co2, elec_equip) to STL."""
    H = cfg.horizon
    n = y.size
    split = n - val_size(n, cfg)
    if split < 2 * m + 1 or split + H > n:
        return "stl", {}
    season = SeasonalSTL(m).fit(y[:split]).inverse(np.zeros(n), start=0)
    origins = np.arange(split, n - H + 1)
    if origins.size > 200:
        origins = origins[np.linspace(0, origins.size - 1, 200).round().astype(int)]
    h = np.arange(H)
    err = {"stl": 0.0, "diff": 0.0}
    for t in origins:
        actual = y[t + h]
        adj = y[t - 1] - season[t - 1]                      # both forecasts carry the last year's drift
        slope = (adj - (y[t - 1 - m] - season[t - 1 - m])) / m
        f_stl = adj + (h + 1) * slope + season[t + h]
        f_diff = y[t - m + h % m] + (h // m + 1) * (y[t - 1] - y[t - 1 - m])
        err["stl"] += float(np.mean(np.abs(actual - f_stl)))
        err["diff"] += float(np.mean(np.abs(actual - f_diff)))
    err = {k: v / origins.size for k, v in err.items()}
    return ("diff" if err["diff"] < 0.9 * err["stl"] else "stl"), err


def short_transform(d: dict[str, Any]) -> dict[str, Any]:
    """A transform's fitted state for reports (the seasonal profile reduced to its range)."""
    d = dict(d)
    if d.get("profile") is not None:
        p = np.asarray(d.pop("profile"))
        d["profile_range"] = [round(float(p.min()), 6), round(float(p.max()), 6)]
    return d
