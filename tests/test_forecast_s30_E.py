"""Session 30, helper E: time zones -- a daily series read from local times with UTC offsets is updated with the
training file's next lines whatever side of a clock change they fall on."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.errors import DataError
from rnnkit.forecast import Forecaster


def _rows(idx, values=None):
    values = np.arange(len(idx), dtype=float) % 7 + 10 if values is None else values
    return pd.DataFrame({"t": [t.isoformat() for t in idx], "y": values})


def _fit(idx):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Forecaster("seasonal_naive").fit(_rows(idx), horizon=3, time_col="t", target="y")


def _times(fc):
    return [str(t) for t in fc["time"]]


def test_winter_fit_updated_with_rows_across_the_spring_change():
    # the fit's rows carry one offset (+01:00, a fixed zone); the new rows two (read alone as naive wall-clock
    # dates): at 8119a0d "expected timestamps in the time zone of series 'y' (UTC+01:00), got tz-naive ones"
    idx = pd.date_range("2024-01-01", periods=60, freq="D", tz="Europe/Berlin")
    new = pd.date_range(idx[-1], periods=40, freq="D")[1:]
    f = _fit(idx)
    fc = f.update(_rows(new))
    assert [t[:10] for t in _times(fc)] == [str(d.date()) for d in pd.date_range(new[-1], periods=4, freq="D")[1:]]


def test_winter_fit_updated_with_summer_rows_keeps_the_dates():
    # the next lines all at +02:00: compared as instants they were an hour off every date ("expected timestamps
    # continuing series 'y' at D from 2024-04-01 00:00:00+01:00, got ['2024-04-01 00:00:00+02:00', ...]")
    idx = pd.date_range("2024-01-01", "2024-03-31", freq="D", tz="Europe/Berlin")
    new = pd.date_range("2024-04-01", periods=5, freq="D", tz="Europe/Berlin")
    fc = _fit(idx).update(_rows(new))
    assert [t[:10] for t in _times(fc)] == ["2024-04-06", "2024-04-07", "2024-04-08"]


def test_summer_fit_updated_across_the_autumn_change():
    idx = pd.date_range("2024-04-01", periods=60, freq="D", tz="Europe/Berlin")
    new = pd.date_range(idx[-1], periods=160, freq="D")[1:]
    fc = _fit(idx).update(_rows(new))
    assert [t[:10] for t in _times(fc)] == [str(d.date()) for d in pd.date_range(new[-1], periods=4, freq="D")[1:]]


def test_rows_of_another_zone_or_a_gap_stay_refused():
    idx = pd.date_range("2024-01-01", "2024-03-31", freq="D", tz="Europe/Berlin")
    new = pd.date_range("2024-04-01", periods=5, freq="D", tz="America/New_York")   # -04:00: five hours off
    with pytest.raises(DataError, match="continuing series 'y'"):
        _fit(idx).update(_rows(new))
    gap = pd.date_range("2024-04-03", periods=5, freq="D", tz="Europe/Berlin")
    with pytest.raises(DataError, match="continuing series 'y'"):
        _fit(idx).update(_rows(gap))
    late = pd.date_range("2024-04-01 06:00", periods=5, freq="D", tz="Europe/Berlin")   # another time of day
    with pytest.raises(DataError, match="continuing series 'y'"):
        _fit(idx).update(_rows(late))


def test_hourly_rows_are_still_compared_as_instants():
    idx = pd.date_range("2024-03-25", "2024-03-31 00:00", freq="h", tz="Europe/Berlin")   # +01:00 only
    new = pd.date_range(idx[-1], periods=6, freq="h")[1:]                                  # across 02:00
    fc = _fit(idx).update(_rows(new, np.arange(5.0)))
    assert pd.Timestamp(_times(fc)[0]) == new[-1] + pd.Timedelta(hours=1)
    shifted = new + pd.Timedelta(hours=1)
    with pytest.raises(DataError, match="continuing series 'y'"):
        _fit(idx).update(_rows(shifted.tz_convert("Europe/Berlin"), np.arange(5.0)))


def _service(tmp_path, idx):
    from rnnkit.serve.services import open_service

    _fit(idx).save(tmp_path / "run")
    return open_service(tmp_path / "run", tmp_path / "state")


@pytest.mark.parametrize("start, end, when, offset, journalled", [
    ("2024-01-01", "2024-03-31", "2024-04-01", "+02:00", "2024-04-01T00:00:00+01:00"),   # winter fit, summer line
    ("2024-10-01", "2024-11-10", "2024-11-11", "+01:00", "2024-11-11"),     # a fit across the change (naive)
    ("2024-03-01", "2024-04-30", "2024-05-01", "+02:00", "2024-05-01"),
])
def test_the_service_takes_the_next_line_of_a_local_daily_series(tmp_path, start, end, when, offset, journalled):
    # at 8119a0d: 422 "expected times on the D grid ... got 2024-03-31T23:00:00+01:00" (the first case) and 422
    # "expected a date/time without a UTC offset, as the series' times" (the others; update itself took them)
    service = _service(tmp_path, pd.date_range(start, end, freq="D", tz="Europe/Berlin"))
    reply = json.loads(service.observe([{"id": "y", "time": f"{when}T00:00:00{offset}", "value": 12.0}]))
    assert reply["accepted"] == 1
    assert service.health()["next_time"]["y"][:10] == str((pd.Timestamp(when) + pd.Timedelta(days=1)).date())
    assert service.journal.entries[0]["observations"][0]["time"] == journalled
    live = service.forecast()
    service.close()
    replayed = _service_again(tmp_path)
    assert replayed.forecast() == live
    replayed.close()


def _service_again(tmp_path):
    from rnnkit.serve.services import open_service

    return open_service(tmp_path / "run", tmp_path / "state")


def test_the_service_still_refuses_another_zones_line(tmp_path):
    from rnnkit.serve.services import RequestError

    service = _service(tmp_path, pd.date_range("2024-01-01", "2024-03-31", freq="D", tz="Europe/Berlin"))
    with pytest.raises(RequestError, match="grid"):
        service.observe([{"id": "y", "time": "2024-04-01T00:00:00-04:00", "value": 12.0}])
    service.close()


def test_daily_times_through_a_skipped_midnight_are_a_data_error():
    # Sao Paulo skipped 2018-11-04 00:00 (its clock changed at midnight until 2019): a daily series has 01:00 that
    # day; at 8119a0d pandas' bare "ValueError: 2018-11-04 00:00:00 is a nonexistent time" (from normalize())
    from rnnkit.data.timeseries.frequency import infer_frequency

    idx = pd.DatetimeIndex(list(pd.date_range("2018-10-01", "2018-11-20", freq="D").tz_localize(
        "America/Sao_Paulo", nonexistent="shift_forward")))
    with pytest.raises(DataError, match=r"time: expected a D grid of local times .* 2018-11-04 00:00:00, which the zone "
                                        r"America/Sao_Paulo skips or repeats"):
        infer_frequency(idx, "time")
    with pytest.raises(DataError, match="America/Sao_Paulo skips or repeats"):
        _fit_series(idx)


def _fit_series(idx):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Forecaster("seasonal_naive").fit(pd.Series(np.arange(len(idx)) % 7 + 10.0, index=idx), horizon=3)


def test_the_service_refuses_an_observation_past_a_skipped_reading_time(tmp_path):
    # daily readings at 02:30 in Berlin; an observation after 2024-03-31 (no 02:30 that day): at 8119a0d pandas'
    # ValueError from the service's grid (HTTP 500); now a 422 naming the time and the zone
    from rnnkit.serve.services import RequestError, open_service

    idx = pd.date_range("2024-03-01 02:30", "2024-03-20 02:30", freq="D", tz="Europe/Berlin")
    _fit_series(idx).save(tmp_path / "run")
    service = open_service(tmp_path / "run", tmp_path / "state")
    with pytest.raises(RequestError, match="2024-03-31 02:30:00, which the zone Europe/Berlin skips") as e:
        service.observe([{"id": "series", "time": "2024-04-01T02:30:00+02:00", "value": 1.0}])
    assert e.value.status == 422
    service.close()


def _sao_paulo_hours(end="2018-11-05"):
    return pd.date_range("2018-11-01", end, freq="h", tz="America/Sao_Paulo")   # 2018-11-04 has no 00:00


def test_an_hourly_series_through_a_skipped_midnight_is_read_and_served(tmp_path):
    # at 8119a0d pandas' ValueError '2018-11-04 00:00:00 is a nonexistent time' from normalize(): a gap in such a
    # series (infer_frequency's calendar guesses), its message (regularize_index), and time_text -- so the service
    # of a run whose next time is 2018-11-04T01:00-02:00 could not start
    from rnnkit.data.timeseries.frequency import infer_frequency
    from rnnkit.serve.services import open_service
    from rnnkit.tasks.forecasting.records import time_text

    idx = _sao_paulo_hours()
    gap = idx.delete(list(idx).index(pd.Timestamp("2018-11-04 01:00", tz="America/Sao_Paulo")))
    assert infer_frequency(gap, "time").missing_stamps == 1
    with pytest.raises(DataError, match="first missing 2018-11-04 01:00:00-02:00"):
        _fit_series(gap)
    assert time_text(pd.Timestamp("2018-11-04 01:00", tz="America/Sao_Paulo")) == "2018-11-04T01:00:00-02:00"
    _fit_series(_sao_paulo_hours("2018-11-03 23:00")).save(tmp_path / "run")
    service = open_service(tmp_path / "run", tmp_path / "state")
    assert service.health()["next_time"] == {"series": "2018-11-04T01:00:00-02:00"}
    service.observe([{"id": "series", "time": "2018-11-04T01:00:00-02:00", "value": 3.0}])
    assert service.health()["next_time"] == {"series": "2018-11-04T02:00:00-02:00"}
    service.close()


def test_aware_weekly_stamps_across_a_clock_change_are_weeks():
    # two Sundays 15 weeks apart in Berlin (one in winter, one in summer): at 8119a0d '2519h' (the UTC hours
    # between them), the forecast an hour off midnight; a naive index gave '15W-SUN'
    from rnnkit.data.timeseries.frequency import infer_frequency

    w = pd.date_range("2024-01-07", periods=20, freq="W-SUN", tz="Europe/Berlin")[[0, 15]]
    assert infer_frequency(w, "time").freq == "15W-SUN"
    assert infer_frequency(w.tz_localize(None), "time").freq == "15W-SUN"


def test_dates_before_the_year_1000_are_written_with_four_digits(tmp_path):
    # at 8119a0d strftime('%Y-%m-%d') wrote '760-01-01' (glibc pads no year), which pandas' ISO 8601 reader refuses:
    # forecast.csv / --json / the service's times of a series from the year 700 could not be read back
    from rnnkit.serve.services import open_service
    from rnnkit.tasks.forecasting.records import forecast_records, time_texts

    df = pd.DataFrame({"year": [f"{y:04d}-01-01" for y in range(700, 760)], "y": np.arange(60.0) % 5 + np.arange(60.0)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = Forecaster("seasonal_naive").fit(df, horizon=2, time_col="year", target="y")
    assert [r["time"] for r in forecast_records(f.predict())] == ["0760-01-01", "0761-01-01"]
    assert time_texts(f.predict()["time"]) == ["0760-01-01", "0761-01-01"]
    assert list(pd.to_datetime(time_texts(f.predict()["time"]), format="ISO8601").year) == [760, 761]
    f.save(tmp_path / "run")
    service = open_service(tmp_path / "run", tmp_path / "state")
    assert service.health()["next_time"] == {"y": "0760-01-01"}
    service.observe([{"id": "y", "time": "0760-01-01", "value": 60.0}])
    assert service.health()["next_time"] == {"y": "0761-01-01"}
    service.close()
