"""Rolling-origin backtests: the model and the baselines on the same folds, never seeing the future.

With ``K`` folds, horizon ``H`` and stride ``S`` (default ``H``), fold ``k = 0..K-1`` of a series of
length ``n`` trains on positions ``[0, o_k)`` and is scored on ``[o_k, o_k + H)`` where
``o_k = n - H - (K - 1 - k) S``: the last fold ends at the last value, folds move forward in time.
Each fold refits everything on its training part alone through a :class:`FoldFitter` ("fit on this
training part, forecast ``H``"): the backtest never knows the concrete model. The recurrent forecaster's
fitter (:mod:`.network_model`) redoes missing-value interpolation, period detection, the preprocessing
pipeline and the network per fold; its lookback (and, with ``deseasonalize="auto"``, STL vs seasonal
differencing) is selected once, in fold 0, on data before the first test window; later folds reuse it
and start from the previous fold's weights (learnt from an earlier, smaller training part, so no test
value is ever seen). The baselines are refitted per fold here. Metrics skip test values that were
missing in the data (interpolated values are not scored); with quantiles, the fitter's rows also get
the pinball loss per level, CRPS and the coverage of each central interval (:func:`.metrics.quantile_metrics`).

>>> [(f.train_end, f.test_start, f.test_end) for f in rolling_origin_folds(20, horizon=3, folds=3)]
[(11, 11, 14), (14, 14, 17), (17, 17, 20)]
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass, field
from typing import Any, Protocol, Sequence, runtime_checkable

import numpy as np
import pandas as pd

from rnnkit._io import format_table as _format_rows
from rnnkit._io import to_jsonable
from rnnkit._validate import first_repeat
from rnnkit.errors import ConfigError, DataError
from rnnkit.tasks.forecasting.baselines import BASELINES
from rnnkit.tasks.forecasting.inputs import SeriesData
from rnnkit.tasks.forecasting.metrics import METRICS, point_metrics, quantile_metrics
from rnnkit.tasks.forecasting.outliers import scored_truth
from rnnkit.tasks.forecasting.series_pool import map_series

__all__ = ["Fold", "rolling_origin_folds", "FoldForecast", "FoldFitter", "BacktestResult", "run_backtest", "format_table",
           "backtest_candidate", "data_fingerprint"]


def data_fingerprint(horizon: int | None, series: Sequence[tuple]) -> bytes:
    """The digest a backtest's final fit is kept under for the fit that follows it: the horizon and, per series, its
    id and arrays (values, covariates) -- a following fit of the same data reuses that fit, one of other data (or
    another horizon) fits anew. A digest, not the arrays' bytes: the hint kept no copy of every series.

    >>> a = np.arange(3.0)
    >>> data_fingerprint(3, [("a", a)]) == data_fingerprint(3, [("a", a.copy())]) != data_fingerprint(4, [("a", a)])
    True
    """
    digest = hashlib.blake2b(repr(horizon).encode(), digest_size=32)
    for item in series:
        digest.update(b"\x00series")
        for part in item:
            data = repr((part.dtype.str, part.shape)).encode() + np.ascontiguousarray(part).tobytes() \
                if isinstance(part, np.ndarray) else repr(part).encode()
            digest.update(len(data).to_bytes(8, "little") + data)
    return digest.digest()


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
    # n 20.5 gave folds at fractional positions, min_train 0 a fold with an empty training part
    for name, v, lo in (("folds", folds, 1), ("horizon", horizon, 1), ("min_train", min_train, 1), ("n", n, 0)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < lo:
            raise ConfigError(f"{name}: expected {'a positive int' if lo else 'an int >= 0'}, got {v!r}")
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
class FoldForecast:
    """What a fold fitter returns for one fold, by series id: ``values`` ``(point, lower, upper)`` arrays of
    ``H`` steps (bounds NaN without an interval), the seasonal ``periods`` it used, the number of values
    each series was ``fitted`` on (the leak guard checks it), optional ``quantiles`` ``(H, Q)`` at the
    fitter's ``quantile_levels``, and ``others``: other models' point forecasts (name -> id -> ``(H,)``),
    scored next to it (e.g. every candidate of ``auto``)."""

    values: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]
    periods: dict[str, int]
    fitted: dict[str, int]
    quantiles: dict[str, np.ndarray] | None = None
    others: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)


@runtime_checkable
class FoldFitter(Protocol):
    """Fits on one fold's training part and forecasts its test window (the darts rule: the backtest knows
    this protocol, never a concrete model). ``name`` labels its rows; ``quantile_levels`` the levels of
    its ``quantiles`` (empty: none); ``details()`` what it chose across the folds (for the report)."""

    name: str
    quantile_levels: tuple[float, ...]

    def fit_fold(self, fold: int, train: list[SeriesData], futures: list[np.ndarray | None]) -> FoldForecast:
        ...  # pragma: no cover

    def details(self) -> dict[str, Any]:
        ...  # pragma: no cover


@dataclass
class BacktestResult:
    """What a backtest returns.

    ``metrics``: model name -> metric -> mean over folds and series. ``per_fold``: one row per (fold,
    series, model). ``forecasts``: every fold's forecasts next to the actuals (columns ``fold, id, time,
    actual, observed`` and ``<model>``, ``<model>_lower``, ``<model>_upper`` per model). ``folds``: each
    fold's positions and timestamps per series. ``details``: what the fitter chose (e.g. the lookback and
    its validation scores, the ``deseasonalize`` choices, or what ``auto`` picked per fold).
    """

    model: str
    horizon: int
    n_folds: int
    metrics: dict[str, dict[str, float]]
    per_fold: list[dict[str, Any]]
    forecasts: pd.DataFrame
    folds: list[dict[str, Any]]
    periods: dict[str, int]
    seconds: dict[str, float] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def lookback(self) -> int | None:
        return self.details.get("lookback")

    @property
    def selection(self) -> dict[int, float]:
        return self.details.get("selection", {})

    @property
    def deseasonalize(self) -> dict[str, str]:
        return self.details.get("deseasonalize", {})

    def table(self) -> str:
        """The model-vs-baselines table, for people."""
        head = f"backtest: {self.n_folds} folds x {self.horizon} steps"
        if self.lookback is not None:
            head += f", lookback {self.lookback} (candidates {sorted(self.selection)})"
        head += f", period {_periods_text(self.periods)}"
        return head + "\n" + format_table(self.metrics)

    def to_dict(self) -> dict[str, Any]:
        details = {k: v for k, v in self.details.items() if not k.startswith("_")}
        if "selection" in details:
            details["lookback_selection"] = {str(k): v for k, v in details.pop("selection").items()}
        return to_jsonable({"model": self.model, "horizon": self.horizon, "folds": self.n_folds,
                            "metrics": self.metrics, **details, "periods": self.periods,
                            "fold_positions": self.folds, "per_fold": self.per_fold, "seconds": self.seconds})


def _periods_text(periods: dict[str, int]) -> str:
    vals = sorted(set(periods.values()))
    return str(vals[0]) if len(vals) == 1 else str(periods)


def format_table(metrics: dict[str, dict[str, float]]) -> str:
    """The table of ``metrics`` (rows: models; columns: :data:`METRICS`, and ``CRPS`` when a model has
    quantiles) through :func:`rnnkit._io.format_table`; the best value per column is marked with ``*``
    (coverage is not marked: higher is not better)."""
    cols = list(METRICS) + (["CRPS"] if any(math.isfinite(r.get("CRPS", math.nan)) for r in metrics.values()) else [])
    best = {}
    for c in cols:
        if c == "coverage":
            continue
        vals = [(metrics[m].get(c, math.nan), m) for m in metrics]
        vals = [v for v in vals if math.isfinite(v[0])]
        if vals:
            best[c] = min(vals)[1]
    rows = []
    for m, row in metrics.items():
        cells: dict[str, Any] = {"model": m}
        for c in cols:
            v = row.get(c, math.nan)
            cells[c] = "-" if not math.isfinite(v) else f"{v:.2f}" if c in ("sMAPE", "coverage") else f"{v:.3f}"
            if best.get(c) == m:
                cells[c] += "*"
        rows.append(cells)
    return _format_rows(rows, ["model", *cols])


def run_backtest(fitter: FoldFitter, series: list[SeriesData], horizon: int, folds: int = 3,
                 stride: int | None = None, level: float = 0.9,
                 baselines: Sequence[str] | None = ("naive", "seasonal_naive", "drift", "ets")) -> BacktestResult:
    """Backtest ``fitter`` on ``series`` (see the module docstring): each fold, ``fitter.fit_fold`` sees
    the training part only and forecasts the test window; the baselines (with a ``level`` interval) and
    the fitter's ``others`` are scored on the same windows. Baselines named like one of the ``others``
    or like the model itself are left out (the fitter's own version is the one it used)."""
    H = horizon
    if isinstance(baselines, (str, bytes)):     # 'naive' was read letter by letter: "got 'n'"
        raise ConfigError(f"baselines: expected a list of names among {sorted(BASELINES)}, got the text {baselines!r} "
                          f"(a list of one: [{baselines!r}])")
    baselines = list(baselines or [])
    for b in baselines:
        if b not in BASELINES:
            raise ConfigError(f"baselines: expected names among {sorted(BASELINES)}, got {b!r}")
    twice = first_repeat(baselines)
    if twice is not None:                       # scored once, silently
        raise ConfigError(f"baselines: expected each name once, got {twice!r} twice")
    model = fitter.name
    levels = tuple(fitter.quantile_levels)
    fold_lists, short = {}, []
    for s in series:
        try:
            fold_lists[s.id] = rolling_origin_folds(len(s), H, folds, stride)
        except DataError as e:   # which of many series are too short: all named at once, before any fit
            short.append((s.id, len(s), str(e)))
    if short:
        got = ", ".join(f"{n} (series {sid!r})" for sid, n, _ in short[:6]) + (
            f" and {len(short) - 6} more of the {len(series)}" if len(short) > 6 else "")
        hint = " in every series (drop those too short from the backtest data, or lower the folds or the horizon)"
        raise DataError(f"{short[0][2].rsplit(', got', 1)[0]}{hint if len(series) > 1 else ''}, got {got}")
    per_fold: list[dict[str, Any]] = []
    frames: list[pd.DataFrame] = []
    fold_info: list[dict[str, Any]] = []
    periods: dict[str, int] = {}
    names: list[str] = [model]
    t_model = t_base = 0.0
    for k in range(folds):
        train = [s.truncate(fold_lists[s.id][k].train_end) for s in series]
        futs = []
        for s in series:
            fo = fold_lists[s.id][k]
            futs.append(s.future[fo.test_start:fo.test_end] if s.future.shape[1] else None)
        t0 = time.perf_counter()
        try:
            pred = fitter.fit_fold(k, train, futs)
        except DataError as e:   # '--backtest 2 --horizon 20' on 90 values: '... got 50', the folds never named
            cut = len(series[0]) - len(train[0])
            fewer = ", or a lower folds=" if folds > 1 else ""   # each fold holds back more: fewer leave fold 1 more
            raise DataError(f"backtest fold {k + 1} of {folds} (each series without its last {cut} values, held back "
                            f"for the folds' tests): {e}{fewer}") from None
        t_model += time.perf_counter() - t0
        for name in pred.others:
            if name not in names:
                names.append(name)
        t1 = time.perf_counter()     # each series alone: on the workers of an open series_pool, the same numbers
        base = {b: map_series(BASELINES[b], [(train[i].y, H, int(pred.periods[s.id]), level) for i, s in enumerate(series)])
                for b in baselines if b not in pred.others and b != model}    # a baseline named as the model is the model's
        t_base += time.perf_counter() - t1
        for i, s in enumerate(series):
            fo = fold_lists[s.id][k]
            period = periods[s.id] = int(pred.periods[s.id])
            tr = train[i].y
            test = slice(fo.test_start, fo.test_end)
            actual, obs = scored_truth(s, test)     # a lone value read as missing is scored as given (.outliers)
            # the leak guard: nothing the fold was fitted on lies at or after its first test position
            if len(tr) != fo.test_start or pred.fitted[s.id] != fo.test_start:
                raise AssertionError("backtest: training data reaches into the test window")  # pragma: no cover
            outs = {model: pred.values[s.id]}
            nan = np.full(H, np.nan)
            outs.update({name: (np.asarray(f[s.id], dtype=float), nan, nan) for name, f in pred.others.items()})
            outs.update({b: v[i] for b, v in base.items()})      # (--model ets --backtest: the model's own ets)
            frame = pd.DataFrame({"fold": k, "id": s.id, "time": s.index[test], "actual": actual, "observed": obs})
            for name, (v, lo, hi) in outs.items():
                frame[name], frame[f"{name}_lower"], frame[f"{name}_upper"] = v, lo, hi
                if obs.any():
                    no_band = np.isnan(lo).all() or np.isnan(hi).all()     # coverage NaN, as before
                    lo_o, hi_o = (None, None) if no_band else (lo[obs], hi[obs])
                    row = point_metrics(actual[obs], v[obs], tr, period, lo_o, hi_o)
                    if name == model and pred.quantiles is not None and levels:
                        row.update(quantile_metrics(actual[obs], pred.quantiles[s.id][obs], levels))
                    per_fold.append({"fold": k, "id": s.id, "model": name, **row})
            frames.append(frame)
            fold_info.append({"fold": k, "id": s.id, "train_end": fo.train_end, "test_start": fo.test_start,
                              "test_end": fo.test_end, "train_last_time": str(s.index[fo.train_end - 1]),
                              "test_first_time": str(s.index[fo.test_start]),
                              "test_last_time": str(s.index[fo.test_end - 1])})
    if not per_fold:
        raise DataError("backtest: expected observed values in the test windows, got only missing ones")
    names += [b for b in baselines if b not in names]
    metrics = {}
    for name in names:
        rows = [r for r in per_fold if r["model"] == name]
        keys = [c for c in rows[0] if c not in ("fold", "id", "model")] if rows else list(METRICS)
        metrics[name] = {c: _nanmean([r.get(c, math.nan) for r in rows]) for c in keys}
    return BacktestResult(model=model, horizon=H, n_folds=folds, metrics=metrics, per_fold=per_fold,
                          forecasts=pd.concat(frames, ignore_index=True), folds=fold_info, periods=periods,
                          seconds={"model": round(t_model, 3), "baselines": round(t_base, 3)},
                          details=fitter.details())


def _nanmean(vals: list[float]) -> float:
    a = np.asarray(vals, dtype=float)
    a = a[np.isfinite(a)]
    return float(a.mean()) if a.size else float("nan")


def backtest_candidate(cand, batch, horizon: int, folds: int = 3) -> dict:
    """Rolling-origin backtest of any :class:`.candidates.Candidate` over a batch of
    :class:`.candidates.SeriesInput` (the folds of :func:`rolling_origin_folds`:
    fold ``k`` is fitted on ``[0, o_k)`` and scored on ``[o_k, o_k + horizon)``): per-fold forecasts and
    the MASE of each (series, fold), with the candidate's ``report_`` per fold when it has one."""
    from rnnkit.tasks.forecasting.candidates import as_inputs
    from rnnkit.tasks.forecasting.metrics import mase

    batch = as_inputs(batch)
    fl = {s.id: rolling_origin_folds(len(s), horizon, folds) for s in batch}
    forecasts = np.full((len(batch), folds, horizon), np.nan)
    scores = np.full((len(batch), folds), np.nan)
    reports = []
    for k in range(folds):
        train = [s.head(fl[s.id][k].train_end) for s in batch]
        f = cand.forecast(train, horizon)
        forecasts[:, k] = f
        reports.append(getattr(cand, "report_", None))
        for i, s in enumerate(batch):
            fo = fl[s.id][k]
            scores[i, k] = mase(s.y[fo.test_start:fo.test_end], f[i], train[i].y, s.period)
    return {"forecasts": forecasts, "mase": scores, "reports": reports,
            "folds": {sid: [(f.train_end, f.test_end) for f in v] for sid, v in fl.items()}}
