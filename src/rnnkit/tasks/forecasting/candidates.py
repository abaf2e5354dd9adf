"""The interface every forecasting candidate implements, so that validation, combination and backtests
never know a concrete model.

A candidate forecasts a *batch* of series at once: local models (ETS, Theta, naive) loop over it, global
models (a recurrent network trained across all the series given, the ES-RNN hybrid) fit once on the
whole batch. Each series is a :class:`SeriesInput`: its values, seasonal period and time index. The
same call serves every rolling origin: the caller truncates the inputs with :meth:`SeriesInput.head`.

After a forecast, :meth:`Candidate.forecast_fitted` forecasts again from the given series (the same, or
longer after new observations) *without training again* (local statistical candidates re-estimate:
that is their fit, and it is cheap; networks run their fitted weights on the new values), and
:meth:`Candidate.save` / :meth:`Candidate.load` write and read a candidate folder: ``candidate.json``
(kind, settings, fitted state) plus weight files, every file's sha256 in ``digests.json``, verified on
load (a modified file is a :class:`~rnnkit.errors.CheckpointError` naming it). Only the candidate kinds
of this package load (:data:`KINDS`: no class is imported by a name read from a file).

>>> import numpy as np
>>> s = SeriesInput("a", np.array([1.0, 2.0, 3.0, 4.0]), period=1)
>>> LocalCandidate("last", lambda y, h, m: np.full(h, y[-1])).forecast([s.head(3)], 2).tolist()
[[3.0, 3.0]]
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd

from rnnkit._validate import is_bool
from rnnkit.errors import CheckpointError, ConfigError, DataError

__all__ = ["SeriesInput", "Candidate", "LocalCandidate", "PerSeries", "as_inputs", "origin_forecasts",
           "REFIT_BELOW", "wants_refit", "check_refit", "save_candidates", "load_candidates", "KINDS",
           "CANDIDATE_FILE", "LOCAL_FUNCTIONS"]

# name -> per-series function a saved LocalCandidate may name; statistical.py registers its functions
# here (this module imports nothing of it: no import circle)
LOCAL_FUNCTIONS: dict[str, Callable[[np.ndarray, int, int], np.ndarray]] = {}

CANDIDATE_FILE = "candidate.json"
CANDIDATES_FILE = "candidates.json"
_FORMAT = 1
# kind -> (module, class): the only classes load() builds
KINDS = {"local": ("rnnkit.tasks.forecasting.statistical", "LocalCandidate"),   # importing it fills LOCAL_FUNCTIONS
         "per_series": ("rnnkit.tasks.forecasting.candidates", "PerSeries"),
         "forecaster": ("rnnkit.tasks.forecasting.neural", "ForecasterCandidate"),
         "esrnn": ("rnnkit.tasks.forecasting.esrnn", "ESRNNCandidate"),
         "pretrained": ("rnnkit.tasks.forecasting.transfer", "PretrainedCandidate"),
         "auto": ("rnnkit.tasks.forecasting.auto", "AutoForecaster")}


@dataclass(frozen=True)
class SeriesInput:
    """One series handed to a candidate: ``y`` (no missing values), its seasonal ``period`` (1: none)
    and time ``index`` (a ``DatetimeIndex`` with a frequency, or integer steps)."""

    id: str
    y: np.ndarray
    period: int = 1
    index: pd.Index | None = field(default=None, compare=False)
    static: dict | None = field(default=None, compare=False)   # static covariates (name -> number)

    def __post_init__(self) -> None:
        y = np.asarray(self.y, dtype=float)
        if y.ndim != 1 or y.size < 2:
            raise DataError(f"series {self.id!r}: expected a 1-D series of at least 2 values, got shape {y.shape}")
        if not np.isfinite(y).all():
            raise DataError(f"series {self.id!r}: expected no missing values (interpolate first), got NaN")
        if not isinstance(self.period, (int, np.integer)) or isinstance(self.period, bool) or self.period < 1:
            raise ConfigError(f"period: expected a positive int, got {self.period!r}")
        object.__setattr__(self, "y", y)
        if self.index is None:
            object.__setattr__(self, "index", pd.RangeIndex(y.size))
        elif len(self.index) != y.size:
            raise DataError(f"series {self.id!r}: expected an index of length {y.size}, got {len(self.index)}")

    def __len__(self) -> int:
        return self.y.size

    def head(self, n: int) -> "SeriesInput":
        """The first ``n`` values (a rolling origin at ``n``)."""
        return SeriesInput(self.id, self.y[:n], self.period, self.index[:n], self.static)

    def to_series(self) -> pd.Series:
        return pd.Series(self.y, index=self.index, name=self.id)


class Candidate:
    """A forecasting method: ``forecast(batch, horizon) -> array (len(batch), horizon)``.

    ``is_global``: fitted once across the batch (a network), so its forecasts of one series depend on
    the others; local candidates fit each series alone. ``min_length(horizon, period)``: the shortest
    series it can forecast (shorter ones are forecast by the fallback of the caller)."""

    name: str = "candidate"
    is_global: bool = False
    kind: str = ""          # a key of KINDS: what save() records and load() rebuilds ("": not savable)

    def forecast(self, batch: Sequence[SeriesInput], horizon: int) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def forecast_fitted(self, batch: Sequence[SeriesInput], horizon: int) -> np.ndarray:
        """``(len(batch), horizon)`` forecasts from the ends of ``batch`` (the series of the last
        :meth:`forecast`, possibly longer after new observations) without training again. The default
        is :meth:`forecast` (a local statistical method re-estimates: its fit is cheap)."""
        return self.forecast(batch, horizon)

    def min_length(self, horizon: int, period: int) -> int:
        return 2

    def applies(self, batch: Sequence[SeriesInput], horizon: int) -> bool:
        """Whether it is a candidate for ``batch`` at ``horizon`` at all (auto leaves it out where not: e.g. a
        pretrained network of other frequencies); True for every candidate but those that say otherwise."""
        return True

    def describe(self) -> dict:
        return {"name": self.name, "global": self.is_global}

    # ------------------------------------------------------------------ save / load
    def settings(self) -> dict:
        """The constructor arguments (JSON values) that rebuild this candidate unfitted."""
        return {}

    def _save_state(self, directory: Path) -> tuple[dict, list[str]]:
        """The fitted state as JSON values and the files written for it (relative names)."""
        return {}, []

    def _load_state(self, directory: Path, state: dict) -> None:
        """Restore what :meth:`_save_state` wrote (the files' digests are already verified)."""

    def save(self, directory: str | Path) -> Path:
        """Write the candidate (settings + fitted state + weights) to the folder ``directory``."""
        from rnnkit._io import DIGESTS_FILE, atomic_write_json, to_jsonable, write_digests

        if self.kind not in KINDS:
            raise ConfigError(f"candidate {self.name!r}: expected a kind of {sorted(KINDS)} to save, got "
                              f"{type(self).__name__}")
        from rnnkit.tasks.forecasting.run_files import save_replacing

        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)

        def save() -> None:
            # the earlier map goes first: the ES-RNN's weights are saved one by one, each merged into this map, and a
            # Ctrl-C before candidate.json left the new weights certified beside the old state (a silent mix on load)
            (path / DIGESTS_FILE).unlink(missing_ok=True)
            state, files = self._save_state(path)
            atomic_write_json(path / CANDIDATE_FILE, to_jsonable({
                "format": _FORMAT, "kind": self.kind, "name": self.name, "settings": self.settings(), "state": state}))
            write_digests(path, [CANDIDATE_FILE, *files])

        # an earlier candidate saved here: what its maps list and this one's do not (an auto's other
        # candidates/NN_name/) is removed, as Forecaster.save does; never another kind of run's files
        save_replacing(path, save, mark=CANDIDATE_FILE)
        return path

    @classmethod
    def load(cls, directory: str | Path) -> "Candidate":
        """Rebuild a candidate saved by :meth:`save`: every file is checked against ``digests.json``
        first; a missing key, a wrong type or an unknown kind is a CheckpointError naming
        ``candidate.json``."""
        import importlib

        from rnnkit._io import read_json, verify_digests

        path = Path(directory)
        verify_digests(path, [CANDIDATE_FILE])
        where = path / CANDIDATE_FILE
        meta = read_json(where, "a forecasting candidate")
        try:
            if not isinstance(meta, dict) or meta.get("format") != _FORMAT:
                raise ValueError(f"format {_FORMAT}")
            kind = meta["kind"]
            if kind not in KINDS:
                raise CheckpointError(f"{where}: expected a kind of {sorted(KINDS)}, got {kind!r}")
            module, clsname = KINDS[kind]
            klass = getattr(importlib.import_module(module), clsname)
            if not issubclass(klass, cls):
                raise CheckpointError(f"{where}: expected a {cls.__name__}, got kind {kind!r}")
            obj = klass._from_settings(path, dict(meta["settings"]))
            obj.name = str(meta["name"])
            obj._load_state(path, meta["state"])
        except CheckpointError:
            raise
        except KeyError as e:
            raise CheckpointError(f"{where}: expected a complete candidate record, got no key {e}") from None
        except (ConfigError, DataError, TypeError, ValueError, AttributeError, IndexError) as e:
            raise CheckpointError(f"{where}: expected a candidate record of the right types, got "
                                  f"{type(e).__name__}: {e}") from None
        return obj

    @classmethod
    def _from_settings(cls, directory: Path, settings: dict) -> "Candidate":
        return cls(**settings)


