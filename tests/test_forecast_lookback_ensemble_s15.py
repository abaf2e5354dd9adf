"""ForecasterCandidate(lookback_ensemble=True): a global fit of two or more series is one network per lookback
candidate (the lookbacks a single fit chooses among), forecasting the element-wise median of the members; a
series alone keeps the single fit. Small real data (statsmodels' macrodata, bundled: quarterly real GDP,
consumption and investment), oracles computed in the test; each test fails on the code before (no option)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rnnkit.errors import ConfigError
from rnnkit.tasks.forecasting import Forecaster
from rnnkit.tasks.forecasting.candidates import SeriesInput, load_candidates, save_candidates
from rnnkit.tasks.forecasting.neural import ForecasterCandidate, _frame
from rnnkit.tasks.forecasting.prepared import lookback_candidates

pytestmark = pytest.mark.usefixtures("one_thread_module")

H = 4
FAST = dict(epochs=2, selection_epochs=1, hidden_size=8)


@pytest.fixture(scope="module")
def batch():
    import statsmodels.api as sm

    d = sm.datasets.macrodata.load_pandas().data
    idx = pd.date_range("1959-01-01", periods=len(d), freq="QS")
    return [SeriesInput(c, np.log(d[c].to_numpy(float)), 4, idx) for c in ("realgdp", "realcons", "realinv")]


def test_typed_errors():
    with pytest.raises(ConfigError, match="lookback_ensemble: expected True or False, got 'yes'"):
        ForecasterCandidate("lstm", lookback_ensemble="yes")
    with pytest.raises(ConfigError, match="lookback_ensemble: expected no fixed lookback.*lookback=8"):
        ForecasterCandidate("lstm", lookback_ensemble=True, lookback=8)


def test_global_fit_is_the_median_of_one_network_per_lookback(batch):
    """The oracle: one Forecaster per lookback candidate, fitted on the same frame, and their median. The
    default candidate (one network, lookback chosen by validation) differs from it."""
    got = ForecasterCandidate("lstm", lookback_ensemble=True, **FAST).forecast(batch, H)
    single = ForecasterCandidate("lstm", **FAST).forecast(batch, H)
    members = []
    for L in lookback_candidates(4, H):
        f = Forecaster("lstm", horizon=H, lookback=L, period=4, **FAST)
        f.fit(_frame(batch), target="y", time_col="time", id_col="id")
        fc = f.predict()
        members.append(np.stack([fc.loc[fc["id"] == s.id, "value"].to_numpy(float) for s in batch]))
    assert len(members) == 3
    np.testing.assert_allclose(got, np.median(np.stack(members), axis=0), rtol=1e-5)
    assert not np.allclose(got, single)


def test_series_alone_keeps_the_single_fit(batch):
    one = batch[:1]
    on = ForecasterCandidate("lstm", lookback_ensemble=True, **FAST).forecast(one, H)
    off = ForecasterCandidate("lstm", **FAST).forecast(one, H)
    np.testing.assert_array_equal(on, off)


def test_saved_ensemble_forecasts_as_before(batch, tmp_path):
    """Saved and loaded, the ensemble forecasts the longer series (new values appended, no training) as the
    fitted candidate does; a save without the option has no member folders (saves before it load as before)."""
    short = [s.head(len(s) - 2) for s in batch]
    cand = ForecasterCandidate("lstm", lookback_ensemble=True, **FAST)
    cand.forecast(short, H)
    save_candidates({"lstm": cand}, tmp_path / "c")
    assert cand.settings()["lookback_ensemble"] is True
    assert "lookback_ensemble" not in ForecasterCandidate("lstm", **FAST).settings()
    loaded = load_candidates(tmp_path / "c")["lstm"]
    assert loaded.lookback_ensemble is True
    np.testing.assert_allclose(loaded.forecast_fitted(batch, H), cand.forecast_fitted(batch, H), rtol=1e-5)
