"""Session 36, helper G (review W3, W6): a jittered round-step grid with a few readings far from every grid time. A
jittered grid (:func:`rnnkit.data.timeseries.jitter.jitter_grid`) wanted EVERY reading within a quarter step of its grid
time and a grid with a few readings off it (:func:`~rnnkit.data.timeseries.few_off.few_off_grid`) half the steps exact;
one reading 10 h off among daily readings +-10 min defeated both, and the modal step was the grid again ('1438min'),
--resample drifting the values off the days, silently. Now a few such readings (5%, at least one) are warned guesses,
placed as few_off places a far reading: the grid time before, or after where the reading before holds it -- and the
warning says where the first went (it said 'before each' for one put after: W6). Oracle: the grid the readings were
generated on."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.timeseries.frequency import infer_frequency, regularize_index
from rnnkit.data.timeseries.jitter import jitter_grid

pytestmark = pytest.mark.usefixtures("one_thread_module")


def _jittered(freq, n, start, seed, share=0.08):
    grid = pd.date_range(start, periods=n, freq=freq)
    step = grid[1] - grid[0]
    rng = np.random.default_rng(seed)
    jit = pd.to_timedelta((rng.uniform(-share, share, n) * step.value).astype(np.int64), unit="ns")
    return grid, step, (grid + jit).round("s")


def _resampled(stamps):
    info = infer_frequency(stamps)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = regularize_index(pd.DataFrame({"y": np.arange(float(stamps.size))}, index=stamps), info, True)
    return info, out, " ".join(str(w.message) for w in caught)


@pytest.mark.parametrize("freq,start", [("D", "2021-01-01"), ("2D", "2021-01-01 09:00"), ("2h", "2021-05-01"),
                                        ("12h", "2021-01-01 06:00"), ("45min", "2021-01-01")])
@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("kind", ["far_first", "far_middle", "far_last", "extra", "two_far"])
def test_a_jittered_grid_with_a_few_far_readings_keeps_its_grid(freq, start, seed, kind):
    n = 60
    grid, step, stamps = _jittered(freq, n, start, seed)
    assert infer_frequency(stamps).freq == freq                        # the premise
    rng = np.random.default_rng(seed + 10)
    t = list(stamps)
    where = {"far_first": [0], "far_middle": [30], "far_last": [n - 1], "two_far": [12, 40], "extra": []}[kind]
    for i in where:                                                    # a reading 0.3..0.7 steps after its grid time
        t[i] = grid[i] + step * float(rng.uniform(0.3, 0.7))
    if kind == "extra":                                                # a second reading between two grid times
        t.append(grid[25] + step * float(rng.uniform(0.3, 0.7)))
    stamps = pd.DatetimeIndex(sorted(t)).round("s")
    info, out, said = _resampled(stamps)
    assert info.freq == freq
    assert out.index.isin(grid).all() and out.index[0] == grid[0] and out.index[-1] == grid[-1]
    assert out["y"].notna().sum() >= n - 1        # no reading's day invented (two far ones may share a neighbour)
    first = min(stamps[i] for i in range(stamps.size) if abs((stamps[i] - grid[0]) / step % 1 - 0.5) < 0.25)
    assert "guessed" in said and str(first) in said


def test_too_many_far_readings_are_no_jittered_grid():
    grid, step, stamps = _jittered("D", 60, "2021-01-01", 0)
    t = stamps.to_series().reset_index(drop=True)
    for i in range(0, 60, 10):                                         # 6 of 60 (> 5%) half a day off
        t[i] = grid[i] + step / 2
    assert jitter_grid(pd.DatetimeIndex(t)) is None
    assert jitter_grid(stamps) is not None and jitter_grid(stamps).far == 0


def test_the_warning_names_where_a_far_reading_went():
    # W6: day 8's reading taken at day 7 noon goes to day 8 (the 7th is held); the warning said 'before each'
    t = pd.date_range("2021-01-01", periods=20, freq="D").to_series()
    t.iloc[7] = pd.Timestamp("2021-01-07 12:00")
    info, out, said = _resampled(pd.DatetimeIndex(t.values))
    assert out.loc["2021-01-08", "y"] == 7.0 and out.loc["2021-01-07", "y"] == 6.0
    assert "2021-01-07 12:00:00, put on 2021-01-08" in said


@pytest.mark.parametrize("step_s,freq", [(0.1, "100ms"), (1.0, "s"), (0.5, "500ms")])
@pytest.mark.parametrize("odd", ["late", "extra"])
def test_float_times_with_one_sample_off_keep_their_grid(step_s, freq, odd):
    # W3's float-noise face: float Unix times (each within a microsecond of its mark) with one sample 0.4 step late, or
    # one extra sample half a step after another: float_rounded wanted EVERY step a multiple of the commonest, and the
    # noisy modal step was the grid again ('100000143ns'), --resample off the marks, silently
    from rnnkit.data.timeseries.jitter import float_rounded

    n = 48
    grid = pd.date_range("2021-01-01", periods=n, freq=freq)
    t = grid + pd.to_timedelta(np.resize([137, -211, 389, -53, 401, -317], n), unit="ns")     # float noise
    assert infer_frequency(t).freq == freq and (t != grid).any()           # the premise: noisy, read as its grid
    moved = t[20] + pd.Timedelta(seconds=step_s * (0.4 if odd == "late" else 0.5))
    t = pd.DatetimeIndex(sorted([x for i, x in enumerate(t) if odd != "late" or i != 20] + [moved]))
    info, out, said = _resampled(t)
    assert info.freq == freq and out.index.isin(grid).all() and out.index[-1] == grid[-1]
    assert "guessed" in said
    many = t.delete(range(5, 45, 5)).append(t[5:45:5] + pd.Timedelta(seconds=step_s * 0.3)).sort_values()
    assert float_rounded(many) is None                                     # 8 of 48 off: no grid with a few off it