class LocalCandidate(Candidate):
    """A per-series method ``fn(y, horizon, period) -> point forecast`` as a candidate. Forecasts that
    are not finite (a failed fit) fall back to the seasonal naive of the series. ``recent``: ``fn`` sees the
    last :func:`.recent.recent_length` values of a longer series (:mod:`.recent`; a candidate saved before
    it loads without)."""

    kind = "local"

    def __init__(self, name: str, fn: Callable[[np.ndarray, int, int], np.ndarray], min_len: int = 2,
                 recent: bool = False) -> None:
        from rnnkit.tasks.forecasting.recent import check_recent

        self.name, self.fn, self._min_len, self.recent = name, fn, min_len, check_recent(recent)

    def settings(self) -> dict:
        names = [k for k, f in LOCAL_FUNCTIONS.items() if f is self.fn]
        if not names:
            raise ConfigError(f"candidate {self.name!r}: expected a function of LOCAL_FUNCTIONS "
                              f"{sorted(LOCAL_FUNCTIONS)} to save, got {getattr(self.fn, '__name__', self.fn)!r}")
        return {"name": self.name, "fn": names[0], "min_len": self._min_len, **({"recent": True} if self.recent else {})}

    @classmethod
    def _from_settings(cls, directory: Path, settings: dict) -> "LocalCandidate":
        fn = settings.pop("fn")
        if fn not in LOCAL_FUNCTIONS:
            raise ConfigError(f"fn: expected one of {sorted(LOCAL_FUNCTIONS)}, got {fn!r}")
        return cls(fn=LOCAL_FUNCTIONS[fn], **settings)

    def min_length(self, horizon: int, period: int) -> int:
        return self._min_len

    def forecast(self, batch: Sequence[SeriesInput], horizon: int) -> np.ndarray:
        from rnnkit.tasks.forecasting.baselines import seasonal_naive
        from rnnkit.tasks.forecasting.recent import recent
        from rnnkit.tasks.forecasting.series_pool import map_series

        out = np.empty((len(batch), horizon))
        # each series alone: on the worker processes of an open series_pool (ForecastConfig.threads > 1), the same numbers
        fits = map_series(_local_point, [(self.fn, recent(s.y, s.period) if self.recent else s.y, horizon, s.period)
                                         for s in batch])
        for i, s in enumerate(batch):
            f = fits[i]
            if f.shape != (horizon,) or not np.isfinite(f).all():
                f = seasonal_naive(s.y, horizon, s.period)[0]
            out[i] = f
        return out


