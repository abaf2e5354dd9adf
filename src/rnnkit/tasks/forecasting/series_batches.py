"""Series batches for the ES-RNN hybrid's training (:class:`.esrnn.ESRNNCandidate`, ``batch_series``): a bound on
the work of one optimiser step that does not grow with the number of series.

The hybrid is trained full-batch: every step runs the network over every step of every series, so a fit of
1,000 series costs ten times one of 100. With ``batch_series = B`` and more than ``B`` series, each step reads
``B`` of them instead: the series are taken in the order of a seeded permutation, ``B`` at a time, a fresh
permutation when one is used up (sampling without replacement within a pass over the series, as Smyl's ES-RNN
trained on batches of series), so the fit's cost is that of ``B`` series whatever their number. With ``B`` or
fewer series nothing changes (every step reads them all: the same fit, bit for bit). ``None``: always all (the
default before session 21). The default is 512 (:data:`DEFAULT_BATCH_SERIES`); smaller caps cost accuracy on
development data (short dev, ~96-series panels: a cap of 10 per panel, auto's mean MASE +6.4%; 25: +2.3%; 50: +0.0%).

>>> [b.tolist() for b in series_batches(5, 2, 4, seed=0)]
[[4, 0], [1, 3], [2], [3, 4]]
>>> list(series_batches(5, 5, 2, seed=0)), list(series_batches(5, None, 2, seed=0))
([None, None], [None, None])
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator

from rnnkit._validate import is_int
from rnnkit.errors import ConfigError

if TYPE_CHECKING:
    import torch

__all__ = ["check_batch_series", "check_esrnn_batch", "series_batches", "batch_series_flag", "DEFAULT_BATCH_SERIES"]

#: ``ESRNNCandidate(batch_series=...)`` and ``ForecastConfig.esrnn_batch_series`` by default since session 21
#: (pre-registered check, short holdout as two ~96-series panels capped at 50 -- as hard as 512 caps 1,000 series:
#: auto's mean MASE 2.394 -> 2.364, the hybrid's time 40 -> 24 s CPU); panels of up to 512 series fit as before.
DEFAULT_BATCH_SERIES: int | None = 512


def check_batch_series(value: Any, name: str = "batch_series") -> int | None:
    """``value`` as the number of series per step (a positive int) or ``None`` (all of them); a ConfigError naming
    ``name`` otherwise (a bool, a float such as 64.0, a string: never coerced)."""
    if value is None:
        return None
    if not is_int(value) or value < 1:
        raise ConfigError(f"{name}: expected a positive int or None (all series every step), got {value!r}")
    return int(value)


def batch_series_flag(text: str) -> int | None:
    """``rnnkit forecast --esrnn-batch-series``'s value: a positive int, or ``all`` (``None``: every series every
    step); anything else an ``argparse.ArgumentTypeError`` (argparse names the flag)."""
    import argparse

    if text == "all":
        return None
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive int or 'all', got {text!r}")
    return int(text)


def check_esrnn_batch(cfg: Any) -> None:
    """``cfg.esrnn_batch_series`` (a :class:`.config.ForecastConfig`) checked, and refused unless the hybrid is fitted:
    model ``esrnn``, or ``auto`` with it among the candidates (a setting nothing reads is never dropped silently)."""
    value = check_batch_series(cfg.esrnn_batch_series, "esrnn_batch_series")
    if value == DEFAULT_BATCH_SERIES:
        return
    if cfg.model not in ("auto", "esrnn"):
        raise ConfigError(f"esrnn_batch_series: model {cfg.model!r} would ignore it (a setting of the ES-RNN hybrid: "
                          f"model 'esrnn' or 'auto'); expected the default {DEFAULT_BATCH_SERIES!r}, got {value!r}")
    if cfg.model == "auto" and cfg.candidates is not None and "esrnn" not in cfg.candidates:
        raise ConfigError(f"esrnn_batch_series: candidates {list(cfg.candidates)} would ignore it (no 'esrnn' among "
                          f"them); expected the default {DEFAULT_BATCH_SERIES!r}, got {value!r}")


def series_batches(n_series: int, batch_series: int | None, steps: int, seed: int) -> Iterator["torch.Tensor | None"]:
    """``steps`` row selections: ``None`` (all ``n_series``) each step when ``batch_series`` is ``None`` or at
    least ``n_series``; otherwise index tensors of ``batch_series`` rows (the last of a pass may hold fewer), in
    the order of permutations drawn by a generator seeded with ``seed`` (the global torch generator is untouched)."""
    if batch_series is None or batch_series >= n_series:
        for _ in range(steps):
            yield None
        return
    import torch   # here: ForecastConfig imports this module, and needs no torch to check its settings

    gen = torch.Generator()
    gen.manual_seed(int(seed))
    perm, pos = torch.randperm(n_series, generator=gen), 0
    for _ in range(steps):
        if pos >= n_series:
            perm, pos = torch.randperm(n_series, generator=gen), 0
        yield perm[pos: pos + batch_series]
        pos += batch_series
