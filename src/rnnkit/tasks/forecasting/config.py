"""The forecaster's settings: one frozen dataclass, validated on construction, saved with every model.

>>> cfg = ForecastConfig(horizon=12)
>>> cfg.model, cfg.quantiles, cfg.strategy, cfg.level
('auto', (0.1, 0.5, 0.9), 'direct', 0.9)
>>> ForecastConfig(horizon=0)
Traceback (most recent call last):
...
rnnkit.errors.ConfigError: horizon: expected a positive int or None, got 0
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from rnnkit._memory import require_memory
from rnnkit._threads import max_threads
from rnnkit._validate import SEED_END, check_seed, first_repeat, is_int, is_real, plain_fields
from rnnkit.errors import ConfigError
from rnnkit.tasks.forecasting.outliers import check_outliers
from rnnkit.tasks.forecasting.series_batches import DEFAULT_BATCH_SERIES, check_esrnn_batch

__all__ = ["ForecastConfig", "MODELS", "CELLS", "CANDIDATES", "STRATEGIES", "INTERVALS", "check_saved", "saved_numbers",
           "check_int", "check_levels", "with_horizon", "check_fit_memory"]

CELLS = ("lstm", "gru", "elman")
#: ``model``: "auto" (validated choice among candidates and their combinations), a recurrent network
#: (one of :data:`CELLS`), the ES-RNN hybrid, or one statistical method alone.
MODELS = ("auto", *CELLS, "esrnn", "ets", "theta", "seasonal_naive")
#: Names ``candidates`` may list for ``model="auto"``.
CANDIDATES = ("ets", "theta", "seasonal_naive", "naive", "drift", *CELLS, "esrnn", "pretrained")
STRATEGIES = ("direct", "recursive", "encoder-decoder")
INTERVALS = ("quantile", "gaussian", "none")
TRANSFORMS = ("none", "log", "boxcox")
DESEASONALIZE = ("auto", "stl", "diff", "none")
DETREND = ("none", "diff")
SCALES = ("standard", "minmax", "none")


def derived_seed(seed: int, stride: int, offset: int) -> int:
    """The seed of one member of a fit (``seed * stride + offset``: the network forecaster's lookback ``L`` with
    stride 1000, ES-RNN's ensemble member ``e`` with stride 100), wrapped into torch's range ``[0, 2**64)`` as the
    other tasks' member seeds are: the same seed as before for every seed up to 2**32 - 1 (the old bound), so saved
    runs and results do not change; a larger seed (any in [0, 2**64) is taken) no longer overflows torch.

    >>> derived_seed(7, 1000, 12), derived_seed(2**32 - 1, 1000, 24) == (2**32 - 1) * 1000 + 24
    (7012, True)
    >>> derived_seed(2**64 - 1, 1000, 12) == 2**64 - 988
    True
    """
    return (seed * stride + offset) % SEED_END


def check_int(name: str, v: Any, lo: int, allow_none: bool = False) -> None:
    if v is None and allow_none:
        return
    if not isinstance(v, int) or isinstance(v, bool) or v < lo:
        what = "a positive int" if lo == 1 else f"an int >= {lo}"
        raise ConfigError(f"{name}: expected {what}{' or None' if allow_none else ''}, got {_shown(v)}")


def check_levels(levels: Any, name: str = "quantiles") -> tuple[float, ...]:
    """Quantile levels as a sorted tuple of unique floats in (0, 1); anything else (text, bools, an empty
    list, 0, 1, NaN) is a ConfigError naming ``name``.

    >>> check_levels([0.9, 0.1, 0.5])
    (0.1, 0.5, 0.9)
    """
    levels = _listed(levels)   # np.linspace(0.1, 0.9, 9): 'expected a non-empty list of levels in (0, 1), got array(..)'
    if isinstance(levels, (str, bytes)) or not isinstance(levels, (tuple, list)) or not levels:
        raise ConfigError(f"{name}: expected a non-empty list of levels in (0, 1), got {_shown(levels)}")
    for v in levels:
        _num(name, v, 0.0, 1.0)
    _once(name, [float(v) for v in levels])
    from rnnkit.tasks.forecasting.probabilistic import quantile_column

    columns: dict[str, float] = {}
    for v in levels:        # 0.1 and 0.1000000001: one column q0.1, the second level's values lost silently
        if float(quantile_column(float(v))[1:]) in (0.0, 1.0):    # 0.999999999 was the column 'q1', level 1's name
            raise ConfigError(f"{name}: expected levels whose column names (6 significant digits) stay inside (0, 1), "
                              f"got {float(v)!r}, named {quantile_column(float(v))!r}")
        first = columns.setdefault(quantile_column(float(v)), float(v))
        if first != float(v):
            raise ConfigError(f"{name}: expected levels that differ in their first 6 significant digits (each "
                              f"names a column), got {first!r} and {float(v)!r}, both {quantile_column(first)!r}")
    return tuple(sorted({float(v) for v in levels}))


def _once(name: str, values: list) -> None:
    """A list that names each value once (a repeat was dropped silently: one column for two asked)."""
    twice = first_repeat(values)
    if twice is not None:
        raise ConfigError(f"{name}: expected each value once, got {twice!r} twice")


def _listed(v: Any) -> Any:
    """A 1-D numpy array, pandas Series or Index as its list (Python scalars, in order), anything else unchanged: the
    list settings take arrays (a Series of levels, df['q'], was refused while its .to_numpy() was taken)."""
    return v.tolist() if isinstance(v, (np.ndarray, pd.Series, pd.Index)) and v.ndim == 1 else v


def _shown(v: Any) -> str:
    """``repr(v)`` on one line: a 2-D array's or a DataFrame's repr spans lines (an error is one line)."""
    if isinstance(v, pd.DataFrame):
        return f"a DataFrame of shape {v.shape}"
    text = repr(v)
    return " ".join(text.split()) if "\n" in text else text


def _num(name: str, v: Any, lo: float, hi: float, lo_open: bool = True, hi_open: bool = True) -> None:
    if not is_real(v) or not math.isfinite(v) or \
            v < lo or v > hi or (lo_open and v == lo) or (hi_open and v == hi):
        raise ConfigError(f"{name}: expected a number in {'(' if lo_open else '['}{lo}, {hi}{')' if hi_open else ']'}, "
                          f"got {_shown(v)}")


def _choice(name: str, v: Any, choices: tuple) -> None:
    if v not in choices:
        raise ConfigError(f"{name}: expected one of {list(choices)}, got {_shown(v)}")


def network_cell(config: "ForecastConfig") -> str:
    """The network a ``config`` fits when a network forecaster is built from it: for model lstm/gru/elman the
    model's own (``ForecastConfig(model="gru")`` keeps the default cell ``"lstm"``, and fitted an LSTM, renamed
    model ``"lstm"``, silently); a cell other than the default naming another network is a ConfigError (which one
    was meant?). Other models: their ``cell``."""
    if config.model not in CELLS:
        return config.cell
    if config.cell not in (config.model, "lstm"):
        raise ConfigError(f"cell: expected {config.model!r} or the default (model {config.model!r} is that network), "
                          f"got {_shown(config.cell)}")
    return config.model


@dataclass(frozen=True)
class ForecastConfig:
    """Everything a :class:`~rnnkit.tasks.forecasting.Forecaster` needs besides the data.

    The defaults are sized for a 2-core CPU: fit + 3-fold backtest of a 2,000-point series in well
    under 30 s (see docs/forecasting.md for measurements).
    """

    # --- what to forecast
    horizon: int | None = None          # steps ahead; None: give it to fit()
    model: str = "auto"                 # auto | lstm | gru | elman | esrnn | ets | theta | seasonal_naive
    quantiles: tuple[float, ...] = (0.1, 0.5, 0.9)   # quantile levels in (0, 1) forecast by auto/esrnn/statistical
    candidates: tuple[str, ...] | None = None        # auto's candidates (None: the defaults, networks included)
    # --- network
    cell: str = "lstm"                  # lstm | gru | elman (rnnkit layers): the network of model lstm/gru/elman
    hidden_size: int = 32
    num_layers: int = 1
    dropout: float = 0.0                # between stacked layers
    strategy: str = "direct"            # direct (multi-output) | recursive (one step, rolled) | encoder-decoder
    level_input: bool = True            # feed the (scaled) level besides the step change
    # --- intervals
    interval: str = "quantile"          # quantile (pinball loss) | gaussian (NLL) | none (median only)
    level: float = 0.9                  # nominal coverage of the interval
    n_samples: int = 200                # sampled paths for the recursive strategy's interval
    # --- preprocessing (fitted on the training data only)
    transform: str = "none"             # none | log | boxcox
    deseasonalize: str = "auto"         # auto (STL when a period is found) | stl | diff (seasonal) | none
    detrend: str = "none"               # none | diff (first differences)
    scale: str = "standard"             # standard | minmax | none
    period: int | None = None           # seasonal period; None: detect (ACF / periodogram)
    resample: bool = False              # put irregular timestamps on the inferred grid instead of failing
    outliers: str = "missing"           # a lone value (a 1e12 typo among ~100s): warn and treat it as missing,
                                        # interpolated (.outliers; the default since session 29's check) | "warn":
                                        # warn and keep it
    # --- lookback (sequence length)
    lookback: int | None = None         # None: pick by validation among candidates tied to the period
    lookback_candidates: tuple[int, ...] | None = None
    max_lookback: int = 192
    # --- training
    epochs: int = 30
    selection_epochs: int = 12          # per lookback candidate during selection (at most epochs)
    batch_size: int = 64
    lr: float = 3e-3
    patience: int = 4                   # early stopping on the validation MAE
    windows_per_epoch: int = 768        # windows sampled per epoch (all when fewer)
    esrnn_batch_series: int | None = DEFAULT_BATCH_SERIES   # the ES-RNN hybrid (auto's member, model esrnn): series
                                        # per optimiser step, 512 (.series_batches; None: all of them, full batch)
    val_fraction: float = 0.15          # last part of the training data used for validation
    clip_norm: float = 1.0
    seed: int = 0
    threads: int | None = 1             # torch CPU threads while fitting/forecasting (restored after);
                                        # the networks are small, so extra threads mostly add overhead and
                                        # oversubscribe shared machines. None: leave torch's setting.
                                        # > 1: the per-series statistical fits (ETS, Theta, baselines) also
                                        # run on up to that many processes (.series_pool; the same numbers).
    workers: int | None = None          # processes for the per-series statistical fits, apart from torch's
                                        # threads (1: none; None: as many as threads): the same numbers.

    def __post_init__(self) -> None:
        plain_fields(self)   # numpy scalars (horizon=df.shape[0] // 4, np.True_) are the Python values they hold
        check_int("horizon", self.horizon, 1, allow_none=True)
        _choice("model", self.model, MODELS)
        object.__setattr__(self, "quantiles", check_levels(self.quantiles))
        if self.candidates is not None:
            c = _listed(self.candidates)   # np.array(['ets', 'theta']) was 'expected a non-empty list of names'
            if isinstance(c, str) or not isinstance(c, (tuple, list)) or not c or any(    # (an array among them: a
                    not isinstance(v, str) or v not in CANDIDATES for v in c):                 # bare truth-value error)
                raise ConfigError(f"candidates: expected a non-empty list of names among {list(CANDIDATES)}, got "
                                  f"{_shown(c)}")
            if all(v == "pretrained" for v in c):   # averaged into auto's choice, never chosen (forecasting.transfer)
                raise ConfigError(f"candidates: expected a candidate besides 'pretrained' (it is averaged into auto's "
                                  f"choice, never chosen), got {c!r}")
            if self.model != "auto":
                raise ConfigError(f"candidates: expected only with model 'auto' (the others fit one model), "
                                  f"got model {self.model!r}")
            _once("candidates", list(c))
            object.__setattr__(self, "candidates", tuple(c))
        _choice("cell", self.cell, CELLS)
        check_int("hidden_size", self.hidden_size, 1)
        check_int("num_layers", self.num_layers, 1)
        _num("dropout", self.dropout, 0.0, 1.0, lo_open=False)
        _choice("strategy", self.strategy, STRATEGIES)
        if not isinstance(self.level_input, bool):
            raise ConfigError(f"level_input: expected a bool, got {_shown(self.level_input)}")
        _choice("interval", self.interval, INTERVALS)
        _num("level", self.level, 0.0, 1.0)
        check_int("n_samples", self.n_samples, 10)
        _choice("transform", self.transform, TRANSFORMS)
        _choice("deseasonalize", self.deseasonalize, DESEASONALIZE)
        _choice("detrend", self.detrend, DETREND)
        _choice("scale", self.scale, SCALES)
        check_int("period", self.period, 1, allow_none=True)
        if not isinstance(self.resample, bool):
            raise ConfigError(f"resample: expected a bool, got {_shown(self.resample)}")
        check_outliers(self.outliers)
        check_int("lookback", self.lookback, 1, allow_none=True)
        if self.lookback_candidates is not None:
            c = _listed(self.lookback_candidates)   # np.arange(12, 49, 12) was 'expected a non-empty tuple of ..'
            if not isinstance(c, (tuple, list)) or not c or not all(
                    is_int(v) and v >= 1 for v in c):
                raise ConfigError(f"lookback_candidates: expected a non-empty tuple of positive ints, got {_shown(c)}")
            object.__setattr__(self, "lookback_candidates", tuple(sorted({int(v) for v in c})))
        check_int("max_lookback", self.max_lookback, 2)
        check_int("epochs", self.epochs, 1)
        check_int("selection_epochs", self.selection_epochs, 1)
        check_int("batch_size", self.batch_size, 1)
        _num("lr", self.lr, 0.0, math.inf)
        check_int("patience", self.patience, 0)
        check_int("windows_per_epoch", self.windows_per_epoch, 1)
        check_esrnn_batch(self)
        _num("val_fraction", self.val_fraction, 0.0, 0.5)
        _num("clip_norm", self.clip_norm, 0.0, math.inf)
        check_int("seed", self.seed, 0)
        check_seed(self.seed)   # [0, 2**64) as every task; the members' seeds wrap (derived_seed)
        check_int("threads", self.threads, 1, allow_none=True)
        check_int("workers", self.workers, 1, allow_none=True)
        # past the threads this process could start libgomp fails at the first parallel op: SIGSEGV (the limits
        # are read from /proc only for a count above the default 1)
        limit = max_threads() if self.threads is not None and self.threads > 1 else None
        if limit is not None and self.threads > limit:
            raise ConfigError(f"threads: expected an int in [1, {limit}] (the threads this process could start), "
                              f"got {self.threads}")

    @property
    def head_quantiles(self) -> tuple[float, ...]:
        """The quantile levels the network's ``"quantile"`` head predicts (the median alone for ``"none"``)."""
        if self.interval == "none":
            return (0.5,)
        a = (1 - self.level) / 2
        return (a, 0.5, 1 - a)

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        for key in ("lookback_candidates", "candidates", "quantiles"):
            if d[key] is not None:
                d[key] = list(d[key])
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ForecastConfig":
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - names)
        if unknown:
            raise ConfigError(f"config: unknown keys {unknown}; expected a subset of {sorted(names)}")
        kw = dict(d)
        kw.setdefault("outliers", "warn")   # a run saved before session 29 read every value as given: its updates too
        for key in ("lookback_candidates", "candidates", "quantiles"):
            if isinstance(kw.get(key), list):
                kw[key] = tuple(kw[key])
        return cls(**kw)

    def replace(self, **changes: Any) -> "ForecastConfig":
        return dataclasses.replace(self, **changes)


