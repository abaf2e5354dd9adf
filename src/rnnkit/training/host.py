"""What a fit or a load gives back to the program that calls it (sessions 26, 27).

rnnkit is imported into notebooks, web apps and pipelines: a ``fit`` or ``load`` must leave the host's process
state as it found it, as ``main()`` does for the CLI (session 25). Three contexts:

* :func:`kept_host_rng` (``Task.fit``, ``Trainer.fit``, ``Forecaster.fit``/``backtest``): inside, the library seeds
  and draws from the global generators (python, numpy, torch CPU and CUDA) as before, so its results depend on its
  own seed only; on leaving the outermost one the host's states come back (and the CUDA seed queued before CUDA
  starts). A fit used to leave them reseeded with its own seed, so the program's own randomness after every fit
  repeated (``torch.rand`` gave the same numbers after each). Fits in several threads run one at a time: the
  generators are the process's, and two TextClassifiers fitted at once in a ThreadPoolExecutor drew from each
  other's seeds (each predicted otherwise than the same fit run alone, and otherwise on each run).
* :func:`own_draws` (``Task.load``, ``Forecaster.load``): the network a load builds draws its initial weights (then
  replaced by the saved ones) from generators of its own, so a load neither touches the process's generators nor
  waits for another thread's fit.
* :func:`float32_default`: the tasks' networks read float32 arrays; after a notebook's
  ``torch.set_default_dtype(torch.float64)`` they were built in float64 (a TimeSeriesClassifier's fit failed:
  "x: expected dtype torch.float64 (the layer's), got torch.float32"); the host's default comes back when the last
  region open in the process closes.

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
import functools
import os
import sys
import threading
from typing import Callable, Iterator

import torch
from torch.utils._python_dispatch import TorchDispatchMode

from rnnkit.training.seed import get_rng_state, set_rng_state

__all__ = ["kept_host_rng", "float32_default", "own_draws", "fit_paused"]

class _Turns:
    """Whose turn it is to fit: one fit at a time in the process (``owner``, the thread, and how deep its calls are
    nested: Task.fit -> Trainer.fit). A fit paused in its callbacks (:func:`fit_paused`) lets others run and goes on
    only when no fit runs and every fit that began during its pause has ended (``paused``, a stack): a fit that began
    then runs whole between two steps of the paused one, and gives it the generators back as it found them."""

    def __init__(self) -> None:
        self.cond = threading.Condition(threading.Lock())
        self.owner: int | None = None
        self.depth = 0
        self.paused: list = []

    def enter(self) -> bool:
        """Wait for the turn (at once when this thread fits already); True for the outermost call."""
        me = threading.get_ident()
        with self.cond:
            if self.owner == me:
                self.depth += 1
                return False
            self._wait(lambda: self._lent_to(me) or self.owner is None, poll=_POLL_S)
            self.owner, self.depth = me, 1
            return True

    def _lent_to(self, me: int) -> bool:
        """The running fit's turn lent to ``me`` (a fit waiting for it) when that fit's thread waits, with no
        timeout, for ``me`` to end: its ``loss_fn``, metric, data or a baseline's fit started a fit in another thread
        and joined it (``Thread.join``, ``Future.result``, an executor's ``with`` block). It waited for ever (the
        other fit waited for this turn); now the other fit runs whole as in a paused callback (:func:`fit_paused`)
        and, at its end, gives the turn and the generators back. Exact: a fit waiting with a timeout, or on anything
        else, is not lent to (its wait ends by itself). Called under ``cond``; False (nothing lent) otherwise."""
        owner = self.owner
        if owner is None or not _waits_for(owner, me, sys._current_frames()):
            return False
        self.paused.append(_Lent(owner, self.depth))
        self.owner, self.depth = None, 0
        return True

    def leave(self) -> None:
        with self.cond:
            if self.owner != threading.get_ident():
                return
            self.depth -= 1
            if self.depth == 0:
                self.owner = None
                if self.paused and isinstance(self.paused[-1], _Lent):   # the fit that lent its turn to this one
                    lent = self.paused.pop()
                    self.owner, self.depth = lent.owner, lent.depth
                self.cond.notify_all()

    @contextlib.contextmanager
    def pause(self) -> Iterator[None]:
        with self.cond:
            if self.owner != threading.get_ident():    # not inside a fit of this thread
                token = None
            else:
                token = [self.depth]
                self.paused.append(token)
                self.owner, self.depth = None, 0
                self.cond.notify_all()
        try:
            yield
        finally:
            if token is not None and _TURNS[0] is self:   # else forked during the pause (os.fork in a callback): the
                # child's fit goes on at once, as one forked outside a pause (_forked); it waited for ever for the
                # turn of a fit that ran in another thread, one the child lacks
                with self.cond:
                    self._wait(lambda: self.owner is None and self.paused[-1] is token)
                    self.paused.pop()
                    self.owner, self.depth = threading.get_ident(), token[0]

    def _wait(self, ready: Callable[[], bool], poll: float | None = None) -> None:
        """``cond.wait`` until ``ready()`` (asked again every ``poll`` seconds too); a KeyboardInterrupt meanwhile is
        raised once the turn is taken (the state stays whole: the fit unwinding it owns its turn)."""
        interrupted = None
        while not ready():
            try:
                self.cond.wait(poll)
            except BaseException as err:  # noqa: BLE001 - raised again below
                interrupted = interrupted or err
        if interrupted is not None:
            raise interrupted


class _Lent:
    """A fit's turn lent to the fit its thread waits for (:meth:`_Turns._lent_to`), given back at that one's end."""

    __slots__ = ("owner", "depth")

    def __init__(self, owner: int, depth: int) -> None:
        self.owner, self.depth = owner, depth


#: How often a fit waiting for the turn looks whether the running fit waits for it (:meth:`_Turns._lent_to`).
_POLL_S = 0.05


def _waits_for(waiter: int, target: int, frames: dict) -> bool:
    """Whether thread ``waiter`` is blocked, with no timeout, until thread ``target`` ends or finishes the
    executor's work item it runs -- directly or through threads blocked so in turn (``frames``:
    ``sys._current_frames()``). Reads the waiting call's frame: ``Thread.join`` (an executor's shutdown too) and
    ``concurrent.futures.Future.result`` (``submit(...).result()``, ``map``)."""
    from concurrent.futures import _base, thread as pool
    join, result, run = threading.Thread.join.__code__, _base.Future.result.__code__, pool._WorkItem.run.__code__
    seen, todo = set(), [waiter]
    while todo:
        t = todo.pop()
        if t in seen:
            continue
        seen.add(t)
        f = frames.get(t)
        while f is not None and f.f_code is not join and f.f_code is not result:
            f = f.f_back
        if f is None or f.f_locals.get("timeout") is not None:
            continue
        awaited = f.f_locals.get("self")
        if f.f_code is join:
            nxt = [getattr(awaited, "ident", None)]
        else:   # the threads running that future's work item
            nxt = [i for i, g in frames.items() if _runs(g, run, awaited)]
        if target in nxt:
            return True
        todo += [i for i in nxt if i is not None]
    return False


def _runs(frame, run, future) -> bool:
    while frame is not None:
        if frame.f_code is run and getattr(frame.f_locals.get("self"), "future", None) is future:
            return True
        frame = frame.f_back
    return False


_TURNS = [_Turns()]
#: float32_default's regions open in the process (any thread) and the host's default dtype they give back
_DTYPE: list = [threading.Lock(), 0, None]


def _forked() -> None:   # a child forked while another thread fitted must not inherit the held turn (a hang)
    _TURNS[0] = _Turns()
    _DTYPE[0] = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forked)


@contextlib.contextmanager
def kept_host_rng() -> Iterator[None]:
    """The global generators' states given back on leaving the outermost call (nested ones, a Trainer's fit inside
    a task's, keep the fit's stream as it always ran); one such call at a time in the process."""
    outer = _TURNS[0].enter()
    try:
        saved = (get_rng_state(), _queued_cuda_seeds()) if outer else None
        try:
            yield
        finally:
            if saved is not None:
                set_rng_state(saved[0])
                _requeue_cuda_seeds(saved[1])
    finally:
        _TURNS[0].leave()     # the child's own, after a fork inside the fit (it owns nothing there)


@contextlib.contextmanager
def fit_paused() -> Iterator[None]:
    """The user's code a fit calls (its callbacks) runs with the fit paused: other fits may run meanwhile. A
    callback that started a fit in another thread and waited for it waited for ever (that fit waited for this one's
    turn). Now that fit runs whole while this one is paused and, as an outermost call, gives the generators back as
    it found them (this fit's stream, mid-way), so neither model changes; one fit draws at a time still. A fit the
    callback runs in its own thread is outermost too: the paused fit's stream is kept."""
    with _TURNS[0].pause():
        yield


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
    """torch's default dtype float32 inside, the host's restored when the last such region in the process closes.
    The default dtype is the process's, not a thread's: each region used to put back the dtype it found, so under a
    host's float64 a Forecaster.predict (no fit lock) that ended while another thread fitted set float64 under that
    fit (its next tensors were float64: "expected dtype torch.float32"), and a region opened during another one
    'restored' float32 as the host's."""
    with _DTYPE[0]:
        if _DTYPE[1] == 0:
            _DTYPE[2] = torch.get_default_dtype()
        _DTYPE[1] += 1
        torch.set_default_dtype(torch.float32)
    try:
        yield
    finally:
        with _DTYPE[0]:
            _DTYPE[1] -= 1
            if _DTYPE[1] == 0:
                torch.set_default_dtype(_DTYPE[2])


class _OwnDraws(TorchDispatchMode):
    """Every seeded torch op run in this thread draws from this mode's generators (seed 0, one per device)."""

    def __init__(self) -> None:
        super().__init__()
        self.generators: dict[torch.device, torch.Generator] = {}

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = dict(kwargs or {})
        if torch.Tag.nondeterministic_seeded in func.tags and kwargs.get("generator") is None and \
                _device(args, kwargs).type != "meta":     # a meta tensor draws nothing (torch has no meta generator)
            func = _with_generator(func)
            if func is not None:
                kwargs["generator"] = self._generator(args, kwargs)
        return func(*args, **kwargs)

    def _generator(self, args: tuple, kwargs: dict) -> torch.Generator:
        device = _device(args, kwargs)
        if device not in self.generators:
            self.generators[device] = torch.Generator(device=device).manual_seed(0)
        return self.generators[device]


def _device(args: tuple, kwargs: dict) -> torch.device:
    """The device a random op draws on: its ``device`` argument, else its first tensor's, else the CPU."""
    first = next((a for a in args if isinstance(a, torch.Tensor)), None)
    return torch.device(kwargs.get("device") or (first.device if first is not None else "cpu"))


@functools.lru_cache(maxsize=None)
def _with_generator(func):
    """``func``, or its overload that takes a generator (``aten.randn.default`` -> ``aten.randn.generator``); None
    where it has none (``native_dropout``: a forward's op, not a constructor's)."""
    name = func._overloadname
    out = name == "out" or name.endswith("_out")
    base = "default" if name == "out" else name.removesuffix("_out")
    other = ("generator" if base == "default" else base + "_generator") + ("_out" if out else "")
    for name in (name, other):
        op = getattr(func.overloadpacket, name, None)
        if op is not None and any(a.name == "generator" for a in op._schema.arguments):
            return op
    return None


@contextlib.contextmanager
def own_draws() -> Iterator[None]:
    """Inside, in this thread, torch's random ops draw from generators of their own, never the process's: a load
    builds its network (initial weights drawn, then replaced by the saved ones) without touching the host's stream
    or a fit's in another thread, so it needs no fit lock. ``Task.load`` and ``Forecaster.load`` took the lock and
    waited for another thread's whole fit (a web app loading a model while it retrained stalled)."""
    with _OwnDraws():
        yield
