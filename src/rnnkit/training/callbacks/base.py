"""The :class:`Callback` base class and the list that calls the hooks in order."""

from __future__ import annotations

import math
import numbers
from typing import Any, Iterable

from rnnkit.errors import CheckpointError, ConfigError, InputTypeError
from rnnkit.training.host import fit_paused


__all__ = ["Callback", "CallbackList"]


class Callback:
    """Base class of Trainer callbacks: every hook is optional and does nothing by default.

    The Trainer passes itself to every hook. What a callback may use: ``trainer.request_stop(reason)``,
    ``trainer.set_lr(lr)`` / ``trainer.lr``, ``trainer.global_step``, ``trainer.epoch`` (epochs
    completed), ``trainer.batch_in_epoch``, ``trainer.optimizer``, ``trainer.model`` (as trained; under
    DDP the wrapper) and ``trainer.module`` (the bare model), ``trainer.config``, ``trainer.run_dir``,
    ``trainer.is_main``, ``trainer.history`` (the epoch rows so far), ``trainer.epoch_total`` (batches per
    epoch or ``None``), ``trainer.running_metrics()`` (this epoch's training means so far),
    ``trainer.elapsed()`` (seconds since ``fit`` started), ``trainer.last_eval_seconds``,
    ``trainer.save_checkpoint()``, ``trainer.train_data`` / ``trainer.val_data``.

    Order of the hooks in one ``fit``::

        setup (once, when the Trainer is built)
        on_fit_start
          on_epoch_start(epoch)                  # epoch counts from 0
            on_batch_start(batch_index)
              on_step_end(step, loss, metrics)   # after each optimizer step (several per batch with tbptt_k)
            on_batch_end(batch_index)            # after the whole batch (mid-epoch checkpoints happen here)
          on_validation_end(epoch, metrics)      # only with val_data; metrics keyed as in the row (val_*)
          on_epoch_end(epoch, row)               # row: the epoch's logged metrics (a callback may add keys)
        on_fit_end(result)                       # before the final weights are written
        on_exception(error)                      # instead of the rest, when fit raises

    Callbacks run in ascending ``order`` (stable: equal orders keep the given order): metric producers
    (negative) before the default 0, loggers (50) after, the :class:`Checkpointer` (100) last so a
    checkpoint holds every other callback's updated state.

    ``state_dict()`` / ``load_state_dict(state)``: what exact resume needs (JSON values and tensors,
    saved in every checkpoint under the callback's class name); ``None`` (the default) saves nothing.

    >>> from rnnkit.training import Trainer, TrainConfig
    >>> class StopAt(Callback):
    ...     def on_step_end(self, trainer, step, loss, metrics):
    ...         if step == 3:
    ...             trainer.request_stop("three steps")
    >>> import torch
    >>> data = [(torch.randn(2, 3), torch.randn(2, 1))] * 5
    >>> fit = lambda m, b: torch.nn.functional.mse_loss(m(b[0]), b[1])
    >>> r = Trainer(torch.nn.Linear(3, 1), fit, config=TrainConfig(epochs=4, quiet=True), callbacks=[StopAt()]).fit(data)
    >>> r.global_step, r.stop_reason, r.stopped_early
    (3, 'three steps', True)
    """

    order: int = 0

    def setup(self, trainer) -> None:
        """Once, when the Trainer is built (its optimizer exists; nothing is loaded yet)."""

    def on_fit_start(self, trainer) -> None:
        """At the start of ``fit``, after a resume restored the trainer (and this callback's state)."""

    def on_epoch_start(self, trainer, epoch: int) -> None:
        """Before the first batch of ``epoch`` (from 0), after the epoch's seeding and ``set_epoch``."""

    def on_batch_start(self, trainer, batch_index: int) -> None:
        """Before a batch's forward pass (``batch_index`` counts from 0 within the epoch)."""

    def on_step_end(self, trainer, step: int, loss: float, metrics: dict) -> None:
        """After each optimizer step; ``step`` = ``trainer.global_step``; ``loss`` the batch's (or chunk's) loss."""

    def on_batch_end(self, trainer, batch_index: int) -> None:
        """After the batch (all its truncated-BPTT chunks); ``trainer.batch_in_epoch`` counts it."""

    def on_validation_end(self, trainer, epoch: int, metrics: dict) -> None:
        """After validation; ``metrics`` are the row's ``val_*`` entries (add keys to log more)."""

    def on_epoch_end(self, trainer, epoch: int, row: dict) -> None:
        """After the epoch's row is complete (and appended to ``trainer.history``)."""

    def on_fit_end(self, trainer, result) -> None:
        """When training ends normally, before the final weights are written."""

    def on_exception(self, trainer, error: BaseException) -> None:
        """When ``fit`` raises; release what the callback holds. The error is raised again, and every
        callback's ``on_exception`` runs: one that raises itself neither replaces the error nor stops the
        others (its error is added to the original as a note)."""

    def state_dict(self) -> Any:
        """The state an exact resume needs (JSON values and tensors), or ``None``."""
        return None

    def load_state_dict(self, state: Any) -> None:
        """Restore what :meth:`state_dict` returned."""

    def __repr__(self) -> str:
        """``EarlyStopping(monitor='val_loss', mode='min', patience=3, ...)``: the constructor's arguments the callback
        keeps under their own names, each cut to 60 characters (it was ``<...EarlyStopping object at 0x7f...>``: a
        Trainer's or a log's list of callbacks said nothing of their settings).

        >>> from rnnkit.training.callbacks import TimeBudget
        >>> TimeBudget(60.0)
        TimeBudget(max_seconds=60.0)
        """
        import inspect

        from rnnkit._validate import short_repr

        params = inspect.signature(type(self).__init__).parameters.values()
        kept = [p.name for p in params if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
                and p.name in vars(self)]
        return f"{type(self).__name__}({', '.join(f'{n}={short_repr(getattr(self, n))}' for n in kept)})"


