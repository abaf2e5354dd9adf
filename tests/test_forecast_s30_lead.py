"""Session 30 (lead): the ES-RNN reads --seed; calendar features of every monthly/daily/sub-hourly frequency."""
import pandas as pd
import pytest

from rnnkit.tasks.forecasting.auto_model import build_candidates
from rnnkit.tasks.forecasting.config import ForecastConfig
from rnnkit.tasks.forecasting.covariates import calendar_columns


@pytest.mark.parametrize("model", ["esrnn", "auto"])
def test_the_esrnn_candidate_takes_the_configs_seed(model):
    # --model esrnn --seed 7 trained with seed 0 (the candidate was built without it), where the lstm took it
    assert build_candidates(ForecastConfig(model=model, seed=7))["esrnn"].seed == 7
    assert build_candidates(ForecastConfig(model=model))["esrnn"].seed == ForecastConfig().seed


def _cols(freq, start="2023-01-02", n=40):
    return calendar_columns(pd.date_range(start, periods=n, freq=freq))


@pytest.mark.parametrize("freq, like", [("BME", "ME"), ("BMS", "MS"), ("CBMS", "MS"), ("SMS", "MS"), ("SME", "ME"),
                                        ("C", "B"), ("30min", "h"), ("15min", "h"), ("s", "h")])
def test_calendar_features_of_business_and_sub_hourly_frequencies(freq, like):
    assert _cols(freq) == _cols(like) != []


@pytest.mark.parametrize("freq", ["ms", "us", "ns"])
def test_sub_second_data_get_no_month_features(freq):
    assert _cols(freq) == []    # 'ms' was read as 'MS' (month start): month_sin / month_cos on millisecond data


def _panel(n_series=5, n=48, seed=0):
    import numpy as np
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    rows = [pd.DataFrame({"store": f"s{k}", "date": pd.date_range("2015-01-01", periods=n, freq="MS"),
                          "sales": 50 + 10 * k + 0.3 * t + 4 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 1, n)})
            for k in range(n_series)]
    rows.append(pd.DataFrame({"store": "flat", "date": pd.date_range("2015-01-01", periods=n, freq="MS"),
                              "sales": 7.0}))     # a constant series: forecast apart from auto
    return pd.concat(rows, ignore_index=True)


def _new_point(value, date):
    return pd.DataFrame({"store": ["s2"], "date": [pd.Timestamp(date)], "sales": [value]})


@pytest.mark.parametrize("model", ["ets", "theta"])
def test_update_of_one_series_of_a_local_panel_equals_the_whole_batch(model, monkeypatch):
    # the service's per-point update re-forecast every series (every ETS refitted: ~27 s a point for 200 series);
    # now only the series that grew, when every candidate forecasts series alone -- the same frame to the bit
    from rnnkit.tasks.forecasting import Forecaster
    from rnnkit.tasks.forecasting.candidates import Candidate

    def run(global_):
        monkeypatch.setattr(Candidate, "is_global", global_)
        f = Forecaster(model, horizon=4, quantiles=(0.1, 0.5, 0.9))
        f.fit(_panel(), target="sales", time_col="date", id_col="store")
        assert [c.is_global for c in f.auto_.candidates.values()] == [global_]
        before = f.predict()
        return f, before, f.update(_new_point(80.0, "2019-01-01")), f.update(_new_point(81.0, "2019-02-01"))

    f, before, one, two = run(False)
    g, before_g, one_g, two_g = run(True)     # a global candidate: the whole batch, as before
    pd.testing.assert_frame_equal(one, one_g, check_exact=True)
    pd.testing.assert_frame_equal(two, two_g, check_exact=True)
    other = one["id"] != "s2"
    pd.testing.assert_frame_equal(one[other].reset_index(drop=True), before[other].reset_index(drop=True),
                                  check_exact=True)
    assert not one[~other]["value"].equals(before[~other]["value"].reset_index(drop=True))


def test_update_of_one_series_forecasts_that_series_alone(monkeypatch):
    from rnnkit.tasks.forecasting import Forecaster
    from rnnkit.tasks.forecasting.auto import AutoForecaster

    f = Forecaster("ets", horizon=4)
    f.fit(_panel(), target="sales", time_col="date", id_col="store")
    seen = []
    real = AutoForecaster.forecast_fitted
    monkeypatch.setattr(AutoForecaster, "forecast_fitted",
                        lambda self, batch, horizon: seen.append([s.id for s in batch]) or real(self, batch, horizon))
    f.update(_new_point(80.0, "2019-01-01"))
    assert seen == [["s2"]]      # all five non-constant series before


def test_update_with_the_pretrained_member_forecasts_the_whole_batch():
    # PretrainedCandidate is not global (one network per group, not fitted on the batch), but its float32 network
    # runs on the batch at once: a batch of one gave other last bits (1.3e-07, W2's review of 7c9aa06)
    import copy

    import numpy as np

    from rnnkit.tasks.forecasting import Forecaster

    rng = np.random.default_rng(0)
    t = np.arange(30)
    data = pd.concat([pd.DataFrame({"store": f"s{k}", "date": pd.date_range("1990-01-01", periods=30, freq="YS"),
                                    "sales": 50 + 10 * k + 0.8 * t + rng.normal(0, 2, 30)}) for k in range(6)],
                     ignore_index=True)
    f = Forecaster("auto", horizon=3, quantiles=(0.1, 0.5, 0.9), candidates=("ets", "theta", "pretrained"))
    f.fit(data, target="sales", time_col="date", id_col="store")
    g = copy.deepcopy(f)
    for c in g.auto_.candidates.values():
        c.is_global = True            # the whole-batch path
    new = pd.DataFrame({"store": ["s2"], "date": [pd.Timestamp("2020-01-01")], "sales": [90.0]})
    pd.testing.assert_frame_equal(f.update(new), g.update(new), check_exact=True)
