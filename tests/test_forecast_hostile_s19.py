"""Hostile-input sweep of session 19 (helper R): forecasting's inputs, update, metrics and CLI messages.
Each test fails on the code before its fix (a4af298) unless it says it guards behaviour that was already right."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.errors import DataError

IDX = pd.date_range("2020-01-01", periods=48, freq="MS")
VALS = 10 + np.sin(np.arange(48) * np.pi / 6) + np.random.default_rng(0).normal(0, 0.1, 48)


def _ets(data, **kw):
    from rnnkit.tasks.forecasting import Forecaster

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Forecaster("ets", horizon=3).fit(data, **kw)


# ------------------------------------------------------------------ pd.NA in a column of objects
def test_pd_na_in_a_column_of_objects_is_a_missing_value_as_nan_is():
    """pd.NA (pandas' missing marker, in a column of objects built from a list) stopped fit and update with float()'s
    bare "TypeError: float() argument must be ... not 'NAType'"; it is a missing value, as NaN and None are
    (oracle: the same series with NaN)."""
    obj = pd.Series([*VALS[:20], pd.NA, *VALS[21:]], index=IDX, dtype=object)
    nan = pd.Series([*VALS[:20], np.nan, *VALS[21:]], index=IDX)
    got, want = _ets(obj), _ets(nan)
    assert got.predict()["value"].tolist() == want.predict()["value"].tolist()
    new = pd.date_range(IDX[-1], periods=3, freq="MS")[1:]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")     # the last new value is missing: warned, held at the last observed one
        a = got.update(pd.Series([11.0, pd.NA], index=new, dtype=object))
        b = want.update(pd.Series([11.0, np.nan], index=new))
    assert a["value"].tolist() == b["value"].tolist()


# ------------------------------------------------------------------ update(frame): its index is its time, as in fit
def test_update_frame_index_is_read_as_its_times_as_fit_reads_it():
    """A frame without a time column given to update: its index was left as it was. Integer steps 100, 101 (given
    already) or 150, 151 (after a gap) were relabelled as the next steps 140, 141 and appended, silently, and a
    PeriodIndex or dates as text were refused as 'expected ... from 2024-01-01, got ['2024-01-01', ...]'. Oracle:
    the same rows given as a frame with a DatetimeIndex (or the right integer steps)."""
    steps = pd.DataFrame({"y": VALS[:40]}, index=pd.Index(np.arange(100, 140)))
    for bad in ([100, 101], [150, 151]):
        f = _ets(steps)
        with pytest.raises(DataError, match=r"^new_points: expected time steps continuing series 'y' from 140 "
                                            rf"\(140, 141\.\.\.\), got \['{bad[0]}', '{bad[1]}'\]$"):
            f.update(pd.DataFrame({"y": [50.0, 60.0]}, index=bad))
        assert f.predict()["time"].tolist() == [140, 141, 142]       # nothing changed
    right = _ets(steps).update(pd.DataFrame({"y": [50.0, 60.0]}, index=[140, 141]))
    assert right["time"].tolist() == [142, 143, 144]
    new = pd.date_range(IDX[-1], periods=3, freq="MS")[1:]
    want = _ets(pd.DataFrame({"y": VALS}, index=IDX)).update(pd.DataFrame({"y": [11.0, 12.0]}, index=new))
    for index in (pd.period_range(new[0], periods=2, freq="M"), new.strftime("%Y-%m-%d")):
        got = _ets(pd.DataFrame({"y": VALS}, index=IDX)).update(pd.DataFrame({"y": [11.0, 12.0]}, index=index))
        pd.testing.assert_frame_equal(got, want)


# ------------------------------------------------------------------ column names: ints, two levels; a Series' columns
def test_a_frame_whose_one_column_is_named_by_an_int_is_read():
    """pd.DataFrame({0: values}) (a frame built from an array) without target: the column's name was turned to text,
    then looked up, and the fit stopped with "target: column '0' not found; expected one of ['0']". Oracle: the same
    frame with target=0 named (read before)."""
    frame = pd.DataFrame({0: VALS}, index=IDX)
    assert _ets(frame).predict().equals(_ets(frame, target=0).predict())


def test_a_frame_with_two_levels_of_column_names_is_a_data_error_naming_the_fix():
    """A MultiIndex of columns (a pivot's) was "target: column \\"('a', 'y')\\" not found; expected one of
    [\\"('a', 'y')\\"]", a message the data contradicts."""
    frame = pd.DataFrame({("a", "y"): VALS}, index=IDX)
    with pytest.raises(DataError, match=r"^series: expected one level of column names, got 2 \(a MultiIndex: "
                                        r"\[\"\('a', 'y'\)\"\]\); flatten them first"):
        _ets(frame)


def _cli(argv, capsys):
    from rnnkit.cli.main import main

    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_time_col_or_id_col_given_with_a_series_are_named_alone(capsys):
    """Forecaster.fit(Series, time_col='t') said 'time_col/id_col: expected a DataFrame with those columns', naming
    both; 'rnnkit forecast --dataset nile --time-col x' printed that API text as it was (exit 2, no flag named). The
    argument given is named alone, and the CLI names its flag."""
    from rnnkit.errors import ConfigError

    for key in ("time_col", "id_col"):
        with pytest.raises(ConfigError, match=rf"^{key}: expected no column name for a Series \(its index is the "
                                              r"time; one series\), got 't'$"):
            _ets(pd.Series(VALS, index=IDX), **{key: "t"})
    for flag in ("--time-col", "--id-col"):
        code, _, err = _cli(["forecast", "--dataset", "nile", flag, "x", "--horizon", "2", "--model", "ets",
                             "--quiet"], capsys)
        assert code == 2 and err.strip() == (f"rnnkit forecast: error: {flag}: expected none with --dataset nile (one "
                                             "bundled series, its times read already), got 'x'")


def test_a_column_not_found_names_the_one_that_differs_by_spaces_or_case(tmp_path, capsys):
    """A header written 'date, y' (a space after the comma) holds ' y': '--target y' said "column 'y' not found;
    expected one of ['date', ' y']" and left the space to be seen (left from session 18); a column differing only by
    case alike. The message names it; a name with no near column reads as before."""
    path = tmp_path / "space.csv"
    path.write_text("date, y\n" + "".join(f"{t:%Y-%m-%d}, {v:.3f}\n" for t, v in zip(IDX, VALS)))
    code, _, err = _cli(["forecast", "--csv", str(path), "--target", "y", "--time-col", "date", "--horizon", "2",
                         "--model", "ets", "--quiet"], capsys)
    assert code == 1 and err.strip().endswith(
        "--target: column 'y' not found; expected one of ['date', ' y'] (' y' differs from 'y' only by spaces at its "
        "ends, as in a header written 'a, b': name the column as written, or remove the spaces)")
    code, _, err = _cli(["forecast", "--csv", str(path), "--target", " y", "--time-col", "Date", "--horizon", "2",
                         "--model", "ets", "--quiet"], capsys)
    assert code == 1 and err.strip().endswith(
        "--csv: expected a time column 'Date', got columns ['date', ' y'] ('date' differs from 'Date' only by case: "
        "name the column as written)")
    frame = pd.DataFrame({"t": IDX, "Sales": VALS})
    with pytest.raises(DataError, match=r"^target: column 'sales' not found; expected one of \['t', 'Sales'\] "
                                        r"\('Sales' differs from 'sales' only by case: name the column as written\)$"):
        _ets(frame, target="sales", time_col="t")
    with pytest.raises(DataError, match=r"^target: column 'units' not found; expected one of \['t', 'Sales'\]$"):
        _ets(frame, target="units", time_col="t")
    assert _cli(["forecast", "--csv", str(path), "--target", " y", "--time-col", "date", "--horizon", "2",
                 "--model", "ets", "--quiet"], capsys)[0] == 0       # named as written: read


def test_forecast_update_names_the_fit_format_it_read_the_new_dates_with(tmp_path, capsys):
    """'forecast update --csv' with dates written 01/01/2024 after a fit on ISO dates said "expected every date in
    date_format 'ISO8601'", a format the user never gave (left from session 18): it names it as the fit's and the
    flags that read --csv's own dates, which then update the run (oracle: the same rows in ISO 8601)."""
    fit = tmp_path / "fit.csv"
    pd.DataFrame({"date": IDX.strftime("%Y-%m-%d"), "y": VALS.round(3)}).to_csv(fit, index=False)
    assert _cli(["forecast", "--csv", str(fit), "--target", "y", "--time-col", "date", "--horizon", "2", "--model",
                 "ets", "--quiet", "--no-plot", "--out", str(tmp_path / "run")], capsys)[0] == 0
    new = pd.date_range(IDX[-1], periods=3, freq="MS")[1:]
    for name, fmt in (("dmy.csv", "%d/%m/%Y"), ("iso.csv", "%Y-%m-%d")):
        pd.DataFrame({"date": new.strftime(fmt), "y": [11.0, 12.0]}).to_csv(tmp_path / name, index=False)
    upd = ["forecast", "update", "--run", str(tmp_path / "run"), "--quiet", "--json", "--csv"]
    code, _, err = _cli(upd + [str(tmp_path / "dmy.csv")], capsys)
    assert code == 1 and err.strip().endswith(
        "expected every date in date_format 'ISO8601', got '01/01/2024' in data row 1; 'ISO8601' is the format the "
        "run's fit read: pass --date-format (or --dayfirst) for --csv's own dates")
    code, out, _ = _cli(upd + [str(tmp_path / "dmy.csv"), "--date-format", "%d/%m/%Y"], capsys)
    code_iso, out_iso, _ = _cli(upd + [str(tmp_path / "iso.csv")], capsys)
    assert code == code_iso == 0
    assert json.loads(out)["forecast"] == json.loads(out_iso)["forecast"]


# ------------------------------------------------------------------ scores near float64's limit
def test_mase_and_smape_of_values_near_float64s_limit_are_their_scale_free_values():
    """MASE and sMAPE do not depend on the unit, but their sums overflowed near 1.8e308: training values 1e308 and
    -1e308 gave the naive scale inf, and MASE was NaN with a warning that the part 'repeats itself exactly' (left
    from session 18); sMAPE of 1e308 against -1e308 was NaN (inf / inf), not 200. Oracle: the same figures at unit
    scale. Ordinary values are scored as numpy's plain formula (same floats)."""
    from rnnkit.tasks.forecasting.metrics import mae, mase, smape

    y, f, train = np.array([1.5, -0.5, 1.2]), np.array([-1.5, 0.25, 1.0]), np.array([1.0, -1.0, 1.2, -0.9, 1.1])
    k = 1e308
    with warnings.catch_warnings():
        warnings.simplefilter("error")     # neither the 'undefined' warning nor numpy's overflow
        assert mase(y * k, f * k, train * k) == pytest.approx(mase(y, f, train), rel=1e-12)
        assert mase(y * k, f * k, train * k, period=2) == pytest.approx(mase(y, f, train, period=2), rel=1e-12)
        assert smape(y * k, f * k) == pytest.approx(smape(y, f), rel=1e-12)
        assert smape([1e308], [-1e308]) == 200.0
    assert mae(y * k, f * k) == pytest.approx(mae(y, f) * k, rel=1e-12)    # 1e308-scale errors, mean below the limit
    rng = np.random.default_rng(3)
    y, f, train = rng.normal(5, 2, 12), rng.normal(5, 2, 12), rng.normal(5, 2, 40)
    assert mase(y, f, train) == np.mean(np.abs(y - f)) / np.mean(np.abs(train[1:] - train[:-1]))
    assert smape(y, f) == 100 * np.mean(2 * np.abs(y - f) / (np.abs(y) + np.abs(f)))


def test_quantile_scores_refuse_text_bools_and_a_lone_level_by_name():
    """quantile_metrics(y, q, 0.5) was len()'s bare TypeError and a text q float()'s bare ValueError; pinball_loss /
    coverage_by_level read actuals '1', '2' as numbers and quantiles True / False as 1 / 0, silently -- the point
    metrics refuse them (InputTypeError naming the array); the quantile scores now share that rule. Numbers are
    scored as before (oracle: the pinball loss by hand)."""
    from rnnkit.errors import ConfigError, InputTypeError
    from rnnkit.tasks.forecasting.metrics import quantile_metrics
    from rnnkit.tasks.forecasting.probabilistic import coverage_by_level, pinball_loss

    y, q = np.array([1.0, 2.0]), np.array([[0.0, 3.0], [1.0, 2.5]])
    for levels in (0.5, "0.5"):
        with pytest.raises(ConfigError, match=r"^quantiles: expected a list of levels in \(0, 1\), got '?0\.5'?$"):
            quantile_metrics(y, q[:, :1], levels)
    with pytest.raises(InputTypeError, match=r"^quantiles: expected real numbers, got <U1 values$"):
        quantile_metrics(y, [["a"], ["b"]], [0.5])
    with pytest.raises(InputTypeError, match=r"^actual: expected real numbers, got <U1 values$"):
        pinball_loss(["1", "2"], q, [0.1, 0.9])
    with pytest.raises(InputTypeError, match=r"^qforecast: expected real numbers, got bool values$"):
        coverage_by_level(y, q > 1, [0.1, 0.9])
    assert pinball_loss(y, q, [0.1, 0.9]) == {0.1: pytest.approx((0.1 * 1 + 0.1 * 1) / 2),
                                               0.9: pytest.approx((0.1 * 2 + 0.1 * 0.5) / 2)}


def test_backtest_takes_a_numpy_integer_number_of_folds():
    """folds=np.int64(2) (a count read from an array) was refused as "folds: expected a positive int, got
    np.int64(2)", a message the value satisfies (horizon=np.int64 was taken). Oracle: folds=2."""
    f = _ets(pd.Series(VALS, index=IDX))
    want = f.backtest(pd.Series(VALS, index=IDX), folds=2)
    got = f.backtest(pd.Series(VALS, index=IDX), folds=np.int64(2))
    assert got.n_folds == 2 and got.metrics == want.metrics


def test_future_csv_is_checked_before_any_fit(tmp_path, capsys, monkeypatch):
    """'forecast --future-covariates x --future-csv F' read F only after the backtest and the fit: a file one row short
    of --horizon (or with NaN, or dates the fit's format does not read) stopped the run after the whole training of
    the network. The check is predict's own, now before any fit (the fit is made to fail here: it must not run);
    a file that covers the horizon is used as before."""
    from rnnkit.tasks.forecasting import Forecaster

    n = 40
    t = pd.date_range("2020-01-01", periods=n, freq="D")
    x = np.random.default_rng(1).normal(size=n)
    pd.DataFrame({"date": t.strftime("%Y-%m-%d"), "y": (10 + np.sin(np.arange(n)) + x).round(3),
                  "x": x.round(3)}).to_csv(tmp_path / "cov.csv", index=False)
    nxt = pd.date_range(t[-1], periods=4, freq="D")[1:].strftime("%Y-%m-%d")
    pd.DataFrame({"date": nxt[:2], "x": [0.1, 0.2]}).to_csv(tmp_path / "short.csv", index=False)
    pd.DataFrame({"date": nxt, "x": [0.1, np.nan, 0.3]}).to_csv(tmp_path / "nan.csv", index=False)
    pd.DataFrame({"date": pd.to_datetime(nxt).strftime("%d/%m/%Y"), "x": [0.1, 0.2, 0.3]}).to_csv(
        tmp_path / "dmy.csv", index=False)
    argv = ["forecast", "--csv", str(tmp_path / "cov.csv"), "--target", "y", "--time-col", "date",
            "--future-covariates", "x", "--horizon", "3", "--model", "gru", "--epochs", "1", "--hidden-size", "4",
            "--quiet", "--no-plot", "--backtest", "2", "--future-csv"]
    with monkeypatch.context() as m:
        def no_fit(*a, **k):
            raise AssertionError("fitted before --future-csv was checked")
        m.setattr(Forecaster, "fit", no_fit)
        m.setattr(Forecaster, "backtest", no_fit)
        for name, tail in (("short.csv", "--future-csv: expected rows for the next 3 times of series 'y' (the "   # s21:
                                         "model reads 3 steps' covariates), got none for ['2020-02-12 00:00:00']"),  # the
                           ("nan.csv", "--future-csv: expected values for every forecast time of series 'y', "  # file's
                                       "got NaN"),                                                               # flag
                           ("dmy.csv", "both parse every value ('10/02/2020' is 2020-02-10 or 2020-10-02); write "
                                       "--future-csv's dates as --csv's ('ISO8601', the format the fit read)")):
            code, _, err = _cli(argv + [str(tmp_path / name)], capsys)
            assert code == 1 and err.strip().endswith(tail), err
    pd.DataFrame({"date": nxt, "x": [0.1, 0.2, 0.3]}).to_csv(tmp_path / "ok.csv", index=False)
    code, out, _ = _cli(argv + [str(tmp_path / "ok.csv"), "--json"], capsys)
    assert code == 0 and [r["time"] for r in json.loads(out)["forecast"]] == list(nxt)
