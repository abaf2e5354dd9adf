"""Session 30, helper B: issue 16's outliers rule reads the covariate values given after the fit.

A 1e12 typo in predict's known-future covariates (or in an update's new covariate values) went into the network
unscreened and unwarned, while the same typo in the fit's covariate column was warned about and -- outliers=
"missing", the default -- read as missing. Now they are screened the same way: the lone value among the column's
fitted values and the new ones is warned about in one line and, under "missing", filled as a missing value is
(interpolated; a last one keeps the value before). Oracle: the same call with that cell filled by hand.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.usefixtures("one_thread_module")

N, H = 60, 6


def _frame():
    t = np.arange(N + H + 1)
    promo = (t % 5 == 0) * 3.0 + np.sin(t / 3)
    return pd.DataFrame({"date": pd.date_range("2000-01-01", periods=N + H + 1, freq="MS"),
                         "y": 10 + np.sin(2 * np.pi * t / 12) + promo, "promo": promo})


@pytest.fixture(scope="module")
def fitted():
    from rnnkit.tasks.forecasting import Forecaster

    out = {}
    for mode in ("missing", "warn"):
        f = Forecaster("gru", horizon=H, lookback=12, epochs=2, selection_epochs=1, hidden_size=4, seed=0,
                       outliers=mode)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out[mode] = f.fit(_frame().iloc[:N], target="y", time_col="date", future_covariates=["promo"])
    return out


def _calls(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = fn()
    return got, [str(w.message) for w in caught if "1e+12" in str(w.message)]


def _future(start=N, cell=None, value=None):
    fut = _frame().iloc[start:start + H][["date", "promo"]].reset_index(drop=True)
    if cell is not None:
        fut.loc[cell, "promo"] = value
    return fut


def test_a_lone_future_covariate_is_read_as_missing_in_predict(fitted):
    f = fitted["missing"]
    fut = _future()
    got, said = _calls(lambda: f.predict(future_covariates=_future(cell=2, value=1e12))["value"].to_numpy())
    filled = (fut.loc[1, "promo"] + fut.loc[3, "promo"]) / 2
    assert got.tolist() == f.predict(future_covariates=_future(cell=2, value=filled))["value"].tolist()
    assert len(said) == 1 and "\n" not in said[0]
    assert said[0].startswith("future_covariates: column 'promo' of series 'y': one value (1e+12 at time 2005-03-01)")
    assert "treated as missing" in said[0]
    # the last forecast step's value keeps the one before it, as a missing last value does
    last, _ = _calls(lambda: f.predict(future_covariates=_future(cell=H - 1, value=1e12))["value"].tolist())
    assert last == f.predict(future_covariates=_future(cell=H - 1, value=fut.loc[H - 2, "promo"]))["value"].tolist()


def test_warn_keeps_the_value_and_says_so(fitted):
    f = fitted["warn"]
    bad = _future(cell=2, value=1e12)
    got, said = _calls(lambda: f.predict(future_covariates=bad)["value"].tolist())
    assert len(said) == 1 and "treated as missing" not in said[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert got == f.predict(future_covariates=bad)["value"].tolist()     # kept: what 8119a0d forecast


def test_nothing_lone_changes_nothing(fitted):
    f = fitted["missing"]
    got, said = _calls(lambda: f.predict(future_covariates=_future())["value"].tolist())
    assert said == [] and np.isfinite(got).all()
    assert got == fitted["missing"].predict(future_covariates=_future())["value"].tolist()


def test_an_updates_lone_covariate_value_is_read_as_missing_once(fitted):
    f = fitted["missing"]
    row = _frame().iloc[N:N + 1][["date", "y", "promo"]].reset_index(drop=True)
    bad = row.assign(promo=1e12)
    kept = row.assign(promo=float(_frame().loc[N - 1, "promo"]))   # a last missing value keeps the one before
    a, b = copy.deepcopy(f), copy.deepcopy(f)
    got, said = _calls(lambda: a.update(bad, future_covariates=_future(N + 1))["value"].tolist())
    assert got == b.update(kept, future_covariates=_future(N + 1))["value"].tolist()
    assert len(said) == 1 and said[0].startswith("new_points: covariate 'promo' of series 'y': one value (1e+12")
    # update's own predict reads its future covariates once: one warning for a typo there, not two
    c = copy.deepcopy(f)
    _, said = _calls(lambda: c.update(row, future_covariates=_future(N + 1, cell=3, value=1e12)))
    assert len(said) == 1 and said[0].startswith("future_covariates: column 'promo'")
