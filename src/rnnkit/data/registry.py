"""The registry of bundled real data sets, by name.

Each entry says what it is, which package provides it (and how to install it when missing), and how to
load it. Loaders never download anything: data comes from installed packages (see docs/design.md).

>>> from rnnkit.data.registry import get_dataset
>>> get_dataset("nile").kind
'series'
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
from dataclasses import dataclass, field
from typing import Any, Callable

from rnnkit._validate import did_you_mean
from rnnkit.errors import ConfigError, DataError, InputTypeError

__all__ = ["DatasetInfo", "KINDS", "register_dataset", "get_dataset", "list_datasets", "load_dataset",
           "require_package"]


@dataclass(frozen=True)
class DatasetInfo:
    """One bundled data set.

    ``kind`` groups data sets by the task that uses them: ``"series"`` (forecasting), ``"text"``,
    ``"tagging"``, ``"translation"``, ``"corpus"`` (char LM), ``"tsc"`` (time-series classification),
    ``"images"``. ``package`` is the import name checked for availability (``None``: always there);
    ``install`` the exact command that installs it. ``size`` is a human-readable size (rows/items).
    """

    name: str
    kind: str
    description: str
    loader: Callable[..., Any] = field(repr=False, compare=False)
    package: str | None = None
    install: str | None = None
    size: str = ""
    available_check: Callable[[], bool] | None = field(default=None, repr=False, compare=False)

    def available(self) -> bool:
        if self.available_check is not None:
            return bool(self.available_check())
        return self.package is None or importlib.util.find_spec(self.package) is not None

    def load(self, **kwargs: Any) -> Any:
        if not self.available():
            raise DataError(f"dataset {self.name!r}: needs package {self.package!r}; install it with: {self.install}")
        params = inspect.signature(self.loader).parameters
        if not any(q.kind is q.VAR_KEYWORD for q in params.values()):
            unknown = sorted(set(kwargs) - {n for n, q in params.items() if q.kind in (q.POSITIONAL_OR_KEYWORD, q.KEYWORD_ONLY)})
            if unknown:
                raise ConfigError(f"{unknown[0]}: expected an argument of dataset {self.name!r} "
                                  f"({sorted(params) or 'it takes none'}), got {unknown}")
        return self.loader(**kwargs)


_REGISTRY: dict[str, DatasetInfo] = {}


def register_dataset(info: DatasetInfo) -> DatasetInfo:
    """Add ``info`` to the registry. A name already registered (a bundled data set's, or one registered before)
    is a ConfigError: ``register_dataset(DatasetInfo("co2", ...))`` replaced the bundled co2 silently, or -- made
    before the registry loaded its bundled sets -- was replaced by it, silently. A user's own earlier registration
    may be made again with an equal ``DatasetInfo`` (the same fields; the loader may be a new function): a notebook
    cell run twice."""
    if not isinstance(info, DatasetInfo):   # was "'int' object has no attribute 'name'"
        raise InputTypeError(f"info: expected a DatasetInfo, got {type(info).__name__}")
    if sys._getframe(1).f_globals.get("__name__") not in _PROVIDERS:   # a user's: the bundled names first
        _ensure_loaded()
        old = _REGISTRY.get(info.name)
        if old is not None and old is not info and (info.name in _BUNDLED or old != info):
            raise ConfigError(f"info.name: expected a name not registered yet, got {info.name!r} (the {old.kind} data "
                              f"set {old.description[:60]!r}); choose another name")
    else:
        _BUNDLED.add(info.name)
    _REGISTRY[info.name] = info
    return info


def _ensure_loaded() -> None:
    # Modules that register data sets; imported lazily so `import rnnkit` stays light.
    import importlib

    for mod in _PROVIDERS:
        importlib.import_module(mod)


_BUNDLED: set[str] = set()   # names the providers registered: never replaced by a user's

# Modules registering data sets (each calls register_dataset at import).
_PROVIDERS: list[str] = ["rnnkit.data.series", "rnnkit.data.text", "rnnkit.data.tsc", "rnnkit.data.translation",
                         "rnnkit.data.chinese", "rnnkit.data.movies", "rnnkit.data.health"]


def get_dataset(name: str) -> DatasetInfo:
    _ensure_loaded()
    if not isinstance(name, str) or name not in _REGISTRY:   # a list was a bare 'unhashable' TypeError
        error = ConfigError if isinstance(name, str) or name is None else InputTypeError
        raise error(f"dataset: expected one of {sorted(_REGISTRY)}, got {name!r}{did_you_mean(name, _REGISTRY)}")
    return _REGISTRY[name]


#: The kinds of the bundled data sets (:class:`DatasetInfo`'s docstring); a user's own set may add one.
KINDS = ("series", "text", "tagging", "translation", "corpus", "tsc", "images")


def list_datasets(kind: str | None = None) -> list[DatasetInfo]:
    """The registered data sets of ``kind`` (``None``: all), by kind and name. A kind that is neither a bundled
    kind nor a registered set's is an error: ``list_datasets("serie")`` was an empty list, silently."""
    _ensure_loaded()
    kinds = sorted(set(KINDS) | {d.kind for d in _REGISTRY.values()})
    if kind is not None and kind not in kinds:
        error = ConfigError if isinstance(kind, str) else InputTypeError
        raise error(f"kind: expected one of {kinds} or None, got {kind!r}{did_you_mean(kind, kinds)}")
    return [d for d in sorted(_REGISTRY.values(), key=lambda d: (d.kind, d.name)) if kind in (None, d.kind)]


def load_dataset(name: str, **kwargs: Any) -> Any:
    return get_dataset(name).load(**kwargs)


def require_package(package: str, install: str, what: str) -> Any:
    """Import ``package`` or raise a DataError saying how to install it."""
    if importlib.util.find_spec(package) is None:
        raise DataError(f"{what}: needs package {package!r}; install it with: {install}")
    return importlib.import_module(package)
