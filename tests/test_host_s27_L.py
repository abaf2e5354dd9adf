"""Loading while another thread fits, and fits started from a fit's callbacks (session 27, helper L;
rnnkit.training.host).

Oracles: the load's predictions against the fitted object's own, the host's generators' next draws without the call,
the default dtype the host set; a load "waits" when it has not returned while another thread holds the fit lock
(the holder lets go only after the load returns, or after a minute: at 9a58fdf the load returned only then).
"""

from __future__ import annotations

import random
import threading

import numpy as np
import pandas as pd
import pytest
import torch

from rnnkit.training.host import float32_default, kept_host_rng

pytestmark = [pytest.mark.usefixtures("one_thread"),  # one torch thread (tests/conftest.py)
              pytest.mark.filterwarnings("ignore:tsc. the network did not learn")]  # 1 epoch on noise


def _tsc():
    from rnnkit.tasks.tsc import TimeSeriesClassifier, TSCConfig

    rng = np.random.default_rng(0)
    X = [rng.normal(size=(int(rng.integers(4, 9)), 2)).astype(np.float32) for _ in range(12)]
    cfg = TSCConfig(model="rnn", hidden_size=4, epochs=1, batch_size=4, val_fraction=0, progress=False)
    task = TimeSeriesClassifier(cfg).fit(X, ["a", "b"] * 6)
    return task, lambda m: m.predict_proba(X).tobytes()


def _forecaster():
    from rnnkit.tasks.forecasting import Forecaster

    n = 40
    y = 10 + np.sin(np.arange(n) * 2 * np.pi / 12) * 3 + np.random.default_rng(1).normal(0, 0.3, n)
    df = pd.DataFrame({"time": pd.date_range("2020-01-01", periods=n, freq="MS"), "value": y})
    f = Forecaster("gru", epochs=1, hidden_size=4).fit(df, horizon=3, target="value", time_col="time")
    return f, lambda m: m.predict().to_csv()


def _states() -> tuple:
    """The process's generators (python, numpy, torch CPU) as comparable values."""
    return random.getstate(), repr(np.random.get_state()), torch.get_rng_state().tolist()


@pytest.mark.parametrize("make", [_tsc, _forecaster], ids=["task", "forecaster"])
def test_a_load_while_another_thread_fits_neither_waits_nor_draws_from_the_process_generators(make, tmp_path):
    """A load built its network drawing initial weights from the global generators, so it took the fit lock: a web
    app loading a model while it retrained in the background waited for the whole fit. Now it draws from its own
    generators: it returns while the fit goes on, leaves the host's (and the fit's) stream alone and predicts as
    the saved model. Fails at 9a58fdf (the load returns only when the holder gives up)."""
    task, use = make()
    task.save(tmp_path / "run")
    holding, loaded, out = threading.Event(), threading.Event(), {}

    def fit_elsewhere():
        with kept_host_rng():       # what a fit holds, for as long as it runs
            holding.set()
            out["held_until_loaded"] = loaded.wait(60)

    other = threading.Thread(target=fit_elsewhere)
    other.start()
    holding.wait()
    before = _states()              # the fit draws nothing meanwhile: any change is the load's
    again = type(task).load(tmp_path / "run")
    after = _states()
    loaded.set()
    other.join()
    assert out["held_until_loaded"], "the load waited for the other thread's fit"
    assert after == before
    assert use(again) == use(task)