#: float64 arrays of ``horizon`` values a fit keeps per series at once (forecasts, intervals, quantiles,
#: validation windows): a rough floor of the memory a horizon costs.
HORIZON_ARRAYS = 16


#: float64 values a fit holds per series and horizon step at its peak, a floor (session 22, RSS and tracemalloc of a fit
#: and predict on daily series, 1 and 20 series, horizons 1e5 .. 3e6: seasonal_naive 288-376 bytes, ETS and Theta
#: 377-381, auto 797): 16 (128 bytes) let a horizon of 1e8 pass with 21.9 GB free and fail in numpy's allocator
FIT_STEP_VALUES = 32
AUTO_STEP_VALUES = 64


def check_fit_memory(cfg: ForecastConfig, n_series: int = 1) -> None:
    """A ConfigError naming ``horizon`` when the fit of ``n_series`` series at ``cfg.horizon`` would not fit in the
    memory left (numpy's MemoryError, or the OOM killer, deep inside the fit otherwise): the floor
    :data:`FIT_STEP_VALUES` (:data:`AUTO_STEP_VALUES` for auto, which fits several candidates) per series and step."""
    per_step = 8 * (AUTO_STEP_VALUES if cfg.model == "auto" else FIT_STEP_VALUES)
    what = "a horizon whose forecasts fit in memory" + (f" (for {n_series} series)" if n_series > 1 else "")
    require_memory("horizon", per_step * cfg.horizon * n_series, cfg.horizon, what)


