"""A task-agnostic trainer: the loop only (full or truncated BPTT, clipping, non-finite checks, exact
resume); early stopping, LR schedules, progress, metric logs, gradient flow, checkpoints and time budgets
are callbacks (:mod:`rnnkit.training.callbacks`).

The task supplies the model and how to compute a loss on a batch; the trainer owns the loop::

    def loss_fn(model, batch):                       # full BPTT
        x, y = batch
        out, _ = model(x)
        loss = F.mse_loss(out, y)
        return loss, {"mae": (out - y).abs().mean()}  # metrics are optional; a bare loss is fine

    trainer = Trainer(model, loss_fn, config=TrainConfig(epochs=20), run_dir="runs/demo",
                      callbacks=[WarmupCosine(total_steps=2000, warmup=0.05)])
    result = trainer.fit(train_loader, val_loader)

For **truncated BPTT** set ``TrainConfig(tbptt_k=k)`` and give a ``step_fn(model, chunk, state) ->
(loss, state)`` (or ``(loss, metrics, state)``): the trainer cuts each batch into chunks of ``k`` steps
along ``config.time_dim`` (:func:`~rnnkit.training.data.split_time`: a dict entry or NamedTuple field named
``"lengths"`` is cut per chunk; pass ``split_fn(batch, k, time_dim) -> chunks`` for anything else), calls ``step_fn`` on each chunk with the state the previous chunk returned
(``None`` for the first), takes one optimizer step per chunk, and detaches the state before the next
chunk. With ``k`` at least the sequence length this is exactly full BPTT.

Each epoch: seed and start the data (the epoch-data protocol of :mod:`rnnkit.training.data`), train,
evaluate on ``val_data`` (metrics prefixed ``val_``), build the epoch's row (``epoch``, ``step``, ``lr``
of the epoch's last step, ``train_*``, ``val_*``, ``time_s`` -- training seconds, validation excluded), append it to ``history``,
then run the callbacks' ``on_epoch_end``. The :class:`~rnnkit.training.TrainConfig` fields become
built-in callbacks: ``early_stopping`` -> :class:`~rnnkit.training.callbacks.EarlyStopping`, ``schedule``
-> :class:`~rnnkit.training.callbacks.LRSchedule`, ``max_seconds`` ->
:class:`~rnnkit.training.callbacks.TimeBudget`, ``gradflow_every`` ->
:class:`~rnnkit.training.callbacks.GradientFlowMonitor`, not ``quiet`` ->
:class:`~rnnkit.training.callbacks.ProgressBar`, and with a ``run_dir``
:class:`~rnnkit.training.callbacks.MetricLogger` (``log_format``) and
:class:`~rnnkit.training.callbacks.Checkpointer` (``checkpoint_every``, ``keep_checkpoints``).
``fit(..., resume="auto")`` continues from the latest checkpoint of ``run_dir``, ending with the same
weights as an uninterrupted run (CPU, single process; :mod:`rnnkit.training.resume`).

Non-finite values stop training before they reach the weights: a NaN/inf loss, or a NaN/inf gradient
(checked on every parameter; with ``clip_norm`` the total norm tells), raises
:class:`~rnnkit.errors.NonFiniteLossError` before the optimizer step, naming the last good checkpoint; so does an
optimizer state gone NaN/inf after a step (Adam's second moment of a finite ``|g| > 1.8e19``: those weights would
never move again). A checkpoint is never written with non-finite weights. A non-finite loss of a batch holding an empty tensor
(0 items: a mean over nothing) is a :class:`~rnnkit.errors.DataError` naming the batch instead.

The final ``model.safetensors`` and ``config.json`` of a run folder are listed with their sha256 in
``digests.json`` (written when ``fit`` ends); :func:`~rnnkit.training.load_weights` verifies them.

>>> import torch, rnnkit
>>> from rnnkit.training import Trainer, TrainConfig, OptimConfig
>>> _ = torch.manual_seed(0)
>>> net = rnnkit.GRU(2, 4, batch_first=True)
>>> data = [(torch.randn(3, 5, 2), torch.randn(3, 5, 4)) for _ in range(4)]
>>> def loss_fn(model, batch):
...     out, _ = model(batch[0])
...     return torch.nn.functional.mse_loss(out, batch[1])
>>> cfg = TrainConfig(epochs=2, optim=OptimConfig(lr=1e-2), quiet=True)
>>> result = Trainer(net, loss_fn, config=cfg).fit(data, data)
>>> [sorted(row) for row in result.history][0]
['epoch', 'lr', 'step', 'time_s', 'train_loss', 'val_loss']
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import torch
from torch import Tensor, nn

from rnnkit._validate import is_real
from rnnkit._io import check_folder_path, to_jsonable
from rnnkit.errors import ConfigError, DataError, InputTypeError, NonFiniteLossError
from rnnkit.training import distributed as dist
from rnnkit.training.batch import (Accumulator, FitWarnings, across_ranks, as_float, parse_loss, parse_step,
                                   reached_parameters)
from rnnkit.training import callbacks as cb
from rnnkit.training.checkpoint import CHECKPOINTS, save_weights, write_digests
from rnnkit.training.checkpoint import save_checkpoint as _save_checkpoint
from rnnkit.training.config import TrainConfig, _pos_int
from rnnkit.training.data import (begin_epoch, detach_state, empty_chunk, empty_part, epoch_length, split_time,
                                  to_device)
from rnnkit.training.optim import build_optimizer, build_scheduler, check_state_finite, with_16bit_advice
from rnnkit.training.host import kept_host_rng
from rnnkit.training.resume import LIMITS, RESUMABLE_CHANGES, prepare_run_dir, run_dir_lock, trainer_state
from rnnkit.training.seed import derive_seed, set_rng_state

__all__ = ["Trainer", "FitResult", "config_callbacks", "split_time", "detach_state", "build_optimizer",
           "build_scheduler", "RESUMABLE_CHANGES"]


@dataclass
class FitResult:
    """What :meth:`Trainer.fit` returns: the per-epoch ``history`` rows and how training ended."""

    history: list[dict] = field(default_factory=list, repr=False)   # every epoch's row: the repr is one short line
    global_step: int = 0
    epochs_run: int = 0
    stopped_early: bool = False       # a callback stopped training (any reason but the limits)
    best: dict | None = None          # {"monitor", "value", "epoch"} with early stopping
    run_dir: Path | None = None
    stop_reason: str = "epochs"       # epochs | max_steps | max_seconds | patience | target | a callback's reason


_END = object()


def config_callbacks(config: TrainConfig, run_dir: Path | None) -> list[cb.Callback]:
    """The built-in callbacks the fields of ``config`` ask for (see the module docstring)."""
    es = config.early_stopping
    cbs: list[cb.Callback] = []
    if config.gradflow_every is not None:
        cbs.append(cb.GradientFlowMonitor(config.gradflow_every))
    if es is not None:
        cbs.append(cb.EarlyStopping.from_config(es))
    if config.schedule.name != "none":
        schedule = cb.LRSchedule(config.schedule, epochs=config.epochs, monitor=es.monitor if es else None,
                                 mode=es.mode if es else "min")
        schedule.from_config = True   # a resume compares config.schedule itself (epochs may be lowered)
        cbs.append(schedule)
    if config.max_seconds is not None:
        cbs.append(cb.TimeBudget(config.max_seconds))
    if not config.quiet:
        cbs.append(cb.ProgressBar())
    if run_dir is not None:
        cbs += [cb.MetricLogger(format=config.log_format), cb.Checkpointer(config.checkpoint_every, config.keep_checkpoints)]
    return cbs


def _refuse_empty(what: str, batch: Any, loss: float, where: str = "") -> None:
    """DataError when a non-finite ``loss`` comes from a batch of 0 items (a mean over nothing)."""
    empty = empty_part(batch) if not math.isfinite(loss) else None
    if empty is not None:
        raise DataError(f"{what}: expected at least one item in each batch, got an empty one (a tensor of shape "
                        f"{tuple(empty.shape)}, loss {loss}){where}; leave empty batches out")


class Trainer:
    """Fit a model with a task-supplied loss.

    Args:
        model: the ``nn.Module`` (already on its device; batches are moved there). Under ``torchrun`` it
            is wrapped in ``DistributedDataParallel`` automatically; ``loss_fn``/``step_fn`` must then
            call ``model(...)`` (its ``forward``) so DDP can synchronise gradients.
        loss_fn: ``loss_fn(model, batch) -> loss`` or ``(loss, metrics)`` for full BPTT; ``metrics`` maps
            names to numbers/scalar tensors, an optional ``"n"`` entry weights the batch in the means.
        config: a :class:`~rnnkit.training.TrainConfig`.
        run_dir: folder for ``config.json``, checkpoints, the metrics log and ``model.safetensors``
            (``None``: train in memory, write nothing).
        callbacks: :class:`~rnnkit.training.callbacks.Callback` objects, run with the built-ins ``config``
            asks for; one of the same class as a built-in replaces it.
        step_fn: ``step_fn(model, chunk, state) -> (loss, state)`` or ``(loss, metrics, state)``; needed
            for truncated BPTT (``config.tbptt_k``); used for full BPTT too when ``loss_fn`` is ``None``.
        eval_fn: ``eval_fn(model, data) -> dict`` of validation metrics, replacing the default (the mean
            of ``loss_fn`` -- or of ``step_fn`` on whole batches with ``state=None`` -- over ``data``
            under ``torch.no_grad()``), e.g. for corpus-level metrics.
        split_fn: ``split_fn(batch, k, time_dim) -> list of chunks`` (default :func:`split_time`).
        task_config: the task's own resolved settings (JSON-able dict), saved in ``config.json`` under
            ``"task"``; a resume checks it matches.

    What callbacks use is listed on :class:`~rnnkit.training.callbacks.Callback`.
    """

    def __init__(self, model: nn.Module, loss_fn: Callable | None = None, *, config: TrainConfig | None = None,
                 run_dir: str | os.PathLike | None = None, callbacks: Sequence[cb.Callback] = (),
                 step_fn: Callable | None = None, eval_fn: Callable | None = None, split_fn: Callable | None = None,
                 task_config: dict | None = None) -> None:
        if not isinstance(model, nn.Module):
            raise InputTypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
        config = TrainConfig() if config is None else config
        if not isinstance(config, TrainConfig):
            raise InputTypeError(f"config: expected a TrainConfig, got {type(config).__name__}")
        if loss_fn is None and step_fn is None:
            raise ConfigError("loss_fn: expected a callable (or step_fn), got None for both")
        if config.tbptt_k is not None and step_fn is None:
            raise ConfigError(f"step_fn: expected a callable for truncated BPTT (tbptt_k={config.tbptt_k}), got None")
        for name, fn in (("loss_fn", loss_fn), ("step_fn", step_fn), ("eval_fn", eval_fn), ("split_fn", split_fn)):
            if fn is not None and not callable(fn):
                raise InputTypeError(f"{name}: expected a callable, got {type(fn).__name__}")
        if not isinstance(callbacks, (list, tuple)):
            raise InputTypeError(f"callbacks: expected a list of Callback objects, got {type(callbacks).__name__}")
        for i, c in enumerate(callbacks):
            if not isinstance(c, cb.Callback):
                raise InputTypeError(f"callbacks[{i}]: expected a rnnkit.training.callbacks.Callback, got {type(c).__name__}")
        if config.tbptt_k is None and split_fn is not None:
            raise ConfigError("split_fn: expected None without truncated BPTT (config.tbptt_k), got a function "
                              "that would never be called")
        if run_dir is None:   # settings of the run folder's files, which a fit in memory never writes
            for f in dataclasses.fields(TrainConfig):
                name, default = f.name, f.default
                if name in ("checkpoint_every", "keep_checkpoints", "log_format") and getattr(config, name) != default:
                    raise ConfigError(f"config.{name}: expected the default {default!r} without a run_dir (nothing "
                                      f"is written), got {getattr(config, name)!r}")
        if task_config is not None:
            try:
                json.dumps(task_config, allow_nan=False)
            except (TypeError, ValueError) as e:
                raise ConfigError(f"task_config: expected a JSON-serialisable dict, got {e}") from None
        self.config = config
        self.module = dist.unwrap_model(model)
        self.model = dist.wrap_model(model)
        self.loss_fn, self.step_fn, self.eval_fn = loss_fn, step_fn, eval_fn
        self.split_fn = split_fn or split_time
        self.task_config = task_config
        # a file, or a path under one, failed with NotADirectoryError only when fit ended (digests.json)
        self.run_dir = check_folder_path(run_dir, "run_dir") if run_dir is not None else None
        if self.run_dir is not None:   # a file named like a subfolder was a raw FileExistsError at the first save
            check_folder_path(self.run_dir / CHECKPOINTS, "run_dir")
        self.is_main = dist.is_main_process()
        self.rank = dist.rank()
        first = next(self.module.parameters(), None)
        if first is None:  # next() alone raised a bare StopIteration
            raise ConfigError(f"model: expected a module with parameters to train, got {type(self.module).__name__} "
                              "with none")
        self.device = first.device
        self.optimizer = build_optimizer(config.optim, self.module.parameters())
        #: Seeded per epoch; pass to ``DataLoader(generator=trainer.generator)`` (or let the trainer
        #: reseed ``loader.generator``) for a data order that resumes exactly.
        self.generator = torch.Generator()
        self.generator.manual_seed(config.seed)
        # progress
        self.epoch = 0                  # epochs completed
        self.batch_in_epoch = 0         # batches done in the current epoch
        self.global_step = 0            # optimizer steps
        self.history: list[dict] = []
        self.stopped_early = False
        self.stop_reason: str | None = None   # set by request_stop or when fit ends (FitResult.stop_reason)
        self.epoch_total: int | None = None   # batches per epoch (len(train_data)) when known
        self.last_eval_seconds = 0.0
        self._warnings = FitWarnings()   # once a fit (or an evaluate on its own) per kind
        self.step_lr = config.optim.lr        # the LR of the latest optimizer step (the row's "lr")
        self.train_data: Iterable | None = None
        self.val_data: Iterable | None = None
        self._fit_start = time.perf_counter()
        self._seconds_before = 0.0   # the training seconds a resumed checkpoint had spent (run_seconds)
        self._acc = Accumulator()
        self._last_ckpt_path: Path | None = None
        self._resume_rng: dict | None = None
        self.epoch_cut = False   # the epoch ending now was cut short by a limit (batches were left)
        self._batch_cut = False  # a truncated-BPTT batch was cut by max_seconds between its chunks
        given = {type(c) for c in callbacks}
        self.callbacks = cb.CallbackList([c for c in config_callbacks(config, self.run_dir) if type(c) not in given]
                                         + list(callbacks))
        if self.run_dir is not None and self.callbacks.first(cb.GradientFlowMonitor) is not None:
            check_folder_path(self.run_dir / "gradflow", "run_dir")   # only the monitor writes there
        self.callbacks.call("setup", self)

    # ------------------------------------------------------------------ what callbacks use
    @property
    def lr(self) -> float:
        """The learning rate of the first parameter group."""
        return self.optimizer.param_groups[0]["lr"]

    def set_lr(self, lr: float) -> None:
        """Set the learning rate of every parameter group (per-step schedules call this)."""
        if not is_real(lr) or not math.isfinite(lr) or lr < 0:
            raise ConfigError(f"lr: expected a finite number >= 0, got {lr!r}")
        for group in self.optimizer.param_groups:
            group["lr"] = float(lr)

    def request_stop(self, reason: str) -> None:
        """End training: after the current batch (``"max_seconds"``, single process: after the current
        truncated-BPTT chunk), the epoch then ends (validation, row, checkpoint); or
        before the next epoch when called at an epoch end. ``reason`` becomes ``FitResult.stop_reason``;
        any reason but the limits (``epochs``, ``max_steps``, ``max_seconds``) counts as stopped early."""
        if not isinstance(reason, str) or not reason:
            raise InputTypeError(f"reason: expected a non-empty str, got {reason!r}")
        if reason not in LIMITS:
            self.stopped_early, self.stop_reason = True, reason
        elif self.stop_reason is None:
            self.stop_reason = reason

    @property
    def stopping(self) -> bool:
        """Whether the epoch in progress is the last (a stop was requested or ``max_steps`` reached)."""
        cfg = self.config
        return self.stopped_early or self.stop_reason is not None or \
            (cfg.max_steps is not None and self.global_step >= cfg.max_steps)

    def elapsed(self) -> float:
        """Seconds since this ``fit`` call started."""
        return time.perf_counter() - self._fit_start

    def run_seconds(self) -> float:
        """The run's training seconds: this fit's and those of the checkpoint it resumed (``TimeBudget`` reads them)."""
        return self.elapsed() + self._seconds_before

    def running_metrics(self) -> dict[str, float]:
        """This epoch's training means so far (``loss`` and the metrics of ``loss_fn``/``step_fn``)."""
        return self._acc.means()

    @property
    def last_gradflow(self) -> dict[str, Tensor] | None:
        """The latest gradient-flow record of the :class:`~rnnkit.training.callbacks.GradientFlowMonitor`."""
        mon = self.callbacks.first(cb.GradientFlowMonitor)
        return None if mon is None else mon.last_norms

    @property
    def scheduler(self):
        """The torch scheduler of the (first) :class:`~rnnkit.training.callbacks.LRSchedule`, or ``None``."""
        sched = self.callbacks.first(cb.LRSchedule)
        return None if sched is None else sched.scheduler

    def save_checkpoint(self, keep: int | None = None) -> Path | None:
        """Checkpoint the weights and the trainer state (with every callback's) into ``run_dir``; keep the
        newest ``keep`` (default ``config.keep_checkpoints``). Non-finite weights are never written."""
        _pos_int("keep", keep, allow_none=True)   # keep=0 kept the config's number, -1 every checkpoint
        self._check_finite_weights("training stopped, no checkpoint written")
        if self.run_dir is None or not self.is_main:
            return None
        self._last_ckpt_path = _save_checkpoint(self.run_dir, step=self.global_step, model_state=self.module.state_dict(),
                                                state=trainer_state(self), keep=keep or self.config.keep_checkpoints)
        return self._last_ckpt_path

    # ------------------------------------------------------------------ public
    def fit(self, train_data: Iterable, val_data: Iterable | None = None, *, resume: bool | str = False) -> FitResult:
        """Train until ``config.epochs`` / ``config.max_steps`` / a callback stops it; returns a :class:`FitResult`.

        ``train_data`` speaks the epoch-data protocol (:mod:`rnnkit.training.data`). ``resume``: ``False``
        (fresh run; a ``run_dir`` that already holds checkpoints is an error), ``True`` (continue from
        the latest checkpoint, which must exist) or ``"auto"`` (continue if there is one).
        """
        if resume not in (True, False, "auto"):
            raise ConfigError(f"resume: expected True, False or 'auto', got {resume!r}")
        if torch.is_inference_mode_enabled():   # its tensors can never be trained on: torch's error came mid-step
            raise InputTypeError("fit: expected a call outside torch.inference_mode() (training needs autograd; "
                                 "torch.no_grad() is fine), got one inside it")
        if resume is False and (self.global_step or self.epoch or self.history):
            # it returned at once with the first call's result (its limits reached, its stop kept), training nothing
            raise ConfigError(f"fit: expected a Trainer that has not trained yet, got one that already ran "
                              f"{self.epoch} epochs ({self.global_step} steps); build a new Trainer (pass the "
                              f"trained model to continue from its weights) or continue a run_dir with fit(resume=True)")
        self.train_data, self.val_data = train_data, val_data
        with run_dir_lock(self), kept_host_rng():   # one fit at a time in a run_dir; the host's RNG given back
            return self._fit(train_data, val_data, resume)

    def _fit(self, train_data: Iterable, val_data: Iterable | None, resume: bool | str) -> FitResult:
        prepare_run_dir(self, resume)
        self._fit_start = time.perf_counter()
        self.epoch_total = epoch_length(train_data)
        with self._warnings.scope():   # what a fit warns once, each fit
            try:
                self.callbacks.call("on_fit_start", self)
                while not self._finished():
                    with torch.enable_grad():  # a fit called under torch.no_grad() still trains
                        self._run_epoch(train_data, val_data)
                es = self.callbacks.first(cb.EarlyStopping)
                result = FitResult(history=to_jsonable(self.history), global_step=self.global_step, epochs_run=self.epoch,
                                   stopped_early=self.stopped_early, best=es.summary() if es is not None else None,
                                   run_dir=self.run_dir, stop_reason=self.stop_reason or "epochs")
                self.callbacks.call("on_fit_end", self, result)
            except BaseException as e:
                # every callback releases what it holds (files, an open GradFlowRecorder), and the error the caller
                # catches stays the one that stopped training, not a callback's failure while cleaning up
                with_16bit_advice(e, self.module, self.__dict__.pop("_loss", None))   # an overflow in float16: what to do
                for key, err in self.callbacks.call_all("on_exception", self, e):
                    e.add_note(f"while handling it, callback {key}.on_exception raised {type(err).__name__}: {err}")
                raise
        if self.run_dir is not None and self.is_main:
            self._check_finite_weights("training stopped, final weights not written")
            save_weights(self.module, self.run_dir / "model.safetensors")
            write_digests(self.run_dir, ["config.json", "model.safetensors"])
        dist.barrier()
        return result

    @torch.no_grad()
    def evaluate(self, data: Iterable) -> dict[str, float]:
        """Mean loss and metrics over ``data`` (or ``eval_fn(model, data)``), in eval mode, no grad.

        Under ``torchrun`` each process evaluates its shard and the sums are combined.
        """
        was_training = self.module.training
        self.module.eval()
        with self._warnings.scope():   # on its own a run of its own; inside a fit, part of it
            try:
                if self.eval_fn is not None:
                    out = self.eval_fn(self.module, data)
                    if not isinstance(out, dict):
                        raise InputTypeError(f"eval_fn: expected a dict of metrics, got {type(out).__name__}")
                    return {k: as_float(f"eval_fn[{k!r}]", v) for k, v in out.items()}
                acc = Accumulator()
                for batch in data:
                    batch = to_device(batch, self.device)
                    if self.loss_fn is not None:
                        loss, metrics = parse_loss(self.loss_fn(self.module, batch))
                    else:
                        loss, metrics, _ = parse_step(self.step_fn(self.module, batch, None))
                    n = metrics.pop("n", 1.0)
                    value = as_float("loss", loss)
                    _refuse_empty("val_data", batch, value)   # it read as NaN in the validation metrics
                    acc.add(value, metrics, n)
                if not acc.sums:
                    if iter(data) is data:   # a generator read whole by an earlier epoch: 'empty' misled
                        raise ConfigError(f"val_data: expected an iterable that starts again every evaluation (a list, a "
                                          f"DataLoader), got a one-shot {type(data).__name__} with no batch left")
                    raise ConfigError("val_data: expected at least one batch, got an empty iterable")
                return self._warnings.means("val", across_ranks(acc), self.epoch)
            finally:
                self.module.train(was_training)

    # ------------------------------------------------------------------ epochs
    def _finished(self) -> bool:
        cfg = self.config
        if self.stopped_early:
            self.stop_reason = self.stop_reason or "patience"  # a caller may set stopped_early itself
            return True
        for reason, hit in (("max_steps", cfg.max_steps is not None and self.global_step >= cfg.max_steps),
                            ("epochs", self.epoch >= cfg.epochs and not self.epoch_cut)):
            if hit:
                self.stop_reason = reason
                return True
        return self.stop_reason is not None

    def _run_epoch(self, train_data: Iterable, val_data: Iterable | None) -> None:
        e = self.epoch
        t0 = time.perf_counter()
        batches = begin_epoch(train_data, e, derive_seed(self.config.seed, e, self.rank), self.generator,
                              skip=self.batch_in_epoch)
        if self._resume_rng is not None:
            if dist.is_distributed():  # RNG states are saved from rank 0 only; derive a fresh one per rank
                torch.manual_seed(derive_seed(self.config.seed, e, self.global_step, self.rank))
            else:
                set_rng_state(self._resume_rng)
            self._resume_rng = None
        self.callbacks.call("on_epoch_start", self, e)
        if self.stopping and not self.batch_in_epoch:   # a stop asked before the first batch takes none (W2-3)
            return
        for batch in batches:
            i = self.batch_in_epoch
            self.callbacks.call("on_batch_start", self, i)
            self._train_batch(to_device(batch, self.device))
            self.batch_in_epoch += 1
            self.callbacks.call("on_batch_end", self, i)
            if self.stopping:
                break
        # a limit ended the epoch with batches left: the Checkpointer keeps its last batch's checkpoint (resumed there)
        self.epoch_cut = self.stopping and not self.stopped_early and (self._batch_cut or next(batches, _END) is not _END)
        if self.batch_in_epoch == 0:
            if e > 0 and iter(train_data) is train_data:   # a generator: read whole by the first epoch
                raise ConfigError(f"train_data: expected an iterable that starts again every epoch (a list, a "
                                  f"DataLoader, EpochBatches), got a one-shot {type(train_data).__name__} with no "
                                  f"batch left for epoch {e + 1} (an iterator is used up by one epoch)")
            raise ConfigError("train_data: expected at least one batch per epoch, got an empty iterable")
        self._end_epoch(e, val_data, time.perf_counter() - t0)

    def _end_epoch(self, e: int, val_data: Iterable | None, seconds: float) -> None:
        row: dict[str, Any] = {"epoch": e + 1, "step": self.global_step, "lr": self.step_lr}
        row.update({f"train_{k}": v for k, v in self._warnings.means("train", across_ranks(self._acc), e).items()})
        self._warnings.nonfinite("train", row, e, "from loss_fn's / step_fn's metrics")   # the loss itself is checked
        if val_data is not None:
            t0 = time.perf_counter()
            metrics = {f"val_{k}": v for k, v in self.evaluate(val_data).items()}
            self._warnings.nonfinite("val", metrics, e, "in the validation data or the model's outputs on it")
            self.callbacks.call("on_validation_end", self, e, metrics)
            row.update(metrics)
            self.last_eval_seconds = time.perf_counter() - t0
        row["time_s"] = round(seconds, 3)
        self.epoch, self.batch_in_epoch, self._acc = e + 1, 0, Accumulator()
        self.history.append(row)
        self._check_finite_weights("training stopped, no checkpoint written")
        self.callbacks.call("on_epoch_end", self, e, row)

    # ------------------------------------------------------------------ one batch
    def _train_batch(self, batch: Any) -> None:
        self.model.train()
        if self.config.tbptt_k is None:
            if self.loss_fn is not None:
                loss, metrics = parse_loss(self.loss_fn(self.model, batch))
            else:
                loss, metrics, _ = parse_step(self.step_fn(self.model, batch, None))
            self._update(loss, metrics, batch)
            return
        state = None
        chunks = iter(self.split_fn(batch, self.config.tbptt_k, self.config.time_dim))
        for chunk in chunks:
            loss, metrics, state = parse_step(self.step_fn(self.model, chunk, state))
            self._update(loss, metrics, chunk)
            state = detach_state(state)
            if self.stop_reason == "max_seconds" and not dist.is_distributed():   # a budget cuts a long batch too
                self._batch_cut = next(chunks, _END) is not _END    # cut only if a chunk was left
                break

    def _update(self, loss: Tensor, metrics: dict[str, float], batch: Any = None) -> None:
        self._loss = loss   # its graph tells a float16 forward (with_16bit_advice) if training stops on a NaN/inf
        value = local = float(loss.detach())
        if dist.is_distributed():  # every process must stop together: share the loss (a NaN anywhere wins)
            value = dist.all_reduce_sum([value])[0] / dist.world_size()
        step = self.global_step + 1
        _refuse_empty("train_data", batch, local, f" at {self._where(step)}")   # it read as a diverged model
        if not math.isfinite(value):   # a chunk past every sequence's end: say so (it read as a diverged model)
            self._check_finite_weights(f"the loss at {self._where(step)} was {value}; training stopped")  # the cause
            why = "; this chunk holds no step of any sequence (lengths all 0: the batch is padded past its longest " \
                  "sequence; trim it, or divide a masked loss by mask.sum().clamp(min=1))" if empty_chunk(batch) else ""
            raise NonFiniteLossError(f"loss: expected a finite value, got {value} at {self._where(step)}{why}; "
                                     f"training stopped; {self._last_good()}")
        if not loss.requires_grad:  # backward() would raise torch's "element 0 of tensors does not require grad"
            raise InputTypeError("loss: expected a loss computed from trainable parameters (requires_grad), got one "
                                 "without a gradient (made under torch.no_grad, detached, or every parameter frozen)")
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        named = reached_parameters(self.module)   # none: the loss came from another model (nothing trains)
        params = [p for _, p in named]
        if self.config.clip_norm is None or self.config.clip_value is not None:
            # every gradient (clip_value would clamp an inf into range, so check before clipping)
            finite = torch.stack([torch.isfinite(p.grad).all() for p in params]) if params else torch.ones(0, dtype=torch.bool)
            if not bool(finite.all()):
                name = named[int((~finite).nonzero()[0])][0]
                raise NonFiniteLossError(f"gradient: expected finite values, got NaN/inf in {name!r} at "
                                         f"{self._where(step)}; the optimizer step was not taken; {self._last_good()}")
        if self.config.clip_value is not None:
            torch.nn.utils.clip_grad_value_(params, self.config.clip_value)
        if self.config.clip_norm is not None:
            grads = [p.grad for p in params]
            total = torch.nn.utils.get_total_norm(grads)
            if not torch.isfinite(total) and torch.isinf(total) and all(bool(torch.isfinite(g).all()) for g in grads):
                # finite gradients whose squares overflow their dtype (|g| ~ 1e20 in float32: the norm was inf,
                # training stopped as if a gradient were) -- exactly what clipping is for: the norm in float64
                total = torch.nn.utils.get_total_norm([g.double() for g in grads])
            if not torch.isfinite(total):
                raise NonFiniteLossError(f"gradient norm: expected a finite value, got {float(total)} at "
                                         f"{self._where(step)}; the optimizer step was not taken; {self._last_good()}")
            torch.nn.utils.clip_grads_with_norm_(params, self.config.clip_norm, total)
        self.step_lr = self.lr
        self.optimizer.step()
        check_state_finite(self.optimizer, named, self._where(step), self._last_good())
        self.global_step = step
        n = metrics.pop("n", 1.0)
        self._acc.add(local, metrics, n)      # this rank's batch; the epoch row sums every rank's (across_ranks)
        self.callbacks.call("on_step_end", self, step, value, metrics)
        del self._loss   # kept past its step, its graph (a hand engine's per-step caches) held the batch's activations

    def _where(self, step: int) -> str:
        return f"step {step} (epoch {self.epoch + 1}, batch {self.batch_in_epoch + 1})"

    def _last_good(self) -> str:
        return f"last good checkpoint: {self._last_ckpt_path if self._last_ckpt_path is not None else 'none'}"

    def _check_finite_weights(self, consequence: str) -> None:
        """NonFiniteLossError when a weight (or float buffer) is NaN/inf: such a model is never saved."""
        for name, t in self.module.state_dict().items():
            if t.is_floating_point() and not bool(torch.isfinite(t).all()):
                raise NonFiniteLossError(f"weights: expected finite values, got NaN/inf in {name!r} after step "
                                         f"{self.global_step}; {consequence}; {self._last_good()}")

