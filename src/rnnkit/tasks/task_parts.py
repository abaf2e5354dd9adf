"""What the task contract (:mod:`rnnkit.tasks.base`) uses beside its classes: the ``baselines`` argument's check and
the wall-clock callback (moved out of base.py, which reached the house limit of 550 lines), the config a fit starts
from (:func:`start_config`) and a task's repr (:func:`task_repr`)."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from rnnkit._validate import is_bool, short_repr
from rnnkit.errors import InputTypeError
from rnnkit.tasks.runs import task_config
from rnnkit.training.callbacks import Callback

__all__ = ["check_baselines", "WallClock", "start_config", "task_repr", "check_config_kept"]


def check_baselines(baselines: Any) -> bool | dict[str, Any]:
    """``True``, ``False`` (``np.True_`` read as ``True``: the numpy-scalar rule) or a dict of str name -> an
    object with ``fit``, returned as given (a bool as a Python bool); an InputTypeError otherwise."""
    if is_bool(baselines):
        return bool(baselines)
    if not isinstance(baselines, dict):
        raise InputTypeError(f"baselines: expected True, False or a dict of name -> baseline, got {baselines!r}")
    for name, b in baselines.items():
        if not isinstance(name, str) or not callable(getattr(b, "fit", None)):
            raise InputTypeError(f"baselines[{name!r}]: expected a str name and an object with fit(), got "
                                 f"{type(b).__name__}")
    return baselines


class WallClock(Callback):
    """Adds ``wall_s`` -- seconds since ``start`` (a ``time.perf_counter()`` value, e.g. when the task's
    fit began, before its vocabularies were built) -- to every epoch row, before the loggers read it."""

    order = -5

    def __init__(self, start: float) -> None:
        self.start = start

    def on_epoch_end(self, trainer, epoch: int, row: dict) -> None:
        row["wall_s"] = round(time.perf_counter() - self.start, 2)


def start_config(task: Any) -> Any:
    """The config a fit of ``task`` starts from: the one the task was built with (or given since, ``task.config =
    ...``), never the one an earlier fit resolved into ``task.config`` -- the time-series classifier's fit writes its
    derived patch, schedule and (model auto) validation share there and the tagger's turns ``constrained`` off for
    IOB1 tags, so a second fit on other data kept the first data's settings where a fresh task chose its own.
    :meth:`~rnnkit.tasks.base.Task.fit` records what it resolved as ``task._fitted_config`` (a loaded task: the run's
    config, its only one). A config set since is checked as the task's constructor checks it (a dict set was a bare
    AttributeError inside the fit)."""
    if task.config is not getattr(task, "_fitted_config", None):
        task._given_config = task_config(task.config, type(task).config_class)
    return getattr(task, "_given_config", task.config)


def task_repr(task: Any) -> str:
    """``TextClassifier(TextClassifierConfig(epochs=3, hidden_size=16)) (fitted)``: one line naming the config fields
    that differ from their defaults (as scikit-learn shows an estimator's changed parameters), each value cut to 60
    characters, and whether the task is fitted -- it was ``<rnnkit.tasks.classification.TextClassifier object at
    0x7f...>``, fitted or not, whatever its settings.

    >>> from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig
    >>> SequenceTagger(TaggerConfig(epochs=2, cell="gru"))
    SequenceTagger(TaggerConfig(cell='gru', epochs=2)) (unfitted)
    """
    config = getattr(task, "config", None)
    if dataclasses.is_dataclass(config):
        changed = []
        for f in dataclasses.fields(config):
            default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
            value = getattr(config, f.name)
            if default is dataclasses.MISSING or not _same(value, default):
                changed.append(f"{f.name}={short_repr(value)}")
        config = f"{type(config).__name__}({', '.join(changed)})"
    else:
        config = short_repr(config)
    return f"{type(task).__name__}({config}) ({'unfitted' if getattr(task, 'net', None) is None else 'fitted'})"


def _same(value: Any, default: Any) -> bool:
    try:
        return type(value) is type(default) and bool(value == default)
    except Exception:       # an array-like value: shown
        return False


def check_config_kept(task: Any) -> None:
    """A ConfigError when ``task.config`` differs from the config its fit resolved (or its run held) in a field other
    than ``progress``: ``save`` writes the config as the record of how the network was trained and ``load`` rebuilds the
    network from it, so ``task.config = replace(task.config, hidden_size=32)`` after a fit saved a run that every load
    refused ('expected shape (128, 16) ... got (64, 16)'), and any other change a run folder describing another
    training than its weights'. ``predict`` reads the changed config as before (e.g. a shorter ``max_len``)."""
    fitted = getattr(task, "_fitted_config", None)
    if fitted is None or task.config is fitted:
        return
    changed = [f.name for f in dataclasses.fields(fitted) if f.name != "progress"
               and not _same(getattr(task.config, f.name, dataclasses.MISSING), getattr(fitted, f.name))]
    if changed:
        from rnnkit.errors import ConfigError

        name = changed[0]
        raise ConfigError(f"config: expected the config this {type(task).__name__} was fitted with (a run folder records "
                          f"how its network was trained), got one that changes {changed[:5]} ({name}: "
                          f"{short_repr(getattr(fitted, name))} -> {short_repr(getattr(task.config, name, None))}); "
                          "fit again to save with it, or set the fitted values back")
