"""Session 23, helper W: hostile review of the session's own new checks -- valid inputs they refused.

Each test's oracle is an outside reader of the same input (pandas and the tz database, Python's codecs, ...) or the
same request / data given the way the new check accepts.
"""

from __future__ import annotations

import warnings
import zoneinfo

import numpy as np
import pandas as pd
import pytest

from rnnkit.errors import DataError

pytestmark = pytest.mark.usefixtures("one_thread")


# ----------------------------------------------------------------------------- one zone's offsets (9606b5b)
def _local_times(zone: str, start: str, periods: int, freq: str) -> pd.DatetimeIndex:
    """The zone's own clock (tz database), each time once: daily at local noon, or hourly instants."""
    if freq == "D":
        return pd.date_range(f"{start} 12:00", periods=periods, freq="D", tz=zone)   # Cairo changes at midnight
    return pd.date_range(start, periods=periods, freq="h", tz="UTC").tz_convert(zone)


@pytest.mark.parametrize("zone, start", [("Africa/Casablanca", "2013-01-01"), ("Africa/Casablanca", "2012-01-01"),
                                         ("Africa/Cairo", "2014-01-01"), ("Africa/Cairo", "2010-01-01")])
@pytest.mark.parametrize("freq", ["D", "h"])
def test_a_zone_whose_daylight_saving_pauses_for_ramadan_is_one_zone(tmp_path, zone, start, freq):
    # 9606b5b allowed two offsets to change at most 2n + 1 times within n years ('twice a year'): Morocco (2012-2018)
    # and Egypt (2010, 2014) suspend daylight saving for Ramadan -- 4 changes a year, 5 within 12 months -- so a
    # Casablanca or Cairo logger's own series, written with its offsets, was refused as 'times of two zones'.
    # Oracle: the tz database's clock of that one zone, read as pandas reads it (hourly: the UTC instants; daily: the
    # local dates, as Berlin's are read).
    from rnnkit.data.series import parse_dates

    periods = 365 * (3 if start == "2012-01-01" else 1) * (24 if freq == "h" else 1)
    times = _local_times(zone, start, periods, freq)
    offsets = {t.utcoffset() for t in times}
    assert len(offsets) == 2                          # one zone's two offsets, changing 4 times a year
    assert sum(a != b for a, b in zip(times.map(lambda t: t.utcoffset()), times[1:].map(lambda t: t.utcoffset()))) >= 4
    text = pd.Series([t.isoformat() for t in times])
    index, _ = parse_dates(text, "time_col 't'")
    if freq == "h":
        assert index.equals(pd.DatetimeIndex(pd.to_datetime(text, utc=True)).as_unit(index.unit))
    else:
        assert list(index) == list(times.tz_localize(None))
    # the CSV the logger wrote, read as Berlin's is, and the same frame given to the forecaster
    from rnnkit.data.series import read_series_csv
    from rnnkit.tasks.forecasting import Forecaster
    from toy_data import write_frame

    frame = pd.DataFrame({"t": text, "y": np.arange(len(text)) % 7 + 1.0})
    assert list(read_series_csv(write_frame(tmp_path / "z.csv", frame), "t", what="--csv")["t"]) == list(index)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")     # (hourly: the series' clock-change notes are not the point)
        Forecaster("seasonal_naive", horizon=2, period=7).fit(frame, target="y", time_col="t")


