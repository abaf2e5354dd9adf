"""The Python API inside a host program (session 26, helper L): a fit or a load leaves the caller's process state
as it found it (rnnkit.training.host).

Oracles: the host's state before the call (its generators' next draws, its default dtype), the same fit run alone
(sequentially, under the default float32).
"""

from __future__ import annotations

import multiprocessing
import random
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch
from torch import nn

from rnnkit.training import TrainConfig, Trainer
from rnnkit.training.callbacks import Callback
from rnnkit.training.host import kept_host_rng

pytestmark = [pytest.mark.usefixtures("one_thread"),  # one torch thread (tests/conftest.py)
              pytest.mark.filterwarnings("ignore:tsc. the network did not learn")]  # 1 epoch on noise


def _tagger():
    from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig

    cfg = TaggerConfig(word_dim=4, char_dim=4, char_hidden=4, hidden_size=4, epochs=2, batch_size=4, val_fraction=0,
                       dropout=0.3, progress=False)
    sents, tags = [["ka", "lo"], ["mi", "nu", "po"], ["lo", "mi"]] * 4, [["B-x", "O"], ["O", "O", "B-x"], ["O", "O"]] * 4
    return SequenceTagger(cfg), sents, tags


def _tsc():
    from rnnkit.tasks.tsc import TimeSeriesClassifier, TSCConfig

    rng = np.random.default_rng(0)
    X = [rng.normal(size=(int(rng.integers(4, 9)), 2)).astype(np.float32) for _ in range(12)]
    cfg = TSCConfig(model="rnn", hidden_size=4, epochs=1, batch_size=4, val_fraction=0, progress=False)
    return TimeSeriesClassifier(cfg), X, ["a", "b"] * 6


def _out(task, X) -> list:
    return task.predict_proba(X).tolist() if hasattr(task, "predict_proba") else task.predict(X)


def _next_draws() -> tuple:
    return torch.rand(3).tolist(), np.random.rand(3).tolist(), [random.random() for _ in range(3)]


def _as_host(call) -> tuple:
    """The host's next draws after ``call()`` and those it would have drawn without it."""
    torch.manual_seed(123), np.random.seed(123), random.seed(123)
    want = _next_draws()
    torch.manual_seed(123), np.random.seed(123), random.seed(123)
    call()
    return _next_draws(), want


@pytest.mark.parametrize("make", [_tagger, _tsc], ids=["tag", "tsc"])
def test_fit_and_load_give_the_host_its_random_generators_back(make, tmp_path):
    """Before: a fit left torch's, numpy's and python's global generators reseeded with its own seed (the host's
    ``torch.rand`` after every fit gave the same numbers), and a load drew its network's initial weights from the
    host's torch stream. Fails at ef8d4e0 (torch's draws differ after the fit and after the load)."""
    task, X, y = make()
    got, want = _as_host(lambda: task.fit(X, y))
    assert got == want
    task.save(tmp_path / "run")
    loaded = []
    got, want = _as_host(lambda: loaded.append(type(task).load(tmp_path / "run")))
    assert got == want
    assert _out(loaded[0], X) == _out(task, X)


def test_a_trainer_fit_gives_the_host_its_random_generators_back():
    """Trainer.fit seeds every epoch (begin_epoch: torch, numpy, python); the host's streams now go on where they were.
    Fails at ef8d4e0."""
    torch.manual_seed(0)
    model = nn.Linear(2, 1)
    data = [(torch.randn(4, 2), torch.randn(4, 1))] * 2
    trainer = Trainer(model, lambda m, b: nn.functional.mse_loss(m(b[0]), b[1]),
                      config=TrainConfig(epochs=2, quiet=True))
    got, want = _as_host(lambda: trainer.fit(data))
    assert got == want
    assert trainer.global_step == 4   # it trained


def test_a_fit_under_a_float64_default_is_the_float32_fit_and_the_default_comes_back():
    """A notebook's ``torch.set_default_dtype(torch.float64)``: the time-series classifier's fit built its network in
    float64 and failed on its float32 batches ("x: expected dtype torch.float64 (the layer's), got torch.float32");
    a tagger trained and saved float64 weights. Now the tasks build float32, the same model as under float32, and the
    host's default is float64 after fit and load. Fails at ef8d4e0 (the InputTypeError)."""
    for make in (_tsc, _tagger):
        task, X, y = make()
        want = _out(task.fit(X, y), X)
        other, _, _ = make()
        torch.set_default_dtype(torch.float64)
        try:
            got = _out(other.fit(X, y), X)
            assert torch.get_default_dtype() == torch.float64
            assert {p.dtype for p in other.net.parameters()} == {torch.float32}
        finally:
            torch.set_default_dtype(torch.float32)
        assert got == want


_LOG: list = []
_A_IN, _B_IN = threading.Event(), threading.Event()


