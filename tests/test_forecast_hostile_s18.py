"""Hostile-input sweep of session 18 (helper R): forecasting's metrics, API, CLI and saved runs.
Each test fails on the code before its fix (2193376) unless it says it guards behaviour that was already right."""

from __future__ import annotations

import numpy as np
import pytest

from rnnkit.errors import DataError


# ------------------------------------------------------------------ scores: crossing bands, infinite actuals
def test_coverage_of_a_crossing_band_is_refused_not_scored_zero():
    """lower 3 > upper 0 holds no actual: coverage() returned 0.0 as if the band had missed (left from session 17).
    A band in order is scored as before (oracle: counting the actuals inside by hand)."""
    from rnnkit.tasks.forecasting.metrics import coverage

    with pytest.raises(DataError, match=r"^upper: expected values at or above lower, got 0\.0 below 3\.0 at position 1 "
                                        r"\(1 crossing\)$"):
        coverage([1.0, 2.0], lower=[0.0, 3.0], upper=[5.0, 0.0])
    assert coverage([1.0, 2.0, 9.0], lower=[0.0, 2.0, 0.0], upper=[5.0, 2.0, 1.0]) == 2 / 3


def test_coverage_by_level_of_crossing_quantiles_is_refused():
    """A 0.9-quantile below the 0.1-quantile: the central 80% interval was scored 0.0, silently; quantile_metrics
    (the backtest's scores) reads it. Pinball loss scores each level alone and still takes them."""
    from rnnkit.tasks.forecasting.metrics import quantile_metrics
    from rnnkit.tasks.forecasting.probabilistic import coverage_by_level, pinball_loss

    q = np.array([[0.0, 1.0, 2.0], [3.0, 2.0, 0.0]])
    with pytest.raises(DataError, match=r"^qforecast: level 0\.9: expected values at or above level 0\.1, got 0\.0 "
                                        r"below 3\.0 at position 1 \(1 crossing\)$"):
        coverage_by_level(np.array([1.0, 2.0]), q, [0.1, 0.5, 0.9])
    with pytest.raises(DataError, match="level 0.9: expected values at or above level 0.1"):
        quantile_metrics([1.0, 2.0], q, [0.1, 0.5, 0.9])
    assert pinball_loss(np.array([1.0, 2.0]), q, [0.1, 0.5, 0.9])[0.1] == pytest.approx((0.1 * 1 + 0.9 * 1) / 2)
    assert coverage_by_level(np.array([1.0, 2.0]), np.sort(q, axis=1), [0.1, 0.5, 0.9]) == {0.8: 1.0}


@pytest.mark.parametrize("bad", [np.inf, -np.inf])
def test_pinball_loss_refuses_an_infinite_actual_it_left_out(bad):
    """Only NaN marks a missing actual (left out, as documented); an infinite one was left out too, silently, and the
    loss was that of the other rows. Oracle: the loss of the finite row alone, which a NaN there still gives."""
    from rnnkit.tasks.forecasting.probabilistic import coverage_by_level, pinball_loss

    q = np.array([[0.0, 1.0, 2.0], [0.0, 1.0, 2.0]])
    with pytest.raises(DataError, match=rf"^actual: expected finite values \(NaN marks a missing one\), got {bad} at "
                                        r"position 1$"):
        pinball_loss(np.array([1.5, bad]), q, [0.1, 0.5, 0.9])
    with pytest.raises(DataError, match="^actual: expected finite values"):
        coverage_by_level(np.array([1.5, bad]), q, [0.1, 0.5, 0.9])
    assert pinball_loss(np.array([1.5, np.nan]), q, [0.1, 0.5, 0.9]) == pinball_loss(np.array([1.5]), q[:1],
                                                                                      [0.1, 0.5, 0.9])


# ------------------------------------------------------------------ integers float64 cannot hold
def _days(n):
    import pandas as pd

    return pd.date_range("2020-01-01", periods=n, freq="D")


