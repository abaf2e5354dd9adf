"""Reliability sweep 16a (session 16, helper R): forecasting on hostile inputs and users' own real data.
Each test fails on the code before its fix unless it says it guards behaviour that was already right."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.errors import DataError


def _seasonal(n=60, seed=0):
    rng = np.random.default_rng(seed)
    return 1 + 0.1 * np.sin(np.arange(n) * 2 * np.pi / 12) + rng.normal(0, 0.01, n)


def _monthly(y, name="y"):
    return pd.Series(y, index=pd.date_range("2000-01-01", periods=len(y), freq="MS"), name=name)


# ------------------------------------------------------------------ item 1: values near float64's limits
def test_typical_magnitude_of_values_near_the_float64_limit():
    """The median of two values ~1e308 (their mean) overflowed to inf, and the unit fell back to 1, so
    root_mean_square / column_scaler / STL worked in raw 1e308 units. Oracle: the unit at scale 1 times the scale."""
    from rnnkit.data.timeseries.transforms import typical_magnitude

    a = np.array([1.0, 1.2, 0.9, 1.1])
    for k in (1e-310, 1.0, 1e200, 1e308):
        assert typical_magnitude(a * k) == pytest.approx(typical_magnitude(a) * k, rel=1e-12), k
    cols = np.array([[1.0, 0.0], [1.2, 0.0]]) * 1e308
    np.testing.assert_allclose(typical_magnitude(cols, axis=0), [[1.1e308, 1.0]])   # zeros -> 1 as before


@pytest.mark.parametrize("k", [1e-300, 1e160, 5e307])
def test_stl_profile_and_strength_do_not_depend_on_the_units(k):
    """STL fitted in the values' units: at 5e307 its loess overflowed and the profile was NaN (every
    transformed value NaN); at 1e160 / 1e-300 the strength's variances overflowed / underflowed and read 0."""
    from rnnkit.data.timeseries.transforms import SeasonalSTL

    y = _seasonal()
    ref = SeasonalSTL(12).fit(y)
    got = SeasonalSTL(12).fit(y * k)
    np.testing.assert_allclose(got.profile / k, ref.profile, rtol=1e-9, atol=1e-12)
    assert got.strength == pytest.approx(ref.strength, abs=1e-9) and ref.strength > 0.9


@pytest.mark.parametrize("model", ["ets", "seasonal_naive"])
def test_values_beyond_the_usable_range_are_refused_by_name(model):
    """At 1e307 the series was accepted and ETS silently forecast the seasonal naive ('could not fit them: too
    short'), Theta 23% off the same series at scale 1; near 1.8e308 a trend forecast inf. Now a DataError names
    the column, the series, the time and the range -- for a fit, an update's new points and a covariate."""
    y = _monthly(_seasonal() * 1e307, "sales")
    with pytest.raises(DataError, match=r"^target 'sales' in series 'sales': expected values of magnitude at most "
                                        r"1e\+300 \(the usable range\), got 1\.0\d*e\+307 at time 2000-01-01 \(60 beyond\)"):
        from rnnkit.tasks.forecasting import Forecaster
        Forecaster(model, horizon=3).fit(y)
    f = Forecaster(model, horizon=3).fit(y / 1e307)
    with pytest.raises(DataError, match=r"^new_points: target .* got -2e\+300 at time 2005-01-01"):
        f.update([-2e300])
    frame = pd.DataFrame({"t": y.index, "y": y.to_numpy() / 1e307, "x": np.r_[np.ones(59), 5e300]})
    with pytest.raises(DataError, match=r"^covariate 'x' in series 'y': expected values of magnitude at most"):
        Forecaster("lstm", horizon=3, epochs=1).fit(frame, target="y", time_col="t", past_covariates=["x"])


@pytest.mark.parametrize("k", [1e-300, 1e300 / 1.2])
def test_statistical_forecasts_scale_with_the_series_at_the_ends_of_the_range(k):
    """Guard (right before): inside the usable range a forecast in units of k is k times the forecast in units
    of 1 (ETS up to its optimiser's tolerance)."""
    from rnnkit.tasks.forecasting import Forecaster

    y = _seasonal()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for model, rtol in (("theta", 1e-8), ("ets", 1e-3), ("seasonal_naive", 1e-12)):
            ref = Forecaster(model, horizon=3).fit(_monthly(y)).predict()
            got = Forecaster(model, horizon=3).fit(_monthly(y * k)).predict()
            cols = ["value", "lower", "upper"]
            np.testing.assert_allclose(got[cols].to_numpy() / k, ref[cols].to_numpy(), rtol=rtol, err_msg=model)


