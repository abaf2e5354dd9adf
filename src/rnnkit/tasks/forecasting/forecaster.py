"""The :class:`Forecaster`: fit / predict / backtest / update / plot / save, for one or many series.

What ``fit`` does, per series and on the data it is given only:

1. check and regularise the input (:mod:`.inputs`): time index and frequency, duplicates, gaps,
   missing values interpolated (counted);
2. detect the seasonal period (:func:`rnnkit.data.transforms.detect_period`) unless given;
3. fit the preprocessing pipeline (optional log/Box-Cox, STL deseasonalising or seasonal differencing,
   optional differencing, scaling) and transform the series to ``z``;
4. build windows: every step's input is ``[dz_t / s, z_t, covariates_t]`` (``dz`` the step change,
   ``s`` its training standard deviation); targets are the changes from the last observed value,
   ``(z_{t+h} - z_{t-1}) / s`` (direct and encoder-decoder) or the next step change (recursive).
   Inputs never hold an absolute level beyond ``z``'s own scale, so trending series stay in range;
5. pick the lookback among candidates tied to the period by validation MAE on the last part of the
   training data, and train with early stopping on that validation part (the
   :class:`rnnkit.training.Trainer`), restoring the best weights;
6. calibrate the interval width on the validation windows (a split-conformal factor).

A forecast inverts the pipeline from the last observed value, so the network only predicts changes.
``update(new_points)`` advances the stored recurrent state with new observations (no refit) and returns
the refreshed forecast.

>>> import numpy as np, pandas as pd
>>> t = np.arange(240)
>>> y = pd.Series(10 + 0.05 * t + np.sin(2 * np.pi * t / 12), name="toy",
...               index=pd.date_range("2000-01-01", periods=240, freq="MS"))
>>> f = Forecaster("gru", horizon=6, epochs=3, selection_epochs=2).fit(y)
>>> fc = f.predict()
>>> list(fc.columns), len(fc), f.period_, f.lookback_ in (12, 24, 36)
(['id', 'time', 'value', 'lower', 'upper'], 6, 12, True)
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd
import torch

from rnnkit.data.transforms import (
    BoxCox,
    Difference,
    Log,
    PeriodInfo,
    Pipeline,
    Scaler,
    SeasonalSTL,
    detect_period,
)
from rnnkit.data.windows import split_origins
from rnnkit.errors import CheckpointError, ConfigError, DataError, InputTypeError
from rnnkit.tasks.forecasting.config import ForecastConfig, check_int, check_saved, saved_numbers
from rnnkit.tasks.forecasting.inputs import (
    SeriesData,
    fill_forward,
    future_covariate_values,
    future_index,
    parse_new_points,
    parse_series,
    time_label,
)
from rnnkit.tasks.forecasting.network import ForecastNetwork, expand_state, top_hidden

__all__ = ["Forecaster", "lookback_candidates"]

MIN_TRAIN_WINDOWS = 8
WEIGHTS_FILE, CONFIG_FILE = "model.safetensors", "config.json"
MAX_VAL_WINDOWS = 256


class _threads:
    """Set torch's intra-op thread count for a block and restore it afterwards (``None``: no change)."""

    def __init__(self, n: int | None) -> None:
        self.n, self.old = n, None

    def __enter__(self):
        if self.n is not None:
            self.old = torch.get_num_threads()
            if self.old != self.n:
                torch.set_num_threads(self.n)
        return self

    def __exit__(self, *exc):
        if self.old is not None and self.old != self.n:
            torch.set_num_threads(self.old)
        return False


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