def _local_point(fn: Callable, y: np.ndarray, horizon: int, period: int) -> np.ndarray:
    """``fn``'s forecast as a new flat float array (a function that returns one buffer every call is read at once)."""
    return np.array(fn(y, horizon, period), dtype=float).ravel()


REFIT_BELOW = 300   # refit="auto": one fit per origin when the longest series is shorter than this


def check_refit(refit) -> bool | str:
    """``refit`` as True, False (np.True_ too) or ``"auto"``: 1, 0 and 1.0 passed ``in (True, False, "auto")`` and were
    then read as False by ``refit is True`` (np.True_ too)."""
    if not is_bool(refit) and not (isinstance(refit, str) and refit == "auto"):
        raise ConfigError(f"refit: expected True, False or 'auto', got {refit!r}")
    return refit if isinstance(refit, str) else bool(refit)


def wants_refit(refit: bool | str, batch: Sequence[SeriesInput]) -> bool:
    """Whether a network gets one fit per rolling origin (``True``), or one fit at the earliest origin
    that then runs on over the later values (``False``; its state advances, no refit), or ``"auto"``:
    one per origin when the longest series has fewer than :data:`REFIT_BELOW` values (there the last
    windows are a large part of the data, and fits are cheap; for long series the fit before them
    forecasts as well, for a fraction of the time)."""
    refit = check_refit(refit)
    return refit is True or (refit == "auto" and max(len(s) for s in batch) < REFIT_BELOW)