def test_unit_scale_does_not_overflow_on_a_long_series_of_large_values():
    """baselines.unit_scale (the unit ETS / Theta / ES-RNN fit in) summed |y|: 60 values of 1e307 (or 2,000 of
    1e305, inside the usable range) overflowed, it fell back to 1 and the fits ran in raw units. Oracle: the mean
    |y| computed in units of 1e300."""
    from rnnkit.tasks.forecasting.baselines import unit_scale

    y = np.abs(np.random.default_rng(0).normal(1, 0.3, 2_000)) + 0.1
    assert unit_scale(y * 1e305) == pytest.approx(float(np.mean(y * 1e5)) * 1e300, rel=1e-12)
    assert unit_scale(_seasonal() * 1e307) == pytest.approx(float(np.mean(_seasonal())) * 1e307, rel=1e-12)
    assert unit_scale(np.zeros(3)) == 1.0 and unit_scale(np.array([1.0, np.nan])) == 1.0   # as before


# ------------------------------------------------------------------ item 2: a panel id with one row
def _panel(lengths):
    rows = [(sid, t.strftime("%Y-%m-%d"), float(10 + (j % 12) + np.sin(j))) for sid, n in lengths.items()
            for j, t in enumerate(pd.date_range("2022-12-01", periods=n, freq="MS") if n == 1 else
                                  pd.date_range("2020-01-01", periods=n, freq="MS"))]
    return pd.DataFrame(rows, columns=["id", "date", "y"])


def test_a_backtest_names_every_series_too_short_before_fitting():
    """statsforecast's cross_validation refuses up front, naming every series too short. Here the first short id
    stopped it ('c', one row) and the next run stopped at 'd' (5 rows). Now one error names both, with the way out;
    the forecast of the same panel still works (statistical: the one-row id as its value)."""
    from rnnkit.tasks.forecasting import Forecaster

    data = _panel({"a": 40, "b": 40, "c": 1, "d": 5})
    cols = dict(target="y", time_col="date", id_col="id")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(DataError, match=r"^backtest: expected at least 8 values .* in every series \(drop those "
                                            r"too short .*\), got 1 \(series 'c'\), 5 \(series 'd'\)$"):
            Forecaster("ets", horizon=3).backtest(data, folds=2, **cols)
        fc = Forecaster("ets", horizon=3).fit(data, **cols).predict()
    assert fc.loc[fc["id"] == "c", "value"].tolist() == [10.0] * 3


def test_a_network_names_a_one_row_series_as_one_value():
    """A network refuses a one-row id (nothing to learn); it was called 'a constant (10 on every row)'."""
    from rnnkit.tasks.forecasting import Forecaster

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(DataError, match=r"^target 'y' in series 'c': expected a varying series, got one value "
                                            r"\(10\); a network has nothing to learn from it: drop the series, or "
                                            r"use model 'auto'"):
            Forecaster("lstm", horizon=3, epochs=1).fit(_panel({"a": 40, "c": 1}), target="y", time_col="date",
                                                        id_col="id")


# ------------------------------------------------------------------ hunt: covariates
def test_a_covariate_ending_in_missing_values_warns_as_the_target_does():
    """The target's last missing values warn (held at the last observed value); a past covariate's were held
    silently -- the value the forecast is conditioned on. Now the same warning names the covariate; in a panel,
    the series of one covariate are summed up as the target's are."""
    from rnnkit.tasks.forecasting import Forecaster

    n = 48
    frame = pd.DataFrame({"t": pd.date_range("2020-01-01", periods=n, freq="MS"),
                          "y": 10 + np.sin(np.arange(n)) + 0.1 * np.arange(n), "x": np.cos(np.arange(n))})
    frame.loc[n - 2:, "x"] = np.nan
    with pytest.warns(UserWarning, match=r"^covariate 'x' in series 'y': the last 2 value\(s\) are missing \(after "
                                         r"time 2023-10-01\); they are held at the last observed value"):
        Forecaster("lstm", horizon=2, epochs=1, hidden_size=4).fit(frame, target="y", time_col="t",
                                                                   past_covariates=["x"])


# ------------------------------------------------------------------ hunt: gaps in real files, local clock times
def _hourly_csv(tmp_path, stamps, name="t.csv"):
    path = tmp_path / name
    pd.DataFrame({"time": [f"{t:%Y-%m-%d %H:%M}" for t in stamps], "y": np.arange(len(stamps)) % 24}).to_csv(
        path, index=False)
    return str(path)