def with_horizon(cfg: ForecastConfig, horizon: Any) -> ForecastConfig:
    """``cfg`` with ``horizon`` when one is given (a positive int); a ConfigError when neither ``cfg``
    nor the call has one."""
    if horizon is not None:
        if not isinstance(horizon, (int, np.integer)) or isinstance(horizon, bool) or horizon < 1:
            raise ConfigError(f"horizon: expected a positive int, got {_shown(horizon)}")
        cfg = cfg.replace(horizon=int(horizon))
    if cfg.horizon is None:
        raise ConfigError("horizon: expected a positive int (in the constructor or fit), got None")
    check_fit_memory(cfg)
    return cfg


# ------------------------------------------------------------------------------------------ saved values
def saved_numbers(name: str, value: Any, rows: int | None = None, ndim: int = 1) -> np.ndarray:
    """A list (``ndim=2``: a table) of finite numbers read from a saved forecaster, as floats: text,
    bools, null, NaN and infinities are a ConfigError (``np.asarray(["1.5"], dtype=float)`` would
    convert text silently); ``rows`` checks the length."""
    arr = np.asarray(value)
    if arr.size == 0 and arr.ndim == 1 and ndim == 2:
        arr = arr.reshape(0, 0)
    if arr.dtype.kind not in "iuf" or arr.ndim != ndim or not np.isfinite(arr).all():
        raise ConfigError(f"{name}: expected a {'list' if ndim == 1 else 'table'} of finite numbers, got "
                          f"{str(value)[:60]}")
    if rows is not None and len(arr) != rows:
        raise ConfigError(f"{name}: expected {rows} rows (one per time step), got {len(arr)}")
    return arr.astype(float)