def test_integers_beyond_2_53_that_float64_rounds_are_refused():
    """9007199254740993 (2**53 + 1) was read as ...992, silently (left from session 17): a series of counts or
    nanosecond times written as values was forecast from other numbers. Integers float64 holds (even ones just
    past 2**53, all below) still fit, unchanged (oracle: the same fit on the values as floats)."""
    import pandas as pd

    from rnnkit.tasks.forecasting import Forecaster

    base = 2 ** 53 + 2 * np.arange(30, dtype=np.int64) * (1 + np.arange(30) % 3)
    odd = pd.Series(base + (np.arange(30) == 4), index=_days(30), name="y")
    with pytest.raises(DataError, match=r"^target 'y' in series 'y': expected numbers that float64 holds exactly "
                                        r"\(integers up to 2\*\*53 = 9007199254740992 in magnitude\), got "
                                        rf"{base[4] + 1} at time 2020-01-05, read as {base[4]} \(1 such\); subtract"):
        Forecaster("seasonal_naive", horizon=2).fit(odd)
    exact = pd.Series(base, index=_days(30), name="y")
    a = Forecaster("seasonal_naive", horizon=2).fit(exact).predict()
    b = Forecaster("seasonal_naive", horizon=2).fit(exact.astype(float)).predict()
    pd.testing.assert_frame_equal(a, b)


def test_update_refuses_an_integer_float64_rounds():
    """The same check reads update's new points (and an object column of Python ints, as a JSON load gives)."""
    import pandas as pd

    from rnnkit.tasks.forecasting import Forecaster

    f = Forecaster("seasonal_naive", horizon=2).fit(pd.Series(np.arange(30.0) % 7, index=_days(30), name="y"))
    before = f.predict()
    new = pd.Series([1, 2 ** 60 + 1], index=pd.date_range("2020-01-31", periods=2, freq="D"), dtype=object)
    with pytest.raises(DataError, match=rf"^new_points: target 'y' in series 'y': expected numbers that float64 "
                                        rf"holds exactly .* got {2 ** 60 + 1} at time 2020-02-01, read as {2 ** 60} "):
        f.update(new)
    pd.testing.assert_frame_equal(f.predict(), before)


# ------------------------------------------------------------------ Excel's 'sep=,' first line
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_excel_sep_line_is_read_as_the_separator(tmp_path, newline):
    """Excel writes 'sep=,' above the header when asked to name the separator; the file was read with the header
    'sep=' and the message was "expected a time column 'date', got columns ['sep=', 'Unnamed: 1']" (left from
    session 17). Oracle: the same file without that line."""
    import pandas as pd

    from rnnkit.data.series import read_series_csv

    rows = newline.join(["date,y", "2020-01-01,1.5", "2020-01-02,2.5", "2020-01-03,4"]) + newline
    (tmp_path / "plain.csv").write_bytes(rows.encode())
    (tmp_path / "excel.csv").write_bytes(("\ufeffsep=," + newline + rows).encode())
    pd.testing.assert_frame_equal(read_series_csv(tmp_path / "excel.csv", "date", what="--csv"),
                                  read_series_csv(tmp_path / "plain.csv", "date", what="--csv"))
    (tmp_path / "semi.csv").write_text("sep=;\ndate;y\n2020-01-01;1,5\n")
    with pytest.raises(DataError, match=r"^--csv: expected a comma-separated file, got '.*semi\.csv' whose first "
                                        r"line 'sep=;' declares ';'; convert it"):
        read_series_csv(tmp_path / "semi.csv", "date", what="--csv")


