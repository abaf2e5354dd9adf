"""A task-agnostic trainer: full or truncated BPTT, clipping, schedules, early stopping, exact resume.

The task supplies the model and how to compute a loss on a batch; the trainer owns the loop::

    def loss_fn(model, batch):                       # full BPTT
        x, y = batch
        out, _ = model(x)
        loss = F.mse_loss(out, y)
        return loss, {"mae": (out - y).abs().mean()}  # metrics are optional; a bare loss is fine

    trainer = Trainer(model, loss_fn, config=TrainConfig(epochs=20), run_dir="runs/demo")
    result = trainer.fit(train_loader, val_loader)

For **truncated BPTT** set ``TrainConfig(tbptt_k=k)`` and give a ``step_fn(model, chunk, state) ->
(loss, state)`` (or ``(loss, metrics, state)``): the trainer cuts each batch into chunks of ``k`` steps
along ``config.time_dim`` (every tensor whose size there equals the sequence length; the rest is passed
unchanged; pass ``split_fn(batch, k, time_dim) -> chunks`` for anything else), calls ``step_fn`` on each
chunk with the state the previous chunk returned (``None`` for the first), takes one optimizer step per
chunk, and detaches the state before the next chunk. With ``k`` at least the sequence length this is
exactly full BPTT.

Each epoch: train, evaluate on ``val_data`` (metrics prefixed ``val_``), step the LR schedule, update early
stopping, append one row to ``metrics.jsonl`` (or ``.csv``) and write a checkpoint (see
:mod:`rnnkit.training.checkpoint`). ``fit(..., resume="auto")`` continues from the latest checkpoint of
``run_dir``, ending with the same weights as an uninterrupted run (CPU, single process).

Reproducibility: at the start of every epoch the trainer seeds Python, NumPy, torch and the data-order
generator with a seed derived from ``(config.seed, epoch, rank)`` and reseeds ``loader.generator``.

Epoch data protocol: if the training data object -- or its ``sampler`` / ``batch_sampler`` (a
``DistributedSampler``) -- has ``set_epoch(epoch)``, the trainer calls it (``epoch`` counts from 0) before
iterating over that epoch, so the object can pick that epoch's order (e.g. shuffle with ``seed + epoch``).
A resumed epoch calls it again with the same epoch, replays the order and skips the batches already done,
then restores the RNG states saved in the checkpoint.

Non-finite values stop training before they reach the weights: a NaN/inf loss, or a NaN/inf gradient
(checked on every parameter; with ``clip_norm`` the total norm tells), raises
:class:`~rnnkit.errors.NonFiniteLossError` before the optimizer step, naming the last good checkpoint; a
checkpoint is never written with non-finite weights.

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

import csv
import io
import json
import math
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import torch
from torch import Tensor, nn

from rnnkit.engine.gradflow import GradFlowRecorder
from rnnkit.errors import CheckpointError, ConfigError, InputTypeError, NonFiniteLossError, ShapeError
from rnnkit.training import distributed as dist
from rnnkit.training.checkpoint import (
    DIGESTS_FILE,
    atomic_write_bytes,
    check_state_dict,
    latest_checkpoint,
    load_checkpoint,
    read_config,
    save_checkpoint,
    save_weights,
    write_config,
    write_digests,
)
from rnnkit.training.config import TrainConfig
from rnnkit.training.seed import derive_seed, get_rng_state, set_rng_state

__all__ = ["Trainer", "FitResult", "split_time", "detach_state", "build_optimizer", "build_scheduler",
           "RESUMABLE_CHANGES"]

#: Config fields a resumed run may change (anything else must match the checkpointed config).
RESUMABLE_CHANGES = frozenset({"epochs", "max_steps", "quiet", "checkpoint_every", "keep_checkpoints"})


# ------------------------------------------------------------------------------------------ helpers
def _tree_map(fn: Callable[[Tensor], Any], obj: Any) -> Any:
    if isinstance(obj, Tensor):
        return fn(obj)
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):  # NamedTuple
        return type(obj)(*(_tree_map(fn, o) for o in obj))
    if isinstance(obj, (list, tuple)):
        return type(obj)(_tree_map(fn, o) for o in obj)
    if isinstance(obj, dict):
        return {k: _tree_map(fn, v) for k, v in obj.items()}
    return obj


def _leaves(obj: Any) -> list[Tensor]:
    out: list[Tensor] = []
    _tree_map(lambda t: out.append(t), obj)
    return out


def detach_state(state: Any) -> Any:
    """Detach every tensor of a (nested) recurrent state: the truncation point of truncated BPTT."""
    return _tree_map(lambda t: t.detach(), state)


def split_time(batch: Any, k: int, time_dim: int = 1) -> list[Any]:
    """Cut a batch (a tensor or a nest of tensors) into chunks of ``k`` steps along ``time_dim``.

    The sequence length ``T`` is the size along ``time_dim`` of the first tensor that has that axis;
    tensors of that size there are sliced, all others (labels, lengths) are passed to every chunk as is.

    >>> x, y = torch.zeros(2, 5, 3), torch.zeros(2)
    >>> [tuple(c[0].shape) for c in split_time((x, y), 2)]
    [(2, 2, 3), (2, 2, 3), (2, 1, 3)]
    """
    seq = [t for t in _leaves(batch) if t.dim() > time_dim]
    if not seq:
        raise ShapeError(f"batch: expected at least one tensor with a time axis at dim {time_dim} (config.time_dim), got none")
    T = seq[0].shape[time_dim]
    chunks = []
    for start in range(0, T, k):
        sl = lambda t, s=start: t.narrow(time_dim, s, min(k, T - s)) if t.dim() > time_dim and t.shape[time_dim] == T else t  # noqa: E731
        chunks.append(_tree_map(sl, batch))
    return chunks


def build_optimizer(cfg, params: Iterable[Tensor]) -> torch.optim.Optimizer:
    """The optimizer an :class:`~rnnkit.training.OptimConfig` describes."""
    params = [p for p in params if p.requires_grad]
    if not params:
        raise ConfigError("model: expected parameters that require grad, got none")
    if cfg.name == "adam":
        return torch.optim.Adam(params, lr=cfg.lr, betas=cfg.betas, weight_decay=cfg.weight_decay)
    if cfg.name == "adamw":
        return torch.optim.AdamW(params, lr=cfg.lr, betas=cfg.betas, weight_decay=cfg.weight_decay)
    return torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)


def build_scheduler(config: TrainConfig, optimizer: torch.optim.Optimizer):
    """The LR scheduler of ``config.schedule`` (stepped once per epoch) or ``None``."""
    s = config.schedule
    sched = torch.optim.lr_scheduler
    if s.name == "cosine":
        return sched.CosineAnnealingLR(optimizer, T_max=config.epochs, eta_min=s.min_lr)
    if s.name == "step":
        return sched.StepLR(optimizer, step_size=s.step_size, gamma=s.gamma)
    if s.name == "plateau":
        return sched.ReduceLROnPlateau(optimizer, mode=config.early_stopping.mode, factor=s.gamma,
                                       patience=s.patience, min_lr=s.min_lr)
    return None


def _as_float(name: str, v: Any) -> float:
    if isinstance(v, Tensor):
        if v.numel() != 1:
            raise ShapeError(f"{name}: expected a scalar metric, got a tensor of shape {tuple(v.shape)}")
        return float(v.detach())
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise InputTypeError(f"{name}: expected a number or scalar tensor, got {type(v).__name__}")
    return float(v)


def _json_safe(v: Any) -> Any:
    return None if isinstance(v, float) and not math.isfinite(v) else v


@dataclass
class FitResult:
    """What :meth:`Trainer.fit` returns: the per-epoch ``history`` rows and how training ended."""

    history: list[dict] = field(default_factory=list)
    global_step: int = 0
    epochs_run: int = 0
    stopped_early: bool = False
    best: dict | None = None          # {"monitor", "value", "epoch"} with early stopping
    run_dir: Path | None = None
    stop_reason: str = "epochs"       # epochs | max_steps | max_seconds | patience | target


class _Accumulator:
    """Weighted running means of the loss and metrics (serialisable for mid-epoch checkpoints)."""

    def __init__(self, state: dict | None = None) -> None:
        self.sums: dict[str, float] = dict(state["sums"]) if state else {}
        self.weights: dict[str, float] = dict(state["weights"]) if state else {}

    def add(self, loss: float, metrics: dict[str, float], n: float) -> None:
        for k, v in (("loss", loss), *metrics.items()):
            self.sums[k] = self.sums.get(k, 0.0) + v * n
            self.weights[k] = self.weights.get(k, 0.0) + n

    def means(self) -> dict[str, float]:
        return {k: self.sums[k] / self.weights[k] for k in self.sums if self.weights[k] > 0}

    def state(self) -> dict:
        return {"sums": dict(self.sums), "weights": dict(self.weights)}


# ------------------------------------------------------------------------------------------ trainer
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
        step_fn: ``step_fn(model, chunk, state) -> (loss, state)`` or ``(loss, metrics, state)``; needed
            for truncated BPTT (``config.tbptt_k``); used for full BPTT too when ``loss_fn`` is ``None``.
        eval_fn: ``eval_fn(model, data) -> dict`` of validation metrics, replacing the default (the mean
            of ``loss_fn`` -- or of ``step_fn`` on whole batches with ``state=None`` -- over ``data``
            under ``torch.no_grad()``), e.g. for corpus-level metrics.
        split_fn: ``split_fn(batch, k, time_dim) -> list of chunks`` (default :func:`split_time`).
        task_config: the task's own resolved settings (JSON-able dict), saved in ``config.json`` under
            ``"task"``; a resume checks it matches.
    """

    def __init__(self, model: nn.Module, loss_fn: Callable | None = None, *, config: TrainConfig | None = None,
                 run_dir: str | os.PathLike | None = None, step_fn: Callable | None = None,
                 eval_fn: Callable | None = None, split_fn: Callable | None = None,
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
        self.run_dir = Path(run_dir) if run_dir is not None else None
        self.is_main = dist.is_main_process()
        self.rank = dist.rank()
        self.device = next(self.module.parameters()).device
        self.optimizer = build_optimizer(config.optim, self.module.parameters())
        self.scheduler = build_scheduler(config, self.optimizer)
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
        self.stop_reason: str | None = None   # set when fit ends (see FitResult.stop_reason)
        self._fit_start = time.perf_counter()
        self._acc = _Accumulator()
        self._epoch_extra: dict[str, Any] = {}
        self._best: float | None = None
        self._best_epoch: int | None = None
        self._wait = 0
        self._best_weights: dict[str, Tensor] | None = None
        self._last_ckpt_step = 0
        self._last_ckpt_path: Path | None = None
        self._resume_rng: dict | None = None
        self.last_gradflow: dict[str, Tensor] | None = None

    # ------------------------------------------------------------------ public
    def fit(self, train_data: Iterable, val_data: Iterable | None = None, *, resume: bool | str = False) -> FitResult:
        """Train until ``config.epochs`` / ``config.max_steps`` / early stopping; returns a :class:`FitResult`.

        ``resume``: ``False`` (fresh run; a ``run_dir`` that already holds checkpoints is an error),
        ``True`` (continue from the latest checkpoint, which must exist) or ``"auto"`` (continue if there
        is one).
        """
        if resume not in (True, False, "auto"):
            raise ConfigError(f"resume: expected True, False or 'auto', got {resume!r}")
        if val_data is None and self.config.early_stopping is not None and \
                self.config.early_stopping.monitor.startswith("val_"):
            raise ConfigError(f"val_data: expected validation data for early_stopping.monitor="
                              f"{self.config.early_stopping.monitor!r}, got None")
        self._prepare_run_dir(resume)
        cfg = self.config
        self._fit_start = time.perf_counter()
        while not self._finished():
            e = self.epoch
            t0 = time.perf_counter()
            batches = self._epoch_iter(train_data, e)
            pbar = self._progress(train_data, e)
            hit_max = False
            try:
                for batch in batches:
                    record = cfg.gradflow_every is not None and e % cfg.gradflow_every == 0 and self.batch_in_epoch == 0
                    self._train_batch(self._to_device(batch), record)
                    self.batch_in_epoch += 1
                    if pbar is not None:
                        m = self._acc.means()
                        pbar.set_postfix({k: f"{v:.4g}" for k, v in list(m.items())[:3]}, refresh=False)
                        pbar.update(1)
                    if cfg.max_steps is not None and self.global_step >= cfg.max_steps:
                        hit_max = True
                        break
                    if cfg.checkpoint_every is not None and \
                            self.global_step // cfg.checkpoint_every > self._last_ckpt_step // cfg.checkpoint_every:
                        self._checkpoint()
            finally:
                if pbar is not None:
                    pbar.close()
            if self.batch_in_epoch == 0 and not hit_max:
                raise ConfigError("train_data: expected at least one batch per epoch, got an empty iterable")
            self._end_epoch(e, val_data, time.perf_counter() - t0)
        if self._best_weights is not None and cfg.early_stopping is not None and cfg.early_stopping.restore_best:
            self.module.load_state_dict(self._best_weights)
        if self.run_dir is not None and self.is_main:
            self._check_finite_weights("training stopped, final weights not written")
            save_weights(self.module, self.run_dir / "model.safetensors")
            write_digests(self.run_dir, ["config.json", "model.safetensors"])
        dist.barrier()
        best = None
        if self._best is not None:
            best = {"monitor": cfg.early_stopping.monitor, "value": self._best, "epoch": self._best_epoch}
        return FitResult(history=list(self.history), global_step=self.global_step, epochs_run=self.epoch,
                         stopped_early=self.stopped_early, best=best, run_dir=self.run_dir,
                         stop_reason=self.stop_reason or "epochs")

    @torch.no_grad()
    def evaluate(self, data: Iterable) -> dict[str, float]:
        """Mean loss and metrics over ``data`` (or ``eval_fn(model, data)``), in eval mode, no grad.

        Under ``torchrun`` each process evaluates its shard and the sums are combined.
        """
        was_training = self.module.training
        self.module.eval()
        try:
            if self.eval_fn is not None:
                out = self.eval_fn(self.module, data)
                if not isinstance(out, dict):
                    raise InputTypeError(f"eval_fn: expected a dict of metrics, got {type(out).__name__}")
                return {k: _as_float(f"eval_fn[{k!r}]", v) for k, v in out.items()}
            acc = _Accumulator()
            for batch in data:
                batch = self._to_device(batch)
                if self.loss_fn is not None:
                    loss, metrics = self._parse_loss(self.loss_fn(self.module, batch))
                else:
                    loss, metrics, _ = self._parse_step(self.step_fn(self.module, batch, None))
                n = metrics.pop("n", 1.0)
                acc.add(_as_float("loss", loss), metrics, n)
            keys = sorted(acc.sums)
            if dist.is_distributed():
                red = dist.all_reduce_sum([acc.sums[k] for k in keys] + [acc.weights[k] for k in keys])
                acc.sums = dict(zip(keys, red[: len(keys)]))
                acc.weights = dict(zip(keys, red[len(keys):]))
            if not keys:
                raise ConfigError("val_data: expected at least one batch, got an empty iterable")
            return acc.means()
        finally:
            self.module.train(was_training)

    # ------------------------------------------------------------------ one batch
    def _parse_loss(self, out: Any) -> tuple[Tensor, dict[str, float]]:
        if isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], dict):
            loss, metrics = out
        else:
            loss, metrics = out, {}
        return self._check_loss(loss, "loss_fn"), {k: _as_float(f"metrics[{k!r}]", v) for k, v in metrics.items()}

    def _parse_step(self, out: Any) -> tuple[Tensor, dict[str, float], Any]:
        if not isinstance(out, tuple) or len(out) not in (2, 3):
            raise InputTypeError(f"step_fn: expected (loss, state) or (loss, metrics, state), got {type(out).__name__}")
        if len(out) == 2:
            loss, metrics, state = out[0], {}, out[1]
        else:
            loss, metrics, state = out
            if not isinstance(metrics, dict):
                raise InputTypeError(f"step_fn: expected metrics as a dict, got {type(metrics).__name__}")
        metrics = {k: _as_float(f"metrics[{k!r}]", v) for k, v in metrics.items()}
        return self._check_loss(loss, "step_fn"), metrics, state

    @staticmethod
    def _check_loss(loss: Any, where: str) -> Tensor:
        if not isinstance(loss, Tensor):
            raise InputTypeError(f"{where}: expected the loss as a scalar tensor, got {type(loss).__name__}")
        if loss.numel() != 1:
            raise ShapeError(f"{where}: expected a scalar loss, got a tensor of shape {tuple(loss.shape)}")
        return loss

    def _train_batch(self, batch: Any, record: bool) -> None:
        self.model.train()
        rec_norms: dict[str, list[Tensor]] = {}
        if self.config.tbptt_k is None:
            with _maybe_recorder(record) as rec:
                if self.loss_fn is not None:
                    loss, metrics = self._parse_loss(self.loss_fn(self.model, batch))
                else:
                    loss, metrics, _ = self._parse_step(self.step_fn(self.model, batch, None))
                self._update(loss, metrics)
            _collect(rec, rec_norms)
        else:
            state = None
            for chunk in self.split_fn(batch, self.config.tbptt_k, self.config.time_dim):
                with _maybe_recorder(record) as rec:
                    loss, metrics, state = self._parse_step(self.step_fn(self.model, chunk, state))
                    self._update(loss, metrics)
                _collect(rec, rec_norms)
                state = detach_state(state)
        if record and rec_norms:
            # chunks of truncated BPTT follow each other in time: concatenate them
            self.last_gradflow = {tag: torch.cat(parts, 0) for tag, parts in rec_norms.items()}
            self._gradflow_summary(self.last_gradflow)

    def _update(self, loss: Tensor, metrics: dict[str, float]) -> None:
        value = float(loss.detach())
        if dist.is_distributed():  # every process must stop together: share the loss (a NaN anywhere wins)
            value = dist.all_reduce_sum([value])[0] / dist.world_size()
        step = self.global_step + 1
        if not math.isfinite(value):
            raise NonFiniteLossError(f"loss: expected a finite value, got {value} at {self._where(step)}; "
                                     f"training stopped; {self._last_good()}")
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        named = [(n, p) for n, p in self.module.named_parameters() if p.grad is not None]
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
            total = torch.nn.utils.clip_grad_norm_(params, self.config.clip_norm)
            if not torch.isfinite(total):
                raise NonFiniteLossError(f"gradient norm: expected a finite value, got {float(total)} at "
                                         f"{self._where(step)}; the optimizer step was not taken; {self._last_good()}")
        self.optimizer.step()
        self.global_step = step
        metrics = dict(metrics)
        n = metrics.pop("n", 1.0)
        self._acc.add(value, metrics, n)

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

    def _gradflow_summary(self, norms: dict[str, Tensor]) -> None:
        from rnnkit.diagnostics import plot_gradient_flow, summarize_gradient_flow

        summary = summarize_gradient_flow(norms)
        for tag, s in summary.items():
            self._epoch_extra[f"gradflow/{tag}/ratio"] = s.ratio
            self._epoch_extra[f"gradflow/{tag}/flag"] = s.flag
        if self.run_dir is not None and self.is_main:
            folder = self.run_dir / "gradflow"
            name = f"epoch-{self.epoch + 1:04d}"
            payload = {tag: s.to_dict() for tag, s in summary.items()}
            atomic_write_bytes(folder / f"{name}.json", json.dumps(payload, allow_nan=False, default=_json_safe).encode())
            plot_gradient_flow(norms, folder / f"{name}.png", title=f"gradient flow, epoch {self.epoch + 1}")

    # ------------------------------------------------------------------ epochs
    def _epoch_iter(self, data: Iterable, epoch: int):
        """Seed this epoch, start iterating, and on a mid-epoch resume skip the batches already done."""
        seed = derive_seed(self.config.seed, epoch, self.rank)
        torch.manual_seed(seed)
        import random

        import numpy as np

        random.seed(seed)
        np.random.seed(seed % 2**32)
        self.generator.manual_seed(seed)
        told: list[Any] = []
        for obj in (data, getattr(data, "sampler", None), getattr(data, "batch_sampler", None),
                    getattr(getattr(data, "batch_sampler", None), "sampler", None)):
            if obj is not None and callable(getattr(obj, "set_epoch", None)) and not any(obj is t for t in told):
                obj.set_epoch(epoch)  # the epoch data protocol (module docstring); DistributedSampler too
                told.append(obj)
            if obj is data:
                continue
            g = getattr(obj, "generator", None)
            if isinstance(g, torch.Generator) and g is not self.generator:
                g.manual_seed(seed)
        g = getattr(data, "generator", None)
        if isinstance(g, torch.Generator) and g is not self.generator:
            g.manual_seed(seed)
        it = iter(data)
        for i in range(self.batch_in_epoch):
            try:
                next(it)
            except StopIteration:
                raise CheckpointError(f"train_data: the checkpoint is at batch {self.batch_in_epoch} of epoch "
                                      f"{epoch + 1}, expected at least that many batches, got {i}") from None
        if self._resume_rng is not None:
            if dist.is_distributed():  # RNG states are saved from rank 0 only; derive a fresh one per rank
                torch.manual_seed(derive_seed(self.config.seed, epoch, self.global_step, self.rank))
            else:
                set_rng_state(self._resume_rng)
            self._resume_rng = None
        return it

    def _progress(self, data: Iterable, epoch: int):
        if self.config.quiet or not self.is_main or not sys.stderr.isatty():
            return None
        from tqdm.auto import tqdm

        try:
            total = len(data)  # type: ignore[arg-type]
        except TypeError:
            total = None
        return tqdm(total=total, initial=self.batch_in_epoch, desc=f"epoch {epoch + 1}/{self.config.epochs}",
                    leave=False, file=sys.stderr, dynamic_ncols=True)

    def _end_epoch(self, e: int, val_data: Iterable | None, seconds: float) -> None:
        cfg = self.config
        row: dict[str, Any] = {"epoch": e + 1, "step": self.global_step,
                               "lr": self.optimizer.param_groups[0]["lr"]}
        row.update({f"train_{k}": v for k, v in self._acc.means().items()})
        if val_data is not None:
            row.update({f"val_{k}": v for k, v in self.evaluate(val_data).items()})
        row.update(self._epoch_extra)
        row["time_s"] = round(seconds, 3)
        es = cfg.early_stopping
        monitored = None
        if es is not None:
            if es.monitor not in row:
                raise ConfigError(f"early_stopping.monitor: expected one of "
                                  f"{sorted(k for k in row if k.startswith(('train_', 'val_')))}, got {es.monitor!r}")
            monitored = float(row[es.monitor])
            better = self._best is None or (monitored < self._best - es.min_delta if es.mode == "min"
                                             else monitored > self._best + es.min_delta)
            if better and math.isfinite(monitored):
                self._best, self._best_epoch, self._wait = monitored, e + 1, 0
                if es.restore_best:
                    self._best_weights = {k: v.detach().to("cpu", copy=True) for k, v in self.module.state_dict().items()}
            else:
                self._wait += 1
                if self._wait >= es.patience:
                    self.stopped_early, self.stop_reason = True, "patience"
            if es.target is not None and math.isfinite(monitored) and \
                    (monitored <= es.target if es.mode == "min" else monitored >= es.target):
                self.stopped_early, self.stop_reason = True, "target"
        if self.scheduler is not None:
            if cfg.schedule.name == "plateau":
                self.scheduler.step(monitored)
            else:
                self.scheduler.step()
        self.history.append({k: _json_safe(v) for k, v in row.items()})
        self.epoch = e + 1
        self.batch_in_epoch = 0
        self._acc = _Accumulator()
        self._epoch_extra = {}
        self._write_log()
        self._checkpoint()

    def _finished(self) -> bool:
        cfg = self.config
        over_time = (cfg.max_seconds is not None and self.epoch > 0
                     and time.perf_counter() - self._fit_start >= cfg.max_seconds)
        if self.stopped_early:
            self.stop_reason = self.stop_reason or "patience"  # a caller may set stopped_early itself
            return True
        for reason, hit in (("max_steps", cfg.max_steps is not None and self.global_step >= cfg.max_steps),
                            ("epochs", self.epoch >= cfg.epochs), ("max_seconds", over_time)):
            if hit:
                self.stop_reason = reason
                return True
        return False

    # ------------------------------------------------------------------ files
    def _resolved_config(self) -> dict:
        from rnnkit import __version__

        out = {"rnnkit_version": __version__, "train": self.config.to_dict()}
        if self.task_config is not None:
            out["task"] = self.task_config
        return out

    def _prepare_run_dir(self, resume: bool | str) -> None:
        if self.run_dir is None:
            if resume is True:
                raise ConfigError("resume: expected a run_dir to resume from, got run_dir=None")
            return
        found = latest_checkpoint(self.run_dir)
        if found is not None and resume is False:
            raise CheckpointError(f"run_dir: {str(self.run_dir)!r} already holds checkpoints; expected an empty "
                                  "or new folder, or fit(..., resume=True / 'auto') to continue it")
        if found is None and resume is True:
            raise CheckpointError(f"resume: expected a checkpoint in {str(self.run_dir)!r}, found none")
        if found is not None:
            self._check_config_matches()
            self._load(found)
        if self.is_main:
            # the final weights are certified again when this fit ends (config.json changes on a resume)
            (self.run_dir / DIGESTS_FILE).unlink(missing_ok=True)
            write_config(self.run_dir, self._resolved_config())

    def _check_config_matches(self) -> None:
        saved = read_config(self.run_dir)
        mine = self._resolved_config()
        old_train, new_train = saved.get("train", {}), mine["train"]
        if isinstance(old_train.get("early_stopping"), dict):  # written before early_stopping.target existed
            old_train["early_stopping"].setdefault("target", None)
        diff = sorted(k for k in set(old_train) | set(new_train)
                      if k not in RESUMABLE_CHANGES and old_train.get(k) != new_train.get(k))
        if diff:
            detail = "; ".join(f"{k}: checkpoint has {old_train.get(k)!r}, got {new_train.get(k)!r}" for k in diff[:4])
            raise CheckpointError(f"resume: expected the same training config as the checkpoint in "
                                  f"{str(self.run_dir)!r} (except {sorted(RESUMABLE_CHANGES)}), got differences: {detail}")
        if saved.get("task") != mine.get("task"):
            raise CheckpointError(f"resume: expected the same task config as the checkpoint in {str(self.run_dir)!r}, "
                                  f"got {mine.get('task')!r} (checkpoint: {saved.get('task')!r})")

    def _state(self) -> dict:
        return {
            "epoch": self.epoch, "batch_in_epoch": self.batch_in_epoch, "global_step": self.global_step,
            "stopped_early": self.stopped_early, "stop_reason": self.stop_reason,
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict() if self.scheduler is not None else None,
            "rng": get_rng_state(), "generator": self.generator.get_state(),
            "early": {"best": self._best, "best_epoch": self._best_epoch, "wait": self._wait},
            "best_weights": self._best_weights,
            "history": self.history, "acc": self._acc.state(), "epoch_extra": self._epoch_extra,
        }

    def _checkpoint(self) -> None:
        self._check_finite_weights("training stopped, no checkpoint written")
        self._last_ckpt_step = self.global_step
        if self.run_dir is None:
            return
        if self.is_main:
            self._last_ckpt_path = save_checkpoint(self.run_dir, step=self.global_step,
                                                   model_state=self.module.state_dict(), state=self._state(),
                                                   keep=self.config.keep_checkpoints)

    def _load(self, path: Path) -> None:
        ck = load_checkpoint(path)
        check_state_dict(self.module, ck.model_state, str(path / "model.safetensors"))
        s = ck.state
        try:
            self.module.load_state_dict(ck.model_state)
            self.optimizer.load_state_dict(s["optimizer"])
            if self.scheduler is not None:
                if s["scheduler"] is None:
                    raise CheckpointError("scheduler: expected a saved scheduler state, got none")
                self.scheduler.load_state_dict(s["scheduler"])
            self.epoch, self.batch_in_epoch = int(s["epoch"]), int(s["batch_in_epoch"])
            self.global_step, self.stopped_early = int(s["global_step"]), bool(s["stopped_early"])
            self.stop_reason = s.get("stop_reason")  # absent in checkpoints written before it existed
            self.generator.set_state(s["generator"])
            early = s["early"]
            self._best, self._best_epoch, self._wait = early["best"], early["best_epoch"], int(early["wait"])
            self._best_weights = s["best_weights"]
            self.history = list(s["history"])
            self._acc = _Accumulator(s["acc"])
            self._epoch_extra = dict(s["epoch_extra"])
            # mid-epoch: the RNG states at the checkpoint continue the epoch; at an epoch boundary the
            # next epoch reseeds anyway (restoring here would differ from the uninterrupted run)
            self._resume_rng = s["rng"] if self.batch_in_epoch > 0 else None
        except CheckpointError:
            raise
        except (KeyError, TypeError, ValueError, RuntimeError) as e:
            raise CheckpointError(f"{path}: expected a trainer checkpoint matching this model/optimizer, got "
                                  f"an incompatible one ({type(e).__name__}: {e})") from None
        self._last_ckpt_step = self.global_step
        self._last_ckpt_path = path
        if self.is_main:
            self._write_log()

    def _write_log(self) -> None:
        if self.run_dir is None or not self.is_main:
            return
        if self.config.log_format == "jsonl":
            text = "".join(json.dumps(r, allow_nan=False) + "\n" for r in self.history)
            atomic_write_bytes(self.run_dir / "metrics.jsonl", text.encode())
        else:
            cols: list[str] = []
            for r in self.history:
                cols += [k for k in r if k not in cols]
            buf = io.StringIO()
            w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
            w.writeheader()
            w.writerows(self.history)
            atomic_write_bytes(self.run_dir / "metrics.csv", buf.getvalue().encode())

    def _to_device(self, batch: Any) -> Any:
        dev = self.device
        return _tree_map(lambda t: t.to(dev, non_blocking=True) if t.device != dev else t, batch)


class _NullRecorder:
    norms: dict = {}

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return None


def _maybe_recorder(record: bool):
    return GradFlowRecorder() if record else _NullRecorder()


def _collect(rec: GradFlowRecorder | None, into: dict[str, list[Tensor]]) -> None:
    if rec is None:
        return
    for tag, n in rec.norms.items():
        into.setdefault(tag, []).append(n)
