"""The callbacks of a dict-pointer ensemble's members (``Seq2SeqConfig(ensemble=n)``).

An ensemble of ``n`` trains ``n`` networks one after the other, each by its own
:class:`rnnkit.training.Trainer` fit. The callbacks given to ``Translator.fit(callbacks=[...])`` (the CLI's live
``MetricLogger``, a user's) are **member 0's**; every later member trains with a deep copy of them as they were
before any training. This is KerasTuner's rule for the several fits one search call runs (a fresh deep copy of the
callbacks for each; "callbacks ... should be deep-copyable (since they are reused across executions)") and
rnnkit's own for the classifier's seed ensemble (:mod:`rnnkit.tasks.classify_seeds`). rnnkit callbacks belong to one
fit (a Trainer refuses a second one): the members shared one list before session 16, so a hook sequence
``setup ... on_fit_end`` ran once per member on the same objects, and a user's ``EarlyStopping`` (it replaces the
built-in one) carried member 0's best score and weights into member 1 -- restoring member 0's weights into it
when member 1 never beat that score, two copies of one network.

Member boundaries stay visible: each epoch row of member ``j`` carries ``"member": j`` (:class:`MemberTag`, before
any other callback reads the row; ``ensemble=1``: no key, nothing copied -- the single network trains exactly as
before), and ``trainer`` in every hook is that member's Trainer (epochs and steps count from 0 within it).
"""

from __future__ import annotations

from typing import Any, Sequence

from rnnkit.tasks.common import callback_copies
from rnnkit.training.callbacks import Callback

__all__ = ["member_callbacks", "MemberTag"]


class MemberTag(Callback):
    """Adds ``"member": j`` to each epoch row of member ``j`` (first of all callbacks)."""

    order = -1000

    def __init__(self, member: int) -> None:
        self.member = member

    def on_epoch_end(self, trainer, epoch: int, row: dict) -> None:
        row["member"] = self.member


def member_callbacks(callbacks: Sequence[Any], n: int) -> list[list[Any]]:
    """The callbacks of each of ``n`` members (module docstring): ``callbacks`` themselves for member 0, a deep copy
    of them as they are now for each later one, plus a :class:`MemberTag` each when ``n > 1``."""
    if n == 1:
        return [list(callbacks)]
    each = callback_copies(callbacks, n, f"ensemble={n} members (each trains with its own)")
    return [[*cbs, MemberTag(j)] for j, cbs in enumerate(each)]
