"""The :class:`Forecaster`: one public class for every forecasting model, ``model="auto"`` by default.

``Forecaster(model="auto")`` validates ETS, Theta, the recurrent networks, the ES-RNN hybrid, seasonal
naive and their combinations on rolling origins inside the training data and forecasts with the winner
(:mod:`.auto_model`); ``model="lstm" | "gru" | "elman"`` fits one recurrent network
(:mod:`.network_model`); ``"esrnn"``, ``"ets"``, ``"theta"``, ``"seasonal_naive"`` one method alone.

The rule for the older ``cell`` argument (code written before ``model`` keeps working): a first
positional argument or ``cell=`` naming a network cell (``Forecaster("gru")``, ``Forecaster(cell="gru")``)
fits that network, as it always did; with ``model=`` given too, ``cell`` is only the network's cell.
``Forecaster()`` is ``auto``.

The Forecaster delegates to the model's class (looked up in :mod:`.models`); attributes it does not
define (``lookback_``, ``network_``, ``period_``, ``report_``, ...) are the model's.

>>> import numpy as np, pandas as pd
>>> y = pd.Series(np.sin(np.arange(96) * np.pi / 6) + 5, index=pd.date_range("2000-01", periods=96, freq="MS"))
>>> Forecaster(horizon=12).config.model, Forecaster("gru").config.model, Forecaster(cell="gru").config.model
('auto', 'gru', 'gru')
>>> f = Forecaster("ets", horizon=12).fit(y)        # one method; quantile columns from its validation
>>> list(f.predict().columns)
['id', 'time', 'value', 'lower', 'upper', 'q0.1', 'q0.5', 'q0.9']
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from pathlib import Path
from typing import Any, Callable

import numpy as np

from rnnkit._io import check_folder_path, read_json
from rnnkit._paths import expand_user
from rnnkit.errors import CheckpointError, ConfigError, InputTypeError
from rnnkit.tasks.forecasting.config import CELLS, ForecastConfig
from rnnkit.tasks.forecasting.models import model_class
from rnnkit.training.host import float32_default, kept_host_rng, own_draws
from rnnkit.training.save_lock import loading, saving

__all__ = ["Forecaster", "WEIGHTS_FILE", "CONFIG_FILE"]

WEIGHTS_FILE, CONFIG_FILE = "model.safetensors", "config.json"


def resolve_config(model: str | None, cell: str | None, config: ForecastConfig | None,
                   settings: dict[str, Any]) -> ForecastConfig:
    """The settings of ``Forecaster(model, cell=..., config=..., **settings)`` (the rule in the module
    docstring)."""
    if config is not None and not isinstance(config, ForecastConfig):
        raise InputTypeError(f"config: expected a ForecastConfig, got {type(config).__name__}")
    if isinstance(model, ForecastConfig):   # Forecaster(ForecastConfig(...)): a 672-character 'model: expected one of'
        raise InputTypeError("model: expected a model name (str) or None, got a ForecastConfig; pass it as "
                             "Forecaster(config=...)")
    base = config if config is not None else ForecastConfig()
    changes = dict(settings)
    if model is not None:
        changes["model"] = model
    if cell is not None:
        if model in CELLS and cell != model:   # Forecaster("gru", cell="lstm") fitted the LSTM, silently
            raise ConfigError(f"cell: expected {model!r} or None (model {model!r} is that network), got {cell!r}")
        changes["cell"] = cell
        if model is None:
            changes["model"] = cell
    if changes.get("model") in CELLS and cell is None:
        changes["cell"] = changes["model"]
    try:
        return base.replace(**changes)
    except TypeError as e:  # an unknown keyword
        raise ConfigError(f"Forecaster: {e}; expected fields of ForecastConfig") from None


def _float32(method: Callable, guard: Callable = contextlib.nullcontext) -> Callable:
    """Run ``method`` with torch's default dtype float32, restored after (the networks read float32 arrays, and
    after a notebook's ``torch.set_default_dtype(torch.float64)`` they were built in float64: "x: expected dtype
    torch.float64 (the layer's), got torch.float32") inside ``guard()``: ``kept_host_rng`` for fit and backtest (they
    seed and draw: the host gets its random generators back, one such call at a time in the process), ``own_draws``
    for load (``training.host``). predict and
    update draw nothing, so they do not wait for that lock: with it, a predict while another thread fitted waited
    for the whole fit (a web app retraining in the background stalled its forecasts)."""
    @functools.wraps(method)
    def run(*args: Any, **kwargs: Any) -> Any:
        with guard(), float32_default():
            return method(*args, **kwargs)

    return run


def _fitting(method: Callable) -> Callable:
    """:func:`_float32` for a method that fits (seeds and draws from the global generators)."""
    return _float32(method, kept_host_rng)


def _loading(method: Callable) -> Callable:
    """:func:`_float32` for load: the networks it builds draw their initial weights from generators of their own
    (``training.host.own_draws``), so it takes no fit lock (it waited for another thread's whole fit)."""
    return _float32(method, own_draws)


def check_progress(fn: Any) -> None:
    """``fn`` is None or a callable taking one line: ``f.progress = 5`` (or a function of two arguments) was
    accepted and the next fit died at its first stage message, a bare "TypeError: 'int' object is not callable"."""
    if fn is None:
        return
    if not callable(fn):
        raise InputTypeError(f"progress: expected a callable taking one line (str), or None, got "
                             f"{type(fn).__name__}")
    try:
        inspect.signature(fn).bind("line")
    except ValueError:          # no signature to read (some builtins): taken as it is
        return
    except TypeError:
        raise InputTypeError(f"progress: expected a callable taking one line (str), or None, got {fn!r}, which "
                             f"cannot be called with one argument") from None


def _restoring(impl: Any, call: Callable[[], Any]) -> Any:
    """``call()``; when it raises (a refused input, Ctrl-C), every attribute of ``impl`` is put back as it was: a
    fit or backtest refused part-way left the fitted forecaster half-changed (the config at the refused horizon
    beside the earlier forecasts, predict() a bare pandas ValueError; the refused data's column arguments, so
    update() read the fitted series' new rows by another column). The models replace their fitted state whole
    (a new network, new lists) rather than change it in place, so the previous objects are intact."""
    before = dict(vars(impl))
    try:
        return call()
    except BaseException:
        vars(impl).clear()
        vars(impl).update(before)
        raise


class Forecaster:
    """Forecasts of one or many series: ``fit`` / ``predict`` / ``update`` / ``backtest`` / ``plot`` /
    ``summary`` / ``save`` / ``load``.

    ``Forecaster(model="auto", **settings)`` where ``settings`` are fields of
    :class:`~rnnkit.tasks.forecasting.ForecastConfig` (or pass ``config=``); see the module docstring
    for ``model`` and ``cell``.
    """

    def __init__(self, model: str | None = None, *, cell: str | None = None, config: ForecastConfig | None = None,
                 **settings: Any) -> None:
        cfg = resolve_config(model, cell, config, settings)
        self._impl = model_class(cfg.model)(config=cfg)

    @classmethod
    def _wrap(cls, impl: Any) -> "Forecaster":
        self = cls.__new__(cls)
        self._impl = impl
        return self

    def __copy__(self) -> "Forecaster":
        """A forecaster of its own: the model under the facade is copied deep (fit and update change it in place,
        so ``copy.copy(f).fit(b)`` refitted ``f`` too; a task object's or a scikit-learn estimator's copy is its own).
        The ``progress`` callable is the user's sink, shared, not copied (one holding a lock failed 'cannot pickle')."""
        return self.__deepcopy__({})

    def __deepcopy__(self, memo: dict) -> "Forecaster":
        import copy

        progress = getattr(self._impl, "progress", None)
        memo.setdefault(id(progress), progress)     # a queue's put, a logger with a lock: the same sink in the copy
        return type(self)._wrap(copy.deepcopy(self._impl, memo))

    def __getattr__(self, name: str) -> Any:
        if name == "_impl":      # not set yet (e.g. copy before __init__)
            raise AttributeError(name)
        return getattr(self._impl, name)

    def __repr__(self) -> str:
        return f"Forecaster(model={self.config.model!r}, horizon={self.config.horizon})"

    # ------------------------------------------------------------------ what every model has
    @property
    def config(self) -> ForecastConfig:
        return self._impl.config

    @property
    def model(self) -> Any:
        """The object that fits and forecasts (a ``NetworkForecaster`` or an ``AutoModel``)."""
        return self._impl

    @property
    def horizon(self) -> int | None:
        return self._impl.horizon

    @property
    def progress(self) -> Callable[[str], None] | None:
        """Where stage messages go (``"fold 2/3, lookback 104"``, ``"candidate ets 3/6"``): a callable
        taking one line, or ``None`` (the default: quiet)."""
        return self._impl.progress

    @progress.setter
    def progress(self, fn: Callable[[str], None] | None) -> None:
        check_progress(fn)
        self._impl.progress = fn

    @_fitting
    def fit(self, data: Any, horizon: int | None = None, **kwargs: Any) -> "Forecaster":
        """Fit on every row of ``data`` (see :func:`.inputs.parse_series`; the column arguments
        ``target``, ``time_col``, ``id_col``, ``past_covariates``, ``future_covariates``, ``date_format``,
        ``dayfirst``)."""
        _restoring(self._impl, lambda: self._impl.fit(data, horizon, **kwargs))
        return self

    @_float32
    def predict(self, horizon: int | None = None, future_covariates: Any = None):
        """The forecast: a DataFrame ``id, time, value, lower, upper`` (``+ q<level>`` columns for models
        with quantiles), ``horizon`` rows per series. A count series (whole numbers >= 0 with a 0) is floored at 0
        (:mod:`.counts`)."""
        from rnnkit.tasks.forecasting.counts import floor_counts

        return floor_counts(self._impl.predict(horizon, future_covariates), self._impl._fitted)

    @_float32
    def update(self, new_points: Any, future_covariates: Any = None):
        """Append observations that continue the series and forecast again from the new end, without
        training again; returns the refreshed :meth:`predict`."""
        from rnnkit.tasks.forecasting.counts import floor_counts

        return floor_counts(self._impl.update(new_points, future_covariates), self._impl._fitted)

    @_fitting
    def backtest(self, data: Any, folds: int = 3, horizon: int | None = None, **kwargs: Any):
        """Rolling-origin backtest against baselines (a :class:`.backtest.BacktestResult`)."""
        if isinstance(folds, np.integer):   # np.int64(2) was 'folds: expected a positive int, got np.int64(2)' (auto)
            folds = int(folds)
        fitted = self._impl.config if self._impl._fitted else None
        result = _restoring(self._impl, lambda: self._impl.backtest(data, folds, horizon, **kwargs))
        if fitted is not None and self._impl.config.horizon != fitted.horizon:
            # a fitted forecaster keeps its horizon: backtest(horizon=5) after fit(horizon=3) left the config at 5
            # beside 3-step forecasts, and predict() died in pandas ('All arrays must be of the same length')
            self._impl.config = fitted
        return result

    def plot(self, path: str | Path | None = None, backtest: Any = None, forecast: Any = None,
             history: int | None = None):
        return self._impl.plot(path, backtest=backtest, forecast=forecast, history=history)

    def summary(self) -> dict[str, Any]:
        return self._impl.summary()

    def save(self, path: str | Path) -> Path:
        """Write the fitted model to the folder ``path`` (files under sha256 digests; see the model's
        ``save``); :meth:`load` reads it back. A ``path`` that is a file or cannot be written is a
        ConfigError before anything is written; a folder holding another task's saved run (or files of a
        run's names that no save wrote) is a CheckpointError, as for every task's save (the CLI refused it,
        the library replaced the other run). Files an earlier save there wrote (its digest maps list them) that
        this one does not write are removed: an auto run's other candidates, or its ``auto/`` beside a network's
        weights, were left in the folder (:mod:`.run_files`)."""
        from rnnkit.tasks.forecasting.run_files import save_replacing
        from rnnkit.tasks.runs import check_run_folder

        path = check_folder_path(path, "path")
        check_run_folder(path, "path", task="forecast")
        with saving(path):   # another process's save or load of the folder waits (training.save_lock)
            return save_replacing(path, lambda: self._impl.save(path))

    @classmethod
    @_loading
    def load(cls, path: str | Path) -> "Forecaster":
        """Rebuild a forecaster saved by :meth:`save` (any model; folders saved before ``model`` existed
        are networks). The model's ``load`` verifies the digests and every saved value; a ``path`` that is no
        folder is a CheckpointError naming it (:func:`rnnkit.tasks.runs.run_folder`)."""
        from rnnkit.tasks.runs import run_folder

        path = expand_user(path)     # '~/runs/x' (rnnkit._paths), for the model's load too
        with loading(run_folder(path)):   # a save by another process waits until it is read (training.save_lock)
            raw = read_json(run_folder(path) / CONFIG_FILE, "a forecaster config")
            name = raw.get("model") if isinstance(raw, dict) else None
            if name is None and isinstance(raw, dict) and isinstance(raw.get("config"), dict):
                name = raw["config"].get("cell", "lstm")
            try:
                impl = model_class(name) if isinstance(name, str) else None
            except ConfigError:
                impl = None
            impl = impl or model_class("lstm")    # the network's load reports what is wrong with the folder
            model = impl.load(path)
        # auto and the single methods: config.json's quantiles and level must name the levels the saved forecaster
        # forecasts -- edited (digests rewritten), the saved q0.1 values came back as the column q0.2
        auto = getattr(model, "auto_", None)
        if auto is not None and auto.quantile_levels.tolist() != list(model.levels):
            raise CheckpointError(f"{Path(path) / CONFIG_FILE}: expected the quantile levels of the saved "
                                  f"forecaster {auto.quantile_levels.tolist()} (config quantiles and level), got "
                                  f"{list(model.levels)}")
        return cls._wrap(model)