class _Mark(Callback):
    """Logs its fit's start and end; fit "a" waits (at most 1 s) for fit "b" to start inside it."""

    resume_safe = True

    def __init__(self, who: str) -> None:
        self.who = who

    def on_fit_start(self, trainer) -> None:
        _LOG.append(self.who)
        if self.who == "a":
            _A_IN.set()
            _B_IN.wait(1.0)
        else:
            _B_IN.set()

    def on_fit_end(self, trainer, result) -> None:
        _LOG.append(self.who)


def test_two_fits_in_threads_run_one_at_a_time_and_give_the_sequential_fits_model():
    """Two tasks fitted at once in a ThreadPoolExecutor reseeded and drew from the same global generators in
    turns: their models differed from the same fits run one after the other (TextClassifier: 2 of 3 runs). Now a fit
    waits for the one in progress, or runs whole while that one is paused in its callbacks (session 27,
    training.host.fit_paused: "a" waits in on_fit_start for "b" to start, as a callback that fits and waits does;
    at 2f584e8 "b" waited for "a" to end, and "a" gave up after 1 s). Fails at ef8d4e0 ("b" draws while "a" runs)."""
    task, X, y = _tagger()
    want = task.fit(X, y).predict(X)
    _LOG.clear(), _A_IN.clear(), _B_IN.clear()

    def fit(who):
        t, _, _ = _tagger()
        return t.fit(X, y, callbacks=[_Mark(who)]).predict(X)

    with ThreadPoolExecutor(2) as pool:
        a = pool.submit(fit, "a")
        assert _A_IN.wait(60)
        b = pool.submit(fit, "b")
        got = [a.result(), b.result()]
    assert _LOG == ["a", "b", "b", "a"]   # "b" ran whole while "a" was paused
    assert got == [want, want]


def _enter_and_leave(queue) -> None:
    with kept_host_rng():
        queue.put("done")


def test_a_process_forked_while_another_thread_fits_can_fit():
    """The lock that serialises fits is held by the fitting thread; a child forked meanwhile (multiprocessing's
    "fork") would have inherited it held, and its first fit would wait for ever. The child gets a free one."""
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork on this platform")
    inside, leave = threading.Event(), threading.Event()

    def hold():
        with kept_host_rng():
            inside.set()
            leave.wait(60)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert inside.wait(60)
        ctx = multiprocessing.get_context("fork")
        queue = ctx.Queue()
        child = ctx.Process(target=_enter_and_leave, args=(queue,))
        child.start()
        child.join(60)
        alive = child.is_alive()
        if alive:
            child.kill()
        assert not alive and child.exitcode == 0 and queue.get(timeout=5) == "done"
    finally:
        leave.set()
        holder.join()


def test_an_experiment_run_gives_the_host_its_random_generators_back():
    """run_experiment seeds every global generator (seed_everything) before it builds and trains each cell: the
    caller's generators came back reseeded with the experiment's seed. Its result still depends on its seed only (the
    same metrics from two host states). Fails at ef8d4e0."""
    from rnnkit.experiments import run_experiment

    runs = []
    got, want = _as_host(lambda: runs.append(run_experiment("copy", cell="gru", length=3, steps=4, seed=5,
                                                            eval_every=2, hidden_size=8, batch_size=8, eval_size=16)))
    assert got == want
    torch.manual_seed(99)
    again = run_experiment("copy", cell="gru", length=3, steps=4, seed=5, eval_every=2, hidden_size=8, batch_size=8,
                           eval_size=16)
    assert again["metrics"] == runs[0]["metrics"] and again["curve"] == runs[0]["curve"]


def test_listing_the_experiments_cells_leaves_the_host_stream_alone():
    """compare_cells() built a throwaway layer of each registry name to read its cell, drawing their initial weights
    from the caller's torch generator: listing names changed the host's next draws. Fails at ae19e42."""
    from rnnkit.experiments import compare_cells

    got, want = _as_host(compare_cells)
    assert got == want


def _queued_cuda_seed() -> list:
    """The seed callbacks torch queues for CUDA's generators until CUDA starts (a CPU-only torch queues them too)."""
    return [c and c[0] for c in torch.cuda._lazy_seed_tracker.get_calls()]


@pytest.mark.skipif(torch.cuda.is_available() and torch.cuda.is_initialized(), reason="CUDA has started: no queue")
@pytest.mark.skipif(not hasattr(torch.cuda, "_lazy_seed_tracker"), reason="this torch queues no CUDA seed")
def test_a_cpu_fit_leaves_the_cuda_seed_the_host_queued():
    """``torch.manual_seed`` before CUDA starts queues the seed for CUDA's generators; a fit on the CPU seeds torch
    again and again, and its last seed was the one queued when it returned: the host's first CUDA draws followed
    the fit's seed, not the host's. Now the host's queued seed is put back. Fails at 6ca4dc1."""
    torch.manual_seed(123)
    want = _queued_cuda_seed()
    task, X, y = _tagger()
    task.fit(X, y)
    got = _queued_cuda_seed()
    assert len(got) == len(want) and all(a is b for a, b in zip(got, want))