def test_offsets_changing_more_often_than_one_zones_clock_are_still_two_zones():
    # the bound stays a bound: a logger alternating Z and +01:00 every week (52 changes a year) is refused as before
    from rnnkit.data.series import parse_dates

    days = pd.date_range("2024-01-01", periods=364, freq="D")
    text = pd.Series([f"{d:%Y-%m-%d}T00:00:00{'Z' if (i // 7) % 2 else '+01:00'}" for i, d in enumerate(days)])
    with pytest.raises(DataError, match=r"which change 51 times within 1 year\(s\), where one zone's clock changes at "
                                        r"most 5 times a year"):
        parse_dates(text, "time_col 't'")
    # and every zone of the tz database keeps its own clock readable within a year (2012-2018: Morocco's worst)
    worst = 0
    for zone in ("Africa/Casablanca", "Africa/El_Aaiun", "Africa/Cairo", "Asia/Hebron", "Atlantic/Azores"):
        z = zoneinfo.ZoneInfo(zone)
        hours = pd.date_range("2012-01-01", "2019-01-01", freq="D", tz="UTC")
        offs = [t.to_pydatetime().astimezone(z).utcoffset() for t in hours]
        for s in range(0, len(offs) - 365, 15):
            window = offs[s:s + 365]
            if len(set(window)) == 2:
                worst = max(worst, sum(a != b for a, b in zip(window, window[1:])))
    from rnnkit.data.timeseries.offsets import CHANGES_A_YEAR

    assert worst <= CHANGES_A_YEAR


# ----------------------------------------------------------------------------- the service's charset rule (369df9c)
OBS = b'{"observations":[{"id":"series","time":60,"value":1.0}]}'


def test_a_charset_that_reads_the_body_as_utf8_does_is_not_refused(tmp_path):
    # 369df9c made a declared charset other than 'utf-8'/'utf8' a 415, so an ASCII body declared 'us-ascii' or
    # 'ISO-8859-1' (older HTTP clients' default) and UTF-8 under another of its names ('utf_8', Windows' 'cp65001')
    # were refused, though each reads as the same text (RFC 8259 11: the parameter 'really has no effect on compliant
    # recipients'). Oracle: the same bytes without a charset (200 and the same journal line); what the rule is for --
    # bytes another charset reads otherwise -- stays a 415.
    from toy_data import seasonal_service

    client, service = seasonal_service(tmp_path)
    with client:
        kinds = ("us-ascii", "ISO-8859-1", '"windows-1252"', "utf_8", "cp65001", "u8")
        for n, charset in enumerate(kinds, 60):
            body = OBS.replace(b"60", str(n).encode())
            r = client.post("/observations", content=body,
                            headers={"content-type": f"application/json; charset={charset}"})
            assert r.status_code == 200, (charset, r.text)
        plain = [e for e in service.journal.entries]
        assert len(plain) == len(kinds)
        for charset, body in (("ISO-8859-1", OBS.replace(b"series", "séries".encode("latin-1"))),   # not ASCII
                              ("us-ascii", OBS.replace(b"series", "séries".encode("utf-8"))),       # not what it says
                              ("iso-2022-jp", OBS.replace(b"series", "\u3042".encode("iso-2022-jp"))),  # ESC $ B: kana
                              ("utf-16", OBS.decode().encode("utf-16")), ("rot13", OBS), ("", OBS)):
            r = client.post("/observations", content=body,
                            headers={"content-type": f"application/json; charset={charset}"})
            assert r.status_code == 415, (charset, r.text)
            assert r.json()["error"] == (f"content-type: expected charset utf-8 or none (JSON text is UTF-8, RFC 8259 "
                                         f"8.1), got charset {charset!r}")
        assert service.journal.entries == plain
    client2, service2 = seasonal_service(tmp_path / "oracle")
    with client2:
        for n in range(60, 60 + len(kinds)):
            assert client2.post("/observations", content=OBS.replace(b"60", str(n).encode()),
                                headers={"content-type": "application/json"}).status_code == 200
        assert [e for e in service2.journal.entries] == plain


