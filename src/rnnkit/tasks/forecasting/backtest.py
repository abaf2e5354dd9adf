"""Rolling-origin backtests: the model and the baselines on the same folds, never seeing the future.

With ``K`` folds, horizon ``H`` and stride ``S`` (default ``H``), fold ``k = 0..K-1`` of a series of
length ``n`` trains on positions ``[0, o_k)`` and is scored on ``[o_k, o_k + H)`` where
``o_k = n - H - (K - 1 - k) S``: the last fold ends at the last value, folds move forward in time.
Each fold refits everything on its training part alone: missing-value interpolation, period detection,
the preprocessing pipeline, the network, and the baselines. The lookback (and, with
``deseasonalize="auto"``, STL vs seasonal differencing) is selected once, in fold 0, on data before the
first test window; later folds reuse it and start from the previous fold's weights (learnt from an
earlier, smaller training part, so no test value is ever seen). Metrics skip test values
that were missing in the data (interpolated values are not scored).

>>> [(f.train_end, f.test_start, f.test_end) for f in rolling_origin_folds(20, horizon=3, folds=3)]
[(11, 11, 14), (14, 14, 17), (17, 17, 20)]
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd

from rnnkit.errors import ConfigError, DataError
from rnnkit.tasks.forecasting.baselines import BASELINES
from rnnkit.tasks.forecasting.inputs import SeriesData
from rnnkit.tasks.forecasting.metrics import METRICS, point_metrics

__all__ = ["Fold", "rolling_origin_folds", "BacktestResult", "run_backtest", "format_table"]


@dataclass(frozen=True)
class Fold:
    """Positions of one fold: train on ``[0, train_end)``, score on ``[test_start, test_end)``."""

    fold: int
    train_end: int
    test_start: int
    test_end: int


def rolling_origin_folds(n: int, horizon: int, folds: int, stride: int | None = None, min_train: int = 2
                         ) -> list[Fold]:
    """The ``folds`` rolling-origin folds of a series of length ``n`` (see the module docstring)."""
    for name, v in (("folds", folds), ("horizon", horizon)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
            raise ConfigError(f"{name}: expected a positive int, got {v!r}")
    stride = horizon if stride is None else stride
    if not isinstance(stride, (int, np.integer)) or isinstance(stride, bool) or stride < 1:
        raise ConfigError(f"stride: expected a positive int, got {stride!r}")
    first = n - horizon - (folds - 1) * stride
    if first < min_train:
        raise DataError(f"backtest: expected at least {min_train + horizon + (folds - 1) * stride} values for "
                        f"{folds} folds of horizon {horizon} (stride {stride}) after {min_train} training values, "
                        f"got {n}")
    out = []
    for k in range(folds):
        o = first + k * stride
        out.append(Fold(k, o, o, o + horizon))
    return out


@dataclass
class BacktestResult:
    """What a backtest returns.

    ``metrics``: model name -> metric -> mean over folds and series. ``per_fold``: one row per (fold,
    series, model). ``forecasts``: every fold's forecasts next to the actuals (columns ``fold, id, time,
    actual, observed`` and ``<model>``, ``<model>_lower``, ``<model>_upper`` per model). ``folds``: each
    fold's positions and timestamps per series.
    """

    model: str
    horizon: int
    n_folds: int
    metrics: dict[str, dict[str, float]]
    per_fold: list[dict[str, Any]]
    forecasts: pd.DataFrame
    folds: list[dict[str, Any]]
    lookback: int
    selection: dict[int, float]
    periods: dict[str, int]
    seconds: dict[str, float] = field(default_factory=dict)
    deseasonalize: dict[str, str] = field(default_factory=dict)
    last_weights: dict | None = field(default=None, repr=False)

    def table(self) -> str:
        """The model-vs-baselines table, for people."""
        head = (f"backtest: {self.n_folds} folds x {self.horizon} steps, lookback {self.lookback} "
                f"(candidates {sorted(self.selection)}), period {_periods_text(self.periods)}")
        return head + "\n" + format_table(self.metrics, best_of=[m for m in self.metrics])

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "horizon": self.horizon, "folds": self.n_folds,
                "metrics": {m: {k: _finite(v) for k, v in row.items()} for m, row in self.metrics.items()},
                "lookback": self.lookback, "lookback_selection": {str(k): _finite(v) for k, v in self.selection.items()},
                "periods": self.periods, "deseasonalize": self.deseasonalize, "fold_positions": self.folds,
                "per_fold": [{k: _finite(v) for k, v in r.items()} for r in self.per_fold],
                "seconds": self.seconds}


def _finite(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def _periods_text(periods: dict[str, int]) -> str:
    vals = sorted(set(periods.values()))
    return str(vals[0]) if len(vals) == 1 else str(periods)


def format_table(metrics: dict[str, dict[str, float]], best_of: Sequence[str] | None = None) -> str:
    """Fixed-width table of ``metrics`` (rows: models; columns: :data:`METRICS`), best value per column
    marked with ``*`` (highest coverage is not "best": coverage is not marked)."""
    models = list(metrics)
    width = max(12, *(len(m) for m in models)) + 2
    lines = [f"{'model':<{width}}" + "".join(f"{c:>10}" for c in METRICS)]
    best = {}
    for c in METRICS[:-1]:
        vals = [(metrics[m].get(c, float("nan")), m) for m in models]
        vals = [v for v in vals if math.isfinite(v[0])]
        if vals:
            best[c] = min(vals)[1]
    for m in models:
        cells = []
        for c in METRICS:
            v = metrics[m].get(c, float("nan"))
            text = "-" if not math.isfinite(v) else (f"{v:.3f}" if c != "sMAPE" and c != "coverage" else
                                                       (f"{v:.2f}" if c == "sMAPE" else f"{v:.2f}"))
            if best.get(c) == m:
                text += "*"
            cells.append(f"{text:>10}")
        lines.append(f"{m:<{width}}" + "".join(cells))
    return "\n".join(lines)


def run_backtest(forecaster, series: list[SeriesData], folds: int = 3, stride: int | None = None,
                 baselines: Sequence[str] | None = ("naive", "seasonal_naive", "drift", "ets")) -> BacktestResult:
    """Backtest ``forecaster``'s configuration on ``series`` (see the module docstring). The forecaster
    itself is not changed; each fold fits a fresh one with the same settings."""
    from rnnkit.tasks.forecasting.forecaster import Forecaster

    cfg = forecaster.config
    H = cfg.horizon
    baselines = list(baselines or [])
    for b in baselines:
        if b not in BASELINES:
            raise ConfigError(f"baselines: expected names among {sorted(BASELINES)}, got {b!r}")
    model = cfg.cell
    fold_lists = {s.id: rolling_origin_folds(len(s), H, folds, stride) for s in series}
    per_fold: list[dict[str, Any]] = []
    frames: list[pd.DataFrame] = []
    fold_info: list[dict[str, Any]] = []
    lookback, weights, selection, periods, deseason = None, None, {}, {}, {}
    t_model = t_base = 0.0
    for k in range(folds):
        train = [s.truncate(fold_lists[s.id][k].train_end) for s in series]
        t0 = time.perf_counter()
        fc = Forecaster(config=cfg)
        fc._parse_args = dict(forecaster._parse_args)
        fc._fixed_deseasonalize = dict(deseason)
        fc._fit_series(train, lookback=lookback, init=weights)
        if lookback is None:
            lookback, selection = fc.lookback_, dict(fc.selection_)
            deseason = {f.id: f.deseasonalize for f in fc._fitted}
        weights = {n: t.detach().clone() for n, t in fc.network_.state_dict().items()}
        futs = []
        for s in series:
            fo = fold_lists[s.id][k]
            futs.append(s.future[fo.test_start:fo.test_end] if s.future.shape[1] else None)
        pred = fc._predict_arrays(H, futs)
        t_model += time.perf_counter() - t0
        for i, s in enumerate(series):
            fo = fold_lists[s.id][k]
            f = fc._fitted[i]
            periods[s.id] = f.period
            tr = train[i].y
            test = slice(fo.test_start, fo.test_end)
            actual, obs = s.y[test], s.observed[test]
            # the leak guard: nothing the fold was fitted on lies at or after its first test position
            if len(tr) != fo.test_start or len(f.y) != fo.test_start:
                raise AssertionError("backtest: training data reaches into the test window")  # pragma: no cover
            p = pred[pred["id"] == s.id]
            outs = {model: (p["value"].to_numpy(), p["lower"].to_numpy(), p["upper"].to_numpy())}
            t1 = time.perf_counter()
            for b in baselines:
                outs[b] = BASELINES[b](tr, H, f.period, cfg.level)
            t_base += time.perf_counter() - t1
            frame = pd.DataFrame({"fold": k, "id": s.id, "time": s.index[test], "actual": actual, "observed": obs})
            for name, (v, lo, hi) in outs.items():
                frame[name], frame[f"{name}_lower"], frame[f"{name}_upper"] = v, lo, hi
                if obs.any():
                    lo_o = None if np.isnan(lo).all() else lo[obs]
                    hi_o = None if np.isnan(hi).all() else hi[obs]
                    row = point_metrics(actual[obs], v[obs], tr, f.period, lo_o, hi_o)
                    per_fold.append({"fold": k, "id": s.id, "model": name, **row})
            frames.append(frame)
            fold_info.append({"fold": k, "id": s.id, "train_end": fo.train_end, "test_start": fo.test_start,
                              "test_end": fo.test_end, "train_last_time": str(s.index[fo.train_end - 1]),
                              "test_first_time": str(s.index[fo.test_start]),
                              "test_last_time": str(s.index[fo.test_end - 1])})
    if not per_fold:
        raise DataError("backtest: expected observed values in the test windows, got only missing ones")
    names = [model, *baselines]
    metrics = {}
    for name in names:
        rows = [r for r in per_fold if r["model"] == name]
        metrics[name] = {c: _nanmean([r[c] for r in rows]) for c in METRICS}
    return BacktestResult(model=model, horizon=H, n_folds=folds, metrics=metrics, per_fold=per_fold,
                          forecasts=pd.concat(frames, ignore_index=True), folds=fold_info, lookback=int(lookback),
                          selection=selection, periods=periods,
                          seconds={"model": round(t_model, 3), "baselines": round(t_base, 3)},
                          deseasonalize=deseason, last_weights=weights)


def _nanmean(vals: list[float]) -> float:
    a = np.asarray(vals, dtype=float)
    a = a[np.isfinite(a)]
    return float(a.mean()) if a.size else float("nan")
