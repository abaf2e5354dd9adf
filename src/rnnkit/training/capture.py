"""CUDA-graph capture of a whole train step: :func:`capture_train_step`.

``step = rnnkit.capture_train_step(model, loss_fn, optimizer)`` returns a callable
``step(*batch) -> loss`` doing ``zero_grad → loss_fn(model, *batch) → backward → optimizer.step()``.
On CUDA it follows PyTorch's whole-network capture recipe: the first ``warmup`` calls for a new input
signature run eagerly on a side stream (they are real training steps), the next call captures forward +
backward (+ ``optimizer.step()``) into one ``torch.cuda.CUDAGraph`` with static input buffers, and every
later call with that signature copies its batch into the buffers and replays the graph — one launch for
the whole step instead of thousands of small kernel launches from Python. Graphs are kept in an LRU
cache keyed by the inputs' shapes, dtypes and devices (and ``model.training``), at most ``max_cached``.

Constraints of captured steps (the usual CUDA-graph rules):

* static shapes: each new input signature is captured once (after its warm-up) and cached;
* no host synchronisation inside ``loss_fn``, the model or the optimizer: no ``.item()``, ``print`` of
  tensors, ``.cpu()``, data-dependent Python control flow. In rnnkit this rules out ``lengths=``
  (``masks.check_lengths`` reads ``lengths.min()/.max()`` on the host to validate them and to take the
  unmasked path, and moving a CPU ``lengths`` to the GPU is a host-to-device copy from pageable memory)
  and a ``GradFlowRecorder`` (it copies norms to the CPU): such calls fail to capture and fall back;
* optimizers with a ``capturable`` flag (Adam, AdamW, RMSprop, ...) need ``capturable=True``; a Python
  float learning rate is baked into the graph, so a scheduler changing it is not seen by replays (use a
  tensor ``lr``, or capture without the optimizer and step it eagerly);
* inputs are copied into static buffers (gradients with respect to inputs are not kept); the returned
  loss is a copy. Each call replaces the parameters' ``.grad`` (as ``zero_grad(set_to_none=True)``).

Fallback: for CPU tensors, or when warm-up/capture raises (the reason is kept in ``step.fallbacks`` and a
``CaptureFallbackWarning`` is issued once per reason), the step runs eagerly — the same training step.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from typing import Any, Callable

import torch
from torch import Tensor, nn

from rnnkit._validate import check_int
from rnnkit.errors import ConfigError, InputTypeError

__all__ = ["capture_train_step", "CapturedTrainStep", "CaptureFallbackWarning"]


class CaptureFallbackWarning(RuntimeWarning):
    """A train step could not be captured in a CUDA graph and runs eagerly."""


class _Graph:
    __slots__ = ("graph", "inputs", "loss", "grads", "params")

    def __init__(self, graph, inputs, loss, grads, params):
        self.graph, self.inputs, self.loss, self.grads, self.params = graph, inputs, loss, grads, params


class CapturedTrainStep:
    """The callable :func:`capture_train_step` returns: ``step(*batch) -> loss`` (a detached tensor).

    Attributes: ``fallbacks`` (``{signature: reason}`` for the input signatures that run eagerly),
    :meth:`cache_info`, :meth:`clear`.
    """

    def __init__(self, model: nn.Module, loss_fn: Callable, optimizer: torch.optim.Optimizer | None,
                 max_cached: int, warmup: int) -> None:
        self.model, self.loss_fn, self.optimizer = model, loss_fn, optimizer
        self.max_cached, self.warmup = max_cached, warmup
        self.fallbacks: dict[Any, str] = {}
        self._graphs: "OrderedDict[Any, _Graph]" = OrderedDict()
        self._seen: dict[Any, int] = {}
        self._warned: set[str] = set()
        self._stats = {"replays": 0, "captures": 0, "eager": 0, "evictions": 0}

    # ------------------------------------------------------------------ public
    def cache_info(self) -> dict:
        """``{"size", "max_cached", "replays", "captures", "eager", "evictions"}``."""
        return {"size": len(self._graphs), "max_cached": self.max_cached, **self._stats}

    def clear(self) -> None:
        """Drop every captured graph (their memory pools are freed once nothing refers to them)."""
        self._graphs.clear()
        self._seen.clear()

    def __call__(self, *batch):
        key, why_not = self._signature(batch)
        if why_not is not None:
            return self._fallback(key, why_not, batch)
        if key in self.fallbacks:
            return self._eager(batch)
        g = self._graphs.get(key)
        if g is not None:
            self._graphs.move_to_end(key)
            return self._replay(g, batch)
        n = self._seen.get(key, 0)
        if n < self.warmup:  # warm-up: real eager steps on a side stream (lazy inits, autotuning, compile)
            self._seen[key] = n + 1
            side = torch.cuda.Stream()
            side.wait_stream(torch.cuda.current_stream())
            try:
                with torch.cuda.stream(side):
                    loss = self._eager(batch)
            finally:
                torch.cuda.current_stream().wait_stream(side)
            return loss
        try:
            g = self._capture(batch)
        except Exception as e:  # noqa: BLE001 - any failure to capture means: run eagerly
            try:
                torch.cuda.synchronize()
            except Exception:  # noqa: BLE001 - the reason recorded is the capture's
                pass
            return self._fallback(key, f"capture failed: {type(e).__name__}: {_first_line(e)}", batch)
        self._seen.pop(key, None)
        self._graphs[key] = g
        self._stats["captures"] += 1
        while len(self._graphs) > self.max_cached:
            self._graphs.popitem(last=False)
            self._stats["evictions"] += 1
        return self._replay(g, batch)

    # ------------------------------------------------------------------ internals
    def _signature(self, batch) -> tuple[Any, str | None]:
        parts: list = [("training", self.model.training)]
        cuda = False
        for i, b in enumerate(batch):
            if isinstance(b, Tensor):
                if not b.is_cuda:
                    return tuple(parts), f"argument {i} is on {b.device}: CUDA graphs capture CUDA work only"
                cuda = True
                parts.append(("tensor", tuple(b.shape), b.dtype, b.device))
            else:
                try:
                    hash(b)
                except TypeError:
                    return tuple(parts), f"argument {i} ({type(b).__name__}) is not a tensor and not hashable"
                parts.append(("const", type(b), b))
        if not cuda and not any(p.is_cuda for p in self.model.parameters()):
            return tuple(parts), "the model and the batch are not on a CUDA device"
        return tuple(parts), None

    def _fallback(self, key, reason: str, batch):
        self.fallbacks.setdefault(key, reason)
        if reason not in self._warned:
            self._warned.add(reason)
            warnings.warn(f"capture_train_step: running eagerly ({reason})", CaptureFallbackWarning, stacklevel=3)
        return self._eager(batch)

    def _loss(self, batch) -> Tensor:
        out = self.loss_fn(self.model, *batch)
        loss = out[0] if isinstance(out, (tuple, list)) and out else out
        if not isinstance(loss, Tensor) or loss.numel() != 1:
            raise InputTypeError(f"loss_fn: expected it to return a one-element loss tensor (or a tuple starting "
                                 f"with one), got {type(loss).__name__}"
                                 + (f" of shape {tuple(loss.shape)}" if isinstance(loss, Tensor) else ""))
        return loss

    def _zero_grad(self) -> None:
        if self.optimizer is not None:
            self.optimizer.zero_grad(set_to_none=True)
        self.model.zero_grad(set_to_none=True)

    def _eager(self, batch) -> Tensor:
        self._stats["eager"] += 1
        self._zero_grad()
        loss = self._loss(batch)
        loss.backward()
        if self.optimizer is not None:
            self.optimizer.step()
        return loss.detach()

    def _capture(self, batch) -> _Graph:
        inputs = tuple(b.detach().clone() if isinstance(b, Tensor) else b for b in batch)
        self._zero_grad()
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            loss = self._loss(inputs)
            loss.backward()
            if self.optimizer is not None:
                self.optimizer.step()
        params = [p for p in self.model.parameters() if p.grad is not None]
        return _Graph(graph, inputs, loss.detach(), [p.grad for p in params], params)

    def _replay(self, g: _Graph, batch) -> Tensor:
        for buf, b in zip(g.inputs, batch):
            if isinstance(buf, Tensor):
                buf.copy_(b, non_blocking=True)
        g.graph.replay()
        for p, grad in zip(g.params, g.grads):  # this graph's gradient buffers are the current .grad
            if p.grad is not grad:
                p.grad = grad
        self._stats["replays"] += 1
        return g.loss.clone()


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else ""


def capture_train_step(model: nn.Module, loss_fn: Callable, optimizer: torch.optim.Optimizer | None = None, *,
                       max_cached: int = 8, warmup: int = 3) -> CapturedTrainStep:
    """A train step ``step(*batch) -> loss`` captured in CUDA graphs per input signature (see the module
    docstring for the recipe, the constraints and the fallback).

    ``loss_fn(model, *batch)`` returns the loss (a one-element tensor, or a tuple starting with it).
    ``optimizer``: stepped inside the graph; ``None`` captures forward + backward only (step it yourself
    after each call; ``.grad`` holds the step's gradients). ``max_cached``: graphs kept (LRU; each holds
    its own memory pool). ``warmup``: eager calls per new signature before it is captured (PyTorch's
    recipe uses 3; 11 under DistributedDataParallel).

    >>> import torch, rnnkit
    >>> net = rnnkit.GRU(2, 3)
    >>> opt = torch.optim.SGD(net.parameters(), lr=0.1)
    >>> step = rnnkit.capture_train_step(net, lambda m, x: m(x)[0].pow(2).mean(), opt)
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")      # on CPU it says it runs eagerly
    ...     loss = step(torch.randn(5, 4, 2))
    >>> loss.shape, list(step.fallbacks.values())[0].startswith("argument 0 is on cpu")
    (torch.Size([]), True)
    """
    if not isinstance(model, nn.Module):
        raise InputTypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    if not callable(loss_fn):
        raise InputTypeError(f"loss_fn: expected a callable loss_fn(model, *batch) -> loss, got {type(loss_fn).__name__}")
    if optimizer is not None and not isinstance(optimizer, torch.optim.Optimizer):
        raise InputTypeError(f"optimizer: expected a torch.optim.Optimizer or None, got {type(optimizer).__name__}")
    check_int("max_cached", max_cached)
    check_int("warmup", warmup)
    if optimizer is not None and any(p.is_cuda for p in model.parameters()):
        for i, group in enumerate(optimizer.param_groups):
            if "capturable" in group and not group["capturable"]:
                raise ConfigError(f"optimizer: expected capturable=True for CUDA graph capture (e.g. "
                                  f"{type(optimizer).__name__}(params, ..., capturable=True)), got capturable=False "
                                  f"in param group {i}")
    return CapturedTrainStep(model, loss_fn, optimizer, max_cached, warmup)
