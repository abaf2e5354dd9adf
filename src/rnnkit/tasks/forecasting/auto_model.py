"""``Forecaster(model="auto")`` (the default) and the single methods ``"esrnn"``, ``"ets"``, ``"theta"``,
``"seasonal_naive"``: the glue between the Forecaster's data handling and :class:`.auto.AutoForecaster`.

``fit`` reads the data as the network does (:func:`.inputs.parse_series`: one or many series, an id
column, dates, missing values interpolated and counted, bad inputs refused), detects each series' period
(:func:`rnnkit.data.timeseries.seasonality.detect_period`) unless ``period`` is given, and runs
:class:`.auto.AutoForecaster` over the candidates: it validates every candidate and every equal-weight
combination on rolling origins inside the training data, forecasts with the winner, and turns the
validation residuals into quantiles (``quantiles``, plus the two levels of the ``level`` interval).
A single method is an AutoForecaster of one candidate (its quantiles come the same way). A constant
series is forecast as its constant, outside the candidates' batch (:mod:`.constants`), and reported.

``predict`` returns ``id, time, value, lower, upper`` and one ``q<level>`` column per quantile level;
``update`` appends observations and forecasts again with :meth:`.auto.AutoForecaster.forecast_fitted`
(networks are not trained again); ``backtest`` scores auto and every candidate on the same folds
(:meth:`.auto.AutoForecaster.backtest` through :class:`.auto_folds.AutoFoldFitter`), with the
pinball loss per level, CRPS and coverage per level for auto's quantiles; ``save``/``load`` write the
fitted candidates (weights under sha256 digests) and the series.

>>> import numpy as np, pandas as pd
>>> t = np.arange(96)
>>> y = pd.Series(10 + 0.05 * t + np.sin(2 * np.pi * t / 12), name="toy",
...               index=pd.date_range("2000-01-01", periods=96, freq="MS"))
>>> m = AutoModel(config=ForecastConfig(horizon=6, candidates=("ets", "theta", "seasonal_naive"))).fit(y)
>>> fc = m.predict()
>>> list(fc.columns), len(fc), m.series_ids_
(['id', 'time', 'value', 'lower', 'upper', 'q0.1', 'q0.5', 'q0.9'], 6, ['toy'])
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd

from rnnkit._version import __version__
from rnnkit.data.timeseries.seasonality import detect_period
from rnnkit.errors import CheckpointError, ConfigError, DataError
from rnnkit.tasks.forecasting.auto import AutoForecaster, default_candidates
from rnnkit.tasks.forecasting.auto_folds import AutoFoldFitter
from rnnkit.tasks.forecasting.backtest import data_fingerprint, run_backtest
from rnnkit.tasks.forecasting.candidates import Candidate, SeriesInput
from rnnkit.tasks.forecasting.config import CELLS, ForecastConfig, check_fit_memory, check_int, check_parse_args, \
    saved_numbers, with_horizon
from rnnkit.tasks.forecasting.constants import constant_forecast, constant_note, constant_values
from rnnkit.tasks.forecasting.fitting import threads
from rnnkit.tasks.forecasting.inputs import (
    SeriesData, check_future_times, check_period, continue_series, future_index, parse_new_points, parse_series,
)
from rnnkit.tasks.forecasting.outliers import outliers_summary
from rnnkit.tasks.forecasting.saved_series import read_series_record, series_record
from rnnkit.tasks.forecasting.statistical import ETS_TREND_MIN, ets_trend_note
from rnnkit._saved_version import unread_state
from rnnkit.tasks.forecasting.model_base import ForecastModel, read_saved, saved_values
from rnnkit.tasks.forecasting.models import register_model
from rnnkit.tasks.forecasting.probabilistic import quantile_column
from rnnkit.training.checkpoint import write_config, write_digests
from rnnkit.training.host import fit_paused

__all__ = ["AutoModel", "build_candidates", "quantile_column", "SINGLE_MODELS"]

CONFIG_FILE, AUTO_DIR = "config.json", "auto"
PARSE_KEYS = ("target", "time_col", "id_col", "past_covariates", "future_covariates")
SINGLE_MODELS = ("esrnn", "ets", "theta", "seasonal_naive")
#: ForecastConfig fields passed to auto's network candidates when they differ from the defaults.
NETWORK_KEYS = ("hidden_size", "num_layers", "dropout", "strategy", "lookback", "epochs", "selection_epochs",
                "batch_size", "lr", "patience", "windows_per_epoch", "seed", "threads")


#: ForecastConfig fields that only the network forecaster (model lstm/gru/elman) reads.
NETWORK_ONLY = ("cell", "level_input", "interval", "n_samples", "transform", "deseasonalize", "detrend", "scale",
                "lookback_candidates", "max_lookback", "val_fraction", "clip_norm")


def check_used(cfg: ForecastConfig) -> None:
    """A setting this model would ignore is a ConfigError naming it, never silently dropped: the network's
    preprocessing and interval settings (:data:`NETWORK_ONLY`) always; the network training settings
    (:data:`NETWORK_KEYS`, but ``seed`` and ``threads``) when no network is among the candidates."""
    base = ForecastConfig()
    nets = cfg.model == "auto" and (cfg.candidates is None or any(c in CELLS for c in cfg.candidates))
    ignored = NETWORK_ONLY + (() if nets else tuple(k for k in NETWORK_KEYS if k not in ("seed", "threads")))
    for key in ignored:
        value, default = getattr(cfg, key), getattr(base, key)
        if value != default:
            raise ConfigError(f"{key}: model {cfg.model!r} would ignore it (a setting of the network forecasters "
                              f"lstm/gru/elman); expected the default {default!r}, got {value!r}")


def build_candidates(cfg: ForecastConfig) -> dict[str, Candidate]:
    """The candidates of ``cfg.model``: auto's defaults (:func:`.auto.default_candidates`) or the names in
    ``cfg.candidates``; a single method alone. Network candidates get the ``cfg`` network settings that
    differ from the defaults (e.g. ``epochs``)."""
    from rnnkit.tasks.forecasting.esrnn import ESRNNCandidate
    from rnnkit.tasks.forecasting.neural import ForecasterCandidate
    from rnnkit.tasks.forecasting.statistical import statistical_candidates

    base = ForecastConfig()
    overrides = {k: getattr(cfg, k) for k in NETWORK_KEYS if getattr(cfg, k) != getattr(base, k)}
    names = [cfg.model] if cfg.model != "auto" else cfg.candidates
    defaults = default_candidates(network=True) if names is None else {}
    names = list(defaults) if names is None else list(names)
    stats = statistical_candidates()
    out: dict[str, Candidate] = {}
    for name in names:
        if name in CELLS and (overrides or name not in defaults):
            out[name] = ForecasterCandidate(name, mode="global", **overrides)
        elif name == "esrnn":   # auto's default hybrid is ESRNNCandidate() too; the config's series per step
            out[name] = ESRNNCandidate(batch_series=cfg.esrnn_batch_series, seed=cfg.seed)   # --seed was not read
        elif name in defaults:
            out[name] = defaults[name]
        elif name in stats:
            out[name] = stats[name]
        elif name == "pretrained":        # the yearly networks auto averages in, as in its defaults
            from rnnkit.tasks.forecasting.transfer import BLEND_GROUPS, PretrainedCandidate

            out[name] = PretrainedCandidate(groups=BLEND_GROUPS, partial=True)
        else:  # pragma: no cover - ForecastConfig checks the names
            raise ConfigError(f"candidates: expected known names, got {name!r}")
    return out


def _no_stage(k: int) -> str:
    """No stage name (a module function, not a lambda: a fitted model stays picklable)."""
    return ""


class _Announced(dict):
    """The candidates, saying ``"<stage>candidate ets 3/6"`` as a validation pass reaches each (the
    AutoForecaster iterates ``items()`` once per rolling validation; ``stage_of(pass number)`` names the
    pass, e.g. ``"fold 2/3: "``)."""

    say: Callable[[str], None] | None = None
    stage_of: Callable[[int], str] = staticmethod(_no_stage)
    passes = 0

    def items(self):  # type: ignore[override]
        pairs = list(super().items())
        self.passes += 1
        stage = self.stage_of(self.passes) if self.say is not None else ""
        for k, (name, cand) in enumerate(pairs):
            if self.say is not None:
                with fit_paused():   # the user's progress callable (network_model._say)
                    self.say(f"{stage}candidate {name} {k + 1}/{len(pairs)}")
            yield name, cand


@dataclass
class _History:
    """One series as the auto model keeps it (what :func:`.inputs.parse_new_points` and the plot read)."""

    id: str
    index: pd.Index
    y: np.ndarray
    freq: str | None
    period: int
    period_method: str
    observed: np.ndarray
    missing: int = 0
    resampled: int = 0
    reordered: int = 0
    outliers: tuple = ()    # ((position, given value),) read as missing (outliers="missing": .outliers)
    placed: str | None = None   # how resample put readings on the grid (.new_times.placement): update's rule

    @property
    def past(self) -> np.ndarray:
        return np.zeros((self.y.size, 0))

    fut = past

    def as_input(self) -> SeriesInput:
        return SeriesInput(self.id, self.y, self.period, self.index)

    def to_dict(self) -> dict[str, Any]:
        return {**series_record(self), "period": self.period, "period_method": self.period_method}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "_History":
        r = read_series_record(d)
        check_int("series.period", d["period"], 1)
        return cls(r["id"], r["index"], r["y"], r["freq"], d["period"], str(d["period_method"]), r["observed"],
                   r["missing"], r["resampled"], r["reordered"], r["outliers"], r["placed"])


class AutoModel(ForecastModel):
    """``model="auto"`` (and the single methods): see the module docstring. ``AutoModel(config=cfg)``.

    After ``fit``: ``auto_`` (the :class:`.auto.AutoForecaster`: ``report_`` what won and why,
    ``chosen_``, ``members_``, ``candidates``), ``series_ids_``, ``period_`` (the most common period)."""

    def __init__(self, config: ForecastConfig | None = None, **settings: Any) -> None:
        cfg = config if config is not None else ForecastConfig(**settings)
        if cfg.model in CELLS:
            raise ConfigError(f"model: expected 'auto' or one of {list(SINGLE_MODELS)} for AutoModel, got {cfg.model!r} "
                              "(a network: NetworkForecaster)")
        self.config = cfg
        self.progress: Callable[[str], None] | None = None
        self.auto_: AutoForecaster | None = None
        self._fitted: list[_History] = []
        self._parse_args: dict[str, Any] = {}
        self._point: np.ndarray | None = None
        self._quantiles: np.ndarray | None = None
        self._bt_hint: tuple | None = None
        self.constant_: dict[str, float] = {}     # series constant at fit -> its value (see .constants)

    @property
    def period_(self) -> int | None:
        periods = [h.period for h in self._fitted]
        return max(set(periods), key=periods.count) if periods else None

    @property
    def levels(self) -> tuple[float, ...]:
        """Every quantile level forecast: ``quantiles`` and the bounds of the ``level`` interval."""
        a = round((1 - self.config.level) / 2, 10)
        return tuple(sorted(set(self.config.quantiles) | {a, round(1 - a, 10)}))

    def fit(self, data: Any, horizon: int | None = None, **columns: Any) -> "AutoModel":
        """Fit on every row of ``data`` (the forms and ``columns`` -- ``target``, ``time_col``, ``id_col``,
        ``date_format``, ``dayfirst`` -- of :func:`.inputs.parse_series`; covariates are refused). After
        :meth:`backtest` on the same data, the backtest's final fit is kept (it ran on all the data)."""
        series, args = self._parse(data, horizon, columns)
        check_future_times(series, self.config.horizon)
        check_fit_memory(self.config, len(series))    # a panel's fit holds every series' horizon arrays
        self._parse_args = args
        hist = [self._history(s) for s in series]
        key = _fingerprint(hist, self.config.horizon)
        if self._bt_hint is not None and self._bt_hint[0] == key:
            self._fitted = hist
            self._point, self._quantiles, self.auto_, self.constant_ = self._bt_hint[1:]
            self._bt_hint = None
            return self
        self._bt_hint = None
        auto = self._new_auto()
        self._announce(auto, lambda k: "validation: ")
        constant = constant_values(hist)
        try:
            with threads(self.config.threads, self.config.workers):
                self._point, self._quantiles = self._joined(hist, constant, lambda batch: auto.forecast(
                    batch, self.config.horizon), auto)
        finally:
            self._announce(auto, None)
        self.auto_, self._fitted, self.constant_ = auto, hist, constant
        if self.config.model == "ets" and (short := self._untrended()):     # chosen by the user: said at once
            warnings.warn(f"model 'ets': {ets_trend_note(short)}", UserWarning, stacklevel=6)
        return self

    def _untrended(self, members: dict[str, list[str]] | None = None) -> dict[str, int]:
        """``{id: length}`` of the series whose forecast holds ETS fitted without a trend (shorter than
        :data:`.statistical.ETS_TREND_MIN`)."""
        ids = self.auto_.validation_.ids if self.auto_.validation_ is not None else []
        members = dict(zip(ids, self.auto_.members_)) if members is None else members
        return {h.id: int(h.y.size) for h in self._fitted if h.y.size < ETS_TREND_MIN and "ets" in members.get(h.id, ())}

    def _joined(self, hist: list[_History], constant: dict[str, float], run: Callable[[list[SeriesInput]], np.ndarray],
                auto: AutoForecaster) -> tuple[np.ndarray, np.ndarray | None]:
        """Point ``(S, H)`` and quantiles ``(S, H, Q)`` of every series: ``run`` (auto on the series not in
        ``constant``; its ``quantiles_`` after) and :func:`.constants.constant_forecast` for the others."""
        H, levels = self.config.horizon, self.levels
        point, quant = np.full((len(hist), H), np.nan), np.full((len(hist), H, len(levels)), np.nan)
        rows = [i for i, h in enumerate(hist) if h.id not in constant]
        if rows:
            point[rows] = run([hist[i].as_input() for i in rows])
            if auto.quantiles_ is None:
                quant = None
            else:
                quant[rows] = auto.quantiles_
        for i, h in enumerate(hist):
            if h.id in constant:
                point[i], q = constant_forecast(h.y, H, levels)
                if quant is not None:
                    quant[i] = q
        return point, quant

    def predict(self, horizon: int | None = None, future_covariates: Any = None) -> pd.DataFrame:
        """``id, time, value, lower, upper`` and ``q<level>`` per quantile level, ``horizon`` rows per series
        (at most the fitted horizon)."""
        self._need_fitted()
        if future_covariates is not None:
            raise ConfigError(f"future_covariates: model {self.config.model!r} takes no covariates, got some")
        H = self.config.horizon if horizon is None else horizon
        if not isinstance(H, (int, np.integer)) or isinstance(H, bool) or not 1 <= H <= self.config.horizon:
            raise ConfigError(f"horizon: expected a positive int up to the fitted horizon {self.config.horizon}, "
                              f"got {H!r}")
        levels = self.levels
        col = {t: j for j, t in enumerate(levels)}
        a = round((1 - self.config.level) / 2, 10)
        rows = []
        for i, h in enumerate(self._fitted):
            q = self._quantiles[i, :H] if self._quantiles is not None else np.full((H, len(levels)), np.nan)
            frame = {"id": h.id, "time": future_index(h.index, h.freq, H), "value": self._point[i, :H],
                     "lower": q[:, col[a]], "upper": q[:, col[round(1 - a, 10)]]}
            frame.update({quantile_column(t): q[:, col[t]] for t in self.config.quantiles})
            rows.append(pd.DataFrame(frame))
        return pd.concat(rows, ignore_index=True)

    def update(self, new_points: Any, future_covariates: Any = None) -> pd.DataFrame:
        """Append observations that continue the series (the checks of :meth:`.network_model.NetworkForecaster.update`:
        timestamps continue each series exactly, NaN filled from the last value, text/bools/infinities are
        a DataError; nothing changes unless every series passes) and forecast again from the new ends
        with the fitted candidates (:meth:`.auto.AutoForecaster.forecast_fitted`: no network is trained
        again). Returns the refreshed :meth:`predict`."""
        self._need_fitted()
        if future_covariates is not None:
            raise ConfigError(f"future_covariates: model {self.config.model!r} takes no covariates, got some")
        chunks = parse_new_points(new_points, self._fitted, self._parse_args, resample=self.config.resample)
        grown = []
        for h in self._fitted:
            if h.id in chunks:
                y_new, _, _, times = chunks[h.id]
                y_new, observed, index, lone = continue_series(h, y_new, times, self.config.outliers)
                if not np.isfinite(y_new).all():
                    raise DataError(f"new_points: expected finite values for series {h.id!r}, got {y_new}")
                grown.append(_History(h.id, index, np.concatenate([h.y, y_new]), h.freq, h.period, h.period_method,
                                      np.concatenate([h.observed, observed]), h.missing, h.resampled, h.reordered,
                                      h.outliers + lone, h.placed))
            else:
                grown.append(h)
        # only the series that grew, where every candidate forecasts each series alone (ETS, Theta, naive; a
        # per-series network): the others' rows are what they were. A global network reads the whole batch, so it
        # forecasts every series again (its last bits may depend on the batch). The service updates one series a
        # point: a 200-series ETS panel re-fitted all 200 series' ETS for each point (~27 s a point; session 30).
        rows = [i for i, h in enumerate(self._fitted) if h.id in chunks]
        local = not any(getattr(c, "is_global", True) or getattr(c, "kind", None) == "pretrained"   # its float32
                        for c in self.auto_.candidates.values())         # network reads the batch at once (W2)
        part = [grown[i] for i in rows] if local and len(rows) < len(grown) else grown
        with threads(self.config.threads, self.config.workers):
            point, quant = self._joined(part, self.constant_, lambda batch: self.auto_.forecast_fitted(
                batch, self.config.horizon), self.auto_)
        if part is grown:
            self._point, self._quantiles = point, quant
        else:
            self._point = self._point.copy()
            self._point[rows] = point
            if self._quantiles is not None:   # None: auto gave none at the fit's horizon, nor would the whole batch
                self._quantiles = self._quantiles.copy()
                self._quantiles[rows] = quant
        self._fitted = grown
        return self.predict()

    def backtest(self, data: Any, folds: int = 3, horizon: int | None = None, *, stride: int | None = None,
                 baselines: Sequence[str] | None = ("naive", "seasonal_naive", "drift", "ets"), **columns: Any):
        """Rolling-origin backtest of auto and every candidate on the same folds (see the module docstring);
        returns a :class:`.backtest.BacktestResult`. Baselines not among the candidates (``drift``) are
        added. A following :meth:`fit` on the same data keeps this run's final fit."""
        if stride is not None:
            raise ConfigError(f"stride: model {self.config.model!r} backtests with stride = horizon, got {stride!r}")
        series, args = self._parse(data, horizon, columns)
        hist = [self._history(s) for s in series]
        check_int("folds", folds, 1)
        auto = self._new_auto()
        fitter = AutoFoldFitter(self, auto, hist, folds)
        self._announce(auto, lambda k: f"backtest ({folds} folds + final fit), pass {k}: ")
        try:
            with threads(self.config.threads, self.config.workers):
                result = run_backtest(fitter, series, self.config.horizon, folds=folds, level=self.config.level,
                                      baselines=baselines)
        finally:
            self._announce(auto, None)
        # the final fit waits for a fit on the same data (the hint); a fitted model keeps its own: the backtest's auto
        # and column arguments replaced the fit's, so update() forecast another data's series (or refused its ids)
        self._bt_hint = (_fingerprint(hist, self.config.horizon), *fitter.final, auto, fitter.constant)
        return result

    def summary(self) -> dict[str, Any]:
        """What was detected and chosen: per series (length, frequency, missing values, period) and auto's
        report (what won and why, every member's validation MASE)."""
        self._need_fitted()
        auto, const = self.auto_, self.constant_
        series = [{"id": h.id, "length": int(h.y.size), "frequency": h.freq, "missing_interpolated": h.missing,
                   "timestamps_resampled": h.resampled, "rows_reordered": h.reordered, "constant": h.id in const,
                   "outliers_missing": outliers_summary(h),
                   "period": {"period": h.period, "method": h.period_method}} for h in self._fitted]
        ids = auto.validation_.ids if auto.validation_ is not None else []
        chosen = dict(zip(ids, auto.chosen_)) | {sid: "constant" for sid in const}
        members = {sid: list(m) for sid, m in zip(ids, auto.members_)} | {sid: [] for sid in const}
        report = dict(auto.report_)
        if short := self._untrended(members):
            report.update(ets_without_trend=short, why=f"{report['why']}; {ets_trend_note(short)}")
        if const:
            note = constant_note(const)
            report.update(constant_series=dict(const), why=f"{report['why']}; {note}" if ids else note)
            report.setdefault("chosen", "constant")
        return {"model": self.config.model, "series": series, "period": self.period_,
                "candidates": list(auto.candidates), "chosen": report.get("chosen"),
                "chosen_per_series": {sid: chosen[sid] for sid in self.series_ids_},
                "members": {sid: members[sid] for sid in self.series_ids_},
                "median_members": list(auto.median_members_),   # what report["toward_median"] of the point comes from
                "report": report, "quantile_levels": list(self.levels), "config": self.config.to_dict()}

    # ------------------------------------------------------------------ save / load
    def save(self, path: str | Path) -> Path:
        """Write ``auto/`` (the AutoForecaster and every fitted candidate, weights under digests: see
        :meth:`.candidates.Candidate.save`), ``config.json`` (settings, the series, the forecast) and
        ``digests.json`` (sha256 of ``config.json`` and of ``auto/``'s digest file), atomically, without
        pickle."""
        self._need_fitted()
        path = Path(path)
        self.auto_.save(path / AUTO_DIR)
        write_config(path, {"task": "forecast", "model": self.config.model, "rnnkit_version": __version__,
                            "config": self.config.to_dict(), "parse_args": self._parse_args,
                            "series": [h.to_dict() for h in self._fitted], "point": self._point.tolist(),
                            "constant_series": self.constant_,
                            "quantiles": None if self._quantiles is None else self._quantiles.tolist()})
        write_digests(path, [CONFIG_FILE, f"{AUTO_DIR}/digests.json", f"{AUTO_DIR}/candidate.json"])
        return path

    @classmethod
    def load(cls, path: str | Path) -> "AutoModel":
        """Rebuild a model saved by :meth:`save`: the digests first (a modified or missing file is a
        :class:`CheckpointError` naming it), then every value of ``config.json`` is checked as a typed
        one (a CheckpointError naming ``config.json``), then the candidates (their own digests)."""
        path = Path(path)
        data, where = read_saved(path, [CONFIG_FILE, f"{AUTO_DIR}/digests.json"])
        with saved_values(where):
            cfg = ForecastConfig.from_dict(data["config"])
            if cfg.model != data["model"] or cfg.model in CELLS:
                raise ConfigError(f"model: expected {cfg.model!r} (the saved settings' model, not a network), got "
                                  f"{data['model']!r}")
            self = cls(config=cfg)
            check_parse_args(data["parse_args"])      # the network's rule (target 5 loaded, update blamed the rows)
            self._parse_args = data["parse_args"]
            self._fitted = [_History.from_dict(d) for d in data["series"]]
            const = data.get("constant_series", {})       # absent in folders saved before constants were kept
            if not isinstance(const, dict) or not set(const) <= set(self.series_ids_):
                raise ConfigError(f"constant_series: expected a dict of fitted series ids, got {str(const)[:60]}")
            self.constant_ = {str(k): float(saved_numbers("constant_series", [v], 1)[0]) for k, v in const.items()}
            S, H, Q = len(self._fitted), cfg.horizon, len(self.levels)
            if not S:
                raise ConfigError("series: expected at least one fitted series, got none")
            self._point = saved_numbers("point", data["point"], S, 2)
            if self._point.shape != (S, H):
                raise ConfigError(f"point: expected a {S} x {H} table, got {self._point.shape}")
            if data["quantiles"] is not None:
                q = np.asarray(data["quantiles"], dtype=float)
                if q.shape != (S, H, Q) or not np.isfinite(q).all():
                    raise ConfigError(f"quantiles: expected {S} x {H} x {Q} finite numbers, got shape {q.shape}")
                self._quantiles = q
        # a newer rnnkit's keys in the series entries, named (outside saved_values: a CheckpointError as it is)
        unread_state(where, data["series"], data.get("rnnkit_version"), "the series entries")
        auto = AutoForecaster.load(path / AUTO_DIR)
        varying = [sid for sid in self.series_ids_ if sid not in self.constant_]
        if not isinstance(auto, AutoForecaster) or list(auto.validation_.ids if auto.validation_ else []) != varying:
            raise CheckpointError(f"{path / AUTO_DIR}: expected the fitted auto forecaster of series "
                                  f"{self.series_ids_}, got another")
        auto.candidates = _Announced(auto.candidates)
        self.auto_ = auto
        return self

    # ------------------------------------------------------------------ helpers
    def _parse(self, data: Any, horizon: Any, columns: dict[str, Any]) -> tuple[list[SeriesData], dict[str, Any]]:
        self.config = with_horizon(self.config, horizon)
        check_used(self.config)
        if columns.get("past_covariates") or columns.get("future_covariates"):
            raise ConfigError(f"past_covariates/future_covariates: model {self.config.model!r} takes none; use a "
                              "network (model='lstm') for covariates")
        unknown = sorted(set(columns) - {*PARSE_KEYS, "date_format", "dayfirst"})
        if unknown:
            raise ConfigError(f"{unknown[0]}: expected a data argument among {[*PARSE_KEYS, 'date_format', 'dayfirst']}, "
                              f"got {unknown[0]}=")
        args = {k: columns.get(k) for k in PARSE_KEYS}
        series = parse_series(data, resample=self.config.resample, date_format=columns.get("date_format"),
                              dayfirst=columns.get("dayfirst"), allow_constant=True, outliers=self.config.outliers, **args)
        check_period({s.id: len(s) for s in series}, self.config.period)
        args["date_format"] = series[0].date_format
        return series, args

    def _history(self, s: SeriesData) -> _History:
        if self.config.period is not None:
            period, method = self.config.period, "given"
        else:
            info = detect_period(s.y, s.freq)
            period, method = info.period, info.method
        return _History(s.id, s.index, s.y.copy(), s.freq, int(period), method, s.observed.copy(), s.missing,
                        s.resampled, s.reordered, s.outliers, s.placed)

    def _new_auto(self) -> AutoForecaster:
        exclude = ("naive", "seasonal_naive") if self.config.model == "auto" else ()
        return AutoForecaster(_Announced(build_candidates(self.config)), exclude=exclude, quantiles=self.levels)

    def _announce(self, auto: AutoForecaster, stage_of: Callable[[int], str] | None) -> None:
        """Announce each candidate's validation (``stage_of(pass)`` in front; ``None``: stop)."""
        cands = auto.candidates
        if isinstance(cands, _Announced):
            cands.say = self.progress if stage_of is not None else None
            cands.stage_of, cands.passes = (stage_of or _no_stage), 0

    def _is_fitted(self) -> bool:
        return self.auto_ is not None and self._point is not None


def _fingerprint(hist: list[_History], horizon: int) -> bytes:
    return data_fingerprint(horizon, [(h.id, h.period, h.y) for h in hist])


register_model(("auto", *SINGLE_MODELS), AutoModel)
