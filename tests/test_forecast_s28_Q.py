"""Session 28, helper Q: the forecaster's advice on frames a pandas user has -- one store filtered out of a long
frame, numbers stored as text, a wide frame (a column per series), ids True and 1 in one column. Each test fails at
9e7b5a7 unless it says it guards behaviour that was already right. What is refused is unchanged: the messages say
what to do."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rnnkit.errors import ConfigError, DataError
from rnnkit.tasks.forecasting import Forecaster

_DAYS = pd.date_range("2020-01-01", periods=30, freq="D")


def _long(drop=(5, 50)) -> pd.DataFrame:
    """Three stores a day; store 3 lacks no day, stores 1 and 3 lack one (rows 5, 50 dropped)."""
    y = 10 + np.arange(90) % 7 + np.arange(90) / 30
    return pd.DataFrame({"date": np.repeat(_DAYS, 3), "store": np.tile([1, 2, 3], 30), "sales": y}).drop(index=list(drop))


def _fit(data, **kw):
    return Forecaster("seasonal_naive", horizon=2).fit(data, **kw)


# ------------------------------------------------------------------ 1. one store filtered out of a long frame
@pytest.mark.parametrize("drop", [(5, 50), ()])
def test_a_filtered_frames_row_numbers_are_called_so_not_resampled(drop):
    """df[df.store == 3] keeps each row's number (2, 5, 8, ...; pandas keeps a RangeIndex(2, 90, 3) when the stride is
    even). Read as integer steps, they were refused with the advice to --resample (irregular) or to number the
    rows; the store column, the dates and reset_index went unnamed. Still refused; now the advice names them."""
    long = _long(drop)
    with pytest.raises(DataError, match=r"^time: expected consecutive integer steps in series 'sales'.*the index "
                                        r"looks like the row numbers a filter kept .*df\.reset_index\(drop=True\)") as e:
        _fit(long[long.store == 3], target="sales")
    assert "time_col ('date' holds dates)" in str(e.value)
    assert "id_col='store' (--id-col store)" in str(e.value)


def test_a_filtered_series_row_numbers_are_called_so_too():
    """As a frame's; row numbers of a frame read with one row missing (steps 2 and 3): the filter named before
    --resample, which would invent values for the other stores' rows."""
    long = _long().reset_index(drop=True)
    with pytest.raises(DataError, match=r"row numbers a filter kept .*reset_index\(drop=True\)\); if they are time steps "
                                        r"with values missing, --resample would interpolate"):
        _fit(long[long.store == 3]["sales"])


def test_dates_dropped_by_a_filter_name_the_filters_column():
    """df[df.open]: the closed days are gone; --resample (the only advice) would invent their sales. Now the column
    holding one value on every row is named as the filter's and the kept-rows fixes come first."""
    d = pd.DataFrame({"sales": 10 + np.arange(30) % 7 * 1.0, "open": np.arange(30) % 7 != 3}, index=_DAYS)
    with pytest.raises(DataError, match=r"column 'open' holds one value \(True\) on every row: if the rows were "
                                        r"filtered on it \(df\[df\['open'\] == True\]\).*keep those rows.*; if they are "
                                        r"missing observations, pass --resample"):
        _fit(d[d.open], target="sales")


def test_a_store_filtered_with_its_dates_names_the_id_column():
    long = _long()
    with pytest.raises(DataError, match=r"time_col 'date': .*column 'store' holds one value \(3\).*pass the unfiltered "
                                        r"frame with id_col='store'"):
        _fit(long[long.store == 3], target="sales", time_col="date")


def test_gaps_in_a_bare_series_keep_the_resample_advice():
    """Guards what was right: dates with a gap and nothing that looks filtered keep the old advice alone."""
    s = pd.Series(np.arange(30.0) % 7, index=_DAYS).drop(_DAYS[4])
    with pytest.raises(DataError, match=r"first missing 2020-01-05; pass --resample / resample=True to put them on "
                                        r"the grid \(1 of 30 values would be interpolated\)$"):
        _fit(s)


