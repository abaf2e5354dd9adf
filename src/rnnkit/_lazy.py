"""PEP 562 names of a package loaded on first use: a package whose ``__init__`` imported its torch modules eagerly
made every import of a light submodule (``rnnkit.hopfield._checks``, ``rnnkit.bench.names``: the help texts' choices
and checks) load torch first -- 1.5-2 s of ``rnnkit hopfield --help``.

>>> getattr_, dir_ = lazy_names("rnnkit.errors", {"Err": ("rnnkit.errors", "ConfigError")}, {})
>>> getattr_("Err").__name__
'ConfigError'
"""

from __future__ import annotations

import importlib
from typing import Any, Callable


def lazy_names(package: str, table: dict[str, tuple[str, str | None]], namespace: dict[str, Any]
               ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``: ``table`` maps a public name to ``(module, attribute)`` (``None``:
    the module itself); the first use imports the module and keeps the value in ``namespace`` (the package's
    ``globals()``), so later uses are plain lookups and ``from package import name`` works as before."""

    def __getattr__(name: str) -> Any:
        try:
            module, attribute = table[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        value = importlib.import_module(module)
        if attribute is not None:
            value = getattr(value, attribute)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(table))

    return __getattr__, __dir__


class LazyClass:
    """A class attribute whose value, a class of another module, is imported on first read: a command's task class
    (``task = LazyClass("rnnkit.tasks.tagging", "SequenceTagger")``) imports torch, which the command's ``--help`` and
    usage errors do not need.

    >>> class Command:
    ...     error = LazyClass("rnnkit.errors", "ConfigError")
    >>> Command.error.__name__, Command().error is Command.error
    ('ConfigError', True)
    """

    def __init__(self, module: str, name: str) -> None:
        self.module, self.name = module, name

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        return getattr(importlib.import_module(self.module), self.name)
