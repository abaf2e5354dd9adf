"""The checks and choices the task configs share (:func:`check_training`, :data:`CELLS`, :data:`POOLINGS`), apart from
:mod:`rnnkit.tasks.common` (torch): a config class and the command-line flags built from it (every ``rnnkit <task> ...
--help``) need no torch.

>>> check_training(type("Cfg", (), dict(on_long="cut", progress=True))())
Traceback (most recent call last):
    ...
rnnkit.errors.ConfigError: on_long: expected one of ['truncate', 'error'], got 'cut'
"""

from __future__ import annotations

from typing import Any, Sequence

from rnnkit._validate import SEED_END, check_bool, check_choice, check_number

__all__ = ["CELLS", "POOLINGS", "check_training"]

POOLINGS = ("last", "max", "mean")
#: The recurrent layers the task networks are built from (names of :mod:`rnnkit.layers.registry`).
CELLS = ("lstm", "gru", "elman")


def check_training(cfg: Any, ints: Sequence[str] = (), bools: Sequence[str] = ()) -> None:
    """The checks every epoch-trained task config shares (``epochs``, ``batch_size``, ``patience``,
    ``max_len``, ``on_long``, ``dropout``, ``lr``, ``weight_decay``, ``clip``, ``val_fraction``, ``seed``,
    ``progress``), plus the positive ints ``ints`` and the bools ``bools`` of that config."""
    from rnnkit.data.batching import ON_LONG

    check_choice("on_long", cfg.on_long, ON_LONG)
    for name in ("progress", *bools):
        check_bool(name, getattr(cfg, name))
    for name in ("epochs", "batch_size", "patience", *ints):
        check_number(name, getattr(cfg, name), lo=1, integer=True)
    check_number("max_len", cfg.max_len, lo=1, integer=True, allow_none=True)
    check_number("dropout", cfg.dropout, lo=0, hi=0.95)
    check_number("lr", cfg.lr, lo=0, lo_open=True)
    check_number("weight_decay", cfg.weight_decay, lo=0)
    check_number("clip", cfg.clip, lo=0)
    check_number("val_fraction", cfg.val_fraction, lo=0, hi=0.5)
    check_number("seed", cfg.seed, lo=0, hi=SEED_END - 1, integer=True)   # torch.manual_seed's range
    check_number("max_seconds", getattr(cfg, "max_seconds", None), lo=0, lo_open=True, allow_none=True)