def test_own_draws_leaves_the_process_generators_alone_and_draws_the_same_each_time():
    """Every seeded op, with or without a generator overload of its own (randn.default -> randn.generator), draws
    from the context's generators; an explicit generator is kept."""
    from rnnkit.training.host import own_draws

    def build() -> list:
        lin = torch.nn.LSTM(3, 4)
        explicit = torch.rand(2, generator=torch.Generator().manual_seed(3))
        return [*(p.detach().clone() for p in lin.parameters()), torch.randn(3), torch.rand(2, 2),
                torch.randint(0, 9, (4,)), torch.randperm(5), torch.empty(3).normal_(), torch.randn_like(explicit),
                torch.multinomial(torch.ones(4), 2), explicit]

    torch.manual_seed(0)
    state = torch.get_rng_state()
    with own_draws():
        first = build()
    assert torch.equal(torch.get_rng_state(), state)
    with own_draws():
        second = build()
    assert all(torch.equal(a, b) for a, b in zip(first, second))
    assert torch.equal(first[-1], torch.rand(2, generator=torch.Generator().manual_seed(3)))


def test_the_host_default_dtype_holds_until_the_last_float32_region_in_the_process_closes():
    """torch's default dtype is the process's. Each float32 region put back what it found, so under a host's float64
    a region that closed while another thread's was open (a Forecaster.predict, no fit lock, ending during a fit in
    another thread) set float64 under that fit, and the fit's region then 'restored' float32 as the host's: the host
    was left with float32. Fails at 9a58fdf (the thread sees float64, the host ends with float32)."""
    seen, entered, go = [], threading.Event(), threading.Event()

    def fit_elsewhere():
        with float32_default():
            entered.set()
            go.wait()
            seen.append(torch.get_default_dtype())

    torch.set_default_dtype(torch.float64)
    try:
        first = float32_default()
        first.__enter__()
        other = threading.Thread(target=fit_elsewhere)
        other.start()
        entered.wait()
        first.__exit__(None, None, None)
        go.set()
        other.join()
        assert seen == [torch.float32]
        assert torch.get_default_dtype() == torch.float64
    finally:
        torch.set_default_dtype(torch.float32)


def _trainer(callbacks=()):
    from torch import nn

    from rnnkit.training import TrainConfig, Trainer

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 8), nn.Dropout(0.5), nn.Linear(8, 1))   # dropout: each step draws
    g = torch.Generator().manual_seed(1)
    data = [(torch.randn(4, 2, generator=g), torch.randn(4, 1, generator=g)) for _ in range(3)]
    trainer = Trainer(model, lambda m, b: nn.functional.mse_loss(m(b[0]), b[1]),
                      config=TrainConfig(epochs=2, quiet=True), callbacks=list(callbacks))
    return trainer, data


def _weights(trainer) -> list:
    return [p.detach().clone() for p in trainer.module.parameters()]


def _alone() -> list:
    trainer, data = _trainer()
    trainer.fit(data)
    return _weights(trainer)


class _FitsFromCallback:
    """A callback whose first ``on_step_end`` fits another Trainer, in a thread of its own (and waits for it, at most
    30 s) or in the callback's thread."""

    def __new__(cls, threaded: bool):
        from rnnkit.training.callbacks import Callback

        class FitsAnother(Callback):
            def __init__(self) -> None:
                self.inner, self.data = _trainer()   # built here: building draws (the callback's own draws would
                self.done = self.started = False     # change the paused fit's stream, as any callback's do)

            def on_step_end(self, trainer, step, loss, metrics) -> None:
                if self.started:
                    return
                self.started = True
                if not threaded:
                    self.inner.fit(self.data)
                    self.done = True
                    return
                worker = threading.Thread(target=self.inner.fit, args=(self.data,), daemon=True)
                worker.start()
                worker.join(30)
                self.done = not worker.is_alive()

        return FitsAnother()