class CallbackList:
    """The Trainer's callbacks in hook order; ``call(hook, ...)`` runs one hook on each; the states of all
    under one key per callback (its class name, ``Name#2`` for a second of a class)."""

    def __init__(self, callbacks: Iterable[Callback]) -> None:
        callbacks = list(callbacks)
        for cb in callbacks:   # 'x' was a bare TypeError of sorted(); NaN sorted anywhere (a Checkpointer not last)
            order = getattr(cb, "order", None)
            if isinstance(order, bool) or not isinstance(order, numbers.Real) or not math.isfinite(order):
                raise InputTypeError(f"{type(cb).__name__}.order: expected a finite number (callbacks run in ascending "
                                     f"order; the built-ins use -10 to 100), got {order!r}")
        for i, cb in enumerate(callbacks):   # its hooks ran twice a step and an epoch: patience, counts, logs doubled
            if any(cb is other for other in callbacks[:i]):
                raise ConfigError(f"callbacks: expected each callback object once, got the same {type(cb).__name__} "
                                  f"object twice (every hook of it would run twice: an EarlyStopping's patience "
                                  f"counted two epochs a time); pass it once, or two separate instances")
        self.callbacks = sorted(callbacks, key=lambda c: c.order)
        self.keys: list[str] = []
        for cb in self.callbacks:
            name = type(cb).__name__
            n = sum(1 for k in self.keys if k == name or k.startswith(name + "#"))
            self.keys.append(name if n == 0 else f"{name}#{n + 1}")

    def __iter__(self):
        return iter(self.callbacks)

    def call(self, hook: str, *args: Any) -> None:
        """``hook`` of each callback, with the fit paused (:func:`rnnkit.training.host.fit_paused`: a callback may
        start a fit in another thread and wait for it)."""
        with fit_paused():
            for cb in self.callbacks:
                getattr(cb, hook)(*args)

    def call_all(self, hook: str, *args: Any) -> list[tuple[str, Exception]]:
        """Run ``hook`` on every callback even when some raise; returns ``(key, error)`` for those that did."""
        failed = []
        with fit_paused():
            for key, cb in zip(self.keys, self.callbacks):
                try:
                    getattr(cb, hook)(*args)
                except Exception as err:  # noqa: BLE001 - reported to the caller, which keeps the original error
                    failed.append((key, err))
        return failed

    def first(self, cls: type) -> Callback | None:
        return next((cb for cb in self.callbacks if isinstance(cb, cls)), None)

    def state_dict(self) -> dict:
        out = {}
        for key, cb in zip(self.keys, self.callbacks):
            s = cb.state_dict()
            if s is not None:
                out[key] = s
        return out

    def load_state_dict(self, states: dict) -> None:
        """Each callback gets its saved state; one without (added since the checkpoint) starts fresh. A saved
        state that no callback takes (one left out since the checkpoint) is a CheckpointError: dropped, an
        early stopping's best epoch and weights were lost and the fit ran on without it."""
        orphans = sorted(set(states) - set(self.keys))
        if orphans:
            raise CheckpointError(f"callbacks: expected a callback to restore each saved state into, got none for "
                                  f"{orphans} (resume with the callbacks of the checkpointed fit)")
        for key, cb in zip(self.keys, self.callbacks):
            if key in states:
                cb.load_state_dict(states[key])