class PerSeries(Candidate):
    """A global candidate run on one series at a time (one fit per series), e.g. to compare with local
    methods series by series."""

    is_global = False
    kind = "per_series"

    def __init__(self, inner: Candidate) -> None:
        self.inner, self.name = inner, inner.name
        self.fitted_: dict[str, Candidate] = {}     # series id -> the inner candidate fitted on it

    def settings(self) -> dict:
        return {}

    def _save_state(self, directory: Path) -> tuple[dict, list[str]]:
        save_candidates({"inner": self.inner, **{f"fit:{k}": v for k, v in self.fitted_.items()}},
                        directory / "inner")
        return {}, []

    @classmethod
    def _from_settings(cls, directory: Path, settings: dict) -> "PerSeries":
        saved = load_candidates(directory / "inner")
        obj = cls(saved.pop("inner"))
        obj.fitted_ = {k[4:]: v for k, v in saved.items()}
        return obj

    def min_length(self, horizon: int, period: int) -> int:
        return self.inner.min_length(horizon, period)

    def describe(self) -> dict:
        return {**self.inner.describe(), "global": False, "per_series": True}

    def forecast(self, batch: Sequence[SeriesInput], horizon: int) -> np.ndarray:
        return self.forecast_origins(batch, horizon, [0])[:, 0]

    def forecast_origins(self, batch: Sequence[SeriesInput], horizon: int, back: Sequence[int]) -> np.ndarray:
        out = []
        for s in batch:
            out.append(origin_forecasts(self.inner, [s], horizon, back))
            if list(back)[-1] == 0:
                self.fitted_[s.id] = copy.deepcopy(self.inner)
        return np.concatenate(out)

    def forecast_fitted(self, batch: Sequence[SeriesInput], horizon: int) -> np.ndarray:
        """Each series with the inner candidate fitted on it alone (a series never fitted: DataError)."""
        for s in batch:
            if s.id not in self.fitted_:
                raise DataError(f"series {s.id!r}: expected a series fitted by forecast(), got an unknown id")
        return np.concatenate([self.fitted_[s.id].forecast_fitted([s], horizon) for s in batch])