@pytest.mark.parametrize("threaded", [True, False], ids=["other-thread", "same-thread"])
def test_a_callback_that_fits_and_waits_for_it_neither_hangs_nor_changes_either_model(threaded):
    """Fits run one at a time (the fit lock, session 26): a callback that started a fit in another thread and waited
    for it waited for ever -- that fit waited for the callback's fit to end. Now a fit is paused while its callbacks
    run (training.host.fit_paused): the other fit runs then, and each model is the one its fit gives alone (the
    paused fit's generators are given back mid-way). The same-thread case documents a nested fit inside a callback.
    Fails at 9a58fdf for the other thread (the inner fit had not run after 30 s)."""
    want = _alone()
    cb = _FitsFromCallback(threaded)
    trainer, data = _trainer([cb])
    trainer.fit(data)
    assert cb.done, "the fit started from the callback did not run while the callback waited"
    for got in (_weights(trainer), _weights(cb.inner)):
        assert all(torch.equal(a, b) for a, b in zip(got, want))


def test_own_draws_is_this_threads_alone():
    """A load's own_draws in one thread leaves another thread's draws on the process's generator (a fit there)."""
    from rnnkit.training.host import own_draws

    inside, done = threading.Event(), threading.Event()

    def load_elsewhere():
        with own_draws():
            inside.set()
            done.wait(60)

    other = threading.Thread(target=load_elsewhere)
    other.start()
    inside.wait()
    torch.manual_seed(3)
    got = torch.rand(3)
    done.set()
    other.join()
    torch.manual_seed(3)
    assert torch.equal(got, torch.rand(3))


def test_an_experiment_config_check_while_another_thread_fits_does_not_wait():
    """compare_cells() and resolve_config build throwaway layers (a cell's structure) inside kept_host_rng, the fit
    lock: a config check waited for another thread's whole fit. Now they draw from their own generators. Fails at
    9a58fdf (they return only when the holder gives up)."""
    from rnnkit.experiments import compare_cells, resolve_config

    holding, done, out = threading.Event(), threading.Event(), {}

    def fit_elsewhere():
        with kept_host_rng():
            holding.set()
            out["held_until_done"] = done.wait(60)

    other = threading.Thread(target=fit_elsewhere)
    other.start()
    holding.wait()
    before = _states()
    cells = compare_cells()
    cfg = resolve_config("adding", cell="gru")
    after = _states()
    done.set()
    other.join()
    assert out["held_until_done"], "the config check waited for the other thread's fit"
    assert after == before
    assert "gru" in cells and cfg.cell == "gru"


def _series():
    n = 40
    y = 10 + np.sin(np.arange(n) * 2 * np.pi / 12) * 3 + np.random.default_rng(1).normal(0, 0.3, n)
    return pd.DataFrame({"time": pd.date_range("2020-01-01", periods=n, freq="MS"), "value": y})


@pytest.mark.parametrize("model", ["gru", "auto"])
def test_a_forecaster_progress_callable_that_fits_and_waits_for_it_does_not_hang(model):
    """A Forecaster's progress callable is the user's code inside the fit, as a Trainer callback: one that started a
    fit in another thread and waited for it waited for ever (that fit waited for the fit lock). It now runs with the
    fit paused (network_model._say, auto's candidate messages). Both forecasts are those of the fits run alone.
    Fails at 9a58fdf (the inner fit had not run after 30 s)."""
    from rnnkit.tasks.forecasting import Forecaster

    kw = dict(epochs=1, hidden_size=4) if model == "gru" else dict(candidates=["seasonal_naive", "gru"], epochs=1,
                                                                    hidden_size=4)
    cols = dict(horizon=3, target="value", time_col="time")
    want = Forecaster(model, **kw).fit(_series(), **cols).predict().to_csv()
    inner, state = Forecaster(model, **kw), {"started": False, "done": False}

    def progress(line: str) -> None:
        if not state["started"]:
            state["started"] = True
            worker = threading.Thread(target=inner.fit, args=(_series(),), kwargs=cols, daemon=True)
            worker.start()
            worker.join(30)
            state["done"] = not worker.is_alive()

    outer = Forecaster(model, **kw)
    outer.progress = progress
    outer.fit(_series(), **cols)
    assert state["done"], "the fit started from the progress callable did not run while it waited"
    assert outer.predict().to_csv() == want
    assert inner.predict().to_csv() == want
