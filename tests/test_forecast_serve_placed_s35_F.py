"""The HTTP service takes off-grid observations of a run fitted with ``resample=True`` as ``rnnkit forecast update``
takes new rows (session 35, issue 16): each reading is put on the series' grid by the fit's own rule
(``series.placed``: ``floor`` -- one reading a day at any time of it -- or ``nearest`` -- a logger a little early or
late). The service refused them (422 'expected times on the D grid of series 'y' (from 2021-04-30), got
2021-04-30T08:12:00') while ``update`` accepted the same rows. A run fitted without ``resample`` still refuses them."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.usefixtures("one_thread")


def _fit(tmp_path, times, resample=True, name="run"):
    from rnnkit.tasks.forecasting import Forecaster

    rng = np.random.default_rng(0)
    data = pd.DataFrame({"t": times, "y": 50 + np.arange(len(times)) * 0.3 + rng.normal(0, 1, len(times))})
    Forecaster("ets", horizon=3, resample=resample).fit(data, target="y", time_col="t").save(tmp_path / name)
    return tmp_path / name


@pytest.fixture()
def mornings(tmp_path):
    """60 readings, one each morning between 07:00 and 09:00: placed 'floor' (each on its day)."""
    rng = np.random.default_rng(1)
    days = pd.date_range("2021-03-01", periods=60, freq="D")
    return _fit(tmp_path, days + pd.to_timedelta(rng.integers(7 * 60, 9 * 60, 60), unit="min"))


def test_readings_off_the_grid_are_placed_as_update_places_them(mornings, tmp_path):
    from rnnkit.serve.services import open_service
    from rnnkit.tasks.forecasting import Forecaster

    new = [("2021-04-30T08:12:00", 70.0), ("2021-05-01T07:40:00", 71.0)]
    service = open_service(mornings, tmp_path / "state")
    assert service.next_time["y"] == pd.Timestamp("2021-04-30")
    reply = json.loads(service.observe([{"id": "y", "time": t, "value": v} for t, v in new]))
    assert reply["accepted"] == 2
    by_update = Forecaster.load(mornings).update(pd.DataFrame({"t": pd.to_datetime([t for t, _ in new]),
                                                               "y": [v for _, v in new]}))
    assert [r["time"] for r in reply["forecast"]] == ["2021-05-02", "2021-05-03", "2021-05-04"]
    np.testing.assert_allclose([r["value"] for r in reply["forecast"]], by_update["value"].to_numpy())
    live = service.forecast()
    service.close()
    again = open_service(mornings, tmp_path / "state")          # the journal replays to the same forecast
    assert again.forecast() == live
    again.close()


def test_a_gap_between_readings_is_interpolated_as_on_grid_ones_are(mornings, tmp_path):
    from rnnkit.serve.services import open_service

    service = open_service(mornings, tmp_path / "state")
    reply = json.loads(service.observe([{"id": "y", "time": "2021-04-30T08:00:00", "value": 70.0},
                                        {"id": "y", "time": "2021-05-03T08:30:00", "value": 72.0}]))
    assert reply["accepted"] == 2 and reply["forecast"][0]["time"] == "2021-05-04"
    service.close()


def test_a_reading_of_the_last_fitted_day_and_two_of_one_day_are_refused(mornings, tmp_path):
    from rnnkit.serve.services import RequestError, open_service

    service = open_service(mornings, tmp_path / "state")
    with pytest.raises(RequestError) as e:        # 2021-04-29 is the last fitted day: floor puts it there
        service.observe([{"id": "y", "time": "2021-04-29T22:00:00", "value": 70.0}])
    assert e.value.status == 409 and "2021-04-29T22:00:00" in str(e.value) and "2021-04-29" in str(e.value)
    with pytest.raises(RequestError) as e:
        service.observe([{"id": "y", "time": "2021-04-30T08:00:00", "value": 70.0},
                         {"id": "y", "time": "2021-04-30T19:00:00", "value": 70.5}])
    assert e.value.status == 422 and "twice" in str(e.value) and "floor" in str(e.value)
    assert json.loads(service.forecast())["forecast"][0]["time"] == "2021-04-30"      # nothing applied
    service.close()


def test_a_jittered_grid_takes_a_reading_a_little_early_on_the_next_time(tmp_path):
    from rnnkit.serve.services import RequestError, open_service

    rng = np.random.default_rng(2)
    grid = pd.date_range("2021-01-01 09:00", periods=60, freq="2D")
    run = _fit(tmp_path, grid + pd.to_timedelta(rng.integers(-10, 11, 60), unit="min"))
    service = open_service(run, tmp_path / "state")
    nxt = service.next_time["y"]
    assert nxt == grid[-1] + pd.Timedelta("2D")
    early = (nxt - pd.Timedelta("6min")).isoformat()          # before the next grid time, nearest to it
    reply = json.loads(service.observe([{"id": "y", "time": early, "value": 68.0}]))
    assert reply["accepted"] == 1 and reply["forecast"][0]["time"] == (nxt + pd.Timedelta("2D")).isoformat()
    with pytest.raises(RequestError) as e:    # half a step off: no grid time by the fit's rule
        service.observe([{"id": "y", "time": (nxt + pd.Timedelta("3D")).isoformat(), "value": 68.0}])
    assert e.value.status == 422 and "quarter step" in str(e.value)
    service.close()


def test_a_run_fitted_without_resample_still_refuses_off_grid_times(tmp_path):
    from rnnkit.serve.services import RequestError, open_service

    run = _fit(tmp_path, pd.date_range("2021-03-01", periods=60, freq="D"), resample=False)
    service = open_service(run, tmp_path / "state")
    with pytest.raises(RequestError) as e:
        service.observe([{"id": "y", "time": "2021-04-30T08:12:00", "value": 70.0}])
    assert e.value.status == 422 and "grid" in str(e.value)
    service.close()
