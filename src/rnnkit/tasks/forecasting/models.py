"""Which class runs each ``model`` of :class:`~rnnkit.tasks.forecasting.Forecaster`: a small registry,
filled by the modules that implement the models (:mod:`.network_model` for the recurrent networks,
:mod:`.auto_model` for ``auto``, ``esrnn`` and the statistical methods) when they are imported --
:func:`model_class` imports them (the package's names load on first use: importing it fills nothing).

The :class:`~rnnkit.tasks.forecasting.Forecaster` looks its model up here instead of importing the
implementations, so no import circle runs through it (``auto``'s network candidates build recurrent
forecasters themselves).

A model class takes ``cls(config=ForecastConfig)`` and has ``fit``, ``predict``, ``update``,
``backtest``, ``plot``, ``summary``, ``save``, the classmethod ``load``, ``config``, ``horizon``,
``series_ids_`` and a writable ``progress`` (a callable taking one stage message, or ``None``).
"""

from __future__ import annotations

import importlib
from typing import Any

from rnnkit.errors import ConfigError

__all__ = ["register_model", "model_class"]

_MODELS: dict[str, Any] = {}
_IMPLEMENTATIONS = ("rnnkit.tasks.forecasting.network_model", "rnnkit.tasks.forecasting.auto_model")


def register_model(names: tuple[str, ...] | list[str], cls: Any) -> None:
    """Let ``Forecaster(model=name)`` run ``cls`` for each of ``names``."""
    for name in names:
        _MODELS[name] = cls


def model_class(name: str) -> Any:
    """The class registered for ``name`` (ConfigError when none is)."""
    for module in _IMPLEMENTATIONS:   # they register themselves (once imported, a lookup in sys.modules)
        importlib.import_module(module)
    if name not in _MODELS:
        raise ConfigError(f"model: expected one of {sorted(_MODELS)}, got {name!r}")
    return _MODELS[name]