def _optional_name(name: str, v: Any) -> None:
    if v is not None and not isinstance(v, str) and not (
            isinstance(v, list) and all(isinstance(c, str) for c in v)):
        raise ConfigError(f"{name}: expected a column name, a list of names or null, got {_shown(v)}")


def check_parse_args(args: Any) -> None:
    """A saved forecaster's column settings (``parse_args``): a dict whose column names and date format are text
    (the covariates lists of text), or null; a ConfigError names the key."""
    if not isinstance(args, dict):
        raise ConfigError(f"parse_args: expected a dict of column settings, got {type(args).__name__}")
    for key in ("target", "time_col", "id_col", "date_format"):
        if args.get(key) is not None and not isinstance(args[key], str):
            what = "a strptime format" if key == "date_format" else "a column name"
            raise ConfigError(f"parse_args.{key}: expected {what} or null, got {_shown(args[key])}")
    for key in ("past_covariates", "future_covariates"):
        _optional_name(f"parse_args.{key}", args.get(key))


def check_saved(data: dict[str, Any]) -> None:
    """Check what a saved forecaster's ``config.json`` holds besides the settings with the same rules as
    typed values (``ForecastConfig.from_dict`` checks the settings): the chosen ``lookback`` and
    ``period`` positive ints, ``calibration`` a finite number > 0, ``input_size`` a positive int,
    ``selection`` numbers by positive lookback, ``parse_args`` column names. Raises ConfigError."""
    check_int("lookback", data["lookback"], 1)
    check_int("period", data["period"], 1)
    check_int("input_size", data["input_size"], 1)
    _num("calibration", data["calibration"], 0.0, math.inf)
    sel = data["selection"]
    if not isinstance(sel, dict) or not all(
            isinstance(k, str) and k.isdigit() and int(k) >= 1 and isinstance(v, (int, float))
            and not isinstance(v, bool) for k, v in sel.items()):
        raise ConfigError(f"selection: expected {{lookback: validation MAE}} with positive int lookbacks, got {_shown(sel)}")
    check_parse_args(data["parse_args"])
    series = data["series"]
    if not isinstance(series, list) or not series or not all(isinstance(d, dict) for d in series):
        raise ConfigError(f"series: expected a non-empty list of fitted series, got {str(data['series'])[:60]}")

