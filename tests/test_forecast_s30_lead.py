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
