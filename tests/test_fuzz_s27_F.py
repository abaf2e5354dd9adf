"""Defects found by helper F's mutation fuzzer over the CLI's input files (session 27).

Each test is the smallest input of one cluster of failing cases; the fuzzer itself lives outside the project.
"""

from __future__ import annotations

import datetime
import warnings

import pytest

from rnnkit.cli.main import main


def _series_csv(path, rows, header="date,value"):
    path.write_text(header + "\n" + "".join(f"{a},{b}\n" for a, b in rows), encoding="utf-8")
    return path


def _daily(n=40):
    start = datetime.date(2021, 3, 1)
    return [((start + datetime.timedelta(days=i)).isoformat(), 10 + (i % 7) + 0.1 * i) for i in range(n)]


def _forecast(csv, tmp_path, *flags):
    return main(["forecast", "train", "--csv", str(csv), "--target", "value", "--model", "seasonal_naive",
                 "--horizon", "2", "--backtest", "1", "--no-plot", "--threads", "1", "--quiet",
                 "--out", str(tmp_path / "run"), "--json", *flags])


def _time_col_warnings(run):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert run() == 0
    return [str(w.message) for w in caught if str(w.message).startswith("--time-col")]


def test_forecast_without_time_col_names_the_unread_date_column(tmp_path):
    # A file written newest first, --time-col forgotten: it was forecast backwards (from its oldest value) with
    # no word (exit 0); the date column was dropped silently.
    csv = _series_csv(tmp_path / "newest_first.csv", _daily()[::-1])
    warned = _time_col_warnings(lambda: _forecast(csv, tmp_path))
    assert len(warned) == 1, warned
    assert "column 'date' holds dates" in warned[0] and "not in increasing order" in warned[0]
    assert "pass --time-col date" in warned[0]


def test_forecast_time_col_in_order_or_given_or_absent(tmp_path):
    rows = _daily()
    in_order = _series_csv(tmp_path / "in_order.csv", rows)
    warned = _time_col_warnings(lambda: _forecast(in_order, tmp_path))      # in order: named, no order clause
    assert len(warned) == 1 and "column 'date' holds dates" in warned[0]
    assert "not in increasing order" not in warned[0]
    assert _time_col_warnings(lambda: _forecast(in_order, tmp_path, "--time-col", "date")) == []   # read
    codes = _series_csv(tmp_path / "codes.csv", [(f"S{i}", v) for i, (_, v) in enumerate(rows)], "code,value")
    assert _time_col_warnings(lambda: _forecast(codes, tmp_path)) == []      # text that is no date
