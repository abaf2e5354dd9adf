"""The auto default on odd real-world inputs (issue 16, session 7): a constant series, intermittent demand
(long runs of zeros), negative values with a season, a series just above the shortest one accepted,
values of order 1e12 and 1e-9 (the same MASE as in the original units), one outlier at the very end.
Each gives finite forecasts and intervals and says what it chose (constant series through the
Forecaster, many at once: tests/test_forecast_constants.py); where a baseline is the natural
yardstick it is run in the same test. The AutoForecaster runs with the statistical candidates (the
networks' own odd-input tests are elsewhere; they only join the same selection)."""

from __future__ import annotations

import numpy as np
import pytest

from rnnkit.tasks.forecasting.auto import AutoForecaster
from rnnkit.tasks.forecasting.candidates import SeriesInput
from rnnkit.tasks.forecasting.metrics import mae, mase
from rnnkit.tasks.forecasting.statistical import naive_point, seasonal_naive_point, statistical_candidates

pytestmark = pytest.mark.usefixtures("one_thread_module")
H = 6


def auto_on(y: np.ndarray, period: int, horizon: int = H) -> tuple[AutoForecaster, np.ndarray]:
    auto = AutoForecaster(statistical_candidates())
    return auto, auto.forecast([SeriesInput("s", np.asarray(y, dtype=float), period)], horizon)[0]


def check_reported(auto: AutoForecaster, point: np.ndarray) -> None:
    """Finite point forecasts and quantiles, ordered quantiles, and a reported choice among the candidates."""
    assert np.isfinite(point).all() and np.isfinite(auto.quantiles_).all()
    assert (np.diff(auto.quantiles_[0], axis=-1) >= -1e-9 * max(1.0, np.abs(point).max())).all()
    chosen = auto.report_["chosen"]
    assert chosen and set(auto.members_[0]) <= set(auto.candidates) and auto.report_["why"]


def seasonal(n: int, seed: int, level: float = 50.0) -> np.ndarray:
    """Monthly values with a strong season and a little noise."""
    t = np.arange(n)
    return level + 8 * np.sin(2 * np.pi * t / 12) + np.random.default_rng(seed).normal(0, 0.5, n)


def test_a_constant_series_forecasts_the_constant():
    auto, point = auto_on(np.full(20, 7.25), 1)
    check_reported(auto, point)
    assert np.allclose(point, seasonal_naive_point(np.full(20, 7.25), H, 1))
    assert np.allclose(auto.quantiles_, 7.25)


def test_intermittent_demand_gives_finite_forecasts_no_worse_than_its_worst_member():
    rng = np.random.default_rng(3)
    y = np.where(rng.random(48) < 0.75, 0.0, rng.integers(1, 6, 48).astype(float))   # 3/4 zeros
    train, tail = y[:-H], y[-H:]
    auto, point = auto_on(train, 12)
    check_reported(auto, point)
    # a mean of members (and, hedged, of that with seasonal naive) is never worse than its worst
    # member: the MAE is convex
    names = list(auto.members_[0]) + (["seasonal_naive"] if auto.hedged_[0] else [])
    members = [auto.validation_.final[m][0] for m in names]
    assert mae(tail, point) <= max(mae(tail, f) for f in members) + 1e-12


def test_negative_values_with_a_season_keep_the_season():
    y = seasonal(48, 4, level=-120.0)                   # every value negative: no multiplicative season
    train, tail = y[:-H], y[-H:]
    auto, point = auto_on(train, 12)
    check_reported(auto, point)
    assert (point < 0).all()
    assert mae(tail, point) < mae(tail, naive_point(train, H))   # the season is forecast, not a flat line


@pytest.mark.parametrize("n", [2, 3, 5])
def test_series_just_above_the_shortest_accepted(n):
    """Two values are the fewest a series may have (a frequency needs two timestamps); no validation
    window fits that short: the choice is the default combination, reported as such, and finite."""
    y = 10.0 + np.arange(n) + np.array([0.3, -0.2, 0.1, 0.4, -0.1])[:n]
    auto, point = auto_on(y, 1, horizon=3)
    check_reported(auto, point)
    assert auto.report_["validation_windows"] == 0


@pytest.fixture(scope="module")
def elec_auto():
    """The last 48 months of the bundled electrical equipment index, its tail, and auto on it."""
    from rnnkit.data.series import load_elec_equip

    y = load_elec_equip().to_numpy(dtype=float)[-48:]
    return y[:-H], y[-H:], *auto_on(y[:-H], 12)


@pytest.mark.parametrize("factor", [1e12, 1e-9])
def test_the_units_do_not_change_the_choice_nor_the_mase(elec_auto, factor):
    from rnnkit.tasks.forecasting.statistical import unit_scale      # imported here: each test fails on its own

    train, tail, auto, point = elec_auto
    scaled, spoint = auto_on(factor * train, 12)
    check_reported(scaled, spoint)
    assert scaled.chosen_ == auto.chosen_
    assert mase(factor * tail, spoint, factor * train, 12) == pytest.approx(mase(tail, point, train, 12), rel=1e-3)
    # every candidate's forecast, ETS's included (statsmodels' optimiser has absolute tolerances), scales with the data
    for name, f in auto.validation_.final.items():
        assert np.allclose(scaled.validation_.final[name] / factor, f, rtol=1e-3), name
    assert unit_scale(factor * train) == pytest.approx(factor * unit_scale(train))


@pytest.fixture(scope="module")
def wild_end():
    """A seasonal series whose last value is ten times its largest: training part, tail, auto on it."""
    y = seasonal(48, 5)
    train, tail = y[:-H].copy(), y[-H:]
    train[-1] = 10 * np.abs(train).max()
    return train, tail, *auto_on(train, 12)


def test_one_outlier_at_the_very_end_gives_finite_forecasts_and_a_choice(wild_end):
    train, tail, auto, point = wild_end
    check_reported(auto, point)


def test_one_outlier_at_the_very_end_is_forecast_no_worse_than_naive(wild_end):
    train, tail, auto, point = wild_end
    assert mae(tail, point) <= mae(tail, naive_point(train, H))        # naive repeats the outlier
