"""Session 26, helper W: the review of the session's own commits (what an ordinary use does differently now)."""

import threading

import numpy as np
import pandas as pd
import pytest
import torch

from rnnkit.tasks.forecasting import Forecaster
from rnnkit.training.host import kept_host_rng
from rnnkit.training.seed import get_rng_state


def _series(n=60):
    t = np.arange(n)
    return pd.DataFrame({"ds": pd.date_range("2020-01-01", periods=n, freq="D"), "y": np.sin(t / 3) + t / 20})


@pytest.fixture(scope="module")
def fitted():
    torch.set_num_threads(1)
    return Forecaster(model="gru", horizon=2, epochs=1, lookback=6, seed=0).fit(_series(58), target="y", time_col="ds")


def _while_another_thread_fits(call):
    """Run ``call`` in a thread while another thread holds the fit lock (as Trainer.fit / Task.fit do for a whole
    fit); whether it finished before that fit ended."""
    holding, release, done = threading.Event(), threading.Event(), []

    def other_fit():
        with kept_host_rng():
            holding.set()
            release.wait(120)

    fit = threading.Thread(target=other_fit)
    fit.start()
    holding.wait(60)
    worker = threading.Thread(target=lambda: done.append(call()))
    worker.start()
    worker.join(60)          # a liveness bound, far above the call's own time
    finished = bool(done)
    release.set()
    fit.join()
    worker.join()
    return finished, done


def test_a_forecast_does_not_wait_for_another_threads_fit(fitted):
    # f1d07b2 put Forecaster.predict and update under the process-wide fit lock (training.host): a predict while
    # another thread fitted any task waited for the whole fit (hours for a background retrain of a web app)
    want = fitted.predict()
    finished, got = _while_another_thread_fits(fitted.predict)
    assert finished
    pd.testing.assert_frame_equal(got[0], want)


def test_an_update_does_not_wait_for_another_threads_fit(fitted):
    finished, _ = _while_another_thread_fits(lambda: fitted.update(_series(60).iloc[58:]))
    assert finished


def test_predict_and_update_draw_nothing_from_the_host_generators():
    # why they need no lock: the host's streams are left where they were without restoring them
    f = Forecaster(model="gru", horizon=2, epochs=1, lookback=6, seed=0).fit(_series(58), target="y", time_col="ds")
    torch.manual_seed(3)
    np.random.seed(3)
    before = get_rng_state()
    f.predict()
    f.update(_series(60).iloc[58:])
    after = get_rng_state()
    assert torch.equal(before["torch"], after["torch"])
    assert np.array_equal(before["numpy"][1], after["numpy"][1]) and before["numpy"][2] == after["numpy"][2]
    assert before["python"] == after["python"]
