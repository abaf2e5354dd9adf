"""Frequency names under a host program's locale (session 25; found by helper S with localedef-built de_DE / tr_TR
locales): ``_calendar_freq`` built pandas aliases from ``strftime('%b')`` / ``('%a')``, which follow LC_TIME, so
after ``locale.setlocale(locale.LC_ALL, "")`` under de_DE a quarterly series starting in March became 'QS-MÄR' and a
weekly one 'W-MO' (pandas: "Invalid frequency"). Checked locale-free by making strftime answer in German, and with
a real locale when this machine or the scratch has one."""

from __future__ import annotations

import locale

import pandas as pd
import pytest

from rnnkit.data.timeseries import frequency


@pytest.fixture
def german_strftime(monkeypatch):
    names = {"%b": {3: "Mär", 6: "Jun", 12: "Dez"}, "%a": {0: "Mo", 1: "Di"}}
    real = pd.Timestamp.strftime

    def fake(self, fmt):
        if fmt == "%b":
            return names["%b"].get(self.month, real(self, fmt))
        if fmt == "%a":
            return names["%a"].get(self.weekday(), real(self, fmt))
        return real(self, fmt)

    monkeypatch.setattr(pd.Timestamp, "strftime", fake)


def test_quarterly_and_weekly_names_ignore_strftime_language(german_strftime):
    q = pd.DatetimeIndex(["2020-03-01", "2020-06-01", "2020-12-01"])
    w = pd.DatetimeIndex(["2024-01-01", "2024-01-08", "2024-01-22"])
    assert frequency._calendar_freq(q) in ("QS-MAR", "QS-DEC", "QS-SEP", "QS-JUN")
    assert pd.tseries.frequencies.to_offset(frequency._calendar_freq(q)) is not None
    assert frequency._calendar_freq(w) == "W-MON"


@pytest.mark.parametrize("name", ["de_DE.UTF-8", "tr_TR.UTF-8"])
def test_real_locale(name):
    old = locale.setlocale(locale.LC_TIME)
    try:
        locale.setlocale(locale.LC_TIME, name)
    except locale.Error:
        pytest.skip(f"no {name} locale here (localedef one and start pytest with LOCPATH set to it)")
    try:
        w = pd.DatetimeIndex(["2024-01-01", "2024-01-08", "2024-01-22"])   # Mondays ('Pzt' in Turkish)
        q = pd.DatetimeIndex(["2020-03-01", "2020-06-01", "2020-12-01"])   # March ('Mär' in German)
        assert frequency._calendar_freq(w) == "W-MON"
        assert pd.tseries.frequencies.to_offset(frequency._calendar_freq(q)) is not None
    finally:
        locale.setlocale(locale.LC_TIME, old)