# ------------------------------------------------------------------------------------------ per series
class _Fitted:
    """What the forecaster keeps for one series: its history, fitted pipeline and recurrent state."""

    def __init__(self, s: SeriesData, period: PeriodInfo, pipeline: Pipeline, cfg: ForecastConfig) -> None:
        self.id, self.freq = s.id, s.freq
        self.index = s.index
        self.y = s.y.copy()
        self.observed = s.observed.copy()
        self.past, self.fut = s.past.copy(), s.future.copy()
        self.missing, self.resampled, self.reordered = s.missing, s.resampled, s.reordered
        self.period_info, self.period = period, period.period
        self.pipeline = pipeline
        self.level_input = cfg.level_input
        z = pipeline.transform(self.y)
        finite = np.isfinite(z)
        self.valid_start = int(np.argmax(finite)) if finite.any() else z.size
        dz = np.diff(z[self.valid_start:])
        with np.errstate(over="ignore", invalid="ignore"):
            spread = float(np.std(dz)) if dz.size > 1 else 0.0
        if not math.isfinite(spread):
            raise DataError(f"series {s.id!r}: expected step changes with a finite spread after preprocessing, got "
                            f"an overflow (largest |change| {float(np.abs(dz).max()):.3g}); rescale the series")
        self.inc = spread if spread > 1e-12 else 1.0
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
        idx = self.index
        return {
            "id": self.id, "freq": self.freq,
            "index": [str(t) for t in idx] if isinstance(idx, pd.DatetimeIndex) else [int(t) for t in idx],
            "datetime": isinstance(idx, pd.DatetimeIndex),
            "y": self.y.tolist(), "observed": self.observed.astype(int).tolist(),
            "past": self.past.tolist(), "fut": self.fut.tolist(),
            "missing": self.missing, "resampled": self.resampled, "reordered": self.reordered,
            "period_info": self.period_info.to_dict(), "pipeline": self.pipeline.to_dict(),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], cfg: ForecastConfig) -> "_Fitted":
        """Rebuild from :meth:`to_dict`; values are checked (ConfigError), never converted from text."""
        y = saved_numbers("series.y", d["y"])
        n = y.size
        if not isinstance(d["id"], str) or (d["freq"] is not None and not isinstance(d["freq"], str)):
            raise ConfigError(f"series.id/freq: expected strings, got {d['id']!r} and {d['freq']!r}")
        if not isinstance(d["index"], list) or len(d["index"]) != n:
            raise ConfigError(f"series.index: expected {n} time stamps (one per value), got {str(d['index'])[:60]}")
        if d["datetime"] is True:
            idx = pd.DatetimeIndex(pd.to_datetime(d["index"], format="ISO8601"), freq=d["freq"])
        else:
            idx = pd.Index(saved_numbers("series.index", d["index"]).astype(np.int64))
        observed = saved_numbers("series.observed", d["observed"], n)
        s = SeriesData(d["id"], idx, y, d["freq"], saved_numbers("series.past", d["past"], n, 2),
                       saved_numbers("series.fut", d["fut"], n, 2), d["missing"], d["resampled"],
                       observed=observed.astype(bool), reordered=d.get("reordered", 0))
        pi = d["period_info"]
        check_int("period_info.period", pi["period"], 1)
        period = PeriodInfo(pi["period"], pi["method"], {int(k): v for k, v in pi["scores"].items()}, pi["threshold"])
        return cls(s, period, Pipeline.from_dict(d["pipeline"]), cfg)


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
    loc, scale = a.mean(0), a.std(0)
    return loc, np.where(scale > 1e-12, scale, 1.0)


