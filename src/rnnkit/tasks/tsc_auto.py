"""What the time-series classifier derives from its training set when its settings are left to it.

Session 8 found that settings tuned on one data set (JapaneseVowels: 270 series of 7-29 steps) learned
nothing on small or long ones: 60 epochs of a 36-series set are 60-120 optimizer steps, and a BiLSTM over
1,460 steps is slow and hard to train. So a setting left unset (``None``) is derived here, from the
training part, once per fit, and the resolved value is what the run folder saves:

* ``batch_size``: ``min(32, max(4, n // 4))`` -- at least four optimizer steps an epoch;
* ``epochs``: at least :data:`MIN_STEPS` optimizer steps (never under 60 epochs);
* ``patience``: a quarter of those epochs (the same share as the old 15 of 60), i.e. counted in steps;
* ``patch``: windows of ``ceil(T / 64)`` steps, so the recurrence sees at most :data:`MAX_RECURRENT_STEPS`
  (ACSF1's 1,460 steps -> 64 windows of 23);
* ``model="auto"``: a validation split of at least ``min(10, n // 4)`` series, and after the fit the
  network is compared with the 1-NN Euclidean baseline fitted on the same training part and scored on
  the same validation series (:func:`choose`); the run predicts with the better one.

>>> derived_schedule(32, batch_size=None, epochs=None, patience=None)
{'batch_size': 8, 'epochs': 250, 'patience': 62}
>>> auto_patch([1460, 1460], max_len=2000), auto_patch([29, 7], max_len=2000)
(23, 1)
>>> choose(0.7, 0.8, learned=True, n_val=10)[0], choose(0.8, 0.8, learned=True, n_val=10)[0]
('1nn_euclidean', 'network')
"""

from __future__ import annotations

import math
from typing import Sequence

__all__ = ["AUTO", "MIN_STEPS", "MAX_RECURRENT_STEPS", "CHOICES", "derived_schedule", "auto_patch",
           "auto_val_fraction", "choose"]

MIN_STEPS = 1000            # optimizer steps a derived schedule makes at least
MAX_RECURRENT_STEPS = 64    # steps the recurrence sees at most with a derived patch
MIN_VAL = 10                # series the auto model's validation split holds at least (when n allows)
CHOICES = ("network", "1nn_euclidean")
AUTO = {"model": "auto", "epochs": None, "batch_size": None, "patience": None, "patch": None}  # all derived


def derived_schedule(n: int, *, batch_size: int | None, epochs: int | None, patience: int | None) -> dict:
    """``{"batch_size", "epochs", "patience"}`` for ``n`` training series; a value given is kept."""
    batch = batch_size if batch_size is not None else min(32, max(4, n // 4))
    per_epoch = -(-n // batch)
    ep = epochs if epochs is not None else max(60, -(-MIN_STEPS // per_epoch))
    pat = patience if patience is not None else max(1, ep // 4)
    return {"batch_size": batch, "epochs": ep, "patience": pat}


def auto_patch(lengths: Sequence[int], max_len: int | None) -> int:
    """Steps per window so the longest (possibly truncated) series is at most ``MAX_RECURRENT_STEPS`` windows."""
    longest = max(lengths)
    if max_len is not None:
        longest = min(longest, max_len)
    return max(1, math.ceil(longest / MAX_RECURRENT_STEPS))


def auto_val_fraction(n: int, fraction: float) -> float:
    """The validation share of the auto model: ``fraction`` of ``n``, but at least ``min(10, n // 4)``
    series (10% of a 36-series set is 4 series: one of them decides 25 points of accuracy)."""
    if fraction <= 0:
        return fraction
    k = max(int(round(n * fraction)), min(MIN_VAL, n // 4))
    return k / n


def choose(network_acc: float | None, nn_acc: float | None, *, learned: bool, n_val: int) -> tuple[str, str]:
    """``(choice, why)``: the network unless it did not learn or the 1-NN baseline (fitted on the same
    training part) is more accurate on the same validation series; a tie keeps the network."""
    if network_acc is None or nn_acc is None:
        return "network", "no validation series to compare the network with 1-NN on (val_fraction 0 or too few series)"
    score = f"validation accuracy on the same {n_val} series: network {network_acc:.3f}, 1-NN {nn_acc:.3f}"
    if not learned:
        return "1nn_euclidean", f"the network did not learn (training loss at the label-frequency guess); {score}"
    if network_acc >= nn_acc:
        return "network", score
    return "1nn_euclidean", score