def _cli_err(args, capsys):
    from rnnkit.cli.main import main

    try:
        rc = main(args)
    except SystemExit as e:
        rc = e.code
    return rc, capsys.readouterr().err


def test_a_gap_names_its_first_missing_timestamp(tmp_path, capsys):
    """vega's ohlc (business days, 2009) lacks the 3 July holiday and seattle-temps (8,759 hours) one hour: the
    error said '1 missing timestamps' and the user had to hunt for it. Now it names the first one; a gap on a
    weekday afternoon gets no daylight-saving hint (guard)."""
    days = pd.bdate_range("2009-06-01", "2009-07-31").drop(pd.Timestamp("2009-07-03"))
    path = tmp_path / "ohlc.csv"
    pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "close": np.linspace(30, 33, days.size)}).to_csv(path, index=False)
    rc, err = _cli_err(["forecast", "--csv", str(path), "--target", "close", "--time-col", "date", "--horizon", "2",
                        "--model", "seasonal_naive", "--quiet"], capsys)
    assert rc == 1 and "got irregular gaps (1 missing timestamps) -- first missing 2009-07-03; pass --resample" in err, err
    hours = pd.date_range("2021-06-01", periods=72, freq="h").drop(pd.Timestamp("2021-06-02 14:00"))
    rc, err = _cli_err(["forecast", "--csv", _hourly_csv(tmp_path, hours), "--target", "y", "--time-col", "time",
                        "--horizon", "2", "--model", "seasonal_naive", "--quiet"], capsys)
    assert "-- first missing 2021-06-02 14:00:00; pass --resample" in err and "daylight" not in err, err


@pytest.mark.parametrize("season", ["spring", "autumn"])
def test_local_clock_times_across_a_daylight_saving_change_are_named(tmp_path, capsys, season):
    """A logger's local times (no UTC offset) skip 02:00 in spring (a gap) and repeat it in autumn (a duplicate):
    the errors said only '1 missing timestamps' / 'duplicate(s)'. Now they name the hour and the way out."""
    start = "2021-03-27" if season == "spring" else "2021-10-30"
    local = pd.date_range(start, periods=72, freq="h", tz="Europe/Berlin").tz_localize(None)
    rc, err = _cli_err(["forecast", "--csv", _hourly_csv(tmp_path, local), "--target", "y", "--time-col", "time",
                        "--horizon", "2", "--model", "seasonal_naive", "--quiet"], capsys)
    day = "2021-03-28" if season == "spring" else "2021-10-31"
    how = "skipped" if season == "spring" else "repeated"
    assert rc == 1 and f"({day} 02:00: a clock hour {how} at a daylight-saving change? " in err, err
    assert "write the times in UTC, or with their offset" in err


