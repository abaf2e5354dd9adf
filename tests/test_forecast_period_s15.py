"""detect_period's noise bound (session 15, helper P): with no calendar period (yearly data, integer steps) the
fixed 0.3, maximised over three periodogram peaks, finds a season in white noise and random walks of 12 to 30
values about half / a third of the time (helper R); ``noise_bound=True`` also asks a periodogram candidate to beat
Bartlett's 95% bound of a noise autocorrelation at its lag. Each check compares the two settings in the same test."""

from __future__ import annotations

import numpy as np
import pytest

import rnnkit.data.timeseries.seasonality as seasonality
from rnnkit.data.timeseries.seasonality import detect_period
from rnnkit.errors import ConfigError


def _false_seasons(make, n: int, freq: str | None, bound: bool, reps: int = 60) -> int:
    rng = np.random.default_rng(n)
    return sum(detect_period(make(rng.normal(size=n)), freq, noise_bound=bound).period > 1 for _ in range(reps))


@pytest.mark.parametrize("make", [lambda e: e, np.cumsum], ids=["white_noise", "random_walk"])
@pytest.mark.parametrize("n,freq", [(15, "YS"), (20, None)])
def test_short_yearly_noise_gets_no_season_with_the_bound(make, n, freq):
    old = _false_seasons(make, n, freq, bound=False)
    new = _false_seasons(make, n, freq, bound=True)
    assert old >= 12          # the defect: a season in noise in at least 1 of 5 series (about 1 in 2 or 3)
    assert new <= 3, (old, new)


def test_a_clear_periodogram_season_is_kept():
    rng = np.random.default_rng(1)
    t = np.arange(60)
    y = 0.05 * t + 2 * np.sin(2 * np.pi * t / 5) + rng.normal(size=60)
    assert detect_period(y, "YS", noise_bound=False).period == 5
    assert detect_period(y, "YS", noise_bound=True).period == 5


def test_calendar_candidates_are_not_bounded():
    # a short monthly series with a weak season: its score is within the noise bound, but a calendar candidate
    # is judged by the threshold alone
    rng = np.random.default_rng(0)
    t = np.arange(36)
    y = np.sin(2 * np.pi * t / 12) + 0.5 * rng.normal(size=36)
    off, on = detect_period(y, "MS", noise_bound=False), detect_period(y, "MS", noise_bound=True)
    assert off == on and off.period == 12 and off.method == "calendar+acf"
    resid = y - seasonality._moving_average(y, 12)
    assert off.scores[12] < seasonality._noise_bound(resid, 12)


def test_real_seasonal_series_keep_their_period():
    from rnnkit.data.registry import get_dataset

    for name, period in (("co2", 52), ("sunspots", 10)):
        info = get_dataset(name)
        if not info.available():
            pytest.skip(f"{name}: {info.install}")
        s = info.load()
        y, freq = s.to_numpy(float), s.index.freqstr
        assert detect_period(y, freq, noise_bound=False).period == period
        assert detect_period(y, freq, noise_bound=True).period == period


def test_the_scores_are_reported_whether_or_not_a_candidate_may_win():
    rng = np.random.default_rng(15)
    y = rng.normal(size=15)
    off, on = detect_period(y, noise_bound=False), detect_period(y, noise_bound=True)
    assert on.scores == off.scores


def test_the_default_is_the_module_switch(monkeypatch):
    rng = np.random.default_rng(0)
    ys = [rng.normal(size=16) for _ in range(20)]
    for flag in (False, True):
        monkeypatch.setattr(seasonality, "NOISE_BOUND", flag)
        assert [detect_period(y).period for y in ys] == [detect_period(y, noise_bound=flag).period for y in ys]


@pytest.mark.parametrize("bad", ["yes", 1, 0.0])
def test_noise_bound_must_be_a_bool(bad):
    with pytest.raises(ConfigError, match="noise_bound: expected None, True or False, got"):
        detect_period(np.arange(20.0), noise_bound=bad)