# ------------------------------------------------------------------ a run folder saved again
def _files(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def _y(n=40):
    import pandas as pd

    return pd.Series(np.sin(np.arange(n) / 3) * 10 + 50, index=_days(n), name="y")


def test_a_folder_saved_again_holds_only_the_new_run(tmp_path):
    """An auto run saved over an earlier one kept the earlier candidates' folders (auto/candidates/01_theta/ beside
    an ETS-only run), and a network saved there kept the whole auto/ tree beside model.safetensors (left from
    session 17). Oracle: the same model saved into a new folder; the run loads and forecasts as saved."""
    import pandas as pd

    from rnnkit.tasks.forecasting import Forecaster

    run = tmp_path / "run"
    Forecaster(model="auto", candidates=("ets", "theta", "seasonal_naive"), horizon=2).fit(_y()).save(run)
    assert "auto/candidates/01_theta/candidate.json" in _files(run)
    ets = Forecaster(model="ets", horizon=2).fit(_y())
    ets.save(run)
    ets.save(tmp_path / "fresh_ets")
    assert _files(run) == _files(tmp_path / "fresh_ets")
    net = Forecaster(model="gru", horizon=2, epochs=1, hidden_size=4, lookback=5, seed=0).fit(_y())
    net.save(run)
    net.save(tmp_path / "fresh_gru")
    assert _files(run) == _files(tmp_path / "fresh_gru")
    pd.testing.assert_frame_equal(Forecaster.load(run).predict(), net.predict())


def test_a_foreign_file_in_a_saved_auto_folder_is_left_alone(tmp_path):
    """Only what an earlier save listed in its digest maps is removed: a user's file beside the run stays (it
    was always refused or kept, never deleted). Guards the fix above; passes on the code before."""
    from rnnkit.tasks.forecasting import Forecaster

    run = tmp_path / "run"
    Forecaster(model="ets", horizon=2).fit(_y()).save(run)
    (run / "auto" / "notes.txt").write_text("mine")
    Forecaster(model="theta", horizon=2).fit(_y()).save(run)
    assert (run / "auto" / "notes.txt").read_text() == "mine"


def _cli(argv, capsys):
    from rnnkit.cli.main import main

    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_rerun_without_plot_and_update_out_leave_no_earlier_files(tmp_path, capsys):
    """`forecast --out DIR --no-plot` over an earlier run left its forecast.png (the earlier data and forecast);
    `forecast update --run A --out B` over an earlier run B left B's metrics.json / metrics.jsonl describing B's
    fit and backtest beside the updated model. Oracle: the files the same command writes into a new folder."""
    csv = tmp_path / "y.csv"
    _y().rename_axis("date").reset_index().to_csv(csv, index=False)
    base = ["forecast", "--csv", str(csv), "--target", "y", "--time-col", "date", "--horizon", "2", "--model",
            "seasonal_naive", "--quiet", "--threads", "1"]
    assert _cli(base + ["--out", str(tmp_path / "b")], capsys)[0] == 0
    assert (tmp_path / "b" / "forecast.png").is_file()
    assert _cli(base + ["--out", str(tmp_path / "b"), "--no-plot"], capsys)[0] == 0
    assert _cli(base + ["--out", str(tmp_path / "fresh"), "--no-plot"], capsys)[0] == 0
    assert _files(tmp_path / "b") == _files(tmp_path / "fresh")
    (tmp_path / "new.csv").write_text("date,y\n2020-02-10,50.5\n")
    upd = ["forecast", "update", "--run", str(tmp_path / "fresh"), "--csv", str(tmp_path / "new.csv"), "--quiet"]
    assert _cli(upd + ["--out", str(tmp_path / "b")], capsys)[0] == 0
    assert _cli(upd + ["--out", str(tmp_path / "upd_fresh")], capsys)[0] == 0
    assert _files(tmp_path / "b") == _files(tmp_path / "upd_fresh")


# ------------------------------------------------------------------ a saved auto run's column settings
@pytest.mark.parametrize("key, value", [("target", 5), ("date_format", ["%Y"]), ("time_col", {"a": 1})])
def test_saved_auto_column_settings_are_checked_on_load(tmp_path, key, value):
    """config.json's parse_args (the columns update reads) of an auto / statistical run was loaded unchecked: edited
    with its digest rewritten, target 5 loaded and update then blamed the new rows ('new_points: target column 5 not
    found'). A network run's were checked (config.check_saved); now both, with one rule."""
    import hashlib
    import json

    from rnnkit.errors import CheckpointError
    from rnnkit.tasks.forecasting import Forecaster

    run = tmp_path / "run"
    Forecaster(model="ets", horizon=2).fit(_y().rename_axis("date").reset_index(), target="y",
                                            time_col="date").save(run)
    cfg = json.loads((run / "config.json").read_text())
    cfg["parse_args"][key] = value
    (run / "config.json").write_text(json.dumps(cfg))
    digests = json.loads((run / "digests.json").read_text())
    digests["sha256"]["config.json"] = hashlib.sha256((run / "config.json").read_bytes()).hexdigest()
    (run / "digests.json").write_text(json.dumps(digests))
    what = "a strptime format" if key == "date_format" else "a column name"
    with pytest.raises(CheckpointError, match=rf"config\.json: parse_args\.{key}: expected {what} or null, got "):
        Forecaster.load(run)


# ------------------------------------------------------------------ daily dates get no daylight-saving hint
@pytest.mark.parametrize("how", ["repeated", "skipped"])
def test_a_daily_sunday_given_twice_or_missing_gets_no_clock_change_hint(how):
    """A daily series whose Sunday 2020-02-09 was given twice (or was missing) was told '(2020-02-09 00:00: a clock
    hour repeated at a daylight-saving change? ...)' -- a clock change moves no date. The duplicate / gap is still
    named; local hourly times across a change keep their hint (tests/test_reliability_s16_forecast.py)."""
    import pandas as pd

    from rnnkit.tasks.forecasting import Forecaster

    days = _days(45)
    days = days.append(days[39:40]) if how == "repeated" else days.drop(pd.Timestamp("2020-02-09"))
    y = pd.Series(np.arange(days.size, dtype=float) % 5, index=days, name="y")
    first = ("expected unique timestamps in series 'y', got 1 duplicate\\(s\\) \\(first 2020-02-09 00:00:00\\)$"
             if how == "repeated" else "first missing 2020-02-09; pass --resample")
    with pytest.raises(DataError, match=first):
        Forecaster("seasonal_naive", horizon=2).fit(y)


# ------------------------------------------------------------------ update: which column holds the new values
@pytest.mark.parametrize("model", ["seasonal_naive", "gru"])
def test_update_of_a_series_fit_reads_the_column_named_as_the_series(model):
    """A model fitted on a Series 'y' (no target given) updated with a frame {'z': 500, 'y': 1} read the first
    column, z: series 'y' got the value 500, silently (auto and networks alike). Now the column named as the
    series is read (oracle: update with the Series of y's values), and two value columns, none of that name, are a
    DataError naming them; a frame of one value column reads as before."""
    import pandas as pd

    from rnnkit.tasks.forecasting import Forecaster

    kw = dict(epochs=1, hidden_size=4, lookback=5, seed=0) if model == "gru" else {}
    nxt = pd.date_range("2020-02-10", periods=1, freq="D")

    def fresh():
        return Forecaster(model=model, horizon=3, **kw).fit(_y())

    oracle = fresh().update(pd.Series([1.0], index=nxt))
    pd.testing.assert_frame_equal(fresh().update(pd.DataFrame({"z": [500.0], "y": [1.0]}, index=nxt)), oracle)
    pd.testing.assert_frame_equal(fresh().update(pd.DataFrame({"sales": [1.0]}, index=nxt)), oracle)
    f = fresh()
    before = f.predict()
    with pytest.raises(DataError, match=r"^new_points: expected one value column \(or one named as the series, 'y'\), "
                                        r"got \['z', 'w'\]: pass a Series"):
        f.update(pd.DataFrame({"z": [500.0], "w": [1.0]}, index=nxt))
    pd.testing.assert_frame_equal(f.predict(), before)


# ------------------------------------------------------------------ known-future covariates: shorter forecasts, update
def _promo_fit(strategy):
    import pandas as pd

    from rnnkit.tasks.forecasting import Forecaster

    n = 60
    df = pd.DataFrame({"date": _days(n).strftime("%Y-%m-%d"), "y": np.sin(np.arange(n) / 3) * 10 + 50,
                       "promo": (np.arange(n) % 7 == 0).astype(float)})
    return Forecaster(model="gru", horizon=3, strategy=strategy, epochs=1, hidden_size=4, lookback=5, seed=0).fit(
        df, target="y", time_col="date", future_covariates=["promo"])


def _promo(start, n):
    import pandas as pd

    return pd.DataFrame({"date": pd.date_range(start, periods=n, freq="D").strftime("%Y-%m-%d"),
                         "promo": [1.0, 0.0, 0.0][:n]})


@pytest.mark.parametrize("strategy", ["direct", "encoder-decoder", "recursive"])
def test_predict_a_shorter_horizon_with_future_covariates(strategy):
    """predict(horizon=2) of a 3-step direct / encoder-decoder network with known-future covariates was a ShapeError
    'future: expected shape (1, 3, 1), got (1, 2, 1)' whatever rows were given (2 or 3): the head reads the fitted
    horizon's covariates and only 2 were passed on. Oracle: the first 2 rows of the full forecast; the recursive
    strategy reads 2 rows and did already (guard)."""
    f = _promo_fit(strategy)
    full = f.predict(future_covariates=_promo("2020-03-01", 3))
    short = f.predict(horizon=2, future_covariates=_promo("2020-03-01", 3))
    assert short.equals(full.iloc[:2].reset_index(drop=True))
    if strategy != "recursive":
        with pytest.raises(DataError, match=r"^future_covariates: expected rows for the next 3 times of series 'y' "
                                            r"\(the model reads 3 steps' covariates\), got none for \['2020-03-03"):
            f.predict(horizon=2, future_covariates=_promo("2020-03-01", 2))


def test_update_with_bad_future_covariates_changes_nothing():
    """update(new_points, future_covariates) advanced the series and the network's state, then refused the
    covariates (a row missing): the call raised, yet the model had moved on a day, against update's contract
    (nothing changes when a check fails). Oracle: the forecast before the call."""
    f = _promo_fit("direct")
    before = f.predict(future_covariates=_promo("2020-03-01", 3))
    import pandas as pd

    new = pd.DataFrame({"date": ["2020-03-01"], "y": [100.0], "promo": [0.0]})
    with pytest.raises(DataError, match=r"^future_covariates: expected rows for the next 3 times of series 'y'"):
        f.update(new, future_covariates=_promo("2020-03-02", 2))
    pd.testing.assert_frame_equal(f.predict(future_covariates=_promo("2020-03-01", 3)), before)


def test_future_covariates_in_another_time_zone_are_named_so():
    """Future covariates dated in UTC for a series of naive dates were said to be missing ('got none for
    ['2020-03-01 00:00:00', ...]') though every row was there; update's new points said which zone differs
    (session 12). Now both do, with one check."""
    import pandas as pd

    f = _promo_fit("recursive")
    aware = _promo("2020-03-01", 3).assign(date=lambda d: pd.to_datetime(d["date"]).dt.tz_localize("UTC"))
    with pytest.raises(DataError, match=r"^future_covariates: expected timestamps in the time zone of series 'y' "
                                        r"\(tz-naive\), got UTC ones \['2020-03-01 00:00:00\+00:00'"):
        f.predict(future_covariates=aware)


def test_cli_run_flag_names_a_file_or_nothing_and_out_prints_as_text(tmp_path, capsys):
    """`forecast predict --run y.csv` said 'y.csv/config.json: expected a forecaster config, got nothing (missing)'
    (classify says '--run: expected a run folder'); `--out` the run folder itself printed the Python repr
    "(PosixPath('run'))" in its message."""
    csv = tmp_path / "y.csv"
    _y().rename_axis("date").reset_index().to_csv(csv, index=False)
    for run, why in ((csv, "a file"), (tmp_path / "nowhere", "no such folder")):
        code, _, err = _cli(["forecast", "predict", "--run", str(run), "--quiet"], capsys)
        assert code == 1 and err.strip().endswith(f"CheckpointError: --run: expected a run folder, got {str(run)!r} "
                                                  f"({why})"), err
    assert _cli(["forecast", "--csv", str(csv), "--target", "y", "--time-col", "date", "--horizon", "2", "--model",
                 "seasonal_naive", "--quiet", "--no-plot", "--out", str(tmp_path / "run")], capsys)[0] == 0
    code, _, err = _cli(["forecast", "predict", "--run", str(tmp_path / "run"), "--out", str(tmp_path / "run")], capsys)
    assert code == 2 and err.strip().endswith(f"got the run folder itself ({str(tmp_path / 'run')!r})"), err


def test_quantile_levels_as_a_numpy_array():
    """quantiles=np.array([0.1, 0.9]) was refused as 'expected a non-empty list of levels in (0, 1), got
    array([0.1, 0.9])' -- a message the value satisfies; the metrics take arrays of levels. A 1-D array is read as
    its list (oracle: the same levels as a list); a 2-D one, or bad levels in an array, are still refused."""
    from rnnkit.errors import ConfigError
    from rnnkit.tasks.forecasting import Forecaster

    assert Forecaster("ets", horizon=2, quantiles=np.array([0.9, 0.1])).config == Forecaster(
        "ets", horizon=2, quantiles=[0.1, 0.9]).config
    with pytest.raises(ConfigError, match=r"^quantiles: expected a non-empty list of levels in \(0, 1\)"):
        Forecaster("ets", horizon=2, quantiles=np.array([[0.1, 0.9]]))
    with pytest.raises(ConfigError, match=r"^quantiles: expected a number in \(0\.0, 1\.0\), got 1\.0"):
        Forecaster("ets", horizon=2, quantiles=np.array([0.1, 1.0]))


# ------------------------------------------------------------------ plot's arguments
def test_plot_arguments_are_checked(tmp_path):
    """plot(folder) wrote '<folder>.png' beside the folder, silently (matplotlib appends the default format to a
    name without one); history=0 or -1 drew the whole history or all but its first point, silently; a .xyz path,
    history=1.5, a text forecast or an int backtest were matplotlib's or pandas' bare ValueError / TypeError /
    AttributeError. A good call still writes the file it names (guard)."""
    from rnnkit.errors import ConfigError, InputTypeError
    from rnnkit.tasks.forecasting import Forecaster

    f = Forecaster("seasonal_naive", horizon=2).fit(_y())
    with pytest.raises(ConfigError, match=r"^path: expected the image file to write \(e\.g\. forecast\.png\), got the "
                                          r"folder "):
        f.plot(tmp_path)
    assert not (tmp_path.parent / f"{tmp_path.name}.png").exists()
    with pytest.raises(ConfigError, match=r"^path: expected a file name ending in one of \['\.png', "):
        f.plot(tmp_path / "x.xyz")
    for bad, err in ((0, ConfigError), (-1, ConfigError), (1.5, InputTypeError)):
        with pytest.raises(err, match="^history: expected an int"):
            f.plot(tmp_path / "x.png", history=bad)
    with pytest.raises(InputTypeError, match="^forecast: expected the DataFrame predict"):
        f.plot(tmp_path / "x.png", forecast="junk")
    with pytest.raises(InputTypeError, match=r"^backtest: expected None or the result of backtest\(\), got int$"):
        f.plot(tmp_path / "x.png", backtest=5)
    assert not (tmp_path / "x.png").exists()
    f.plot(tmp_path / "ok.png", history=5)
    assert (tmp_path / "ok.png").read_bytes()[:4] == b"\x89PNG"


# ------------------------------------------------------------------ backtest's baselines
def test_backtest_baselines_as_text_or_named_twice_are_refused():
    """baselines='naive' was read letter by letter ("expected names among [...], got 'n'"), and ('naive', 'naive')
    was scored once, silently (--candidates and --quantiles given twice are refused). A list of names runs as
    before (guard: the table names naive once)."""
    from rnnkit.errors import ConfigError
    from rnnkit.tasks.forecasting import Forecaster

    f = Forecaster("seasonal_naive", horizon=3)
    with pytest.raises(ConfigError, match=r"^baselines: expected a list of names among \[.*\], got the text 'naive' "
                                          r"\(a list of one: \['naive'\]\)$"):
        f.backtest(_y(60), folds=2, baselines="naive")
    with pytest.raises(ConfigError, match=r"^baselines: expected each name once, got 'naive' twice$"):
        f.backtest(_y(60), folds=2, baselines=("naive", "naive"))
    assert list(f.backtest(_y(60), folds=2, baselines=["naive"]).metrics) == ["seasonal_naive", "naive"]


# ------------------------------------------------------------------ a saved run's series, edited
def _edited_series_run(tmp_path, edit, integer=False):
    import hashlib
    import json

    from rnnkit.tasks.forecasting import Forecaster

    run = tmp_path / "run"
    data = list(_y().to_numpy()) if integer else _y()
    Forecaster(model="ets", horizon=2).fit(data).save(run)
    cfg = json.loads((run / "config.json").read_text())
    edit(cfg["series"][0])
    (run / "config.json").write_text(json.dumps(cfg))
    digests = json.loads((run / "digests.json").read_text())
    digests["sha256"]["config.json"] = hashlib.sha256((run / "config.json").read_bytes()).hexdigest()
    (run / "digests.json").write_text(json.dumps(digests))
    return run


@pytest.mark.parametrize("edit, integer, message", [
    (lambda s: s.update(index=s["index"][::-1], freq=None), False, "series.index: expected time stamps in increasing "
                                                                   "order"),
    (lambda s: s["index"].__setitem__(1, 1.5), True, "series.index: expected consecutive integer steps"),
    (lambda s: s["index"].__setitem__(1, 5), True, "series.index: expected consecutive integer steps"),
    (lambda s: s.update(observed=[2] * len(s["y"])), False, "series.observed: expected 0 or 1 per value"),
])
def test_saved_series_out_of_order_or_odd_are_refused(tmp_path, edit, integer, message):
    """config.json's series (digest rewritten) are checked as typed values, yet stamps in reverse order loaded and
    predict forecast 2020-01-02.. (after the first stamp), step 1.5 was truncated to 1, steps 0, 5, 2.. loaded, and
    observed 2 was read as True -- all silently."""
    from rnnkit.errors import CheckpointError
    from rnnkit.tasks.forecasting import Forecaster

    with pytest.raises(CheckpointError, match=rf"config\.json: {message}"):
        Forecaster.load(_edited_series_run(tmp_path, edit, integer))


# ------------------------------------------------------------------ point metrics: one bound, tensors with grad
def test_point_metrics_with_one_bound_or_a_grad_tensor():
    """point_metrics(..., lower=lo) without upper scored coverage NaN as if no interval had been given, silently;
    a tensor that requires grad was numpy's bare RuntimeError. Oracle for the rest: the same call with both bounds,
    and with the tensor detached."""
    import torch

    from rnnkit.errors import InputTypeError
    from rnnkit.tasks.forecasting.metrics import mae, point_metrics

    y, f, train = [1.0, 2.0], [1.5, 2.0], [0.0, 1.0, 3.0]
    with pytest.raises(InputTypeError, match=r"^upper: expected the interval's upper bound with lower \(or neither\), "
                                             r"got None$"):
        point_metrics(y, f, train, 1, lower=[0.0, 0.0])
    with pytest.raises(InputTypeError, match=r"^lower: expected the interval's lower bound with upper"):
        point_metrics(y, f, train, 1, upper=[3.0, 3.0])
    assert point_metrics(y, f, train, 1, lower=[0.0, 0.0], upper=[3.0, 3.0])["coverage"] == 1.0
    t = torch.tensor([1.5, 2.0], requires_grad=True)
    with pytest.raises(InputTypeError, match=r"^forecast: expected real numbers, got a tensor that requires grad"):
        mae(y, t)
    assert mae(y, t.detach()) == 0.25


def test_a_level_whose_column_would_read_as_1_is_refused():
    """quantiles=(0.5, 0.999999999) forecast a column named 'q1' (6 significant digits), which names the level 1,
    outside (0, 1) -- a reader of forecast.csv took it for the maximum. Levels are refused when their column name
    leaves (0, 1), as two levels of one name are; 1e-9 ('q1e-09') and 0.999999 ('q0.999999') keep their names."""
    from rnnkit.errors import ConfigError
    from rnnkit.tasks.forecasting.config import check_levels

    with pytest.raises(ConfigError, match=r"^quantiles: expected levels whose column names \(6 significant digits\) "
                                          r"stay inside \(0, 1\), got 0\.999999999, named 'q1'$"):
        check_levels([0.5, 0.999999999])
    assert check_levels([1e-9, 0.5, 0.999999]) == (1e-9, 0.5, 0.999999)


# ------------------------------------------------------------------ resample keeps the series' time of day
def test_resample_keeps_a_daily_series_time_of_day():
    """Daily readings at 06:00 with one taken at 07:30, resample=True: pandas' bins start at midnight, so the series
    became midnight stamps and the forecast ran 6 hours early (2020-01-31 00:00 for a series read at 06:00), silently.
    The bins start at the first stamp, as the grid the gaps are judged on does. Oracle: the stamps the readings were
    due at; the 07:30 reading is the 06:00 bin's value (mean per bin, as documented)."""
    import pandas as pd

    from rnnkit.tasks.forecasting import Forecaster

    due = pd.date_range("2020-01-01 06:00", periods=30, freq="D")
    taken = due.delete(10).insert(10, pd.Timestamp("2020-01-11 07:30"))
    y = pd.Series(np.arange(30.0) % 7, index=taken, name="y")
    f = Forecaster("seasonal_naive", horizon=2, resample=True).fit(y)
    assert list(f.predict()["time"]) == list(pd.date_range("2020-01-31 06:00", periods=2, freq="D"))
    assert list(f.model._fitted[0].index) == list(due)