# ------------------------------------------------------------------ hunt: the Python API's columns of objects
def test_a_column_of_objects_that_are_all_numbers_is_read_as_they_are():
    """A Series of Python floats / ints with dtype object (e.g. a row of a mixed frame) was refused as 'expected
    numeric values, got dtype object' with no value named, though every value is a number. Oracle: the same
    values as float64 forecast the same. Decimals, bools and text stay errors naming one; an int beyond 64 bits is read
    as a CSV's is (session 36): named where float64 does not hold it exactly."""
    from decimal import Decimal

    from rnnkit.tasks.forecasting import Forecaster

    idx = pd.date_range("2018-01-01", periods=36, freq="MS")
    v = [float(x) for x in 100 + 10 * np.sin(np.arange(36) * 2 * np.pi / 12)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = Forecaster("ets", horizon=3).fit(pd.Series(v[:-1] + [np.nan], index=idx)).predict()
        got = Forecaster("ets", horizon=3).fit(pd.Series(v[:-1] + [None], index=idx, dtype=object)).predict()
    pd.testing.assert_frame_equal(got, ref)
    for bad, shown in ((True, r"True \(bool\)"), (Decimal("1.5"), r"Decimal\('1.5'\) \(Decimal\)"),
                       ("7", r"'7' \(str\)")):
        with pytest.raises(DataError, match=rf"expected numeric values, got dtype object \(e.g. {shown} at time "
                                            r"2020-12-01\)"):
            Forecaster("ets", horizon=3).fit(pd.Series(v[:-1] + [bad], index=idx, dtype=object))
    with pytest.raises(DataError, match=r"expected numbers that float64 holds exactly .*got 100000000000000000000000 at "
                                        r"time 2020-12-01, read as 99999999999999991611392 \(1 such\)"):
        Forecaster("ets", horizon=3).fit(pd.Series(v[:-1] + [10 ** 23], index=idx, dtype=object))


# ------------------------------------------------------------------ hunt: forecast.csv round trip
def test_an_hourly_forecast_crossing_midnight_writes_one_time_format(tmp_path, capsys):
    """seattle-temps (hourly): forecast.csv held '2010-12-31' between '2010-12-30T23:00:00' and
    '2010-12-31T01:00:00' (midnight written as a date), so pandas' read_csv(parse_dates=) left the column as text
    and pd.to_datetime raised. Oracle: the times read back equal the forecast's own timestamps; the JSON says the same."""
    import json

    hours = pd.date_range("2010-12-28 00:00", periods=70, freq="h")
    path = _hourly_csv(tmp_path, hours)
    from rnnkit.cli.main import main

    rc = main(["forecast", "--csv", path, "--target", "y", "--time-col", "time", "--horizon", "4",
               "--model", "seasonal_naive", "--out", str(tmp_path / "run"), "--no-plot", "--json", "--quiet"])
    assert rc in (0, None)
    fc = pd.read_csv(tmp_path / "run" / "forecast.csv")
    want = pd.date_range("2010-12-30 22:00", periods=4, freq="h")
    assert pd.to_datetime(fc["time"]).tolist() == want.tolist(), fc["time"].tolist()
    assert [r["time"] for r in json.loads(capsys.readouterr().out)["forecast"]] == fc["time"].tolist()
    daily = pd.DataFrame({"time": pd.date_range("2021-01-01", periods=3, freq="D"), "id": "a", "value": 1.0})
    from rnnkit.tasks.forecasting.records import forecast_csv_frame

    assert forecast_csv_frame(daily)["time"].tolist() == ["2021-01-01", "2021-01-02", "2021-01-03"]   # guard


# ------------------------------------------------------------------ hunt: static covariates
def test_a_static_covariate_beyond_64_bits_is_a_data_error_naming_it():
    """static_matrix: an int beyond 64 bits was numpy's bare TypeError ('ufunc isfinite not supported'), 10**400
    an OverflowError; the target refuses such ints too (float rounds them). Now a DataError naming the covariate."""
    from rnnkit.tasks.forecasting.covariates import static_matrix

    for big in (10 ** 30, 10 ** 400):
        with pytest.raises(DataError, match=r"^static covariate 'size' of series 1: expected a finite number \(a float, "
                                            r"or an int of at most 64 bits\), got 1000000000"):
            static_matrix([{"size": 1}, {"size": big}])
    assert static_matrix([{"size": np.int64(3)}, {"size": np.float32(2.5)}]).tolist() == [[3.0], [2.5]]   # guard


# ------------------------------------------------------------------ hunt: update with an indexed Series
@pytest.mark.parametrize("kind", ["period", "text", "steps"])
def test_update_reads_the_index_of_a_series_as_its_time(kind):
    """update() took a Series whose index is not a DatetimeIndex as bare values: the same PeriodIndex rows given
    twice were appended twice, a day skipped or a date in the past was relabelled as the next one, and integer
    steps 100.. as 42.. -- silently (the docs: 'a Series (its index is the time)', new points 'continuing each
    series'). Now its index is read as a fit reads it; a bare RangeIndex from 0 still means plain values (guard)."""
    from rnnkit.tasks.forecasting import Forecaster

    y = 10 + np.sin(np.arange(40))
    if kind == "steps":
        f = Forecaster("ets", horizon=2).fit(pd.Series(y))
        ok, again, skip = pd.Index([40, 41]), pd.Index([40, 41]), pd.Index([100])
        nxt, msg = 42, r"expected time steps continuing series 'series' from 42"
    else:
        f = Forecaster("ets", horizon=2).fit(pd.Series(y, index=pd.period_range("2020-01-01", periods=40, freq="D")))
        days = pd.period_range("2020-02-10", periods=3, freq="D")
        ok, again, skip = days[:2], days[:2], days[2:] + 1
        if kind == "text":
            ok, again, skip = (pd.Index([str(d) for d in i]) for i in (ok, again, skip))
        nxt, msg = pd.Timestamp("2020-02-12"), r"expected timestamps continuing series 'series' at D from 2020-02-12"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert f.update(pd.Series([1.0, 2.0], index=ok))["time"].iloc[0] == nxt
        for bad in (again, skip):
            with pytest.raises(DataError, match=rf"^new_points: {msg}"):
                f.update(pd.Series([3.0] * len(bad), index=bad))
        assert f.update(pd.Series([3.0]))["time"].iloc[0] == nxt + (1 if kind == "steps" else pd.Timedelta("1D"))
