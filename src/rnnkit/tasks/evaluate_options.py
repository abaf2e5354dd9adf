"""Which options a task's ``evaluate`` reads (the contract's check of ``evaluate(**options)``, from tasks/base.py: its
module was at 550 lines).

>>> class Scored:
...     def score(self, inputs, targets, beam=1):
...         return {}
>>> check_evaluate_options(Scored(), {"beem": 5}, object)
Traceback (most recent call last):
rnnkit.errors.ConfigError: beem: expected an option Scored.evaluate reads (one of ['beam']; and baselines, places), got beem=5
"""

from __future__ import annotations

import inspect
from typing import Any

from rnnkit._validate import did_you_mean, short_repr
from rnnkit.errors import ConfigError

__all__ = ["check_evaluate_options"]


def check_evaluate_options(task: Any, options: dict[str, Any], base: type) -> None:
    """A ConfigError for an ``evaluate`` option no ``score`` of ``task`` reads: the classifiers', tsc's and the tagger's
    ``score(**options)`` ignored every one, so ``evaluate(X, y, baseline=False)`` (``baselines`` mistyped) scored
    the baselines and ``beam=5`` did nothing, silently. The options read are the named parameters of ``score`` down
    the classes that pass ``**options`` on to their base's (``base``: the contract's class, whose ``score`` reads
    none); a ``score`` outside rnnkit taking ``**options`` reads any."""
    if not options:
        return
    known: list[str] = []
    for cls in type(task).__mro__:
        fn = cls.__dict__.get("score")
        if fn is None or cls is base:
            continue
        params = list(inspect.signature(fn).parameters.values())[3:]     # self, inputs, targets
        known += [p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        if not any(p.kind is p.VAR_KEYWORD for p in params):
            break
        if not cls.__module__.startswith("rnnkit."):
            return                                                       # a user's score: its own options
    for name in options:
        if name not in known:
            read = f"one of {sorted(set(known))}" if known else "none"
            hint = did_you_mean(name, [*known, "baselines", "places"])
            raise ConfigError(f"{name}: expected an option {type(task).__name__}.evaluate reads ({read}; and "
                              f"baselines, places), got {name}={short_repr(options[name])}{hint}")
