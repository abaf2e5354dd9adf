"""Preprocessing: every transform inverts exactly, is fitted on training data only, and the frequency /
period detection works on synthetic and real series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.transforms import (
    BoxCox,
    Difference,
    Log,
    Pipeline,
    Scaler,
    SeasonalSTL,
    detect_period,
    infer_frequency,
    interpolate_missing,
    regularize_index,
    transform_from_dict,
)
from rnnkit.data.windows import make_windows, split_origins, window_origins
from rnnkit.errors import ConfigError, DataError

RNG = np.random.default_rng(0)


def seasonal(n=240, period=12, trend=0.05, noise=0.2, level=20.0, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return level + trend * t + 2 * np.sin(2 * np.pi * t / period) + noise * rng.normal(size=n)


# ------------------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("make", [
    lambda: Scaler("standard"), lambda: Scaler("minmax"), lambda: Log(), lambda: BoxCox(), lambda: BoxCox(0.5),
    lambda: SeasonalSTL(12), lambda: SeasonalSTL(12, robust=True),
])
def test_elementwise_transforms_round_trip_at_any_position(make):
    y = seasonal()
    t = make().fit(y[:200])
    for start in (0, 7, 200):
        part = y[start:start + 30]
        z = t.transform(part, start=start)
        np.testing.assert_allclose(t.inverse(z, start=start), part, rtol=1e-10, atol=1e-10)
    # a fitted transform rebuilt from its saved state does the same
    again = transform_from_dict(t.to_dict())
    np.testing.assert_allclose(again.transform(y[200:], 200), t.transform(y[200:], 200))


@pytest.mark.parametrize("lag", [1, 12])
def test_difference_inverts_given_the_history(lag):
    y = seasonal()
    d = Difference(lag)
    z = d.transform(y)
    assert np.isnan(z[:lag]).all()
    np.testing.assert_allclose(d.inverse(z[lag:], prev=y[:lag]), y[lag:], rtol=1e-12)
    with pytest.raises(DataError, match="inverse needs the"):
        d.inverse(z[lag:], prev=None)


PIPELINES = [
    lambda: [Scaler()],
    lambda: [SeasonalSTL(12), Scaler()],
    lambda: [Log(), SeasonalSTL(12), Difference(1), Scaler()],
    lambda: [BoxCox(), Difference(12), Difference(1), Scaler("minmax")],
    lambda: [Difference(1)],
]


@pytest.mark.parametrize("steps", PIPELINES)
def test_pipeline_inverts_a_forecast_that_continues_the_history(steps):
    y = seasonal()
    n = 200
    p = Pipeline(steps()).fit(y[:n])
    future_z = p.transform(y[n:], start=n, prev=y[:n])
    np.testing.assert_allclose(p.inverse_forecast(future_z, history=y[:n]), y[n:], rtol=1e-9)
    # the whole-series transform agrees with the piecewise one on the future part
    np.testing.assert_allclose(p.transform(y)[n:], future_z, rtol=1e-9, atol=1e-12)
    again = Pipeline.from_dict(p.to_dict())
    np.testing.assert_allclose(again.inverse_forecast(future_z, history=y[:n]), y[n:], rtol=1e-9)


def test_pipeline_is_fitted_on_the_training_part_only():
    y = seasonal()
    n = 180
    p1 = Pipeline([SeasonalSTL(12), Scaler()]).fit(y[:n])
    changed = y.copy()
    changed[n:] += 1000.0  # the future is wildly different: nothing fitted may move
    p2 = Pipeline([SeasonalSTL(12), Scaler()]).fit(changed[:n])
    assert p1.to_dict() == p2.to_dict()
    z = p1.transform(y[:n])
    assert abs(z.mean()) < 1e-9 and abs(z.std() - 1) < 1e-9   # scaler statistics are the training ones


def test_stl_profile_follows_the_phase():
    period = 7
    y = np.tile(np.array([0, 1, 2, 3, 2, 1, 0.0]), 20) + 10
    stl = SeasonalSTL(period).fit(y)
    z = stl.transform(y)
    assert np.ptp(z) < 0.2          # the season is gone
    assert stl.strength > 0.9
    # the profile continues at the right phase after the end
    np.testing.assert_allclose(stl.inverse(z[:period], start=len(y)) - z[:period], stl.profile[np.arange(period)])


def test_positive_only_transforms_refuse_non_positive_values():
    with pytest.raises(DataError, match="strictly positive"):
        Log().transform(np.array([1.0, 0.0]))
    with pytest.raises(DataError, match="strictly positive"):
        BoxCox().fit(np.array([1.0, -2.0, 3.0]))


def test_transform_argument_errors():
    with pytest.raises(ConfigError, match="scale"):
        Scaler("robust")
    with pytest.raises(ConfigError, match="period"):
        SeasonalSTL(1)
    with pytest.raises(ConfigError, match="lag"):
        Difference(0)
    with pytest.raises(DataError, match="2 full periods"):
        SeasonalSTL(12).fit(np.arange(20.0))
    with pytest.raises(ConfigError, match="fit"):
        Scaler().transform(np.ones(3))


# ------------------------------------------------------------------------------------- missing values
def test_interpolate_counts_and_fills():
    y, n = interpolate_missing([np.nan, 2.0, np.nan, np.nan, 5.0, np.nan])
    assert n == 4
    assert y.tolist() == [2.0, 2.0, 3.0, 4.0, 5.0, 5.0]
    with pytest.raises(DataError, match="all 3 values missing"):
        interpolate_missing([np.nan] * 3)


# ------------------------------------------------------------------------------------- frequency
def test_frequency_inference_regular_gaps_and_off_grid():
    idx = pd.date_range("2021-01-01", periods=30, freq="D")
    assert infer_frequency(idx).freq == "D"
    gappy = idx.delete([5, 6, 20])
    info = infer_frequency(gappy)
    assert (info.freq, info.missing_stamps, info.off_grid) == ("D", 3, 0)
    off = gappy.append(pd.DatetimeIndex(["2021-02-10 12:00"]))
    assert infer_frequency(off).off_grid == 1
    assert infer_frequency(pd.date_range("2000-01-01", periods=12, freq="MS")).freq == "MS"
    assert infer_frequency(pd.RangeIndex(10)).freq is None


def test_regularize_refuses_gaps_unless_resampling():
    idx = pd.date_range("2021-01-01", periods=30, freq="D").delete([5, 6])
    frame = pd.DataFrame({"y": np.arange(28.0)}, index=idx)
    info = infer_frequency(idx)
    with pytest.raises(DataError, match="irregular gaps .*2 missing timestamps.*resample"):
        regularize_index(frame, info, resample=False)
    out = regularize_index(frame, info, resample=True)
    assert len(out) == 30 and out["y"].isna().sum() == 2 and out.index.freqstr == "D"


# ------------------------------------------------------------------------------------- period detection
@pytest.mark.parametrize("period,freq", [(7, None), (12, "MS"), (24, "h"), (4, "QS")])
def test_detect_period_on_synthetic_seasonal_series(period, freq):
    y = seasonal(n=30 * period, period=period, noise=0.3, seed=period)
    assert detect_period(y, freq).period == period


def test_detect_period_says_none_for_noise_and_random_walks():
    assert detect_period(RNG.normal(size=300)).period == 1
    assert detect_period(np.cumsum(RNG.normal(size=300)), "MS").period == 1


def test_detect_period_on_real_series():
    from rnnkit.data.series import load_co2, load_nile

    co2 = load_co2()
    assert detect_period(co2.to_numpy(), "W-SAT").period == 52
    assert detect_period(load_nile().to_numpy(), "YS").period == 1


# ------------------------------------------------------------------------------------- windows
def test_windows_are_the_right_slices():
    v = np.arange(20.0)[:, None] * np.array([1.0, -1.0])
    origins = window_origins(20, 4, 3)
    assert origins[0] == 4 and origins[-1] == 17
    past, future = make_windows(v, 4, 3, origins)
    for i, t in enumerate(origins):
        np.testing.assert_array_equal(past[i], v[t - 4:t])
        np.testing.assert_array_equal(future[i], v[t:t + 3])
    with pytest.raises(DataError, match="origins"):
        make_windows(v, 4, 3, np.array([2]))


def test_split_origins_keeps_training_targets_out_of_validation():
    n, L, H, V = 100, 10, 5, 20
    tr, va = split_origins(n, L, H, V)
    assert (tr + H <= n - V).all()          # every training target lies before the validation part
    assert (va >= n - V).all() and va.max() + H == n
    assert tr.min() == L