# ----------------------------------------------------------------------------- the service's body deadline (369df9c)
def test_a_large_body_on_a_slow_honest_link_is_not_cut(tmp_path):
    # 369df9c cut every body not all there 60 s (body_timeout) after its headers, whatever its size: 16 MiB (the
    # limit) from a 1 Mbit/s uplink takes 134 s, 1,024 texts of 8 KB 67 s -- honest clients answered 408. A body now
    # gets 1 s more per BODY_MIN_RATE (16 KiB) received; a trickle is still cut (test_serve_s23_S). Here at 1/120 the
    # scale: body_timeout 0.5 s, 144 KiB sent 16 KiB every 0.1 s (about 1 s, 160 KiB/s). Oracle: the same body sent
    # at once (200, the same journal line).
    from rnnkit.serve.app import create_app
    from test_serve_s23_S import _forecaster, _status_and_json, _trickle, served

    body = OBS[:-1] + b" " * (144 * 1024) + b"}"          # JSON: white space before the closing brace
    head = (b"POST /observations HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nConnection: close\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body))
    service = _forecaster(tmp_path / "slow")
    with served(create_app(service, body_timeout=0.5)) as port:
        reply, _ = _trickle(port, head, body, size=16 * 1024)     # 16 KiB each 0.1 s: 10x BODY_MIN_RATE
        status, _, answer = _status_and_json(reply)
        assert status == 200, answer
    oracle = _forecaster(tmp_path / "whole")
    with served(create_app(oracle, body_timeout=0.5)) as port:
        reply, _ = _trickle(port, head, body, size=len(body))
        assert _status_and_json(reply)[0] == 200
    assert service.journal.entries == oracle.journal.entries and len(service.journal.entries) == 1


# ----------------------------------------------------------------------------- evaluate's options (495bfb6)
def test_an_evaluate_option_refused_is_named_in_one_short_line():
    # 495bfb6's refusal quoted the option's value with repr(): an array (sample_weight=np.arange(300), a frame) made
    # a message of several lines and hundreds of characters, where every error of rnnkit is one line naming the
    # argument. Oracle: the refusal of a scalar value, whose message is unchanged.
    from rnnkit.errors import ConfigError
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig
    from toy_data import CLASSIFY_FAST

    texts = ["good fine film", "bad awful film", "fine good plot", "awful bad plot"] * 4
    labels = ["pos", "neg"] * 8
    task = TextClassifier(TextClassifierConfig(**{**CLASSIFY_FAST, "epochs": 1})).fit(texts, labels, baselines=False)
    with pytest.raises(ConfigError) as scalar:
        task.evaluate(texts, labels, sample_weight=3)
    for value, shown in ((np.arange(300), "array([ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,..."),
                         (pd.DataFrame({"w": [1.0, 2.0]}), "w 0 1.0 1 2.0")):
        with pytest.raises(ConfigError) as e:
            task.evaluate(texts, labels, sample_weight=value)
        message = str(e.value)
        assert "\n" not in message and message == str(scalar.value).replace("sample_weight=3", f"sample_weight={shown}")


# ----------------------------------------------------------------------------- ids '01' and '1' (cb42c4d)
def test_an_id_of_more_digits_than_int_reads_is_an_id_as_before():
    # cb42c4d's warn_zero_padded_ids compared ids by str(int(id)): an id of over 4,300 ASCII digits (Python's limit
    # for int() of a str) made every fit of the panel a bare 'ValueError: Exceeds the limit (4300 digits) for integer
    # string conversion', where classification's rule it reuses says 'not int()'. Oracle: pandas reads the ids as two
    # texts and each is forecast as its own series; '01' beside '1' is still warned.
    from rnnkit.tasks.forecasting import Forecaster

    long_id = "1" + "0" * 5000
    frame = pd.DataFrame({"store": [long_id] * 30 + ["2"] * 30, "t": list(range(30)) * 2,
                          "y": np.r_[np.arange(30) % 5 + 1.0, np.arange(30) % 3 + 1.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = Forecaster("seasonal_naive", horizon=2, period=5).fit(frame, target="y", time_col="t", id_col="store")
    got = model.predict()
    assert set(got["id"]) == {long_id, "2"}
    for sid in (long_id, "2"):          # each id its own series: the forecast of its rows alone
        alone = Forecaster("seasonal_naive", horizon=2, period=5).fit(frame[frame.store == sid], target="y",
                                                                      time_col="t", id_col="store").predict()
        assert list(got[got["id"] == sid]["value"]) == list(alone["value"])
    padded = frame.assign(store=["0" + long_id] * 30 + [long_id] * 30)
    with pytest.warns(UserWarning, match=r"^id_col 'store': 1 id\(s\) written with and without leading zeros"):
        Forecaster("seasonal_naive", horizon=2, period=5).fit(padded, target="y", time_col="t", id_col="store")