# ------------------------------------------------------------------------------------------ window data
class _Windows:
    """All series' inputs concatenated, and window origins as global row numbers."""

    def __init__(self, fitted: list[_Fitted]) -> None:
        xs, zs, incs, futs, starts = [], [], [], [], []
        offset = 0
        for f in fitted:
            x = network_inputs(f.history_features(), f"series {f.id!r}", f.index)
            xs.append(x)
            zs.append(np.nan_to_num(f.z, nan=0.0))
            incs.append(np.full(len(f.z), f.inc))
            futs.append(f.scaled_future(f.fut))
            starts.append(offset)
            offset += len(f.z)
        self.X = np.concatenate(xs).astype(np.float32)
        self.Z = np.concatenate(zs)
        self.inc = np.concatenate(incs)
        self.fut = np.concatenate(futs).astype(np.float32) if futs[0].shape[1] else np.zeros((offset, 0), np.float32)
        self.starts = starts
        self.fitted = fitted

    def origins(self, lookback: int, horizon: int, val_size_of) -> tuple[np.ndarray, np.ndarray]:
        tr, va = [], []
        for f, start in zip(self.fitted, self.starts):
            n = len(f.z)
            t, v = split_origins(n, lookback + f.valid_start + 1, horizon, val_size_of(n))
            tr.append(t + start)
            va.append(v + start)
        return np.concatenate(tr), np.concatenate(va)

    def batch(self, g: np.ndarray, lookback: int, horizon: int, strategy: str) -> tuple[torch.Tensor, ...]:
        if strategy == "recursive":
            rows = g[:, None] + np.arange(-lookback, horizon - 1)
            x = self.X[rows]
            target = self.X[rows + 1, 0]
            weight = np.zeros(x.shape[1], np.float32)
            weight[lookback // 2:] = 1.0
            fut = self.fut[g[:, None] + np.arange(horizon)]
            return (torch.from_numpy(x), torch.from_numpy(fut), torch.from_numpy(target.astype(np.float32)),
                    torch.from_numpy(np.broadcast_to(weight, target.shape).copy()), torch.from_numpy(self._rel(g, horizon)))
        x = self.X[g[:, None] + np.arange(-lookback, 0)]
        fut = self.fut[g[:, None] + np.arange(horizon)]
        rel = torch.from_numpy(self._rel(g, horizon))
        return torch.from_numpy(x), torch.from_numpy(fut), rel, torch.ones_like(rel), rel

    def _rel(self, g: np.ndarray, horizon: int) -> np.ndarray:
        z = self.Z[g[:, None] + np.arange(horizon)]
        return ((z - self.Z[g - 1][:, None]) / self.inc[g][:, None]).astype(np.float32)


class _Batches:
    """Random windows each epoch (``generator`` is reseeded per epoch by the Trainer)."""

    def __init__(self, windows: _Windows, origins: np.ndarray, lookback: int, horizon: int, strategy: str,
                 batch_size: int, per_epoch: int, seed: int) -> None:
        self.w, self.origins, self.L, self.H, self.strategy = windows, origins, lookback, horizon, strategy
        self.batch_size, self.per_epoch = batch_size, min(per_epoch, len(origins))
        self.generator = torch.Generator()
        self.generator.manual_seed(seed)

    def __len__(self) -> int:
        return math.ceil(self.per_epoch / self.batch_size)

    def __iter__(self):
        perm = torch.randperm(len(self.origins), generator=self.generator).numpy()[: self.per_epoch]
        for i in range(0, len(perm), self.batch_size):
            yield self.w.batch(self.origins[perm[i:i + self.batch_size]], self.L, self.H, self.strategy)


# ------------------------------------------------------------------------------------------ the forecaster
class Forecaster:
    """Recurrent forecaster for one or many series, with preprocessing, lookback selection, intervals,
    backtests against baselines, streaming updates and checkpoints.

    ``Forecaster(cell="lstm", **settings)`` where ``settings`` are fields of
    :class:`~rnnkit.tasks.forecasting.ForecastConfig` (or pass ``config=``). After ``fit``:
    ``period_`` (seasonal period), ``lookback_`` (chosen sequence length), ``selection_`` (validation
    MAE per candidate), ``network_`` (the :class:`ForecastNetwork`), ``series_ids_``.
    """

    def __init__(self, cell: str = "lstm", *, config: ForecastConfig | None = None, **settings: Any) -> None:
        if config is not None and not isinstance(config, ForecastConfig):
            raise InputTypeError(f"config: expected a ForecastConfig, got {type(config).__name__}")
        base = config if config is not None else ForecastConfig()
        try:
            self.config = base.replace(cell=cell if config is None or cell != "lstm" else base.cell, **settings)
        except TypeError as e:  # an unknown keyword
            raise ConfigError(f"Forecaster: {e}; expected fields of ForecastConfig") from None
        self.network_: ForecastNetwork | None = None
        self._fitted: list[_Fitted] = []
        self._parse_args: dict[str, Any] = {}
        self._bt_hint: dict[str, Any] | None = None
        self.lookback_: int | None = None
        self.period_: int | None = None
        self.selection_: dict[int, float] = {}
        self.selection_source_ = "fit (validation part of the training data)"
        self.train_info_: dict[str, Any] = {}
        self.calibration_ = 1.0
        self._fixed_deseasonalize: dict[str, str] = {}

    # ------------------------------------------------------------------ public API
    @property
    def horizon(self) -> int | None:
        return self.config.horizon

    @property
    def series_ids_(self) -> list[str]:
        return [f.id for f in self._fitted]

    def fit(self, data: Any, horizon: int | None = None, *, target: str | None = None, time_col: str | None = None,
            id_col: str | None = None, past_covariates: Sequence[str] | str | None = None,
            future_covariates: Sequence[str] | str | None = None, date_format: str | None = None,
            dayfirst: bool | None = None) -> "Forecaster":
        """Fit on every row of ``data`` (see :func:`.inputs.parse_series` for the accepted forms; text
        dates are read with one format for the column, ``date_format``/``dayfirst`` settle an ambiguous
        one, and the format found is used again for the time columns given to ``update``/``predict``).

        After :meth:`backtest`, ``fit`` reuses the lookback and the ``deseasonalize="auto"`` choices the
        backtest made and starts from the last fold's weights (all learnt from data before the last test
        fold only, a subset of this data)."""
        self._set_horizon(horizon)
        self._parse_args = dict(target=target, time_col=time_col, id_col=id_col,
                                past_covariates=past_covariates, future_covariates=future_covariates)
        series = parse_series(data, resample=self.config.resample, date_format=date_format, dayfirst=dayfirst,
                              **self._parse_args)
        self._parse_args["date_format"] = series[0].date_format
        hint = self._bt_hint
        self._bt_hint = None
        self._fixed_deseasonalize = {} if hint is None else dict(hint["deseasonalize"])
        with _threads(self.config.threads):
            self._fit_series(series, lookback=None if hint is None else hint["lookback"],
                             init=None if hint is None else hint["weights"])
        if hint is not None and self.config.lookback is None:
            self.selection_ = dict(hint["selection"])
            self.selection_source_ = "backtest fold 0 (data before the first test window)"
        return self

    def predict(self, horizon: int | None = None, future_covariates: Any = None) -> pd.DataFrame:
        """Forecast ``horizon`` steps (default: the fitted horizon) past the end of each series: a
        DataFrame with columns ``id, time, value, lower, upper`` (``horizon`` rows per id; bounds NaN
        with ``interval="none"``). The direct and encoder-decoder strategies forecast at most the fitted
        horizon; the recursive one any number of steps."""
        self._need_fitted()
        H = self._predict_horizon(horizon)
        futs = future_covariate_values(future_covariates, self._fitted, self._parse_args, H)
        with _threads(self.config.threads):
            return self._predict_arrays(H, futs)

    def update(self, new_points: Any, future_covariates: Any = None) -> pd.DataFrame:
        """Append observations that continue the series and advance the recurrent state over them
        (``layer(x_new, state)``, the same as one ``layer.step`` per point); no weights or transforms are
        refitted. Returns the refreshed :meth:`predict` (from the new end).

        ``new_points``: for one series, a Series/array of values or a Series with the next timestamps;
        otherwise a DataFrame with the fit's time/id/covariate columns. Timestamps must continue each
        series exactly; missing values (NaN) are interpolated from the last known value; text, bools
        and infinities are a :class:`DataError`."""
        net = self._need_fitted()
        chunks = parse_new_points(new_points, self._fitted, self._parse_args)
        ready = []                    # every series checked before any is changed
        for f in self._fitted:
            if f.id not in chunks:
                continue
            y_new, past_new, fut_new, times = chunks[f.id]
            observed = np.isfinite(y_new)
            y_new = fill_forward(f.y[-1], y_new)
            z_new = f.pipeline.transform(y_new, start=len(f.y), prev=f.y)
            x_new = network_inputs(f.features(z_new, f.z[-1], past_new, fut_new), f"new_points of series {f.id!r}",
                                   times)
            ready.append((f, y_new, past_new, fut_new, times, observed, z_new, x_new))
        for f, y_new, past_new, fut_new, times, observed, z_new, x_new in ready:
            with torch.no_grad():
                _, f.state = net.encode(torch.from_numpy(x_new)[None], f.state)
            f.y = np.concatenate([f.y, y_new])
            f.z = np.concatenate([f.z, z_new])
            f.observed = np.concatenate([f.observed, observed])
            f.past = np.concatenate([f.past, past_new])
            f.fut = np.concatenate([f.fut, fut_new])
            f.index = f.index.append(times)
            if isinstance(f.index, pd.DatetimeIndex):
                f.index = pd.DatetimeIndex(f.index, freq=f.freq)
        return self.predict(future_covariates=future_covariates)

    def backtest(self, data: Any, folds: int = 3, horizon: int | None = None, *, stride: int | None = None,
                 baselines: Sequence[str] | None = ("naive", "seasonal_naive", "drift", "ets"),
                 target: str | None = None, time_col: str | None = None, id_col: str | None = None,
                 past_covariates: Sequence[str] | str | None = None,
                 future_covariates: Sequence[str] | str | None = None, date_format: str | None = None,
                 dayfirst: bool | None = None):
        """Rolling-origin backtest with ``folds`` folds (see :func:`.backtest.run_backtest`); returns a
        :class:`.backtest.BacktestResult` with the model's and the baselines' metrics on the same folds.
        The data arguments are those of :meth:`fit`."""
        from rnnkit.tasks.forecasting.backtest import run_backtest

        self._set_horizon(horizon)
        parse_args = dict(target=target, time_col=time_col, id_col=id_col,
                          past_covariates=past_covariates, future_covariates=future_covariates)
        series = parse_series(data, resample=self.config.resample, date_format=date_format, dayfirst=dayfirst,
                              **parse_args)
        with _threads(self.config.threads):
            result = run_backtest(self, series, folds=folds, stride=stride, baselines=baselines)
        self._bt_hint = {"lookback": result.lookback, "weights": result.last_weights, "selection": result.selection,
                         "deseasonalize": result.deseasonalize}
        return result

    def plot(self, path: str | Path | None = None, backtest: Any = None, forecast: pd.DataFrame | None = None,
             history: int | None = None):
        """Plot history, forecast and interval (and the backtest folds' forecasts); saves a PNG when
        ``path`` is given. Returns the matplotlib figure."""
        from rnnkit.tasks.forecasting.plot import plot_forecast

        self._need_fitted()
        fc = self.predict() if forecast is None else forecast
        return plot_forecast(self, fc, backtest=backtest, path=path, history=history)

    def summary(self) -> dict[str, Any]:
        """What was detected, chosen and fitted (what ``metrics.json`` reports as preprocessing)."""
        self._need_fitted()
        series = []
        for f in self._fitted:
            series.append({
                "id": f.id, "length": len(f.y), "frequency": f.freq, "missing_interpolated": f.missing,
                "timestamps_resampled": f.resampled, "rows_reordered": f.reordered, "period": f.period_info.to_dict(),
                "pipeline": f.pipeline.describe(), "transforms": [_short(t) for t in f.pipeline.to_dict()],
                "deseasonalize_auto_mae": {k: round(v, 6) for k, v in f.deseasonalize_scores.items()},
            })
        return {"series": series, "lookback": self.lookback_, "period": self.period_,
                "lookback_selection": {str(k): round(v, 5) for k, v in self.selection_.items()},
                "lookback_selected_in": self.selection_source_,
                "training": self.train_info_, "interval_calibration": self.calibration_,
                "config": self.config.to_dict()}

    # ------------------------------------------------------------------ save / load
    def save(self, path: str | Path) -> Path:
        """Write ``model.safetensors`` (weights), ``config.json`` (settings, fitted transforms and the
        history needed to forecast) and ``digests.json`` (the sha256 of both, checked by :meth:`load`) to
        the folder ``path``, atomically, without pickle."""
        from rnnkit import __version__
        from rnnkit.training.checkpoint import save_weights, write_config, write_digests

        net = self._need_fitted()
        path = Path(path)
        save_weights(net, path / WEIGHTS_FILE)
        write_config(path, {"task": "forecast", "rnnkit_version": __version__, "config": self.config.to_dict(),
                            "lookback": self.lookback_, "period": self.period_,
                            "selection": {str(k): v for k, v in self.selection_.items()},
                            "input_size": self._input_size(), "parse_args": self._parse_args,
                            "calibration": self.calibration_,
                            "series": [f.to_dict() for f in self._fitted]})
        write_digests(path, [WEIGHTS_FILE, CONFIG_FILE])
        return path

    @classmethod
    def load(cls, path: str | Path) -> "Forecaster":
        """Rebuild a forecaster saved by :meth:`save`; the recurrent state is re-encoded from the last
        ``lookback`` points of each saved history.

        Both files are checked against ``digests.json`` first (a modified, missing or unlisted file, or
        a missing or empty digest map, is a :class:`CheckpointError` naming the file); then every value
        of ``config.json`` passes the checks typed values pass (``ForecastConfig``, :func:`.check_saved`):
        a bad value, a missing key or a wrong type is a CheckpointError naming ``config.json``."""
        from rnnkit.training.checkpoint import load_weights, read_config, verify_digests

        path = Path(path)
        verify_digests(path, [WEIGHTS_FILE, CONFIG_FILE])
        data = read_config(path)
        where = path / CONFIG_FILE
        if data.get("task") != "forecast":
            raise CheckpointError(f"{where}: expected a forecaster checkpoint (task 'forecast'), got task {data.get('task')!r}")
        try:
            if not isinstance(data.get("config"), dict):
                raise ConfigError(f"config: expected a dict of settings, got {type(data.get('config')).__name__}")
            cfg = ForecastConfig.from_dict(data["config"])
            check_saved(data)
            self = cls(config=cfg)
            self.lookback_, self.period_ = data["lookback"], data["period"]
            self.selection_ = {int(k): float(v) for k, v in data["selection"].items()}
            self._parse_args = data["parse_args"]
            self.calibration_ = float(data["calibration"])
            self._fitted = [_Fitted.from_dict(d, cfg) for d in data["series"]]
            if data["input_size"] != self._input_size():
                raise ConfigError(f"input_size: expected {self._input_size()} (the saved series' features), "
                                  f"got {data['input_size']}")
            net = self._build_network(data["input_size"], self._fitted[0].fut.shape[1])
        except KeyError as e:
            raise CheckpointError(f"{where}: expected a complete forecaster config, got no key {e}") from None
        except (ConfigError, DataError) as e:
            raise CheckpointError(f"{where}: {e}") from None
        except (TypeError, ValueError, AttributeError, IndexError) as e:
            raise CheckpointError(f"{where}: expected a forecaster config of the right types, got "
                                  f"{type(e).__name__}: {e}") from None
        load_weights(net, path / WEIGHTS_FILE)
        self.network_ = net.eval()
        self._encode_states()
        return self

    # ------------------------------------------------------------------ fitting
    def _set_horizon(self, horizon: int | None) -> None:
        if horizon is not None:
            if not isinstance(horizon, (int, np.integer)) or isinstance(horizon, bool) or horizon < 1:
                raise ConfigError(f"horizon: expected a positive int, got {horizon!r}")
            self.config = self.config.replace(horizon=int(horizon))
        if self.config.horizon is None:
            raise ConfigError("horizon: expected a positive int (in the constructor or fit), got None")

    def _prepare(self, s: SeriesData) -> _Fitted:
        cfg = self.config
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
            fixed = self._fixed_deseasonalize.get(s.id)
            if fixed is not None:   # chosen earlier (backtest fold 0) on less data: keep the representation
                des = fixed
            else:
                des = "none"
                if m > 1 and n >= 2 * m:
                    des, choice = self._choose_deseasonalize(s.y, m)
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
        fitted = _Fitted(s, period, pipeline, cfg)
        fitted.deseasonalize_scores = choice
        fitted.deseasonalize = des
        return fitted

    def _choose_deseasonalize(self, y: np.ndarray, m: int) -> tuple[str, dict[str, float]]:
        """``deseasonalize="auto"``: STL or seasonal differencing, whichever makes a naive forecast of the
        adjusted series (with the last season's drift, which seasonal differencing carries implicitly)
        more accurate on the validation part (STL fitted before it); STL unless differencing is at least
        10 % better (its profile averages three cycles, so it is the less noisy of the two when they are
        close: on elec_equip the naive errors differed by 4 % and the LSTM's backtest MASE by 0.22 vs
        0.32 in STL's favour). No training, so it costs one STL fit. Seasonality that changes from one
        cycle to the next (hourly temperatures, sunspots) goes to seasonal differences, a stable
        profile (co2, elec_equip) to STL."""
        H = self.config.horizon
        n = y.size
        split = n - self._val_size(n)
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

    def _input_size(self) -> int:
        f = self._fitted[0]
        return 1 + int(self.config.level_input) + f.past.shape[1] + f.fut.shape[1]

    def _build_network(self, input_size: int, n_future: int) -> ForecastNetwork:
        cfg = self.config
        return ForecastNetwork(cfg.cell, input_size, cfg.hidden_size, cfg.num_layers, cfg.horizon, cfg.strategy,
                               cfg.interval, cfg.quantiles, n_future, cfg.dropout)

    def _val_size(self, n: int) -> int:
        H = self.config.horizon
        return max(int(round(self.config.val_fraction * n)), 2 * H)

    def _fit_series(self, series: list[SeriesData], lookback: int | None = None,
                    init: dict[str, torch.Tensor] | None = None) -> "Forecaster":
        cfg = self.config
        H = cfg.horizon
        if series and series[0].past.shape[1] and cfg.strategy == "recursive":
            raise ConfigError("past_covariates: the recursive strategy cannot roll past-only covariates forward; "
                              "expected strategy 'direct' or 'encoder-decoder', got 'recursive'")
        fitted = [self._prepare(s) for s in series]
        self._fitted = fitted
        periods = [f.period for f in fitted]
        self.period_ = max(set(periods), key=periods.count)
        windows = _Windows(fitted)
        if lookback is None:
            lookback = cfg.lookback
        if lookback is not None:
            cands = [lookback]
        elif cfg.lookback_candidates is not None:
            cands = list(cfg.lookback_candidates)
        else:
            cands = lookback_candidates(self.period_, H, cfg.max_lookback)
        feasible = [L for L in cands if self._feasible(windows, L)]
        if not feasible:
            longest = max(fitted, key=lambda f: len(f.y))
            L = min(cands)
            need = L + longest.valid_start + 1 + H + MIN_TRAIN_WINDOWS - 1 + self._val_size(len(longest.y))
            raise DataError(f"series {longest.id!r}: too short for lookback {L} + horizon {H} (+ validation "
                            f"{self._val_size(len(longest.y))} and {MIN_TRAIN_WINDOWS} training windows); expected "
                            f"at least {need} values, got {len(longest.y)}")
        n_future = fitted[0].fut.shape[1]
        input_size = self._input_size()
        results = {}
        for i, L in enumerate(feasible):
            torch.manual_seed(cfg.seed * 1000 + L)
            net = self._build_network(input_size, n_future)
            if init is not None and len(feasible) == 1:
                try:
                    net.load_state_dict(init)
                except RuntimeError:
                    pass  # a different architecture: train from scratch
            epochs = cfg.epochs if len(feasible) == 1 else cfg.selection_epochs
            score, info = self._train(net, windows, L, epochs)
            results[L] = (score, net, info)
        best = min(results, key=lambda k: results[k][0])
        net, info = results[best][1], results[best][2]
        if len(feasible) > 1 and cfg.epochs > cfg.selection_epochs:
            _, more = self._train(net, windows, best, cfg.epochs - cfg.selection_epochs)
            info = {"epochs": info["epochs"] + more["epochs"], "best_val_mae": more["best_val_mae"],
                    "stopped_early": more["stopped_early"], "train_windows": info["train_windows"],
                    "val_windows": info["val_windows"]}
        self.selection_ = {L: float(r[0]) for L, r in results.items()}
        self.selection_source_ = ("fit (validation part of the training data)" if len(feasible) > 1
                                  else "given" if cfg.lookback is not None else self.selection_source_)
        self.lookback_ = best
        self.network_ = net.eval()
        self.train_info_ = info
        self.calibration_ = self._calibrate(net, windows, best)
        self._encode_states()
        return self

    def _feasible(self, windows: _Windows, L: int) -> bool:
        tr, va = windows.origins(L, self.config.horizon, self._val_size)
        return len(tr) >= MIN_TRAIN_WINDOWS and len(va) >= 1

    def _train(self, net: ForecastNetwork, windows: _Windows, L: int, epochs: int) -> tuple[float, dict]:
        from rnnkit.training import EarlyStoppingConfig, OptimConfig, TrainConfig, Trainer

        cfg = self.config
        H = cfg.horizon
        tr, va = windows.origins(L, H, self._val_size)
        if len(va) > MAX_VAL_WINDOWS:
            va = va[np.linspace(0, len(va) - 1, MAX_VAL_WINDOWS).round().astype(int)]
        train_data = _Batches(windows, tr, L, H, cfg.strategy, cfg.batch_size, cfg.windows_per_epoch, cfg.seed)
        val_batch = windows.batch(va, L, H, cfg.strategy)

        def loss_fn(model, batch):
            x, fut, target, weight, _ = batch
            return model.loss(model(x, fut), target, weight)

        def eval_fn(model, _data):
            return {"mae": self._val_mae(model, val_batch, L, windows, va)}

        tc = TrainConfig(epochs=epochs, optim=OptimConfig(lr=cfg.lr), clip_norm=cfg.clip_norm, seed=cfg.seed,
                         early_stopping=EarlyStoppingConfig(monitor="val_mae", patience=cfg.patience), quiet=True)
        result = Trainer(net, loss_fn, config=tc, eval_fn=eval_fn).fit(train_data, [val_batch])
        best = result.best["value"] if result.best else float("nan")
        return best, {"epochs": result.epochs_run, "best_val_mae": best, "stopped_early": result.stopped_early,
                      "train_windows": int(len(tr)), "val_windows": int(len(va))}

    @torch.no_grad()
    def _val_mae(self, model: ForecastNetwork, batch, L: int, windows: _Windows, origins: np.ndarray) -> float:
        x, fut, target, _, rel = batch
        if model.strategy != "recursive":
            return float((model.point(model(x, fut)) - rel).abs().mean())
        H = self.config.horizon
        _, state = model.encode(x[:, :L])
        z0 = torch.from_numpy(windows.Z[origins - 1].astype(np.float32))
        inc = torch.from_numpy(windows.inc[origins].astype(np.float32))
        pred = self._rollout(model, state, z0, inc, fut, H)
        return float((pred - rel).abs().mean())

    def _rollout(self, model: ForecastNetwork, state: Any, z0: torch.Tensor, inc: torch.Tensor,
                 fut: torch.Tensor, steps: int, sample: bool = False, generator: torch.Generator | None = None
                 ) -> torch.Tensor:
        """Recursive forecast as changes from ``z0`` in units of ``inc`` ``(B, steps)``."""
        level = self.config.level_input
        zs = [z0]

        def make_input(k: int, v: torch.Tensor) -> torch.Tensor:
            z = zs[-1] + v * inc
            zs.append(z)
            cols = [v[:, None]]
            if level:
                cols.append(z[:, None])
            if fut.shape[-1]:
                cols.append(fut[:, k])
            return torch.cat(cols, -1)

        last_raw = model.head(top_hidden(state))
        steps_v = model.rollout(state, last_raw, steps, make_input, sample=sample, generator=generator)
        return torch.cumsum(steps_v, 1)

    # ------------------------------------------------------------------ forecasting internals
    def _predict_arrays(self, H: int, futs: list[np.ndarray | None]) -> pd.DataFrame:
        rows = []
        for f, fut in zip(self._fitted, futs):
            rel, lo, hi = self._forecast_rel(f, H, fut)
            anchor = f.z[-1]
            to_y = lambda r: f.pipeline.inverse_forecast(anchor + r * f.inc, f.y)  # noqa: E731
            value = to_y(rel)
            lower = to_y(lo) if lo is not None else np.full(H, np.nan)
            upper = to_y(hi) if hi is not None else np.full(H, np.nan)
            rows.append(pd.DataFrame({"id": f.id, "time": future_index(f.index, f.freq, H), "value": value,
                                      "lower": np.minimum(lower, upper), "upper": np.maximum(lower, upper)}))
        return pd.concat(rows, ignore_index=True)

    def _need_fitted(self) -> ForecastNetwork:
        if self.network_ is None:
            raise ConfigError("Forecaster: expected fit() (or load()) before forecasting, got an unfitted forecaster")
        return self.network_

    def _predict_horizon(self, horizon: int | None) -> int:
        H = self.config.horizon if horizon is None else horizon
        if not isinstance(H, (int, np.integer)) or isinstance(H, bool) or H < 1:
            raise ConfigError(f"horizon: expected a positive int, got {H!r}")
        if self.config.strategy != "recursive" and H > self.config.horizon:
            raise ConfigError(f"horizon: expected at most the fitted horizon {self.config.horizon} for strategy "
                              f"{self.config.strategy!r} (refit, or use strategy='recursive'), got {H}")
        return int(H)

    def _encode_states(self) -> None:
        net = self.network_
        L = self.lookback_
        with torch.no_grad():
            for f in self._fitted:
                x = f.history_features()[-L:].astype(np.float32)
                _, f.state = net.encode(torch.from_numpy(x)[None])

    @torch.no_grad()
    def _batch_forecast(self, net: ForecastNetwork, state: Any, z0: torch.Tensor, inc: torch.Tensor,
                        fut: torch.Tensor, H: int, intervals: bool = True):
        """Raw (uncalibrated) forecasts for a batch of encoder states, as changes from ``z0`` in units of
        ``inc``: ``(point, lower, upper)`` arrays ``(B, H)`` (bounds ``None`` without intervals)."""
        cfg = self.config
        if cfg.strategy == "recursive":
            point = self._rollout(net, state, z0, inc, fut, H).numpy()
            if cfg.interval == "none" or not intervals:
                return point, None, None
            S, B = cfg.n_samples, z0.shape[0]
            gen = torch.Generator()
            gen.manual_seed(cfg.seed)
            paths = self._rollout(net, expand_state(state, S), z0.repeat_interleave(S), inc.repeat_interleave(S),
                                  fut.repeat_interleave(S, 0), H, sample=True, generator=gen).numpy()
            paths = paths.reshape(B, S, H)
            a = (1 - cfg.level) / 2
            return point, np.quantile(paths, a, axis=1), np.quantile(paths, 1 - a, axis=1)
        raw = net.decode(state, fut if net.n_future else None)
        point = net.point(raw)[:, :H].numpy()
        if cfg.interval == "none" or not intervals:
            return point, None, None
        lo, hi = net.bounds(raw)
        return point, lo[:, :H].numpy(), hi[:, :H].numpy()

    def _forecast_rel(self, f: _Fitted, H: int, fut: np.ndarray | None):
        cfg = self.config
        Fu = f.fut.shape[1]
        steps = H if cfg.strategy == "recursive" else cfg.horizon
        fut_t = torch.zeros(1, steps, Fu)
        if Fu:
            fut_t = torch.from_numpy(f.scaled_future(fut[:steps]).astype(np.float32))[None]
        z0 = torch.tensor([f.z[-1]], dtype=torch.float32)
        inc = torch.tensor([f.inc], dtype=torch.float32)
        point, lo, hi = self._batch_forecast(self.network_, f.state, z0, inc, fut_t, H)
        if lo is None:
            return point[0], None, None
        c = self.calibration_
        return point[0], point[0] - c * (point[0] - lo[0]), point[0] + c * (hi[0] - point[0])

    @torch.no_grad()
    def _calibrate(self, net: ForecastNetwork, windows: _Windows, L: int) -> float:
        """Split-conformal width factor ``c`` on the validation windows: the interval ``point -/+ c *
        (raw half-widths)`` covers ``level`` of them (finite-sample quantile; Romano et al. 2019,
        conformalized quantile regression, in its multiplicative form). 1.0 without intervals."""
        cfg = self.config
        if cfg.interval == "none":
            return 1.0
        H = cfg.horizon
        _, va = windows.origins(L, H, self._val_size)
        cap = 64 if cfg.strategy == "recursive" else MAX_VAL_WINDOWS
        if len(va) > cap:
            va = va[np.linspace(0, len(va) - 1, cap).round().astype(int)]
        x, fut, _, _, rel = windows.batch(va, L, H, cfg.strategy)
        _, state = net.encode(x[:, :L])
        z0 = torch.from_numpy(windows.Z[va - 1].astype(np.float32))
        inc = torch.from_numpy(windows.inc[va].astype(np.float32))
        point, lo, hi = self._batch_forecast(net, state, z0, inc, fut, H)
        y = rel.numpy()
        below = (point - y) / np.maximum(point - lo, 1e-9)
        above = (y - point) / np.maximum(hi - point, 1e-9)
        scores = np.maximum(below, above).ravel()
        n = scores.size
        q = min(1.0, math.ceil((n + 1) * cfg.level) / n)
        return float(max(np.quantile(scores, q, method="higher"), 1e-3))


def _short(d: dict[str, Any]) -> dict[str, Any]:
    """A transform's fitted state for reports (the seasonal profile reduced to its range)."""
    d = dict(d)
    if d.get("profile") is not None:
        p = np.asarray(d.pop("profile"))
        d["profile_range"] = [round(float(p.min()), 6), round(float(p.max()), 6)]
    return d
