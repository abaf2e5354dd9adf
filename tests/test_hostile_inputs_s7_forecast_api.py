"""Session 7 sweep, the Forecaster API: settings that were dropped silently are ConfigErrors naming them
(the CLI refused them already): candidates with a single model (ignored) and a quantile or candidate
given twice (deduplicated: one column for two asked)."""

from __future__ import annotations

import pytest

from rnnkit.errors import ConfigError
from rnnkit.tasks.forecasting import Forecaster
from rnnkit.tasks.forecasting.config import ForecastConfig


@pytest.mark.parametrize("kwargs, message", [
    (dict(model="ets", candidates=["ets", "theta"]),
     "candidates: expected only with model 'auto' (the others fit one model), got model 'ets'"),
    (dict(quantiles=[0.1, 0.5, 0.5]), "quantiles: expected each value once, got 0.5 twice"),
    (dict(candidates=["ets", "theta", "ets"]), "candidates: expected each value once, got 'ets' twice"),
])
def test_settings_that_were_dropped_silently_are_config_errors(kwargs, message):
    with pytest.raises(ConfigError) as e:
        ForecastConfig(**kwargs)
    assert str(e.value) == message
    with pytest.raises(ConfigError, match="expected"):
        Forecaster(**kwargs)


def test_valid_lists_are_kept_in_order_and_levels_sorted():
    cfg = ForecastConfig(candidates=["theta", "ets"], quantiles=[0.9, 0.1])
    assert cfg.candidates == ("theta", "ets") and cfg.quantiles == (0.1, 0.9)