def origin_forecasts(cand: Candidate, batch: Sequence[SeriesInput], horizon: int, back: Sequence[int]) -> np.ndarray:
    """``(S, len(back), H)`` forecasts of ``cand`` from the origins ``len(s) - b``: its own
    ``forecast_origins`` when it has one (e.g. one fit reaching later origins by streaming updates),
    else one ``forecast`` call per origin on the series long enough for it (NaN for the others)."""
    if hasattr(cand, "forecast_origins"):
        return cand.forecast_origins(batch, horizon, list(back))
    out = np.full((len(batch), len(back), horizon), np.nan)
    for k, b in enumerate(back):
        idx = [i for i, s in enumerate(batch) if len(s) - b >= max(2, cand.min_length(horizon, s.period))]
        if idx:
            out[idx, k] = cand.forecast([batch[i].head(len(batch[i]) - b) for i in idx], horizon)
    return out


def as_inputs(data: Sequence[SeriesInput] | SeriesInput) -> list[SeriesInput]:
    """A batch from one series or a sequence of them (ids must be unique)."""
    batch = [data] if isinstance(data, SeriesInput) else list(data)
    if not batch or not all(isinstance(s, SeriesInput) for s in batch):
        raise ConfigError("series: expected SeriesInput objects, got "
                          + (type(batch[0]).__name__ if batch else "none"))
    ids = [s.id for s in batch]
    if len(set(ids)) != len(ids):
        raise DataError("series: expected unique ids, got duplicates")
    return batch


def save_candidates(candidates: dict[str, Candidate], directory: str | Path) -> Path:
    """Every candidate in a subfolder of ``directory`` and ``candidates.json`` (name -> subfolder),
    all under digests (each subfolder's ``digests.json`` listed in this folder's: a candidate's file changed
    together with its own map is still refused); :func:`load_candidates` reads them back in the same order."""
    from rnnkit._io import atomic_write_json, write_digests

    path = Path(directory)
    folders = {}
    for k, (name, cand) in enumerate(candidates.items()):
        folders[name] = f"{k:02d}_" + "".join(c if c.isalnum() else "_" for c in name)[:40]
        cand.save(path / folders[name])
    atomic_write_json(path / CANDIDATES_FILE, {"format": _FORMAT, "candidates": folders})
    write_digests(path, [CANDIDATES_FILE, *(f"{folder}/digests.json" for folder in folders.values())])
    return path


def load_candidates(directory: str | Path) -> dict[str, Candidate]:
    """The candidates written by :func:`save_candidates` (each verified against its digests)."""
    from rnnkit._io import read_json, verify_digests

    path = Path(directory)
    verify_digests(path, [CANDIDATES_FILE])
    meta = read_json(path / CANDIDATES_FILE, "a list of forecasting candidates")
    folders = meta.get("candidates") if isinstance(meta, dict) and meta.get("format") == _FORMAT else None
    if not isinstance(folders, dict) or not all(isinstance(v, str) and "/" not in v and ".." not in v
                                                for v in folders.values()):
        raise CheckpointError(f"{path / CANDIDATES_FILE}: expected {{\"format\": {_FORMAT}, \"candidates\": "
                              f"{{name: folder}}}}, got {type(meta).__name__}")
    return {name: Candidate.load(path / folder) for name, folder in folders.items()}


def fitted_lookup(batch: Sequence[SeriesInput], known: Sequence[str], what: str) -> list[int]:
    """Positions in ``known`` of each series of ``batch``; a DataError names an id that was not fitted."""
    pos = {sid: i for i, sid in enumerate(known)}
    for s in batch:
        if s.id not in pos:
            raise DataError(f"series {s.id!r}: expected a series {what} was fitted on, got an unknown id")
    return [pos[s.id] for s in batch]
