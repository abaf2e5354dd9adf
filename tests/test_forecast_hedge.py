"""``AutoForecaster(hedge=True)``, the default: a series whose own validation windows seasonal naive won, every one of
them, against the chosen combination forecasts the mean of the two. Checked on small real series
(statsmodels' Nile, the bundled electrical equipment index) against the unhedged choice and seasonal
naive computed in the same test, with the rule itself recomputed by brute force."""

from __future__ import annotations

import numpy as np
import pytest

from rnnkit.errors import ConfigError
from rnnkit.tasks.forecasting.auto import AutoForecaster
from rnnkit.tasks.forecasting.candidates import LocalCandidate, SeriesInput
from rnnkit.tasks.forecasting.metrics import mae
from rnnkit.tasks.forecasting.statistical import statistical_candidates

pytestmark = pytest.mark.usefixtures("one_thread_module")
H = 12


def real_batch():
    """Monthly electrical equipment (strong season) and yearly Nile flow: training parts and tails."""
    from rnnkit.data.series import load_elec_equip, load_nile

    elec, nile = load_elec_equip().to_numpy(dtype=float)[-96:], load_nile().to_numpy(dtype=float)[-60:]
    return [SeriesInput("elec", elec[:-H], 12), SeriesInput("nile", nile[:-H], 1)], [elec[-H:], nile[-H:]]


def season_blind():
    """A candidate that forecasts the mean of the last 12 values: blind to a season."""
    return LocalCandidate("theta", lambda y, h, m: np.full(h, y[-12:].mean()))


def test_a_series_whose_windows_seasonal_naive_all_won_gets_half_of_it_and_scores_better():
    batch, tails = real_batch()
    cands = {"theta": season_blind(), "seasonal_naive": statistical_candidates()["seasonal_naive"]}
    plain = AutoForecaster(cands, n_origins=2, hedge=False).forecast(batch, H)
    auto = AutoForecaster(cands, n_origins=2)                # the default hedges
    got = auto.forecast(batch, H)
    v = auto.validation_
    # the rule, by brute force: seasonal naive below the choice in every window of the series
    want = [bool(np.all(v.errors(v.val["seasonal_naive"])[i] < v.errors(v.val["theta"])[i])) for i in range(2)]
    assert want == [True, False] and auto.hedged_.tolist() == want
    assert np.allclose(got[0], (v.final["theta"][0] + v.final["seasonal_naive"][0]) / 2)
    assert np.allclose(got[1], plain[1])                     # not hedged: the choice as it was
    # on the scored tail of the seasonal series the hedge beats the unhedged choice
    assert mae(tails[0], got[0]) < mae(tails[0], plain[0])
    assert auto.report_["hedged_with_seasonal_naive"] == 1
    assert "1 of 2 series hedged half with seasonal_naive" in auto.report_["why"]


def test_hedged_forecasts_follow_forecast_fitted_and_a_save_load(tmp_path):
    batch, tails = real_batch()
    stats = statistical_candidates()
    cands = {"naive": stats["naive"], "seasonal_naive": stats["seasonal_naive"]}
    auto = AutoForecaster(cands, n_origins=2, exclude=("seasonal_naive",))
    got = auto.forecast(batch[:1], H)
    assert auto.hedged_.tolist() == [True]                   # naive against a season: seasonal naive wins
    y = batch[0].y
    assert np.allclose(got[0], (np.full(H, y[-1]) + y[-12:]) / 2)
    longer = [SeriesInput("elec", np.concatenate([y, tails[0]]), 12)]
    again = auto.forecast_fitted(longer, H)[0]
    z = longer[0].y
    assert np.allclose(again, (np.full(H, z[-1]) + z[-12:]) / 2)
    back = AutoForecaster.load(auto.save(tmp_path / "auto"))
    assert back.hedge and back.hedged_.tolist() == [True]
    assert np.allclose(back.forecast_fitted(longer, H)[0], again)


@pytest.mark.parametrize("bad", ["yes", 1, None])
def test_hedge_must_be_a_bool(bad):
    with pytest.raises(ConfigError, match="hedge"):
        AutoForecaster(statistical_candidates(), hedge=bad)
