"""Callbacks that steer training: early stopping, LR schedules (per epoch and per step), a wall-clock
budget, and the checkpointer."""

from __future__ import annotations

import math
import time
import warnings
from typing import Any, Callable

import torch

from rnnkit._validate import check_choice, is_finite_real, plain
from rnnkit.errors import CheckpointError, ConfigError
from rnnkit.training.callbacks.base import Callback
from rnnkit.training.config import EarlyStoppingConfig, ScheduleConfig, _number, _pos_int
from rnnkit.training.optim import check_min_lr, make_scheduler
from rnnkit.training.checkpoint import copy_weights

__all__ = ["EarlyStopping", "LRSchedule", "WarmupCosine", "warmup_cosine_lr", "TimeBudget", "Checkpointer"]


def _monitored(row: dict, monitor: str, where: str) -> float:
    if monitor not in row:
        raise ConfigError(f"{where}: expected one of "
                          f"{sorted(k for k in row if k.startswith(('train_', 'val_')))}, got {monitor!r}")
    return float(row[monitor])


# ------------------------------------------------------------------------------------------ early stopping
class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs (reason
    ``"patience"``), or at the first epoch whose value reaches ``target`` (``<=`` in ``min`` mode, ``>=``
    in ``max`` mode; reason ``"target"``). ``restore_best``: load the best epoch's weights when training
    ends. ``monitor`` names a row key: ``val_loss``, ``train_loss``, ``val_<metric>``.

    ``TrainConfig(early_stopping=EarlyStoppingConfig(...))`` adds one with the same fields.
    """

    def __init__(self, monitor: str = "val_loss", mode: str = "min", patience: int = 5, min_delta: float = 0.0,
                 target: float | None = None, restore_best: bool = True) -> None:
        cfg = EarlyStoppingConfig(monitor=monitor, mode=mode, patience=patience, min_delta=min_delta,
                                  restore_best=restore_best, target=target)  # validates every field
        self.monitor, self.mode, self.patience, self.min_delta = cfg.monitor, cfg.mode, cfg.patience, cfg.min_delta
        self.target, self.restore_best = cfg.target, cfg.restore_best
        self.best: float | None = None
        self.best_epoch: int | None = None
        self.wait = 0
        self.best_weights: dict | None = None

    @classmethod
    def from_config(cls, cfg: EarlyStoppingConfig) -> "EarlyStopping":
        return cls(cfg.monitor, cfg.mode, cfg.patience, cfg.min_delta, cfg.target, cfg.restore_best)

    def setup(self, trainer) -> None:
        # each Trainer starts with no best (Keras resets its EarlyStopping in on_train_begin): one instance given
        # to a second Trainer kept the first fit's best value and weights, and restored THOSE into the new model
        # when it never beat them (a resume restores the checkpoint's state after setup)
        self.best, self.best_epoch, self.wait, self.best_weights = None, None, 0, None

    def on_fit_start(self, trainer) -> None:
        if trainer.val_data is None and self.monitor.startswith("val_"):
            raise ConfigError(f"val_data: expected validation data for early_stopping.monitor={self.monitor!r}, got None")

    def _reached(self, v: float, ref: float) -> bool:
        return v <= ref if self.mode == "min" else v >= ref

    def on_epoch_end(self, trainer, epoch: int, row: dict) -> None:
        value = _monitored(row, self.monitor, "early_stopping.monitor")
        better = self.best is None or (value < self.best - self.min_delta if self.mode == "min"
                                       else value > self.best + self.min_delta)
        if better and math.isfinite(value):
            self.best, self.best_epoch, self.wait = value, epoch + 1, 0
            if self.restore_best:
                self.best_weights = copy_weights(trainer.module)
        else:
            self.wait += 1
            if self.wait >= self.patience:
                trainer.request_stop("patience")
        if self.target is not None and math.isfinite(value) and self._reached(value, self.target):
            trainer.request_stop("target")

    def on_fit_end(self, trainer, result) -> None:
        if self.restore_best and self.best_weights is not None:
            trainer.module.load_state_dict(self.best_weights)

    def summary(self) -> dict | None:
        """``{"monitor", "value", "epoch"}`` of the best epoch so far (``FitResult.best``), or ``None``."""
        return None if self.best is None else {"monitor": self.monitor, "value": self.best, "epoch": self.best_epoch}

    def state_dict(self) -> dict:
        return {"best": self.best, "best_epoch": self.best_epoch, "wait": self.wait, "best_weights": self.best_weights,
                "monitor": self.monitor, "mode": self.mode}

    def load_state_dict(self, state: dict) -> None:
        # a best val_loss read as the best val_acc (another monitor, or two EarlyStopping given in another order)
        for key in ("monitor", "mode"):
            if key in state and state[key] != getattr(self, key):   # absent in checkpoints before they were saved
                raise CheckpointError(f"early_stopping.{key}: expected {state[key]!r} (the checkpointed early "
                                      f"stopping's), got {getattr(self, key)!r}")
        self.best, self.best_epoch = state["best"], state["best_epoch"]
        self.wait, self.best_weights = int(state["wait"]), state["best_weights"]


# ------------------------------------------------------------------------------------------ LR schedules
class LRSchedule(Callback):
    """A torch LR scheduler stepped at every epoch end.

    ``schedule``: a :class:`~rnnkit.training.ScheduleConfig` (``cosine`` over ``epochs``, ``step``,
    ``plateau`` on ``monitor`` in ``mode``) or a function ``optimizer -> torch scheduler``. A
    ``ReduceLROnPlateau`` is stepped with the row's ``monitor`` value. ``TrainConfig(schedule=...)`` adds one.
    """

    def __init__(self, schedule: ScheduleConfig | Callable[[Any], Any], *, epochs: int | None = None,
                 monitor: str | None = None, mode: str = "min") -> None:
        if not isinstance(schedule, ScheduleConfig) and not callable(schedule):
            raise ConfigError(f"schedule: expected a ScheduleConfig or a function optimizer -> scheduler, got {schedule!r}")
        if isinstance(schedule, ScheduleConfig) and schedule.name == "cosine" and epochs is None:
            raise ConfigError("epochs: expected the number of epochs the cosine schedule spans, got None")
        # epochs=0 / True spanned 1 epoch (epochs or 1), -1 and 2.5 a cosine of T_max -1 / 2.5, '3' and mode='maximum'
        # were bare TypeError / ValueError at setup; a numpy count is its int
        _pos_int("epochs", epochs, allow_none=True)
        if monitor is not None and (not isinstance(monitor, str) or not monitor):
            raise ConfigError(f"monitor: expected a metric name (e.g. 'val_loss') or None, got {monitor!r}")
        check_choice("mode", mode, ("min", "max"))
        self.schedule, self.epochs, self.monitor, self.mode = schedule, plain(epochs), monitor, mode
        self.scheduler = None
        #: built from ``TrainConfig.schedule``: a resume checks the config (where ``epochs`` may be lowered and
        #: the cosine keeps the checkpoint's span), not the scheduler's settings
        self.from_config = False
        self._restored = False

    def on_fit_start(self, trainer) -> None:
        if trainer.epoch > 0 and not self._restored and self.scheduler is not None:
            # resumed, but the checkpoint held no state for it: added on resume, it starts from its first epoch
            warnings.warn(f"LRSchedule: the checkpoint holds no LR schedule (the schedule was added on resume); "
                          f"it starts from its first epoch at epoch {trainer.epoch + 1}", stacklevel=3)

    def setup(self, trainer) -> None:
        if isinstance(self.schedule, ScheduleConfig):
            self.scheduler = make_scheduler(self.schedule, trainer.optimizer, epochs=self.epochs or 1, mode=self.mode)
        else:
            self.scheduler = self.schedule(trainer.optimizer)
            if not isinstance(self.scheduler, (torch.optim.lr_scheduler.LRScheduler,
                                               torch.optim.lr_scheduler.ReduceLROnPlateau)):
                # None trained at a constant LR without a word; another object failed at the first epoch's end
                raise ConfigError(f"schedule: expected a function returning a torch LR scheduler (an LRScheduler or "
                                  f"ReduceLROnPlateau), got one returning {type(self.scheduler).__name__}")
        if self._plateau and self.monitor is None:
            raise ConfigError("monitor: a plateau schedule reads a metric; expected its name (e.g. 'val_loss'), got None")

    @property
    def _plateau(self) -> bool:
        return isinstance(self.scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau)

    def on_epoch_end(self, trainer, epoch: int, row: dict) -> None:
        if self.scheduler is None:
            return
        if self._plateau:
            self.scheduler.step(_monitored(row, self.monitor, "monitor"))
        else:
            self.scheduler.step()

    def state_dict(self) -> dict | None:
        return None if self.scheduler is None else self.scheduler.state_dict()

    def load_state_dict(self, state: dict) -> None:
        """Restore the scheduler's progress. Its settings must be the checkpoint's: torch's
        ``load_state_dict`` overwrites them (a resume given ``gamma=0.1`` ran on with the checkpoint's 0.5
        without a word), so a difference is a CheckpointError naming them."""
        if self.scheduler is not None:
            if isinstance(state, dict) and not self.from_config:
                mine, saved = _settings(self.scheduler.state_dict()), _settings(state)
                if mine != saved:
                    diff = sorted(k for k in set(mine) | set(saved) if mine.get(k, _MISSING) != saved.get(k, _MISSING))
                    detail = ", ".join(f"{k}: checkpoint {_show(saved, k)}, got {_show(mine, k)}" for k in diff[:4])
                    raise CheckpointError(
                        f"callbacks: expected the LRSchedule of the checkpointed fit ({type(self.scheduler).__name__} "
                        f"settings as saved), got different settings ({detail}); resume with the checkpoint's "
                        f"schedule, or start a new run from the weights to train with another")
            self.scheduler.load_state_dict(state)
            self._restored = True


#: What a torch scheduler's ``state_dict`` holds about its progress (the rest are its settings).
_PROGRESS = frozenset({"last_epoch", "_step_count", "_last_lr", "_get_lr_called_within_step", "_is_initial",
                       "best", "num_bad_epochs", "cooldown_counter", "_initial_step", "verbose"})
_MISSING = object()


def _settings(state: Any) -> Any:
    """A scheduler ``state_dict`` without its progress entries, nested schedulers included."""
    if isinstance(state, dict):
        return {k: _settings(v) for k, v in state.items() if k not in _PROGRESS}
    if isinstance(state, (list, tuple)):
        return [_settings(v) for v in state]
    return state


def _show(settings: dict, key: str) -> str:
    return "absent" if key not in settings else repr(settings[key])


def warmup_cosine_lr(lr: float, frac: float, warmup: float, min_lr: float = 0.0, start_factor: float = 0.05) -> float:
    """The learning rate at ``frac`` (0..1) of the budget: a linear ramp over the first ``warmup``
    (``lr * max(frac / warmup, start_factor)``), then a half cosine from ``lr`` down to ``min_lr`` at
    ``frac = 1``, held there beyond.

    >>> [round(warmup_cosine_lr(1.0, f, 0.1), 3) for f in (0.0, 0.05, 0.1, 0.55, 1.0, 1.2)]
    [0.05, 0.5, 1.0, 0.5, 0.0, 0.0]
    """
    if frac < warmup:
        return lr * max(frac / warmup, start_factor)
    g = min(1.0, (frac - warmup) / (1.0 - warmup))
    return min_lr + (lr - min_lr) * 0.5 * (1.0 + math.cos(math.pi * g))


class WarmupCosine(Callback):
    """Per-step warm-up + cosine LR (:func:`warmup_cosine_lr`) over a budget of ``total_steps`` optimizer
    steps (``frac = global_step / total_steps``, exact on resume), of ``deadline_seconds`` of wall time
    (``frac`` = seconds since ``start`` -- a ``time.perf_counter()`` value, default: when ``fit`` starts --
    over the deadline; a resume goes on from the seconds its checkpoint had spent), or of both: then the LR follows whichever limit ends first (``frac`` is the larger of
    the two), so a deadline far beyond what the steps take (``max_seconds=1e300`` beside a fixed number of
    epochs) neither holds the LR in its warm-up nor leaves it undecayed. The LR of every step is set before it
    (after the previous step; the first one when a fresh fit starts); ``warmup`` is a fraction of the budget in
    [0, 1); ``lr`` defaults to the optimizer's configured LR. Step ``s`` uses the LR at ``frac = s / total_steps``::

        Trainer(model, loss_fn, config=cfg, callbacks=[WarmupCosine(total_steps=5000, warmup=0.02)])
    """

    def __init__(self, total_steps: int | None = None, *, deadline_seconds: float | None = None, warmup: float = 0.0,
                 lr: float | None = None, min_lr: float = 0.0, start_factor: float = 0.05,
                 start: float | None = None) -> None:
        if total_steps is None and deadline_seconds is None:
            raise ConfigError("total_steps: expected total_steps, deadline_seconds or both (the budget the LR "
                              "follows), got neither")
        _pos_int("total_steps", total_steps, allow_none=True)
        for name, v in (("deadline_seconds", deadline_seconds), ("lr", lr)):
            _number(name, v, lo=0.0, lo_open=True, allow_none=True)
        _number("warmup", warmup, lo=0.0)
        if warmup >= 1.0:                          # one message for 1 and 1.5 (1.5 read 'in [0, 1]')
            raise ConfigError(f"warmup: expected a fraction of the budget in [0, 1), got {warmup!r}")
        _number("min_lr", min_lr, lo=0.0)
        _number("start_factor", start_factor, lo=0.0, hi=1.0)
        # numpy numbers stored as Python's: state_dict() is saved as JSON (np.int64 failed json.dumps)
        self.total_steps, self.deadline_seconds, self.warmup = plain(total_steps), plain(deadline_seconds), float(warmup)
        self.base_lr, self.min_lr, self.start_factor, self.start = plain(lr), float(min_lr), float(start_factor), start
        self._given = (self.base_lr, start)    # what each Trainer starts from (setup)
        self._resumed: float | None = None     # the deadline's seconds a resumed checkpoint had spent

    def setup(self, trainer) -> None:
        # each Trainer's fit starts its own budget: one instance given to a second Trainer kept the first fit's
        # start (a deadline counted from the FIRST fit: the next one ran at min_lr from its first step) and its lr
        self.base_lr, self.start = getattr(self, "_given", (self.base_lr, self.start))
        self._resumed = None

    def frac(self, trainer) -> float:
        """The share of the budget spent: of the steps, of the deadline, or the larger (the limit nearer its end)."""
        steps = None if self.total_steps is None else trainer.global_step / self.total_steps
        seconds = None if self.deadline_seconds is None else (time.perf_counter() - self.start) / self.deadline_seconds
        return max(f for f in (steps, seconds) if f is not None)

    def lr_at(self, frac: float) -> float:
        return warmup_cosine_lr(self.base_lr, frac, self.warmup, self.min_lr, self.start_factor)

    def on_fit_start(self, trainer) -> None:
        if self.base_lr is None:
            self.base_lr = trainer.config.optim.lr
        check_min_lr("min_lr", self.min_lr, self.base_lr, "warm-up + cosine")
        if getattr(self, "_resumed", None) is not None:   # the deadline goes on where the checkpoint left it
            given = getattr(self, "_given", (None, None))[1]
            self.start = (time.perf_counter() if given is None else given) - self._resumed
            self._resumed = None
        elif self.start is None:
            self.start = time.perf_counter()
        if trainer.global_step == 0:  # a resumed fit continues with the checkpoint's LR (exact resume)
            self._next_lr(trainer)

    def on_step_end(self, trainer, step: int, loss: float, metrics: dict) -> None:
        if self.total_steps is not None and step == self.total_steps + 1 and self.min_lr == 0:
            warnings.warn(f"WarmupCosine: the fit ran past total_steps={self.total_steps}: step {step} and every "
                          "later one take a learning rate of min_lr=0 and leave the weights unchanged; set "
                          "total_steps to the steps the fit makes (epochs x batches)", stacklevel=2)
        self._next_lr(trainer)  # the next step's

    def _next_lr(self, trainer) -> None:
        """Set the next step's LR; once the deadline is spent and that LR is 0 (``min_lr=0``), stop with reason
        ``"max_seconds"`` instead: the step would leave the weights as they are. A fit whose budget the data's
        preparation spent (the deadline counted from the task's start) trained its one step at LR 0, and a fit
        whose deadline passed between the budget's check and this one took one more, each logged as a trained
        epoch (``lr`` 0.0) that changed nothing."""
        frac = self.frac(trainer)
        lr = self.lr_at(frac)
        if lr == 0.0 and self.deadline_seconds is not None and \
                time.perf_counter() - self.start >= self.deadline_seconds:
            trainer.request_stop("max_seconds")
            return
        trainer.set_lr(lr)

    _SETTINGS = ("total_steps", "deadline_seconds", "warmup", "min_lr", "start_factor")

    def state_dict(self) -> dict:
        """Its settings (a resume compares them) and, with a deadline, ``seconds``: the deadline's seconds spent so far
        (the LR follows from them and ``global_step``), as torch's ``LRScheduler.state_dict`` keeps ``last_epoch``."""
        out = {**{k: getattr(self, k) for k in self._SETTINGS}, "lr": self.base_lr}
        if self.deadline_seconds is not None:
            out["seconds"] = 0.0 if self.start is None else time.perf_counter() - self.start
        return out

    def load_state_dict(self, state: dict) -> None:
        """A resume with other settings is a CheckpointError: the LR jumped to another curve mid-run without a
        word (a resume given total_steps=2000 for a 1000-step run climbed back up). ``lr`` is compared when
        given (by default it is the optimizer's, which the config check compares)."""
        mine = {k: getattr(self, k) for k in self._SETTINGS}
        if self.base_lr is not None:
            mine["lr"] = self.base_lr
        diff = [k for k, v in mine.items() if k in state and state[k] != v]
        if diff:
            detail = ", ".join(f"{k}: checkpoint {state[k]!r}, got {mine[k]!r}" for k in diff)
            raise CheckpointError(f"callbacks: expected the WarmupCosine of the checkpointed fit, got different "
                                  f"settings ({detail}); resume with the checkpoint's schedule, or start a new run")
        # a deadline's schedule goes on from the seconds it had spent: the resumed fit counted them from 0 again and
        # warmed up a second time (session 28's leftover); a checkpoint written before they were saved cannot say,
        # and was refused (lost work after an upgrade): it resumes as it did then, with a warning
        if self.deadline_seconds is not None:
            spent = state.get("seconds")
            if spent is None:   # written before 6247eea: resumed as it was then, the deadline counted afresh
                warnings.warn(f"WarmupCosine: the checkpoint was written before the deadline's seconds were kept: "
                              f"deadline_seconds={self.deadline_seconds!r} is counted from 0 again (its learning "
                              f"rate warms up again), as rnnkit did then", stacklevel=2)
                return
            if not is_finite_real(spent) or isinstance(spent, bool) or spent < 0:
                raise CheckpointError(f"callbacks: expected the seconds the WarmupCosine's deadline (deadline_seconds="
                                      f"{self.deadline_seconds!r}) had spent at the checkpoint, got "
                                      f"{spent!r}: "
                                      "where its learning rate was cannot be known; start a new run")
            self._resumed = float(spent)


# ------------------------------------------------------------------------------------------ budget
class TimeBudget(Callback):
    """Stop once ``max_seconds`` of wall time have passed in the run's training (reason ``"max_seconds"``):
    since ``fit`` started, plus, on a resume, the seconds its checkpoint had spent (``trainer.run_seconds()``; the
    budget restarted on each resume while a deadline ``WarmupCosine`` went on: the rest of the run at its ``min_lr``;
    as Lightning's ``Timer`` keeps its elapsed time; the time between the runs is not counted). A resume whose budget
    is already spent takes no step; ``max_seconds`` may be raised on a resume. A checkpoint written before the
    seconds were kept starts the budget afresh, as it did then.

    Checked after every optimizer step, before the next one: a step is taken only when the wall time it is
    expected to take still fits in the budget, so the budget bounds the whole fit, not whole epochs, and is not
    overrun by a last step (session 34: the check came after the step only, so a fit ran one step past it). A step's
    wall time is measured from the end of the step before (its batch's loading and callbacks included); the one
    expected is the larger of the last step's and the median of this fit's last :attr:`WINDOW` steps, its first
    step (the warm-up: lazy initialisation, the loader's start, cache misses) left out of the median once a later
    one is measured -- the last step's alone (session 34) expected a fast step after slow ones to be the pace; the
    median alone (session 35's first form) took a lasting slowdown's first slow step for a one-off and ran another
    past the budget (review W2: 1 s steps, then 10 s ones, a 17 s budget ended at 26 s; now at 16 s). So one slow
    step near the end of the budget (a checkpoint written, a pause) ends the fit with less than its time left: the
    budget is a bound, not a target. After the first step only that step is known, and it is what the second is
    expected to take: a first step longer than half the budget still ends the fit.
    The first step of an epoch is checked at the end of the epoch before, after its validation.
    The epoch in progress ends early (its row is logged and validated; the run folder's checkpoint is the one before
    that early end, so a resumed fit finishes the epoch). The last validation's duration is kept in
    reserve, so that validation fits in the budget too. ``TrainConfig(max_seconds=...)`` adds one.
    """

    #: how many of the latest steps the expected step time is the median of
    WINDOW = 5

    def __init__(self, max_seconds: float) -> None:
        _number("max_seconds", max_seconds, lo=0.0, lo_open=True)
        self.max_seconds = float(max_seconds)
        self._mark = 0.0      # run_seconds() at the end of the last step (or the start of the fit or the epoch)
        self._steps: list[float] = []   # this fit's step wall times: the first, then the latest WINDOW after it
        self._ended: float | None = None    # run_seconds() at the last epoch end's check (after its validation)
        self._end_cost = 0.0     # the last epoch end's time after its validation (its checkpoint): kept in reserve

    def expected_step(self) -> float:
        """The wall time the next step is expected to take: the larger of the last step's and the median of the
        latest :attr:`WINDOW` steps after this fit's first, or the first step's when it is the only one measured
        (0.0 before any)."""
        import statistics

        return max(statistics.median(self._steps[1:] or self._steps), self._steps[-1]) if self._steps else 0.0

    def reserve(self, trainer) -> float:
        """The seconds kept in reserve after a step: the last validation's and the last epoch end's after it (the
        checkpoint written there: review W2-3, session 36, its 4 s were in no step and no reserve: 29 s of 21)."""
        return trainer.last_eval_seconds + self._end_cost

    def on_fit_start(self, trainer) -> None:
        self._mark, self._steps, self._ended, self._end_cost = trainer.run_seconds(), [], None, 0.0
        if self._mark - trainer.elapsed() >= self.max_seconds:   # a resume: its checkpoint spent them all
            trainer.request_stop("max_seconds")                  # (a new fit takes at least one step)

    def on_epoch_start(self, trainer, epoch: int) -> None:
        self._mark = now = trainer.run_seconds()   # the validation before is no step's time (it is kept in reserve)
        if self._ended is not None:
            self._end_cost, self._ended = max(0.0, now - self._ended), None
        # the epoch's first step, checked after the epoch end's checkpoint (the Trainer takes no batch on a stop here)
        if self._steps and now + self.reserve(trainer) + self.expected_step() > self.max_seconds:
            trainer.request_stop("max_seconds")

    def on_step_end(self, trainer, step: int, loss: float, metrics: dict) -> None:
        now = trainer.run_seconds()
        self._steps = self._steps[:1] + (self._steps[1:] + [now - self._mark])[-self.WINDOW:]
        self._mark = now
        spent = now + self.reserve(trainer)     # a step ending at the budget keeps to it; one ending past it not
        if spent >= self.max_seconds or spent + self.expected_step() > self.max_seconds:
            trainer.request_stop("max_seconds")

    def on_epoch_end(self, trainer, epoch: int, row: dict) -> None:
        # the next epoch's first step is checked here, after this epoch's validation (review W4, session 36: the
        # check ran after steps only, so that step was taken unchecked and the fit ended past the budget)
        self._ended = trainer.run_seconds()
        if self._ended + self.reserve(trainer) + self.expected_step() > self.max_seconds:
            trainer.request_stop("max_seconds")


# ------------------------------------------------------------------------------------------ checkpoints
class Checkpointer(Callback):
    """Write a checkpoint (:func:`~rnnkit.training.checkpoint.save_checkpoint`, into ``trainer.run_dir``)
    at every epoch end and, with ``every_steps``, whenever the step count crosses a multiple of it (at
    the end of that batch, unless the epoch is about to end anyway); keep the newest ``keep``. When a
    limit (``max_steps``, ``max_seconds``) ends an epoch with batches left, the checkpoint is the one of
    its last batch, taken before the early epoch end, so a resume continues that epoch exactly. Runs last, so each checkpoint holds every other
    callback's state. ``TrainConfig(checkpoint_every=..., keep_checkpoints=...)`` configures the one a
    Trainer with a ``run_dir`` adds.
    """

    order = 100

    def __init__(self, every_steps: int | None = None, keep: int = 2) -> None:
        _pos_int("every_steps", every_steps, allow_none=True)
        _pos_int("keep", keep)
        self.every_steps, self.keep = plain(every_steps), plain(keep)   # np.int64 kept as the int
        self._last = 0

    def setup(self, trainer) -> None:
        if trainer.run_dir is None:   # save_checkpoint writes nothing without one: the fit ran with no checkpoint, silently
            raise ConfigError("callbacks: expected a Trainer with a run_dir for the Checkpointer given (it writes its "
                              "checkpoints there), got run_dir=None")

    def on_fit_start(self, trainer) -> None:
        self._last = trainer.global_step

    def _save(self, trainer) -> None:
        trainer.save_checkpoint(keep=self.keep)
        self._last = trainer.global_step

    def on_batch_end(self, trainer, batch_index: int) -> None:
        n = self.every_steps
        if trainer.stopping:
            # a limit (max_steps, max_seconds) may end the epoch with batches left: the state before its
            # early end is the one a resume continues from (replaced by the epoch end's if no batch was left)
            last = trainer.epoch_total is not None and trainer.batch_in_epoch >= trainer.epoch_total
            if not trainer.stopped_early and not (last and not getattr(trainer, "_batch_cut", False)):
                self._save(trainer)   # (on the epoch's last batch the epoch end's replaces it: one write, W2-3)
        elif n is not None and trainer.global_step // n > self._last // n:
            self._save(trainer)

    def on_epoch_end(self, trainer, epoch: int, row: dict) -> None:
        if not trainer.epoch_cut:   # cut short by a limit: keep the checkpoint of its last batch
            self._save(trainer)
