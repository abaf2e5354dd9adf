"""Reliability sweep 15a (session 15, helper R): forecasting on hostile inputs and users' own real data.
Each test fails on the code before its fix unless it says it guards behaviour that was already right."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.series import parse_dates


def _cli(args, capsys):
    from rnnkit.cli.main import main

    try:
        rc = main(args)
    except SystemExit as e:
        rc = e.code
    out = capsys.readouterr()
    return rc, out.out, out.err


# ------------------------------------------------------------------ quarters and the 12-hour clock
@pytest.mark.parametrize("stamp", ["{y}Q{q}", "{y}-Q{q}", "{y} Q{q}", "{y}q{q}", "Q{q} {y}", "Q{q}-{y}"])
def test_quarter_stamps_read_as_quarter_starts(stamp):
    periods = pd.period_range("1999Q3", periods=7, freq="Q")
    text = [stamp.format(y=p.year, q=p.quarter) for p in periods]
    idx, fmt = parse_dates(text, "q")
    # oracle: pandas' own quarterly periods, as timestamps of their starts (what a PeriodIndex becomes)
    assert idx.equals(periods.to_timestamp(how="start")), (text, idx)
    again, _ = parse_dates(text[:2], "q", date_format=fmt)        # the format found is kept for update/predict
    assert again.equals(idx[:2])


def test_quarter_forecast_continues_on_quarters(tmp_path, capsys):
    periods = pd.period_range("2000Q1", periods=20, freq="Q")
    y = 10 + 3 * (np.arange(20) % 4) + 0.5 * np.arange(20)
    path = tmp_path / "q.csv"
    pd.DataFrame({"q": [f"{p.year}-Q{p.quarter}" for p in periods], "v": y}).to_csv(path, index=False)
    rc, out, err = _cli(["forecast", "--csv", str(path), "--target", "v", "--time-col", "q", "--horizon", "5",
                         "--model", "seasonal_naive", "--json", "--quiet"], capsys)
    assert rc in (0, None), err
    fc = json.loads(out)["forecast"]
    want = pd.period_range("2005Q1", periods=5, freq="Q").to_timestamp(how="start")
    assert [r["time"][:10] for r in fc] == [f"{t:%Y-%m-%d}" for t in want]
    np.testing.assert_allclose([r["value"] for r in fc], np.r_[y[-4:], y[-4]])   # oracle: the season 4 back


def test_a_quarter_format_with_another_directive_is_refused():
    from rnnkit.errors import ConfigError, DataError

    with pytest.raises(ConfigError, match="date_format: expected a quarter format"):
        parse_dates(["2000-01 Q1"], "q", date_format="%Y-%m Q%q")
    with pytest.raises(DataError, match="2000Q5"):            # a fifth quarter is not a quarter
        parse_dates(["2000Q4", "2000Q5"], "q")


@pytest.mark.parametrize("date", ["%Y-%m-%d", "%Y/%m/%d", "%d/%m/%Y", "%m/%d/%Y"])
@pytest.mark.parametrize("clock", ["{h}:{t:%M} {p}", "{h}:{t:%M}{p}", "{h}:{t:%M:%S} {p}", "{h}:{t:%M} {p_lower}"])
def test_twelve_hour_clock_times_are_read(date, clock):
    stamps = pd.date_range("2021-01-13 13:00", periods=30, freq="h")      # from '1:00 PM', across midnight
    text = [f"{t.strftime(date)} " + clock.format(h=t.hour % 12 or 12, t=t, p="AM" if t.hour < 12 else "PM",
                                                   p_lower="am" if t.hour < 12 else "pm") for t in stamps]
    idx, _ = parse_dates(text, "t")
    assert idx.equals(stamps), text[:3]                   # oracle: the stamps the text was written from


def test_twelve_hour_clock_with_ambiguous_day_and_month_still_asks():
    from rnnkit.errors import DataError

    with pytest.raises(DataError, match="--dayfirst"):
        parse_dates(["01/02/2020 1:00 PM", "01/02/2020 2:00 PM"], "t")
    idx, fmt = parse_dates(["01/02/2020 1:00 PM", "01/02/2020 2:00 PM"], "t", dayfirst=True)
    assert fmt == "%d/%m/%Y %I:%M %p" and idx[0] == pd.Timestamp("2020-02-01 13:00")


# ------------------------------------------------------------------ business month ends with gaps
@pytest.mark.parametrize("freq", ["BME", "BMS", "BQE-DEC", "BYE-DEC"])
@pytest.mark.parametrize("drop", [(2, 5), (1, 3), ()])
def test_business_month_stamps_with_gaps_keep_their_grid(freq, drop):
    from rnnkit.data.timeseries.frequency import infer_frequency

    full = pd.date_range("2020-01-01", periods=7, freq=freq)
    idx = full.delete(list(drop)) if drop else full[:2]          # gappy, or two stamps: too few for infer_freq
    info = infer_frequency(idx)
    # oracle: pandas' grid of that frequency holds every stamp and the missing ones are the ones dropped
    assert pd.date_range(idx[0], idx[-1], freq=info.freq).equals(full[:idx.size + len(drop)]), info
    assert info.missing_stamps == len(drop) and info.off_grid == 0


def test_business_month_end_series_forecasts_on_business_month_ends():
    from rnnkit.tasks.forecasting import Forecaster

    full = pd.date_range("2020-01-01", periods=9, freq="BME")
    s = pd.Series(np.arange(9.0) + 5, index=full).drop(full[[2, 5]])
    f = Forecaster(model="seasonal_naive", horizon=3, resample=True)
    f.fit(s)
    times = pd.DatetimeIndex(f.predict()["time"])
    assert times.equals(pd.date_range(full[-1], periods=4, freq="BME")[1:])   # 2020-10-30 is a Friday
