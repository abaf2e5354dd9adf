"""The recurrent forecaster (``Forecaster(model="lstm" | "gru" | "elman")``): fit / predict / backtest /
update / plot / save, for one or many series.

What ``fit`` does, per series and on the data it is given only:

1. check and regularise the input (:mod:`.inputs`): time index and frequency, duplicates, gaps,
   missing values interpolated (counted);
2. detect the seasonal period (:func:`rnnkit.data.timeseries.seasonality.detect_period`) unless given;
3. fit the preprocessing pipeline (optional log/Box-Cox, STL deseasonalising or seasonal differencing,
   optional differencing, scaling) and transform the series to ``z`` (:mod:`.prepared`);
4. build windows (:mod:`.training_windows`): every step's input is ``[dz_t / s, z_t, covariates_t]``
   (``dz`` the step change, ``s`` its training standard deviation); targets are the changes from the
   last observed value;
5. pick the lookback among candidates tied to the period by validation MAE on the last part of the
   training data, and train with early stopping on that validation part (:mod:`.fitting`, the
   :class:`rnnkit.training.Trainer`), restoring the best weights;
6. calibrate the interval width on the validation windows (a split-conformal factor), and keep the
   quantiles of the validation residuals per horizon step for the ``q<level>`` columns (``quantiles``).

A forecast inverts the pipeline from the last observed value, so the network only predicts changes.
``update(new_points)`` advances the stored recurrent state with new observations (no refit) and returns
the refreshed forecast. Backtests go through :class:`NetworkFoldFitter` (the :class:`.backtest.FoldFitter`
protocol).

>>> import numpy as np, pandas as pd
>>> t = np.arange(240)
>>> y = pd.Series(10 + 0.05 * t + np.sin(2 * np.pi * t / 12), name="toy",
...               index=pd.date_range("2000-01-01", periods=240, freq="MS"))
>>> f = NetworkForecaster("gru", horizon=6, epochs=3, selection_epochs=2).fit(y)
>>> fc = f.predict()
>>> list(fc.columns), len(fc), f.period_, f.lookback_ in (12, 24, 36)
(['id', 'time', 'value', 'lower', 'upper', 'q0.1', 'q0.5', 'q0.9'], 6, 12, True)
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd
import torch

from rnnkit._memory import require_memory
from rnnkit._version import __version__
from rnnkit.errors import CheckpointError, ConfigError, DataError, InputTypeError
from rnnkit.tasks.forecasting.backtest import FoldForecast, data_fingerprint, run_backtest
from rnnkit.tasks.forecasting.config import (CELLS, HORIZON_ARRAYS, ForecastConfig, check_saved, derived_seed,
                                             network_cell, with_horizon)
from rnnkit.tasks.forecasting.fitting import batch_forecast, calibrate, extend_offsets, threads, train_network
from rnnkit.tasks.forecasting.inputs import (
    SeriesData,
    check_future_times,
    check_period,
    continue_series,
    future_covariate_values,
    future_index,
    parse_new_points,
    parse_series,
)
from rnnkit._saved_version import unread_state
from rnnkit.tasks.forecasting.model_base import ForecastModel, read_saved, saved_values
from rnnkit.tasks.forecasting.models import register_model
from rnnkit.training.host import fit_paused
from rnnkit.tasks.forecasting.network import ForecastNetwork
from rnnkit.tasks.forecasting.outliers import outliers_summary
from rnnkit.tasks.forecasting.probabilistic import check_offsets, quantile_column
from rnnkit.tasks.forecasting.prepared import (
    PreparedSeries,
    lookback_candidates,
    network_inputs,
    prepare_series,
    short_transform,
    val_size,
)
from rnnkit.tasks.forecasting.training_windows import MIN_TRAIN_WINDOWS, Windows
from rnnkit.training.certified import replace_certified
from rnnkit.training.checkpoint import _tensor_bytes as weights_bytes
from rnnkit.training.checkpoint import config_bytes, copy_weights, load_weights, write_digests

__all__ = ["NetworkForecaster", "NetworkFoldFitter", "lookback_candidates", "WEIGHTS_FILE", "CONFIG_FILE"]

WEIGHTS_FILE, CONFIG_FILE = "model.safetensors", "config.json"


class NetworkForecaster(ForecastModel):
    """Recurrent forecaster for one or many series, with preprocessing, lookback selection, intervals,
    backtests against baselines, streaming updates and checkpoints (what ``Forecaster(model="lstm")``
    runs; ``auto`` uses it as a candidate).

    ``NetworkForecaster(cell="lstm", **settings)`` where ``settings`` are fields of
    :class:`~rnnkit.tasks.forecasting.ForecastConfig` (or pass ``config=``). After ``fit``:
    ``period_`` (seasonal period), ``lookback_`` (chosen sequence length), ``selection_`` (validation
    MAE per candidate), ``network_`` (the :class:`ForecastNetwork`), ``series_ids_``.
    """

    def __init__(self, cell: str = "lstm", *, config: ForecastConfig | None = None, **settings: Any) -> None:
        if config is not None and not isinstance(config, ForecastConfig):
            raise InputTypeError(f"config: expected a ForecastConfig, got {type(config).__name__}")
        base = config if config is not None else ForecastConfig()
        try:
            cfg = base.replace(cell=cell if config is None or cell != "lstm" else network_cell(base), **settings)
            self.config = cfg if cfg.model == cfg.cell else cfg.replace(model=cfg.cell)
        except TypeError as e:  # an unknown keyword
            raise ConfigError(f"Forecaster: {e}; expected fields of ForecastConfig") from None
        self.network_: ForecastNetwork | None = None
        self._fitted: list[PreparedSeries] = []
        self.progress: Callable[[str], None] | None = None   # stage messages (the CLI: stderr); None: quiet
        self._parse_args: dict[str, Any] = {}
        self._bt_hint: dict[str, Any] | None = None
        self.lookback_: int | None = None
        self.period_: int | None = None
        self.selection_: dict[int, float] = {}
        self.selection_source_ = "fit (validation part of the training data)"
        self.train_info_: dict[str, Any] = {}
        self.calibration_ = 1.0
        self.quantile_offsets_: np.ndarray | None = None   # (horizon, Q) residual quantiles, network units
        self._fixed_deseasonalize: dict[str, str] = {}

    # ------------------------------------------------------------------ public API
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
                              outliers=self.config.outliers, **self._parse_args)
        check_period({s.id: len(s) for s in series}, self.config.period)
        check_future_times(series, self.config.horizon)
        self._parse_args["date_format"] = series[0].date_format
        hint = self._bt_hint
        self._bt_hint = None
        if hint is not None and hint["data"] != _data_key(series, self.config.horizon):
            hint = None     # a backtest of other data (or horizon): its lookback, weights and selection were taken
        self._fixed_deseasonalize = {} if hint is None else dict(hint["deseasonalize"])
        with threads(self.config.threads, self.config.workers):
            self._fit_series(series, lookback=None if hint is None else hint["lookback"],
                             init=None if hint is None else hint["weights"])
        if hint is not None and self.config.lookback is None:
            self.selection_ = dict(hint["selection"])
            self.selection_source_ = "backtest fold 0 (data before the first test window)"
        return self

    def predict(self, horizon: int | None = None, future_covariates: Any = None) -> pd.DataFrame:
        """Forecast ``horizon`` steps (default: the fitted horizon) past the end of each series: a
        DataFrame with columns ``id, time, value, lower, upper`` and ``q<level>`` per level of
        ``quantiles`` (``horizon`` rows per id; bounds NaN with ``interval="none"``; quantiles from the
        validation residuals, NaN for a forecaster saved before they were kept). The direct and encoder-decoder strategies forecast at most the fitted
        horizon; the recursive one any number of steps."""
        self._need_fitted()
        H = self._predict_horizon(horizon)
        futs = future_covariate_values(future_covariates, self._fitted, self._parse_args, self._future_rows(H),
                                       self.config.outliers)
        with threads(self.config.threads, self.config.workers):
            return self._predict_arrays(H, futs)

    def update(self, new_points: Any, future_covariates: Any = None) -> pd.DataFrame:
        """Append observations that continue the series and advance the recurrent state over them
        (``layer(x_new, state)``, the same as one ``layer.step`` per point); no weights or transforms are
        refitted. Returns the refreshed :meth:`predict` (from the new end).

        ``new_points``: for one series, a Series/array of values or a Series with the next timestamps;
        otherwise a DataFrame with the fit's time/id/covariate columns. Timestamps must continue each
        series exactly; missing values (NaN) are interpolated from the last known value; text, bools
        and infinities are a :class:`DataError`."""
        self._need_fitted()
        net = self.network_
        chunks = parse_new_points(new_points, self._fitted, self._parse_args, self.config.outliers,
                                  resample=self.config.resample)
        ready = []                    # every series checked before any is changed
        for f in self._fitted:
            if f.id not in chunks or len(chunks[f.id][0]) == 0:    # nothing new for this series
                continue
            y_new, past_new, fut_new, times = chunks[f.id]
            y_new, observed, index, lone = continue_series(f, y_new, times, self.config.outliers)
            z_new = f.pipeline.transform(y_new, start=len(f.y), prev=f.y)
            x_new = network_inputs(f.features(z_new, f.z[-1], past_new, fut_new), f"new_points of series {f.id!r}",
                                   times)
            ready.append((f, y_new, past_new, fut_new, index, observed, z_new, x_new, lone))
        moved = {r[0].id: r[4] for r in ready}     # the forecast's covariates, checked before any series changes
        future_covariate_values(future_covariates, [SimpleNamespace(id=f.id, index=moved.get(f.id, f.index),
                                                                    freq=f.freq, fut=f.fut) for f in self._fitted],
                                self._parse_args, self._future_rows(self.config.horizon))
        for f, y_new, past_new, fut_new, index, observed, z_new, x_new, lone in ready:
            with torch.no_grad():
                _, f.state = net.encode(torch.from_numpy(x_new)[None], f.state)
            f.y = np.concatenate([f.y, y_new])
            f.z = np.concatenate([f.z, z_new])
            f.observed = np.concatenate([f.observed, observed])
            f.past = np.concatenate([f.past, past_new])
            f.fut = np.concatenate([f.fut, fut_new])
            f.index, f.outliers = index, f.outliers + lone
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
        self._set_horizon(horizon)
        parse_args = dict(target=target, time_col=time_col, id_col=id_col,
                          past_covariates=past_covariates, future_covariates=future_covariates)
        series = parse_series(data, resample=self.config.resample, date_format=date_format, dayfirst=dayfirst,
                              outliers=self.config.outliers, **parse_args)
        check_period({s.id: len(s) for s in series}, self.config.period)
        with threads(self.config.threads, self.config.workers):
            fitter = NetworkFoldFitter(self, folds)
            result = run_backtest(fitter, series, self.config.horizon, folds=folds, stride=stride,
                                  level=self.config.level, baselines=baselines)
        self._bt_hint = {"lookback": fitter.lookback, "weights": fitter.weights, "selection": fitter.selection,
                         "deseasonalize": fitter.deseasonalize, "data": _data_key(series, self.config.horizon)}
        return result

    def summary(self) -> dict[str, Any]:
        """What was detected, chosen and fitted (what ``metrics.json`` reports as preprocessing)."""
        self._need_fitted()
        series = []
        for f in self._fitted:
            series.append({
                "id": f.id, "length": len(f.y), "frequency": f.freq, "missing_interpolated": f.missing,
                "timestamps_resampled": f.resampled, "rows_reordered": f.reordered, "period": f.period_info.to_dict(),
                "outliers_missing": outliers_summary(f),
                "pipeline": f.pipeline.describe(), "transforms": [short_transform(t) for t in f.pipeline.to_dict()],
                "deseasonalize_auto_mae": {k: round(v, 6) for k, v in f.deseasonalize_scores.items()},
            })
        return {"series": series, "lookback": self.lookback_, "period": self.period_,
                "lookback_selection": {str(k): round(v, 5) for k, v in self.selection_.items()},
                "lookback_selected_in": self.selection_source_,
                "training": self.train_info_, "interval_calibration": self.calibration_,
                "quantiles": "validation residual quantiles per horizon step" if self.quantile_offsets_ is not None
                else "none (saved before quantiles were kept)",
                "config": self.config.to_dict()}

    # ------------------------------------------------------------------ save / load
    def save(self, path: str | Path) -> Path:
        """Write ``model.safetensors`` (weights), ``config.json`` (settings, fitted transforms and the
        history needed to forecast) and ``digests.json`` (the sha256 of both, checked by :meth:`load`) to
        the folder ``path``, atomically, without pickle."""
        self._need_fitted()
        net = self.network_
        path = Path(path)
        config = {"task": "forecast", "model": self.config.model, "rnnkit_version": __version__, "config": self.config.to_dict(),
                  "lookback": self.lookback_, "period": self.period_,
                  "selection": {str(k): v for k, v in self.selection_.items()},
                  "input_size": self._input_size(), "parse_args": self._parse_args,
                  "calibration": self.calibration_,
                  "quantile_offsets": (None if self.quantile_offsets_ is None else self.quantile_offsets_.tolist()),
                  "states": [[t.tolist() for t in state_parts(f.state)] for f in self._fitted],
                  "series": [f.to_dict() for f in self._fitted]}
        # weights and config in ONE certified replacement (training.certified): written one after the other into a
        # folder holding another fit, a Ctrl-C between them left the new weights under the old config, and the folder
        # loaded and forecast with the pair of neither fit, without a word (session 22)
        replace_certified(path, {WEIGHTS_FILE: weights_bytes(net.state_dict()), CONFIG_FILE: config_bytes(config)})
        write_digests(path, [WEIGHTS_FILE, CONFIG_FILE])   # the map of these two alone (an earlier auto run's entries gone)
        return path

    @classmethod
    def load(cls, path: str | Path) -> "NetworkForecaster":
        """Rebuild a forecaster saved by :meth:`save`, recurrent states included (a folder saved before
        they were kept re-encodes them from the last ``lookback`` points of each saved history).

        Both files are checked against ``digests.json`` first (a modified, missing or unlisted file, or
        a missing or empty digest map, is a :class:`CheckpointError` naming the file); then every value
        of ``config.json`` passes the checks typed values pass (``ForecastConfig``, :func:`.check_saved`):
        a bad value, a missing key or a wrong type is a CheckpointError naming ``config.json``."""
        path = Path(path)
        data, where = read_saved(path, [WEIGHTS_FILE, CONFIG_FILE])
        with saved_values(where):
            saved = dict(data["config"])
            saved.setdefault("model", saved.get("cell", "lstm"))   # saved before the model setting
            cfg = ForecastConfig.from_dict(saved)
            check_saved(data)
            self = cls(config=cfg)
            self.lookback_, self.period_ = data["lookback"], data["period"]
            self.selection_ = {int(k): float(v) for k, v in data["selection"].items()}
            self._parse_args = data["parse_args"]
            self.calibration_ = float(data["calibration"])
            offsets = data.get("quantile_offsets")     # absent in folders saved before quantiles were kept
            self.quantile_offsets_ = (None if offsets is None else
                                      check_offsets(offsets, cfg.horizon, len(cfg.quantiles)))
            self._fitted = [PreparedSeries.from_dict(d, cfg) for d in data["series"]]
            if data["input_size"] != self._input_size():
                raise ConfigError(f"input_size: expected {self._input_size()} (the saved series' features), "
                                  f"got {data['input_size']}")
            net = self._build_network(data["input_size"], self._fitted[0].fut.shape[1])
        unread_state(where, data["series"], data.get("rnnkit_version"), "the series entries")   # a newer one's keys
        load_weights(net, path / WEIGHTS_FILE)
        self.network_ = net.eval()
        self._encode_states()
        if data.get("states") is not None:   # absent in folders saved before the states were kept
            with saved_values(where):
                self._restore_states(data["states"])
        return self

    def _restore_states(self, saved: Any) -> None:
        """Put back the recurrent states a save kept (after ``update`` they ran over more values than the
        last ``lookback``, so re-encoding would not give them back); each checked against the shape the
        network gives and for finite values (ConfigError otherwise)."""
        if not isinstance(saved, list) or len(saved) != len(self._fitted):
            raise ConfigError(f"states: expected one recurrent state per series ({len(self._fitted)}), got "
                              f"{len(saved) if isinstance(saved, list) else type(saved).__name__}")
        for f, parts in zip(self._fitted, saved):
            own = state_parts(f.state)
            if not isinstance(parts, list) or len(parts) != len(own):
                raise ConfigError(f"states: expected {len(own)} tensors for series {f.id!r}, got {str(parts)[:40]}")
            got = [torch.tensor(p, dtype=t.dtype) for p, t in zip(parts, own)]
            if any(g.shape != t.shape or not torch.isfinite(g).all() for g, t in zip(got, own)):
                raise ConfigError(f"states: expected finite tensors of shapes {[tuple(t.shape) for t in own]} for "
                                  f"series {f.id!r}, got {[tuple(g.shape) for g in got]}")
            f.state = tuple(got) if isinstance(f.state, tuple) else got[0]

    # ------------------------------------------------------------------ fitting
    def _set_horizon(self, horizon: int | None) -> None:
        self.config = with_horizon(self.config, horizon)

    def _say(self, message: str) -> None:
        if self.progress is not None:
            with fit_paused():   # the user's callable, as a Trainer callback: it may wait for a fit in another thread
                self.progress(message)

    def _input_size(self) -> int:
        f = self._fitted[0]
        return 1 + int(self.config.level_input) + f.past.shape[1] + f.fut.shape[1]

    def _build_network(self, input_size: int, n_future: int) -> ForecastNetwork:
        cfg = self.config
        return ForecastNetwork(cfg.cell, input_size, cfg.hidden_size, cfg.num_layers, cfg.horizon, cfg.strategy,
                               cfg.interval, cfg.head_quantiles, n_future, cfg.dropout)

    def _fit_series(self, series: list[SeriesData], lookback: int | None = None,
                    init: dict[str, torch.Tensor] | None = None) -> "NetworkForecaster":
        cfg = self.config
        H = cfg.horizon
        if series and series[0].past.shape[1] and cfg.strategy == "recursive":
            raise ConfigError("past_covariates: the recursive strategy cannot roll past-only covariates forward; "
                              "expected strategy 'direct' or 'encoder-decoder', got 'recursive'")
        fitted = [prepare_series(s, cfg, self._fixed_deseasonalize) for s in series]
        self._fitted = fitted
        periods = [f.period for f in fitted]
        self.period_ = max(set(periods), key=periods.count)
        windows = Windows(fitted)
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
            need = L + longest.valid_start + 1 + H + MIN_TRAIN_WINDOWS - 1 + val_size(len(longest.y), cfg)
            # the arguments named as written (lookback=, horizon=: the CLI writes them --lookback, --horizon)
            which = (f"lookback={L}" if lookback is not None else f"the shortest of lookback_candidates, {L}"
                     if cfg.lookback_candidates is not None else f"the shortest automatic lookback, {L}")
            raise DataError(f"series {longest.id!r}: too short for {which} + horizon={H} (+ validation "
                            f"{val_size(len(longest.y), cfg)} and {MIN_TRAIN_WINDOWS} training windows); expected "
                            f"at least {need} values, got {len(longest.y)}: a longer series, or a lower lookback= "
                            f"or horizon=")
        n_future = fitted[0].fut.shape[1]
        input_size = self._input_size()
        results = {}
        # ``epochs`` is the whole training: a candidate gets at most that many while the lookback is chosen
        # (``rnnkit forecast --epochs E`` passes min(12, E); Forecaster(epochs=2) trained 12 per candidate)
        selection = min(cfg.selection_epochs, cfg.epochs)
        for i, L in enumerate(feasible):
            torch.manual_seed(derived_seed(cfg.seed, 1000, L))
            net = self._build_network(input_size, n_future)
            if init is not None and len(feasible) == 1:
                try:
                    net.load_state_dict(init)
                except RuntimeError:
                    pass  # a different architecture: train from scratch
            epochs = cfg.epochs if len(feasible) == 1 else selection
            self._say(f"lookback {L} ({i + 1}/{len(feasible)}), {epochs} epochs")
            score, info = train_network(net, windows, L, epochs, cfg, quiet=self.progress is None)
            results[L] = (score, net, info)
        best = min(results, key=lambda k: results[k][0])
        net, info = results[best][1], results[best][2]
        if len(feasible) > 1 and cfg.epochs > selection:
            self._say(f"lookback {best} chosen, {cfg.epochs - selection} more epochs")
            _, more = train_network(net, windows, best, cfg.epochs - selection, cfg, quiet=self.progress is None)
            info = {"epochs": info["epochs"] + more["epochs"], "best_val_mae": more["best_val_mae"],
                    "stopped_early": more["stopped_early"], "train_windows": info["train_windows"],
                    "val_windows": info["val_windows"]}
        self.selection_ = {L: float(r[0]) for L, r in results.items()}
        self.selection_source_ = ("fit (validation part of the training data)" if len(feasible) > 1
                                  else "given" if cfg.lookback is not None else self.selection_source_)
        self.lookback_ = best
        self.network_ = net.eval()
        self.train_info_ = info
        self.calibration_, self.quantile_offsets_ = calibrate(net, windows, best, cfg)
        self._encode_states()
        return self

    def _feasible(self, windows: Windows, L: int) -> bool:
        tr, va = windows.origins(L, self.config.horizon, lambda n: val_size(n, self.config))
        return len(tr) >= MIN_TRAIN_WINDOWS and len(va) >= 1

    # ------------------------------------------------------------------ forecasting internals
    def _predict_arrays(self, H: int, futs: list[np.ndarray | None]) -> pd.DataFrame:
        """One frame of every series' forecast, built once from the columns (a frame per series then concatenated
        was about half of a 64-series predict or update -- the service's path; session 29)."""
        rows: dict[str, list] = {}
        for f, fut in zip(self._fitted, futs):
            rel, lo, hi = self._forecast_rel(f, H, fut)
            anchor = f.z[-1]
            to_y = lambda r: f.pipeline.inverse_forecast(anchor + r * f.inc, f.y)  # noqa: E731
            value = to_y(rel)
            lower = to_y(lo) if lo is not None else np.full(H, np.nan)
            upper = to_y(hi) if hi is not None else np.full(H, np.nan)
            frame = {"id": [f.id] * H, "time": future_index(f.index, f.freq, H), "value": value,
                     "lower": np.minimum(lower, upper), "upper": np.maximum(lower, upper)}
            frame.update(zip(map(quantile_column, self.config.quantiles), self._quantiles(rel, to_y).T))
            for name, column in frame.items():
                rows.setdefault(name, []).append(column)
        times = rows.pop("time")
        return pd.DataFrame({"id": [i for ids in rows.pop("id") for i in ids], "time": times[0].append(times[1:]),
                             **{name: np.concatenate(parts) for name, parts in rows.items()}})

    def _quantiles(self, rel: np.ndarray, to_y: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """``(H, Q)`` quantile forecasts: the point path plus each level's residual offset per step, mapped
        back through the series' pipeline (sorted along the levels, which a non-monotone inverse
        transform could otherwise cross)."""
        H, Q = rel.shape[0], len(self.config.quantiles)
        if self.quantile_offsets_ is None:
            return np.full((H, Q), np.nan)
        rq = rel[:, None] + extend_offsets(self.quantile_offsets_, H)
        return np.sort(np.stack([to_y(rq[:, j]) for j in range(Q)], axis=1), axis=1)

    def _is_fitted(self) -> bool:
        return self.network_ is not None

    def _predict_horizon(self, horizon: int | None) -> int:
        H = self.config.horizon if horizon is None else horizon
        if not isinstance(H, (int, np.integer)) or isinstance(H, bool) or H < 1:
            raise ConfigError(f"horizon: expected a positive int, got {H!r}")
        if self.config.strategy != "recursive" and H > self.config.horizon:
            raise ConfigError(f"horizon: expected at most the fitted horizon {self.config.horizon} for strategy "
                              f"{self.config.strategy!r} (refit, or use strategy='recursive'), got {H}")
        if H > self.config.horizon:   # recursive: n_samples paths a step and series (predict(10**9) ran for days)
            require_memory("horizon", 8 * (HORIZON_ARRAYS + self.config.n_samples) * H * len(self._fitted), H,
                           "a horizon whose forecasts fit in memory")
        return int(H)

    def _encode_states(self) -> None:
        net = self.network_
        L = self.lookback_
        with torch.no_grad():
            for f in self._fitted:
                x = f.history_features()[-L:].astype(np.float32)
                _, f.state = net.encode(torch.from_numpy(x)[None])

    def _future_rows(self, H: int) -> int:
        """Known-future covariate rows a forecast of ``H`` steps reads: ``H`` (recursive), else the fitted horizon
        (the direct head and the decoder read all of it: predict(horizon=2) of a 3-step fit was a ShapeError
        'future: expected shape (1, 3, 1)' whatever rows were given)."""
        return H if self.config.strategy == "recursive" else max(H, self.config.horizon)

    def _forecast_rel(self, f: PreparedSeries, H: int, fut: np.ndarray | None):
        cfg = self.config
        Fu = f.fut.shape[1]
        steps = H if cfg.strategy == "recursive" else cfg.horizon
        fut_t = torch.zeros(1, steps, Fu)
        if Fu:
            fut_t = torch.from_numpy(f.scaled_future(fut[:steps]).astype(np.float32))[None]
        z0 = torch.tensor([f.z[-1]], dtype=torch.float32)
        inc = torch.tensor([f.inc], dtype=torch.float32)
        point, lo, hi = batch_forecast(self.network_, f.state, z0, inc, fut_t, H, cfg)
        if lo is None:
            return point[0], None, None
        c = self.calibration_
        return point[0], point[0] - c * (point[0] - lo[0]), point[0] + c * (hi[0] - point[0])


class NetworkFoldFitter:
    """The :class:`.backtest.FoldFitter` of a :class:`NetworkForecaster`: each fold fits a fresh forecaster
    with the same settings on the fold's training part; the lookback and the ``deseasonalize="auto"``
    choices are made in fold 0 and kept, and each fold starts from the previous fold's weights."""

    def __init__(self, forecaster: NetworkForecaster, folds: int) -> None:
        self.base, self.folds = forecaster, folds
        self.quantile_levels: tuple[float, ...] = tuple(forecaster.config.quantiles)
        self.name = forecaster.config.cell
        self.lookback: int | None = None
        self.weights: dict[str, torch.Tensor] | None = None
        self.selection: dict[int, float] = {}
        self.deseasonalize: dict[str, str] = {}

    def fit_fold(self, fold: int, train: list[SeriesData], futures: list[np.ndarray | None]) -> FoldForecast:
        base = self.base
        fc = NetworkForecaster(config=base.config)
        fc.progress = base.progress
        fc._parse_args = dict(base._parse_args)
        fc._fixed_deseasonalize = dict(self.deseasonalize)
        base._say(f"fold {fold + 1}/{self.folds}" + (f", lookback {self.lookback}" if self.lookback else ""))
        fc._fit_series(train, lookback=self.lookback, init=self.weights)
        if self.lookback is None:
            self.lookback, self.selection = fc.lookback_, dict(fc.selection_)
            self.deseasonalize = {f.id: f.deseasonalize for f in fc._fitted}
        self.weights = copy_weights(fc.network_)
        pred = fc._predict_arrays(fc.config.horizon, futures)
        values, quantiles = {}, {}
        qcols = [quantile_column(t) for t in self.quantile_levels]
        for f in fc._fitted:
            p = pred[pred["id"] == f.id]
            values[f.id] = (p["value"].to_numpy(), p["lower"].to_numpy(), p["upper"].to_numpy())
            quantiles[f.id] = p[qcols].to_numpy()
        return FoldForecast(values, {f.id: f.period for f in fc._fitted}, {f.id: len(f.y) for f in fc._fitted},
                            quantiles)

    def details(self) -> dict[str, Any]:
        return {"lookback": self.lookback, "selection": self.selection, "deseasonalize": self.deseasonalize}


def state_parts(state: Any) -> list[torch.Tensor]:
    """The tensors of a recurrent state: ``(h, c)`` for an LSTM, ``[h]`` otherwise."""
    return list(state) if isinstance(state, tuple) else [state]


def _data_key(series: Sequence[SeriesData], horizon: int | None) -> bytes:
    """What a backtest's hint is kept for: a following fit of the same series (ids, values, covariates) and horizon;
    a fit of other data took the backtest's lookback (chosen on the other series), its weights and its selection as
    its own ("selected in backtest fold 0"), silently."""
    return data_fingerprint(horizon, [(s.id, s.y, s.past, s.future) for s in series])


register_model(CELLS, NetworkForecaster)
