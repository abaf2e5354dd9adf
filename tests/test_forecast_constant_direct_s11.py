"""``AutoForecaster`` used directly (the Python API, without ``Forecaster("auto")``, which keeps constant series
out of the candidates' batch) on a long constant series (session 11, issue 16): it forecasts the constant with a
zero-width band -- what statsforecast's and Darts' models give a constant series -- and its report says the
series is constant. Before, the report said "no validation window (series too short)" and listed every candidate
as having "fallen back" to the seasonal naive, though the series had 120 values. A constant series in a batch
with others is named in the report and leaves the others' forecasts exactly as without it; a really short
series still says "too short"."""

from __future__ import annotations

import numpy as np
import pytest

from rnnkit.tasks.forecasting.auto import AutoForecaster
from rnnkit.tasks.forecasting.candidates import SeriesInput
from rnnkit.tasks.forecasting.statistical import statistical_candidates
from rnnkit.tasks.forecasting.validation import ValidationSet

pytestmark = pytest.mark.usefixtures("one_thread_module")
H = 6
CANDS = ("theta", "drift", "seasonal_naive", "naive")      # ETS: slow, and not what is tested


def _auto() -> AutoForecaster:
    return AutoForecaster({k: v for k, v in statistical_candidates().items() if k in CANDS})


def _moving(sid: str, seed: int) -> SeriesInput:
    rng = np.random.default_rng(seed)
    t = np.arange(96)
    return SeriesInput(sid, 10 + 0.05 * t + np.sin(2 * np.pi * t / 12) + rng.normal(0, 0.3, t.size), 12)


@pytest.mark.parametrize("value", [5.0, 0.0, -2.5])
def test_long_constant_series_forecasts_its_constant_and_says_so(value, tmp_path):
    auto = _auto()
    point = auto.forecast([SeriesInput("flat", np.full(120, value), 12)], H)
    assert point.shape == (1, H) and np.array_equal(point, np.full((1, H), value))
    assert np.array_equal(auto.quantiles_, np.full((1, H, len(auto.quantile_levels)), value))   # zero width
    rep = auto.report_
    assert "too short" not in rep["why"] and "constant" in rep["why"] and "'flat'" in rep["why"]
    assert rep["chosen"] == "constant" and rep["constant_series"] == {"flat": value}
    assert rep["fallbacks"] == {}                   # no candidate "could not fit" it: every one forecasts it
    # saved and loaded with the validation set, the report is the same
    auto.validation_.save(tmp_path / "v.npz")
    again = _auto()
    assert np.array_equal(again.forecast_from(ValidationSet.load(tmp_path / "v.npz")), point)
    assert again.report_["why"] == rep["why"]


def test_constant_among_others_is_named_and_changes_nothing_else():
    others = [_moving("a", 0), _moving("b", 1)]
    alone = _auto()
    ref = alone.forecast(others, H)
    mixed = _auto()
    point = mixed.forecast([others[0], SeriesInput("flat", np.full(96, 3.0), 12), others[1]], H)
    assert np.array_equal(point[[0, 2]], ref) and np.array_equal(point[1], np.full(H, 3.0))
    assert mixed.report_["chosen"] == alone.report_["chosen"] != "constant"
    assert mixed.report_["constant_series"] == {"flat": 3.0} and "'flat' (3)" in mixed.report_["why"]
    assert "constant_series" not in alone.report_
    assert "flat" not in sum(mixed.report_["fallbacks"].values(), [])


def test_short_series_still_says_too_short():
    auto = _auto()
    auto.forecast([SeriesInput("short", np.arange(10.0), 12)], H)
    assert "too short" in auto.report_["why"] and "constant_series" not in auto.report_
