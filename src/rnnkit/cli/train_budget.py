"""What ``train`` says of its ``--max-seconds`` (:class:`rnnkit.cli.driver.TaskCommand`): before the fit, one stderr
note that the held-out scoring and the saving come after the budget (``translate train --dataset trans-de-en
--max-seconds 20`` ran 88 s, ~55 s of it beam-scoring the 1,961 held-out pairs, with no word); after it, the record of
what the spent budget cut (``history["budget"]``: the classifier's baselines and combination, a network cut short by
the data's preparation), which the run's config.json held but ``train`` (text and ``--json``) did not show."""

from __future__ import annotations

import sys
from typing import Any


def note_unbounded(command: str, config: Any, task_class: Any, held_out: Any, quiet: bool) -> None:
    """One stderr line (none with ``--quiet``, none without ``--max-seconds``): what the budget does not bound --
    the baselines of a task that fits them always (:attr:`rnnkit.tasks.base.Task.baselines_in_budget` false), the
    scoring of the ``held_out`` items (a list; generate's text: characters) when there are any, and the saving."""
    max_seconds = getattr(config, "max_seconds", None)
    if quiet or max_seconds is None:
        return
    after = [] if getattr(task_class, "baselines_in_budget", True) else ["fitting the baselines"]
    if held_out:
        n, what = len(held_out), "character" if isinstance(held_out, str) else "item"
        after.append(f"scoring the {n:,} held-out {what}{'s' if n != 1 else ''}")
    after.append("saving the run")
    listed = ", ".join(after[:-1]) + f" and {after[-1]} come" if len(after) > 1 else f"{after[0]} comes"
    print(f"rnnkit {command}: note: --max-seconds {max_seconds:g} bounds the fit (data preparation and training); "
          f"{listed} after it, outside the budget", file=sys.stderr)


def budget_summary(task: Any) -> dict[str, Any]:
    """``{"budget": task.history["budget"]}`` when the fit's budget cut a part (see
    :func:`rnnkit.tasks.task_parts.note_budget_skip`), else ``{}``: ``train``'s result names what is missing.

    >>> class T: history = {"seconds": 2.0, "budget": {"max_seconds": 1.0, "skipped": ["the network's training"]}}
    >>> budget_summary(T())
    {'budget': {'max_seconds': 1.0, 'skipped': ["the network's training"]}}
    >>> T.history = {"seconds": 2.0}; budget_summary(T())
    {}
    """
    history = getattr(task, "history", None) or {}
    return {"budget": history["budget"]} if history.get("budget") else {}
