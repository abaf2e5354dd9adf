"""What a fit or a load gives back to the program that calls it (session 26).

rnnkit is imported into notebooks, web apps and pipelines: a ``fit`` or ``load`` must leave the host's process
state as it found it, as ``main()`` does for the CLI (session 25). Two contexts, entered by ``Task.fit``,
``Task.load`` and ``Trainer.fit``:

* :func:`kept_host_rng`: inside, the library seeds and draws from the global generators (python, numpy, torch CPU
  and CUDA) as before, so its results depend on its own seed only; on leaving the outermost one the host's states
  come back (and the CUDA seed queued before CUDA starts). A fit used to leave them reseeded with its own seed, so
  the program's own randomness after every fit repeated (``torch.rand`` gave the same numbers after each), and a
  load drew its network's initial weights from the host's stream. Fits in several threads run one at a time: the
  generators are the process's, and two TextClassifiers fitted at once in a ThreadPoolExecutor drew from each
  other's seeds (each predicted otherwise than the same fit run alone, and otherwise on each run).
* :func:`float32_default`: the tasks' networks read float32 arrays; after a notebook's
  ``torch.set_default_dtype(torch.float64)`` they were built in float64 (a TimeSeriesClassifier's fit failed:
  "x: expected dtype torch.float64 (the layer's), got torch.float32"); the host's default comes back after.

>>> import torch
>>> from rnnkit.training.seed import get_rng_state, set_rng_state
>>> s = get_rng_state(); want = torch.rand(2); set_rng_state(s)
>>> with kept_host_rng():
...     _ = torch.manual_seed(0); _ = torch.rand(3)
>>> torch.equal(want, torch.rand(2))   # the host's stream goes on where it was
True
>>> torch.set_default_dtype(torch.float64)
>>> with float32_default():
...     torch.zeros(1).dtype
torch.float32
>>> torch.get_default_dtype()
torch.float64
>>> torch.set_default_dtype(torch.float32)
"""

from __future__ import annotations

import contextlib
import os
import threading
from typing import Iterator

import torch

from rnnkit.training.seed import get_rng_state, set_rng_state

__all__ = ["kept_host_rng", "float32_default"]

#: one fit (or load) at a time in the process, and how deep the current one is nested (Task.fit -> Trainer.fit)
_HOST: list = [threading.RLock(), 0]


def _forked() -> None:   # a child forked while another thread fitted must not inherit the held lock (a hang)
    _HOST[:] = [threading.RLock(), 0]


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forked)


@contextlib.contextmanager
def kept_host_rng() -> Iterator[None]:
    """The global generators' states given back on leaving the outermost call (nested ones, a Trainer's fit inside
    a task's, keep the fit's stream as it always ran); one such call at a time in the process."""
    with _HOST[0]:
        saved = (get_rng_state(), _queued_cuda_seeds()) if _HOST[1] == 0 else None
        _HOST[1] += 1
        try:
            yield
        finally:
            _HOST[1] -= 1
            if saved is not None:
                set_rng_state(saved[0])
                _requeue_cuda_seeds(saved[1])


def _queued_cuda_seeds() -> dict | None:
    """Before CUDA starts, ``torch.manual_seed`` queues its seed for the CUDA generators (torch's
    ``torch.cuda._lazy_seed_tracker``, run when CUDA starts): a fit on the CPU left its own last seed queued there, and
    the host's first CUDA draws followed the fit's seed instead of the host's. ``None`` once CUDA runs (its states are
    in :func:`get_rng_state`) or where torch keeps no such queue."""
    tracker = getattr(torch.cuda, "_lazy_seed_tracker", None)
    if tracker is None or torch.cuda.is_initialized():
        return None
    return {k: list(v) if isinstance(v, list) else v for k, v in vars(tracker).items()}


def _requeue_cuda_seeds(queued: dict | None) -> None:
    if queued is not None and not torch.cuda.is_initialized():
        vars(torch.cuda._lazy_seed_tracker).update(queued)


@contextlib.contextmanager
def float32_default() -> Iterator[None]:
    """torch's default dtype float32 inside, the host's restored after."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float32)
    try:
        yield
    finally:
        torch.set_default_dtype(old)
