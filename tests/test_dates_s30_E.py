"""Session 30, helper E: dates are read with English month names and AM/PM whatever LC_TIME a host program set
(``locale.setlocale(locale.LC_ALL, "")`` under de_DE or tr_TR); the host's locale is put back after."""

import json
import locale
import os
import shutil
import subprocess
import sys

import pytest

_PROBE = r"""
import json, locale, sys
locale.setlocale(locale.LC_ALL, "")
from rnnkit.data.series import load_stocks, parse_dates
out = {}
for values in (["Mar 2020", "Apr 2020", "May 2020"], ["Oct 01, 2020", "Oct 02, 2020"],
               ["2020-01-01 1:00 PM", "2020-01-01 2:00 PM"]):
    try:
        out[values[0]] = [str(t) for t in parse_dates(values, "date")[0]]
    except Exception as e:
        out[values[0]] = type(e).__name__
try:
    out["stocks"] = str(load_stocks()["date"].iloc[2])
except Exception as e:
    out["stocks"] = type(e).__name__
out["locale after"] = locale.setlocale(locale.LC_TIME)
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def german(tmp_path_factory):
    """A de_DE.UTF-8 locale: the system's, or one compiled into a folder of our own (LOCPATH)."""
    env = dict(os.environ, LC_ALL="de_DE.UTF-8")
    try:
        locale.setlocale(locale.LC_TIME, "de_DE.UTF-8")
        return env
    except locale.Error:
        pass
    finally:
        locale.setlocale(locale.LC_TIME, "C")
    if shutil.which("localedef") is None:
        pytest.skip("no de_DE.UTF-8 locale and no localedef to make one")
    folder = tmp_path_factory.mktemp("locales")
    made = subprocess.run(["localedef", "-i", "de_DE", "-f", "UTF-8", str(folder / "de_DE.UTF-8")],
                          capture_output=True, text=True)
    if not (folder / "de_DE.UTF-8").exists():
        pytest.skip(f"localedef could not make de_DE.UTF-8: {made.stderr.strip()[:200]}")
    return dict(env, LOCPATH=str(folder))


def test_english_dates_read_under_a_german_lc_time(german):
    # at 8119a0d: 'Mar 2020' and 'Oct 01, 2020' were "no known format that parses every value" (German 'Mär',
    # 'Okt'), '1:00 PM' likewise (no AM/PM in de_DE), and the bundled stocks series a ValueError
    out = json.loads(subprocess.run([sys.executable, "-c", _PROBE], env=german, capture_output=True, text=True,
                                    check=True).stdout)
    assert out["Mar 2020"] == ["2020-03-01 00:00:00", "2020-04-01 00:00:00", "2020-05-01 00:00:00"]
    assert out["Oct 01, 2020"] == ["2020-10-01 00:00:00", "2020-10-02 00:00:00"]
    assert out["2020-01-01 1:00 PM"] == ["2020-01-01 13:00:00", "2020-01-01 14:00:00"]
    assert out["stocks"] == "2000-03-01 00:00:00"
    assert out["locale after"].startswith("de_DE")       # the host's locale is its own again


def test_english_names_leaves_a_c_locale_alone():
    from rnnkit.data.date_readings import english_names

    before = locale.setlocale(locale.LC_TIME)
    with english_names():
        assert locale.setlocale(locale.LC_TIME) == before
    assert locale.setlocale(locale.LC_TIME) == before


@pytest.mark.parametrize("values, fmt, row", [(["2024-01-01", "2024-01-02", "today"], None, 3),
                                              (["2024-01-01T00:00", "now"], None, 2),
                                              (["01/02/2024", "today"], "%d/%m/%Y", 2)])
def test_now_and_today_are_no_dates(values, fmt, row):
    # at 8119a0d read as the clock's time when read (2026-12-07 09:47:53 under TZ=UTC, 23:47:54 under
    # TZ=Pacific/Kiritimati): another series each day and each machine
    from rnnkit.data.series import parse_dates
    from rnnkit.errors import DataError

    with pytest.raises(DataError, match=rf"date: expected dates, got '{values[-1]}' in data row {row}, which pandas "
                                        "reads as the clock's time"):
        parse_dates(values, "date", fmt)


def test_a_forecast_csv_with_a_today_cell_names_it(tmp_path):
    import pandas as pd

    from rnnkit.errors import DataError
    from rnnkit.forecast import Forecaster

    df = pd.DataFrame({"day": [f"2024-01-{d:02d}" for d in range(1, 21)] + ["today"], "y": range(21)})
    with pytest.raises(DataError, match="time_col 'day': expected dates, got 'today' in data row 21"):
        Forecaster("seasonal_naive").fit(df, horizon=2, time_col="day", target="y")
