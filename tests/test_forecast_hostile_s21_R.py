"""Hostile inputs of session 21 (helper R): forecasting's CLI and API. Each test fails on the code before its fix
(701558d) unless it says it guards behaviour that was already right."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.errors import DataError


def _cli(argv, capsys):
    from rnnkit.cli.main import main

    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _panel(n=30, ids=("a", "b")):
    rng = np.random.default_rng(0)
    t = pd.date_range("2024-01-01", periods=n, freq="D")
    return pd.concat([pd.DataFrame({"store": s, "date": t.strftime("%Y-%m-%d"), "y": 10 + rng.normal(0, 1, n),
                                    "dow": (t.day_of_week).astype(float)}) for s in ids], ignore_index=True)


def _future(ids=("a", "b"), fmt="%Y-%m-%d", start="2024-01-31", n=2):
    t = pd.date_range(start, periods=n, freq="D")
    return pd.concat([pd.DataFrame({"store": s, "date": t.strftime(fmt), "dow": t.day_of_week.astype(float)})
                      for s in ids], ignore_index=True)


_GRU = ["--target", "y", "--time-col", "date", "--id-col", "store", "--horizon", "2", "--model", "gru", "--epochs",
        "1", "--hidden-size", "4", "--lookback", "4", "--deseasonalize", "none", "--future-covariates", "dow",
        "--quiet", "--json"]


class _Stop(Exception):
    """Raised by a patched fit: the checks before the fit are what is tested."""


@pytest.fixture
def no_fit(monkeypatch):
    from rnnkit.tasks.forecasting import Forecaster

    calls = []

    def fit(self, data, *a, **k):
        calls.append(data)
        raise _Stop("fit reached")

    monkeypatch.setattr(Forecaster, "fit", fit)
    monkeypatch.setattr(Forecaster, "backtest", fit)
    return calls


# ------------------------------------------------------------------ 1a: messages name the flags typed
def test_future_csv_errors_name_the_file_flag(tmp_path, capsys, no_fit):
    """A NaN in --future-csv was reported as '--future-covariates: expected values for every forecast time ...' (the
    CLI wrote the API's 'future_covariates:' as that flag), though the columns named were right and the file bad."""
    data, fut = tmp_path / "d.csv", tmp_path / "f.csv"
    _panel().to_csv(data, index=False)
    _future().assign(dow=[1.0, np.nan, 2.0, 3.0]).to_csv(fut, index=False)
    code, _, err = _cli(["forecast", "--csv", str(data), "--future-csv", str(fut), *_GRU], capsys)
    assert code == 1 and "error: DataError: --future-csv: expected values for every forecast time of series 'a', " \
                          "got NaN" in err, err
    assert not no_fit


def test_future_csv_warnings_name_the_file_flag(tmp_path, capsys, no_fit):
    """Rows of an id never fitted in --future-csv are warned about (documented: a file covering more stores is
    legitimate); the warning said 'future_covariates: rows for ids ...', the API's word for what was --future-csv."""
    data, fut = tmp_path / "d.csv", tmp_path / "f.csv"
    _panel().to_csv(data, index=False)
    _future(ids=("a", "b", "q")).to_csv(fut, index=False)
    with pytest.warns(UserWarning, match=r"^--future-csv: rows for ids the model never fitted are not used: 'q'"):
        code, _, err = _cli(["forecast", "--csv", str(data), "--future-csv", str(fut), *_GRU], capsys)
    assert code == 1 and "fit reached" in err and len(no_fit) == 1


def test_training_warnings_name_the_time_col_flag(tmp_path, capsys):
    """A one-row id of a panel is warned about with the time column's head ('time_col 'date': series 'z' has one row', its bare name before session 22);
    the user typed --time-col date."""
    data = tmp_path / "d.csv"
    pd.concat([_panel(), pd.DataFrame({"store": ["z"], "date": ["2024-01-30"], "y": [5.0], "dow": [1.0]})]).to_csv(
        data, index=False)
    with pytest.warns(UserWarning, match=r"^--time-col 'date': series 'z' has one row"):
        code, out, err = _cli(["forecast", "--csv", str(data), "--target", "y", "--time-col", "date", "--id-col",
                               "store", "--horizon", "2", "--model", "seasonal_naive", "--quiet", "--json"], capsys)
    assert code == 0, err
    assert {r["id"] for r in json.loads(out)["forecast"]} == {"a", "b", "z"}


@pytest.mark.parametrize("id_col, other", [("date", "--time-col"), ("y", "--target")])
def test_one_role_per_column_names_both_flags(tmp_path, capsys, id_col, other):
    """`--id-col date --time-col date` said '--id-col: expected a column not already used as time_col': the second
    role in the API's word. Both are flags now (exit 2)."""
    data = tmp_path / "d.csv"
    _panel().to_csv(data, index=False)
    code, _, err = _cli(["forecast", "--csv", str(data), "--target", "y", "--time-col", "date", "--id-col", id_col,
                         "--horizon", "2", "--model", "seasonal_naive", "--quiet"], capsys)
    assert code == 2 and f"error: --id-col: expected a column not already used as {other}, got {id_col!r}" in err, err


def test_api_keeps_its_argument_words():
    """Guard: the library's own messages keep the argument names (only the CLI writes them as flags)."""
    from rnnkit.tasks.forecasting.inputs import parse_series

    frame = pd.concat([_panel(), pd.DataFrame({"store": ["z"], "date": ["2024-01-30"], "y": [5.0], "dow": [1.0]})])
    with pytest.warns(UserWarning, match=r"^time_col 'date': series 'z' has one row"):
        parse_series(frame, target="y", time_col="date", id_col="store", allow_constant=True)


@pytest.fixture(scope="module")
def seasonal_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("run") / "run"
    from rnnkit.tasks.forecasting import Forecaster

    Forecaster("seasonal_naive", horizon=2).fit(_panel(), target="y", time_col="date", id_col="store").save(folder)
    return folder


def test_update_errors_name_the_csv_flag(tmp_path, capsys, seasonal_run):
    """`forecast update --csv NEW.csv` whose rows do not continue the series said 'new_points: expected timestamps
    continuing ...': new_points is the API's argument, the user gave --csv."""
    new = tmp_path / "new.csv"
    pd.DataFrame({"store": ["a"], "date": ["2024-02-05"], "y": [1.0], "dow": [0.0]}).to_csv(new, index=False)
    code, _, err = _cli(["forecast", "update", "--run", str(seasonal_run), "--csv", str(new), "--quiet", "--json"],
                        capsys)
    assert code == 1 and "error: DataError: --csv: expected timestamps continuing series 'a'" in err, err


def test_update_csv_date_errors_name_the_file(tmp_path, capsys, seasonal_run):
    """update --csv's dates in another format than the fit's: the message began "time_col 'date': ..." (a flag the
    user did not type on update: the run's own column); it names --csv, whose dates they are."""
    new = tmp_path / "new.csv"
    pd.DataFrame({"store": ["a"], "date": ["31/01/2024"], "y": [1.0], "dow": [2.0]}).to_csv(new, index=False)
    code, _, err = _cli(["forecast", "update", "--run", str(seasonal_run), "--csv", str(new), "--quiet", "--json"],
                        capsys)
    assert code == 1 and err.startswith("rnnkit forecast: error: DataError: --csv: time_col 'date': expected every "
                                        "date in date_format 'ISO8601', got '31/01/2024'"), err


# ------------------------------------------------------------------ --future-csv in another date format
def test_future_csv_in_its_own_date_format_is_read(tmp_path, capsys, no_fit):
    """A training CSV of ISO dates and a --future-csv written 31/01/2024 (a spreadsheet's export) was refused as
    "expected every date in date_format 'ISO8601'", a format the user never gave. The file's one reading is taken
    (oracle: the same rows written as ISO dates); the fit is reached."""
    from rnnkit.cli.forecast_runs import read_future_csv

    data, iso, dmy = tmp_path / "d.csv", tmp_path / "iso.csv", tmp_path / "dmy.csv"
    _panel().to_csv(data, index=False)
    _future().to_csv(iso, index=False)
    _future(fmt="%d/%m/%Y").to_csv(dmy, index=False)
    args = {"target": "y", "time_col": "date", "id_col": "store", "future_covariates": "dow"}
    pd.testing.assert_frame_equal(read_future_csv(dmy, args, "ISO8601"), read_future_csv(iso, args, "ISO8601"),
                                  check_like=True)
    code, _, err = _cli(["forecast", "--csv", str(data), "--future-csv", str(dmy), *_GRU], capsys)
    assert code == 1 and "fit reached" in err and len(no_fit) == 1, err


def test_future_csv_read_with_the_fits_format_first(tmp_path):
    """A day-first fit reads its future file's 01/02/2024 day first too (ambiguous alone); a file whose own dates
    are ambiguous and not in the fit's format is a DataError naming --future-csv and the fit's format."""
    from rnnkit.cli.forecast_runs import read_future_csv

    args = {"time_col": "date", "id_col": "store"}
    f = tmp_path / "f.csv"
    _future(fmt="%d/%m/%Y", start="2024-02-01").to_csv(f, index=False)     # 01/02/2024, 02/02/2024: ambiguous
    got = read_future_csv(f, args, "%d/%m/%Y")
    assert got["date"].tolist()[:2] == [pd.Timestamp("2024-02-01"), pd.Timestamp("2024-02-02")]
    with pytest.raises(DataError, match=r"^--future-csv: time_col 'date': expected dates with one reading, got an "
                                        r"ambiguous column.*; write --future-csv's dates as --csv's \('ISO8601'"):
        read_future_csv(f, args, "ISO8601")


# ------------------------------------------------------------------ predict / update of a run with future covariates
@pytest.fixture(scope="module")
def covariate_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cov")
    data, fut = folder / "d.csv", folder / "f.csv"
    _panel(n=24).to_csv(data, index=False)
    _future(start="2024-01-25").to_csv(fut, index=False)
    from rnnkit.cli.main import main

    assert main(["forecast", "--csv", str(data), "--future-csv", str(fut), *_GRU, "--out", str(folder / "run"),
                 "--no-plot", "--threads", "1"]) == 0
    return folder


def test_predict_of_a_run_with_future_covariates_takes_future_csv(covariate_run, capsys):
    """A run fitted with --future-covariates could not be forecast by 'predict --run': without their next rows it
    stopped with '--future-covariates: expected the next 2 values ...', and --future-csv was refused as a training
    flag. Now --future-csv gives them (oracle: the saved forecaster's predict with the same frame)."""
    from rnnkit.tasks.forecasting import Forecaster

    run, fut = covariate_run / "run", covariate_run / "f.csv"
    code, _, err = _cli(["forecast", "predict", "--run", str(run), "--quiet", "--json"], capsys)
    assert code == 1 and "--future-csv: expected the next 2 values of the known-future covariates" in err, err
    code, out, err = _cli(["forecast", "predict", "--run", str(run), "--future-csv", str(fut), "--quiet", "--json"],
                          capsys)
    assert code == 0, err
    frame = _future(start="2024-01-25")
    frame["date"] = pd.to_datetime(frame["date"])
    want = Forecaster.load(run).predict(future_covariates=frame)
    got = json.loads(out)["forecast"]
    assert [r["value"] for r in got] == pytest.approx(want["value"].tolist(), rel=1e-6)


def test_update_of_a_run_with_future_covariates_takes_future_csv(covariate_run, tmp_path, capsys):
    """update --csv NEW.csv --future-csv F.csv: the new day appended, the next two days' covariates from F.csv
    (oracle: the saved forecaster's update with the same frames)."""
    from rnnkit.tasks.forecasting import Forecaster

    run = covariate_run / "run"
    new, fut = tmp_path / "new.csv", tmp_path / "f.csv"
    t = pd.Timestamp("2024-01-25")
    pd.DataFrame({"store": ["a", "b"], "date": [t.strftime("%Y-%m-%d")] * 2, "y": [10.5, 9.5],
                  "dow": [float(t.day_of_week)] * 2}).to_csv(new, index=False)
    _future(start="2024-01-26").to_csv(fut, index=False)
    code, out, err = _cli(["forecast", "update", "--run", str(run), "--csv", str(new), "--future-csv", str(fut),
                           "--quiet", "--json"], capsys)
    assert code == 0, err
    f = Forecaster.load(run)
    frame, points = _future(start="2024-01-26"), pd.read_csv(new)
    frame["date"], points["date"] = pd.to_datetime(frame["date"]), pd.to_datetime(points["date"])
    want = f.update(points, future_covariates=frame)
    assert [r["value"] for r in json.loads(out)["forecast"]] == pytest.approx(want["value"].tolist(), rel=1e-6)
    assert json.loads(out)["forecast"][0]["time"].startswith("2024-01-26")


# ------------------------------------------------------------------ 1b: two time zones in one panel
def _zones_text(offsets=("+01:00", "-05:00"), n=20):
    t = pd.date_range("2024-01-01", periods=n, freq="D").strftime("%Y-%m-%dT%H:%M:%S")
    return pd.concat([pd.DataFrame({"store": s, "date": [x + off for x in t], "y": np.arange(n) % 5 + i})
                      for i, (s, off) in enumerate(zip(("paris", "ny"), offsets))], ignore_index=True)


def test_two_zones_in_one_panel_are_refused_in_a_csv(tmp_path, capsys):
    """Daily rows of a Paris store at +01:00 and a New York store at -05:00 came back as wall-clock dates, the zones
    dropped silently (hourly ones as UTC times): now a DataError naming both ids and offsets."""
    from rnnkit.data.series import read_series_csv

    path = tmp_path / "z.csv"
    _zones_text().to_csv(path, index=False)
    with pytest.raises(DataError, match=r"^time_col 'date': expected the series of id_col 'store' in one time zone, "
                                        r"got 'paris' at UTC offset \+01:00 and 'ny' at -05:00"):
        read_series_csv(path, "date", id_col="store")
    code, _, err = _cli(["forecast", "--csv", str(path), "--target", "y", "--time-col", "date", "--id-col", "store",
                         "--horizon", "2", "--model", "seasonal_naive", "--quiet"], capsys)
    assert code == 1 and "--time-col 'date': expected the series of id_col 'store' in one time zone" in err, err


def test_two_zones_in_one_panel_are_refused_in_a_frame():
    """The same with aware timestamps in a frame (hourly: they came back as UTC times, silently)."""
    from rnnkit.tasks.forecasting.inputs import parse_series

    h = pd.date_range("2024-03-01", periods=24, freq="h")
    df = pd.concat([pd.DataFrame({"store": s, "date": list(h.tz_localize(z)), "y": np.arange(24.) % k})
                    for s, z, k in (("paris", "Europe/Paris", 7), ("ny", "America/New_York", 5))])
    with pytest.raises(DataError, match=r"'paris' at UTC offset \+01:00 and 'ny' at -05:00"):
        parse_series(df, target="y", time_col="date", id_col="store")
    with pytest.raises(DataError, match=r"in one time zone"):
        parse_series(_zones_text(("Z", "+0530")), target="y", time_col="date", id_col="store")


@pytest.mark.parametrize("freq", ["h", "D"])
def test_one_zone_across_a_clock_change_is_still_read(freq):
    """Guard: the ids of one zone across daylight-saving changes (two offsets each) are read as before -- hourly as
    UTC instants, daily as wall-clock dates (parse_dates' rule, documented)."""
    from rnnkit.tasks.forecasting.inputs import parse_series

    n = 24 * 10 if freq == "h" else 60
    start = "2024-03-27" if freq == "h" else "2024-03-01"
    t = pd.date_range(start, periods=n, freq=freq, tz="UTC" if freq == "h" else "Europe/Paris")
    text = [x.isoformat() for x in (t.tz_convert("Europe/Paris") if freq == "h" else t)]
    df = pd.DataFrame({"store": ["a"] * n + ["b"] * n, "date": text * 2,
                       "y": np.r_[np.arange(n) % 7, np.arange(n) % 5] * 1.0})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a, b = parse_series(df, target="y", time_col="date", id_col="store")
    assert a.freq == freq.upper() if freq == "D" else a.freq == "h"
    assert list(a.index) == list(b.index) and len(a) == n


# ------------------------------------------------------------------ compressed CSV files
def test_a_gzip_csv_is_read_as_the_plain_file(tmp_path, capsys):
    """`--csv sales.csv.gz` (pandas reads it by name) was refused as "expected UTF-8 text, got invalid byte 0x8b",
    sending the user after an encoding problem. Now read, the same table as the plain file (oracle)."""
    import gzip

    from rnnkit.data.series import read_series_csv

    plain, packed = tmp_path / "d.csv", tmp_path / "d.csv.gz"
    _panel().to_csv(plain, index=False)
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    pd.testing.assert_frame_equal(read_series_csv(packed, "date", id_col="store"),
                                  read_series_csv(plain, "date", id_col="store"))
    argv = ["--target", "y", "--time-col", "date", "--id-col", "store", "--horizon", "2", "--model", "seasonal_naive",
            "--quiet", "--json"]
    code, out, err = _cli(["forecast", "--csv", str(packed), *argv], capsys)
    assert code == 0, err
    assert json.loads(out)["forecast"] == json.loads(_cli(["forecast", "--csv", str(plain), *argv], capsys)[1])["forecast"]


def test_a_damaged_gzip_csv_is_refused_not_read_in_part(tmp_path):
    """A truncated download or a flipped byte: gzip's length and CRC-32 are checked, a DataError naming the file."""
    import gzip

    from rnnkit.data.series import read_series_csv

    data = gzip.compress(_panel().to_csv(index=False).encode())
    cut, flipped = tmp_path / "cut.csv.gz", tmp_path / "flip.csv.gz"
    cut.write_bytes(data[: len(data) // 2])
    flipped.write_bytes(data[:-8] + bytes([data[-8] ^ 1]) + data[-7:])      # the stored CRC-32, one bit off
    for path in (cut, flipped):
        with pytest.raises(DataError, match=rf"^--csv: expected a complete gzip file, got '.*{path.name}' that does "
                                            r"not decompress \("):
            read_series_csv(path, "date", what="--csv")


def test_other_archives_are_read_or_named(tmp_path):
    """A zip or bzip2 file was 'a NUL byte ... (a binary file?)' or an invalid byte; then named, with the fix; since
    session 35 (rnnkit.data.packed) bzip2, xz and a zip of one file are read as the plain file (oracle), zstd named."""
    import bz2
    import lzma
    import zipfile

    from rnnkit.data.series import read_series_csv

    text = _panel().to_csv(index=False)
    (tmp_path / "d.csv").write_text(text)
    (tmp_path / "d.csv.bz2").write_bytes(bz2.compress(text.encode()))
    (tmp_path / "d.csv.xz").write_bytes(lzma.compress(text.encode()))
    with zipfile.ZipFile(tmp_path / "d.zip", "w") as z:
        z.writestr("d.csv", text)
    plain = read_series_csv(tmp_path / "d.csv", "date", what="--csv")
    for name in ("d.csv.bz2", "d.csv.xz", "d.zip"):
        pd.testing.assert_frame_equal(read_series_csv(tmp_path / name, "date", what="--csv"), plain)
    (tmp_path / "d.csv.zst").write_bytes(b"\x28\xb5\x2f\xfd" + bytes(16))
    with pytest.raises(DataError, match=r"^--csv: expected plain text, gzip, bzip2, xz or a zip of one file, got zstd "
                                        r"data in .*; unzstd it first$"):
        read_series_csv(tmp_path / "d.csv.zst", "date", what="--csv")
    (tmp_path / "b.csv").write_text("BZh,y\n1,2\n2,3\n")          # a header that begins so is a CSV all the same
    assert read_series_csv(tmp_path / "b.csv").columns.tolist() == ["BZh", "y"]



def test_dates_without_a_clock_are_no_offsets():
    """Guard: '2023-01-31' ends in '-31', which is no UTC offset; month-start and month-end ids are one panel."""
    from rnnkit.tasks.forecasting.inputs import parse_series

    t = pd.date_range("2023-01-01", periods=24, freq="MS")
    df = pd.concat([pd.DataFrame({"store": "a", "date": t.strftime("%Y-%m-%d"),
                                  "y": np.arange(24.) % 5}),
                    pd.DataFrame({"store": "b", "date": (t + pd.offsets.MonthEnd(0)).strftime("%Y-%m-%d"),
                                  "y": np.arange(24.) % 7})])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a, b = parse_series(df, target="y", time_col="date", id_col="store")
    assert (a.freq, b.freq, len(a), len(b)) == ("MS", "ME", 24, 24)


# ------------------------------------------------------------------ numbers and dates as spreadsheets write them
@pytest.mark.parametrize("text, hint", [
    ("(12.5)", "parentheses mark a negative number in accounting exports: write '(12.5)' as -12.5"),
    ("1,234.5", "thousands separators"), ("12,5", "a decimal comma"), ("1.234,5", "a decimal comma"),
    ("12%", "a percent sign"), ("$12.50", "a currency sign"), ("12 kg", "a unit after the number"),
    ("-", "a report's mark of a missing value: leave the cell empty"), ("..", "a report's mark of a missing value"),
    ("1\u00a0234,5", "thousands separated by spaces or apostrophes"), ("1'234.50", "thousands separated by spaces")])
def test_numbers_written_as_text_say_what_they_look_like(text, hint):
    """'(12.5)', '12 kg', '12,5' in a target were 'expected numeric values, got dtype str (e.g. ...)' with no word of
    the cause; now the message says what the text looks like and what to write. Nothing is read as a number (a
    '1,234' may be 1234 or 1.234)."""
    from rnnkit.tasks.forecasting.inputs import parse_series

    y = [str(v) for v in np.arange(10.0, 30.0)]
    y[7] = text
    df = pd.DataFrame({"date": pd.date_range("2024-01-01", periods=20, freq="D").strftime("%Y-%m-%d"), "y": y})
    with pytest.raises(DataError, match=r"^target 'y' in series 'y': expected numeric values, got dtype \w+ \(e\.g\. "
                                        + __import__("re").escape(repr(text)) + r" at time 2024-01-08\); "
                                        + __import__("re").escape(hint)):
        parse_series(df, target="y", time_col="date")


def test_a_trailing_total_row_is_named(tmp_path):
    """A spreadsheet's 'Total' row under the dates: the message said to pass --date-format or --dayfirst, which cannot
    help; now it names the row's text as no date."""
    from rnnkit.data.series import read_series_csv

    path = tmp_path / "d.csv"
    t = pd.date_range("2024-01-01", periods=10, freq="D").strftime("%Y-%m-%d").tolist()
    pd.DataFrame({"date": t + ["Total"], "y": list(range(10)) + [45]}).to_csv(path, index=False)
    with pytest.raises(DataError, match=r"\('Total' in data row 11 does not parse as 'ISO8601' like the first value "
                                        r"'2024-01-01'\); 'Total' holds no date: a total, note or second header row of "
                                        r"a spreadsheet\? drop the row$"):
        read_series_csv(path, "date")


def test_a_title_above_the_header_is_named(tmp_path):
    """A report's export with a title line and a blank line above the table was "expected 1 fields per row (as the
    header), got 2 at row 2": the title was taken for the header. A one-column file is still read (guard)."""
    from rnnkit.data.series import read_series_csv

    path, one = tmp_path / "d.csv", tmp_path / "one.csv"
    t = pd.date_range("2024-01-01", periods=10, freq="D").strftime("%Y-%m-%d")
    path.write_text("Sales report 2024\n\ndate,y\n" + "".join(f"{d},{i}\n" for i, d in enumerate(t)))
    with pytest.raises(DataError, match=r"^--csv: expected the header on the first line, got 'Sales report 2024' \(no "
                                        r"comma\) above line 3's 'date,y': a title or note above the table\? delete"):
        read_series_csv(path, "date", what="--csv")
    one.write_text("y\n1\n2\n3\n")
    assert read_series_csv(one)["y"].tolist() == [1, 2, 3]

# ------------------------------------------------------------------ 1c: count series floored at zero
class _Hist:
    def __init__(self, sid, y, observed=None):
        self.id, self.y = sid, np.asarray(y, dtype=float)
        self.observed = np.ones(self.y.size, bool) if observed is None else np.asarray(observed)


def test_count_histories_are_whole_numbers_at_least_zero_with_a_zero():
    from rnnkit.tasks.forecasting.counts import is_count_history

    assert is_count_history([0, 3, 0, 1])
    assert not is_count_history([1, 3, 2, 1])            # counts far from their floor: left as forecast
    assert not is_count_history([0, 3, -1, 1])           # a negative value: not counts
    assert not is_count_history([0, 3.5, 0, 1])          # a fraction: a measurement, not counts
    assert is_count_history([0, 2.5, 0, 1], observed=[True, False, True, True])   # 2.5 interpolated, not given
    assert not is_count_history([np.nan, np.nan])


def test_floor_counts_floors_the_count_series_only():
    """The forecast rows of a count series: value, lower, upper and every q column max(x, 0), NaN kept; another
    series' rows untouched (oracle: a hand computation)."""
    from rnnkit.tasks.forecasting.counts import floor_counts

    fc = pd.DataFrame({"id": ["c", "c", "t", "t"], "time": [1, 2, 1, 2], "value": [0.5, -0.2, -1.0, 2.0],
                       "lower": [-1.0, np.nan, -3.0, 0.0], "upper": [2.0, 1.0, 1.0, 4.0],
                       "q0.05": [-1.5, -0.5, -4.0, -1.0], "q0.5": [0.5, -0.2, -1.0, 2.0]})
    got = floor_counts(fc, [_Hist("c", [0, 1, 0, 4]), _Hist("t", [-2.0, 1.0, 0.0, 3.0])])
    want = fc.copy()
    want.loc[:1, ["value", "lower", "upper", "q0.05", "q0.5"]] = [[0.5, 0.0, 2.0, 0.0, 0.5], [0.0, np.nan, 1.0, 0.0, 0.0]]
    pd.testing.assert_frame_equal(got, want)
    assert got.attrs["floored_at_zero"] == ["c"]
    assert fc.loc[1, "value"] == -0.2            # the frame given is not changed


def test_flooring_never_scores_worse_on_counts():
    """The reason it is safe: for actual values >= 0 the floored forecast's absolute error and pinball loss are at
    most the raw one's (oracle: the metrics of the library, on random forecasts around 0)."""
    from rnnkit.tasks.forecasting.counts import floor_counts
    from rnnkit.tasks.forecasting.probabilistic import pinball_loss

    rng = np.random.default_rng(3)
    actual = rng.poisson(0.7, 50).astype(float)
    q = np.sort(rng.normal(0.5, 1.5, (50, 3)), axis=1)
    fc = pd.DataFrame({"id": "c", "value": q[:, 1], "lower": q[:, 0], "upper": q[:, 2], "q0.1": q[:, 0],
                       "q0.5": q[:, 1], "q0.9": q[:, 2]})
    got = floor_counts(fc, [_Hist("c", [0, 2, 1])])
    assert np.abs(actual - got["value"]).mean() < np.abs(actual - fc["value"]).mean()
    raw = pinball_loss(actual, q, [0.1, 0.5, 0.9])
    floored = pinball_loss(actual, got[["q0.1", "q0.5", "q0.9"]].to_numpy(), [0.1, 0.5, 0.9])
    assert all(floored[k] <= raw[k] for k in raw) and floored[0.1] < raw[0.1]


@pytest.mark.parametrize("model", ["ets", "seasonal_naive"])
def test_forecaster_floors_an_intermittent_count_series(model):
    """An intermittent count series (60% zeros) got bands and quantiles below 0 (ETS: lower -2.9); now floored, and a
    series of the same values shifted by -0.5 (not counts) keeps its negative band (oracle: the raw model's frame)."""
    from rnnkit.tasks.forecasting import Forecaster

    rng = np.random.default_rng(0)
    y = np.where(rng.random(120) < 0.6, 0, rng.poisson(3, 120)).astype(float)
    t = pd.date_range("2024-01-01", periods=120, freq="D")
    f = Forecaster(model, horizon=7).fit(pd.Series(y, index=t, name="units"))
    raw, got = f.model.predict(), f.predict()
    assert (raw["lower"] < 0).any() and got.attrs["floored_at_zero"] == ["units"]
    for c in ("value", "lower", "upper", "q0.1", "q0.5", "q0.9"):
        np.testing.assert_allclose(got[c], np.maximum(raw[c], 0))
    g = Forecaster(model, horizon=7).fit(pd.Series(y - 0.5, index=t, name="units"))
    pd.testing.assert_frame_equal(g.predict(), g.model.predict())
    u = f.update(pd.Series([0.0], index=pd.date_range(t[-1], periods=2, freq="D")[1:]))
    assert (u["lower"] >= 0).all() and u.attrs["floored_at_zero"] == ["units"]
