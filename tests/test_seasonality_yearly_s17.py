"""detect_period's rule for yearly-or-coarser data (session 17, helper Y): no calendar period exists there, so the
periodogram's three peaks gave short yearly series false seasons (M3 yearly 151 of 645, gapminder GDP 22 of 173);
``yearly="bound"`` asks a periodogram candidate of such a series to beat Bartlett's noise bound, ``yearly="none"``
gives period 1. Each check compares the rules on the same series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import rnnkit.data.timeseries.seasonality as seasonality
from rnnkit.data.timeseries.seasonality import detect_period, yearly_or_coarser
from rnnkit.errors import ConfigError


def _walk(seed: int, n: int = 18) -> np.ndarray:
    return 100 + np.cumsum(np.random.default_rng(seed).normal(size=n))


@pytest.mark.parametrize("freq,want", [("YS", True), ("YE-JUN", True), ("BYS", True), ("2YS", True), ("12MS", True),
                                       ("4QS", True), ("52W", True), ("100000YS", True), ("QS", False), ("3QS", False),
                                       ("MS", False), ("W-SUN", False), ("D", False), (None, False)])
def test_yearly_or_coarser(freq, want):
    assert yearly_or_coarser(freq) is want


def test_yearly_or_coarser_refuses_a_bad_alias():
    with pytest.raises(ConfigError, match="freq: expected None or a pandas frequency alias"):
        yearly_or_coarser("fortnightly")


@pytest.mark.parametrize("rule", ["bound", "none"])
def test_a_short_yearly_random_walk_loses_its_periodogram_season(rule):
    y = _walk(5)      # 18 yearly values: the periodogram's peak at 4 scores 0.43 > 0.3
    old = detect_period(y, "YS", yearly="periodogram")
    assert old.period == 4 and old.method == "periodogram+acf"
    assert detect_period(y, "YS", yearly=rule).period == 1
    assert detect_period(y, "YS", noise_bound=True).period == 1     # "bound" is the noise bound, at yearly steps


@pytest.mark.parametrize("make", [lambda e: e, np.cumsum], ids=["white_noise", "random_walk"])
def test_short_yearly_noise_gets_few_false_seasons(make):
    rng = np.random.default_rng(17)
    ys = [make(rng.normal(size=16)) for _ in range(60)]
    count = {r: sum(detect_period(y, "YS", yearly=r).period > 1 for y in ys) for r in seasonality.YEARLY_RULES}
    assert count["periodogram"] >= 12, count      # the defect: about 1 in 3
    assert count["bound"] <= 3 and count["none"] == 0, count


def test_a_long_real_cycle_is_kept_by_the_bound_and_dropped_by_none():
    from rnnkit.data.registry import get_dataset

    info = get_dataset("sunspots")
    if not info.available():
        pytest.skip(f"sunspots: {info.install}")
    s = info.load()
    y, freq = s.to_numpy(float), s.index.freqstr
    assert yearly_or_coarser(freq)
    old, bound = detect_period(y, freq, yearly="periodogram"), detect_period(y, freq, yearly="bound")
    assert old.period == bound.period == 10 and bound.scores == old.scores
    none = detect_period(y, freq, yearly="none")
    assert (none.period, none.method, none.scores) == (1, "yearly", {})


def test_a_clear_yearly_cycle_is_kept_by_the_bound():
    rng = np.random.default_rng(1)
    t = np.arange(60)
    y = 0.05 * t + 2 * np.sin(2 * np.pi * t / 5) + rng.normal(size=60)
    assert detect_period(y, "YS", yearly="bound").period == detect_period(y, "YS", yearly="periodogram").period == 5


def test_integer_steps_and_sub_yearly_calendars_are_untouched():
    rng = np.random.default_rng(3)
    t = np.arange(72)
    y = np.sin(2 * np.pi * t / 12) + 0.3 * rng.normal(size=72)
    for freq in (None, "MS"):
        got = [detect_period(y, freq, yearly=r) for r in seasonality.YEARLY_RULES]
        assert all(g == got[0] for g in got) and got[0].period == 12
    walk = _walk(5)
    assert [detect_period(walk, None, yearly=r).period for r in seasonality.YEARLY_RULES] == [4, 4, 4]


def test_the_default_is_the_module_switch(monkeypatch):
    ys = [_walk(seed, 16) for seed in range(20)]
    for rule in seasonality.YEARLY_RULES:
        monkeypatch.setattr(seasonality, "YEARLY", rule)
        assert [detect_period(y, "YS").period for y in ys] == [detect_period(y, "YS", yearly=rule).period for y in ys]


def test_the_forecaster_follows_the_switch(monkeypatch):
    from rnnkit.tasks.forecasting.auto_model import AutoModel

    y = pd.Series(_walk(5), index=pd.date_range("1990-01-01", periods=18, freq="YS"))
    got = {}
    for rule in ("periodogram", "bound"):
        monkeypatch.setattr(seasonality, "YEARLY", rule)
        got[rule] = AutoModel(model="theta", horizon=2).fit(y).period_
    assert got == {"periodogram": 4, "bound": 1}


@pytest.mark.parametrize("bad", ["Bound", 1, True, ""])
def test_yearly_must_be_a_rule_name(bad):
    with pytest.raises(ConfigError, match=r"yearly: expected None or one of \['periodogram', 'bound', 'none'\], got"):
        detect_period(np.arange(20.0), "YS", yearly=bad)


def test_an_empty_yearly_series_is_refused_whatever_the_rule():
    from rnnkit.errors import DataError

    with pytest.raises(DataError, match="y: expected at least one value"):
        detect_period(np.zeros(0), "YS", yearly="none")