def test_the_cli_names_the_id_column_of_a_filtered_csv(tmp_path, capsys):
    from rnnkit.cli.main import main

    long = _long()
    long[long.store == 3].to_csv(tmp_path / "s3.csv", index=False)
    code = main(["forecast", "--csv", str(tmp_path / "s3.csv"), "--target", "sales", "--time-col", "date",
                 "--horizon", "2", "--model", "seasonal_naive", "--threads", "1", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code != 0
    assert "column 'store' holds one value (3)" in err and "--id-col store" in err


# ------------------------------------------------------------------ 2. numbers stored as text
@pytest.mark.parametrize("dtype", [object, "string"])
def test_numbers_stored_as_text_say_to_convert_them(dtype):
    """Every cell reads as a number ('10.5'): the error named the dtype and a value, not what to do."""
    d = pd.DataFrame({"y": [f"{v:.1f}" for v in 10 + np.arange(30) % 7]}, index=_DAYS).astype({"y": dtype})
    with pytest.raises(DataError, match=r"expected numeric values, got dtype .*; numbers stored as text: convert the "
                                        r"column first \(df\['y'\] = pd\.to_numeric\(\.\.\.\)\)$"):
        _fit(d, target="y")


def test_thousands_separators_say_how_pandas_reads_them():
    d = pd.DataFrame({"y": [f"{v:,}" for v in 10000 + np.arange(30) % 7 * 100]}, index=_DAYS)
    with pytest.raises(DataError, match=r"thousands separators .*: write the number without them \(in pandas: "
                                        r"pd\.to_numeric\(df\['y'\]\.str\.replace\(',', ''\)\)"):
        _fit(d, target="y")


# ------------------------------------------------------------------ 3. a wide frame: one column per series
def test_a_wide_frame_is_told_how_to_make_it_long_and_the_advice_works():
    """Stores as columns, dates as index: 'expected the name of the column to forecast (one of [...])' -- naming one
    fits one store. Now the error gives the melt; the frame it makes is read as a panel of the three stores."""
    wide = pd.DataFrame({f"s{k}": 10 + np.arange(30) % 7 + k * 1.0 for k in (1, 2, 3)}, index=_DAYS)
    with pytest.raises(ConfigError, match=r"got none; if each column is a series \(a wide frame\), make it long: "
                                          r"df\.rename_axis\('time'\)\.reset_index\(\)\.melt\(") as e:
        _fit(wide)
    df = wide  # the advice, run as written
    melt = str(e.value).split("make it long: ")[1].split(", then ")[0]
    long = eval(melt, {"df": df, "pd": pd})
    out = _fit(long, target="value", id_col="series", time_col="time").predict()
    assert sorted(out["id"].unique()) == ["s1", "s2", "s3"]
    assert (out["time"] > _DAYS[-1]).all()


def test_a_wide_frame_with_a_date_column_melts_on_it():
    wide = pd.DataFrame({"date": _DAYS, "a": np.arange(30.0) % 5, "b": np.arange(30.0) % 3})
    with pytest.raises(ConfigError, match=r"df\.melt\(id_vars=\['date'\], var_name='series', value_name='value'\), "
                                          r"then target='value', id_col='series', time_col='date'"):
        _fit(wide)


# ------------------------------------------------------------------ 4. ids pandas takes as one key
@pytest.mark.parametrize("a, b", [(True, 1), (False, 0), (1, 1.0), (np.True_, 1)])
def test_ids_pandas_groups_as_one_are_refused_by_name(a, b):
    """True and 1 are one key to pandas (df.groupby('id') makes one group), two series here ('True', '1'): the rows
    pandas counts as one store's were split silently. Now a DataError naming the column, as 1 and '1' are."""
    df = pd.DataFrame({"id": pd.Series([a] * 10 + [b] * 10, dtype=object), "t": list(range(10)) * 2,
                       "y": np.arange(20.0) % 4})
    assert df.groupby("id").ngroups == 1
    with pytest.raises(DataError, match=r"^id_col 'id': expected ids of one type \(ids are kept as text\), got .* "
                                        r"one key to pandas"):
        _fit(df, target="y", id_col="id", time_col="t")


def test_bool_and_text_ids_that_pandas_keeps_apart_are_fine():
    """Guards what was right: True and 'a' (two keys to pandas too) are two series."""
    df = pd.DataFrame({"id": pd.Series([True] * 10 + ["a"] * 10, dtype=object), "t": list(range(10)) * 2,
                       "y": np.arange(20.0) % 4})
    assert sorted(_fit(df, target="y", id_col="id", time_col="t").predict()["id"].unique()) == ["True", "a"]


def test_the_cli_tells_a_wide_csv_how_to_be_long_and_the_advice_works(tmp_path, capsys):
    """rnnkit forecast --csv of a store per column without --target: the error named nothing of the long form. Now
    it counts the number columns and gives the melt and the flags; run as written, they forecast every store."""
    from rnnkit.cli.main import main

    wide = pd.DataFrame({"date": _DAYS, **{f"s{k}": 10 + np.arange(30) % 7 + k * 1.0 for k in (1, 2, 3)}})
    wide.to_csv(tmp_path / "w.csv", index=False)
    run = ["--horizon", "2", "--model", "seasonal_naive", "--threads", "1", "--no-plot", "--out", str(tmp_path / "o")]
    assert main(["forecast", "--csv", str(tmp_path / "w.csv"), "--time-col", "date", *run]) != 0
    err = capsys.readouterr().err
    assert "the file has 3 number columns: s1, s2, s3; one column per series?" in err
    melt = err.split("pandas: ")[1].split(" -- ")[0]
    eval(melt, {"df": pd.read_csv(tmp_path / "w.csv")}).to_csv(tmp_path / "long.csv", index=False)
    flags = err.split("-- and pass ")[1].split(";")[0].split()
    assert main(["forecast", "--csv", str(tmp_path / "long.csv"), "--time-col", "date", *flags, *run]) == 0
    assert sorted(pd.read_csv(tmp_path / "o" / "forecast.csv")["id"].unique()) == ["s1", "s2", "s3"]


@pytest.mark.parametrize("extra", ["lists", "repeated names", "empty"])
def test_other_columns_of_any_kind_leave_the_fit_and_its_gap_error_alone(extra):
    """Guards what was right at 9e7b5a7 (the filter check of 2562d8b and f130def raised 'unhashable type: list' and
    'truth value of a Series is ambiguous' on the first two, and named an empty column as a filter's): columns nobody
    asked for do not break a fit, and with a gap the old advice stays when they say nothing of a filter."""
    y = 10 + np.arange(30.0) % 7
    if extra == "lists":
        df = pd.DataFrame({"y": y, "l": [[1]] * 30}, index=_DAYS)
    elif extra == "repeated names":
        df = pd.DataFrame(np.c_[y, np.arange(30.0), np.arange(30.0)], columns=["y", "a", "a"], index=_DAYS)
    else:
        df = pd.DataFrame({"y": y, "l": np.nan}, index=_DAYS)
    assert len(_fit(df, target="y").predict()) == 2
    with pytest.raises(DataError, match=r"first missing 2020-01-05; pass --resample / resample=True to put them on "
                                        r"the grid \(1 of 30 values would be interpolated\)$"):
        _fit(df.drop(_DAYS[4]), target="y")


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="named pipes: POSIX")
def test_the_wide_file_hint_leaves_a_pipe_unread(tmp_path):
    """--csv <(cmd) is read once; f130def opened it for the message (a pipe with no writer yet: a hang). Now only a
    regular file is looked at: the call returns '' at once and the pipe is never opened."""
    import os
    import threading

    from rnnkit.cli.forecast_runs import wide_csv_hint

    fifo = tmp_path / "p.csv"
    os.mkfifo(fifo)
    got = []
    t = threading.Thread(target=lambda: got.append(wide_csv_hint(fifo, None, None)), daemon=True)
    t.start()
    t.join(10)
    waiting = t.is_alive()      # blocked opening the pipe (no writer): let it go (open and close one) before failing
    if waiting:
        with open(fifo, "w"):
            pass
        t.join(10)
    assert not waiting and got == [""]
