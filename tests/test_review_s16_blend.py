"""Review of session 16's pretrained blend (helper V): a series of a yearly panel too short for the member (2 values:
its min_length is 3) got the seasonal naive fallback as its 'member' at fit -- averaged in and reported as 'averaged
half and half with pretrained' -- while forecast_fitted (load, update(), serve) averaged the network's forecast in:
the same data forecast two ways. Its fallback is now not blended (as the member off); auto's report carries
pretrained_blended as data, 0 where the member did not apply (metrics.json's hedged_with_* rule)."""

from __future__ import annotations

import numpy as np
import pytest

from rnnkit.tasks.forecasting.auto import AutoForecaster
from rnnkit.tasks.forecasting.candidates import SeriesInput
from rnnkit.tasks.forecasting.statistical import statistical_candidates
from rnnkit.tasks.forecasting.transfer import PretrainedCandidate

pytestmark = pytest.mark.usefixtures("one_thread_module")


def _stats():
    return {k: v for k, v in statistical_candidates().items() if k in ("naive", "seasonal_naive", "drift", "theta")}


def _panel():
    rng = np.random.default_rng(1)
    return [SeriesInput("a", 100 + np.cumsum(rng.normal(1, 2, 25)), 1),
            SeriesInput("b", 50 + np.cumsum(rng.normal(1, 2, 30)), 1), SeriesInput("short", np.array([10.0, 14.0]), 1)]


def test_a_series_the_member_fell_back_on_is_not_blended_and_forecast_fitted_agrees():
    batch = _panel()
    on = AutoForecaster({**_stats(), "pretrained": PretrainedCandidate(groups=["yearly"])})
    off = AutoForecaster(_stats())
    f_on, f_off = on.forecast(batch, 6), off.forecast(batch, 6)
    assert on.pretrained_blended_.tolist() == [True, True, False]
    np.testing.assert_array_equal(f_on[2], f_off[2])             # the short series: as with the member off
    member = PretrainedCandidate().forecast(batch, 6)             # what forecast_fitted averages in
    np.testing.assert_allclose(f_on[:2], (f_off[:2] + member[:2]) / 2, rtol=1e-6)
    g_on, g_off = on.forecast_fitted(batch, 6), off.forecast_fitted(batch, 6)
    np.testing.assert_array_equal(g_on[2], g_off[2])             # the same series the same way after the fit
    assert on.report_["pretrained_blended"] == 2 and "2 of 3 series averaged" in on.report_["why"]


def test_the_report_says_when_the_member_did_not_apply():
    alone = AutoForecaster({**_stats(), "pretrained": PretrainedCandidate(groups=["yearly"])})
    alone.forecast(_panel()[:1], 6)                               # a series alone: the member does not apply
    assert alone.pretrained_blend and alone.report_["pretrained_blended"] == 0
    off = AutoForecaster(_stats())
    off.forecast(_panel()[:1], 6)
    assert "pretrained_blended" not in off.report_                # no member: nothing to say


def test_calendar_codes_are_read_with_their_case():
    import pandas as pd

    from rnnkit.tasks.forecasting.transfer import calendar_fits

    def fits(freq, period):
        return calendar_fits(SeriesInput("a", np.ones(30), period, pd.date_range("2000", periods=30, freq=freq)))

    assert not fits("ms", 12) and not fits("2ms", 12) and not fits("min", 12)    # milliseconds, minutes: not months
    assert fits("MS", 12) and fits("ME", 12) and fits("BMS", 12) and fits("YS", 1) and fits("QS-OCT", 4)
    assert not fits("D", 1) and not fits("h", 1) and not fits("W-SUN", 1)


def test_a_users_own_candidate_called_pretrained_is_chosen_as_before_not_blended():
    """pretrained_blend=None turned on for any candidate named "pretrained": a user's own one (here drift under that
    name) was silently never chosen and averaged half and half into every forecast. Oracle: the same candidate under
    another name."""
    batch = _panel()[:2]
    drift = statistical_candidates()["drift"]
    mine = AutoForecaster({**{k: v for k, v in _stats().items() if k != "drift"}, "pretrained": drift})
    named = AutoForecaster({**{k: v for k, v in _stats().items() if k != "drift"}, "drift2": drift})
    assert mine.pretrained_blend is False and "pretrained" not in mine.exclude
    f_mine, f_named = mine.forecast(batch, 6), named.forecast(batch, 6)
    np.testing.assert_array_equal(f_mine, f_named)
    assert [c.replace("pretrained", "drift2") for c in mine.chosen_] == named.chosen_
    assert AutoForecaster({**_stats(), "pretrained": drift}, pretrained_blend=True).pretrained_blend   # asked: on


def test_a_constant_series_forecasts_its_constant_at_fit_and_after():
    """The member read a constant series as a window of zeros and drew small steps from it (7.001, 6.998, ...):
    auto's fit forecast the constant (every candidate does, its rule) while forecast_fitted (load, update(), serve)
    blended those steps in. Oracle: the constant, and the fit's own forecast."""
    batch = [*_panel()[:2], SeriesInput("flat", np.full(20, 7.0), 1)]
    assert (PretrainedCandidate().forecast(batch, 6)[2] == 7.0).all()
    on = AutoForecaster({**_stats(), "pretrained": PretrainedCandidate(groups=["yearly"])})
    f = on.forecast(batch, 6)
    np.testing.assert_array_equal(on.forecast_fitted(batch, 6)[2], f[2])
    assert (f[2] == 7.0).all()


def test_the_member_is_not_chosen_when_every_other_candidate_is_excluded():
    """--candidates naive pretrained (the CLI excludes naive and seasonal naive from the choice): with nothing left,
    auto fell back on every candidate, chose 'naive+pretrained' and averaged the member in again (3/4 of the
    forecast), its residuals in the band. Oracle: auto of naive alone, averaged half and half with the member."""
    batch = _panel()[:2]
    naive = statistical_candidates()["naive"]
    on = AutoForecaster({"naive": naive, "pretrained": PretrainedCandidate(groups=["yearly"])},
                        exclude=("naive", "seasonal_naive"))
    alone = AutoForecaster({"naive": naive}, exclude=("naive", "seasonal_naive"))
    f, g = on.forecast(batch, 6), alone.forecast(batch, 6)
    assert on.chosen_ == ["naive", "naive"]
    member = on.validation_.final["pretrained"]
    np.testing.assert_allclose(f, (g + member) / 2, rtol=1e-12)
    np.testing.assert_allclose(on.quantiles_ - f[:, :, None], alone.quantiles_ - g[:, :, None], atol=1e-9)
