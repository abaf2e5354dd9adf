"""Hostile inputs to forecasting, session 36 (helper F, issue 16).

- The Python API given an object-dtype pandas Series holding Python ints beyond 64 bits (20 digits) said "expected
  numeric values, got dtype object"; a CSV's such cells are read (data/exact_integers.py) and named only where
  float64 does not hold them exactly. Now the API reads them as the CSV path does. Oracles: Python's own int(float(v))
  (what float64 keeps) and the same values given as float64.
- The wide-file hint of 'forecast --csv' without --target read the file with pandas, which knows a gzip only by a
  '.gz' name: a gzip named '.dat' (or '.csv') got no hint though the run reads it. Now it reads as the run does."""

from __future__ import annotations

import gzip
import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.errors import DataError

pytestmark = pytest.mark.usefixtures("one_thread")

IDX = pd.date_range("2020-01-01", periods=30, freq="D")


def _fit(values):
    from rnnkit.tasks.forecasting import Forecaster

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Forecaster("seasonal_naive", horizon=3).fit(pd.Series(values, index=IDX, dtype=object)).predict()


def test_twenty_digit_ints_float64_cannot_hold_are_named_with_what_float64_keeps():
    v = [99999999999999999999 - 2 * i for i in range(30)]          # 20 digits, beyond 2**64: not exact in float64
    assert int(float(v[0])) != v[0]
    with pytest.raises(DataError, match=rf"expected numbers that float64 holds exactly \(integers up to 2\*\*53 = "
                                        rf"{2 ** 53} in magnitude\), got {v[0]} at time 2020-01-01, read as "
                                        rf"{int(float(v[0]))} \(30 such\)"):
        _fit(v)


def test_a_twenty_digit_int_float64_holds_exactly_is_read_as_that_float():
    v = [float(i) for i in range(29)] + [10 ** 20]
    assert int(float(10 ** 20)) == 10 ** 20
    got = _fit(v)
    ref = _fit([float(x) for x in v])
    pd.testing.assert_frame_equal(got, ref)


def test_guard_text_and_decimals_in_a_column_of_objects_are_still_named():
    from decimal import Decimal

    for bad in (Decimal("1.5"), "7"):
        with pytest.raises(DataError, match=r"expected numeric values, got dtype object \(e\.g\. "):
            _fit([float(i) for i in range(29)] + [bad])


@pytest.mark.parametrize("name", ["wide.dat", "wide.csv", "wide.csv.gz"])
def test_the_wide_file_hint_reads_a_gzip_whatever_its_name(tmp_path, capsys, name):
    from rnnkit.cli.main import main

    rows = "time,a,b,c\n" + "".join(f"2020-01-{d:02d},{d},{2 * d},{3 * d}\n" for d in range(1, 29))
    path = tmp_path / name
    path.write_bytes(gzip.compress(rows.encode()))
    code = main(["forecast", "--csv", str(path), "--time-col", "time", "--horizon", "2", "--threads", "1",
                 "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert code != 0
    assert "--target: expected the name of the column to forecast" in err
    assert "(the file has 3 number columns: a, b, c; one column per series?" in err
