"""The service tells its client which observations the forecaster read as missing (session 29, helper W's review):
with ``outliers="missing"`` the default, ``POST /observations`` of a 1e12 typo was answered ``{"accepted": 1,
"forecast": [...]}`` -- the forecast made without it, the client told nothing (the warning on the server's stderr).
The reply now carries ``"outliers_missing": [{"id", "time", "value"}]`` for this request's values read so; a reply
without any keeps its form. A journal replay reads them the same way (its forecast equals the live one)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture()
def run(tmp_path):
    from rnnkit.tasks.forecasting import Forecaster

    t = np.arange(60)
    data = pd.DataFrame({"date": pd.date_range("2015-01-01", periods=60, freq="MS"),
                         "y": 100 + 0.2 * t + 3 * np.sin(2 * np.pi * t / 12)})
    Forecaster("ets", horizon=3).fit(data, target="y", time_col="date").save(tmp_path / "run")
    return tmp_path / "run"


def test_a_value_read_as_missing_is_in_the_reply(run, tmp_path):
    from rnnkit.serve.services import open_service

    service = open_service(run, tmp_path / "state")
    plain = json.loads(service.observe([{"id": "y", "time": "2020-01-01", "value": 112.0}]))
    assert plain["accepted"] == 1 and "outliers_missing" not in plain
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")        # the server's own one-line warning
        reply = json.loads(service.observe([{"id": "y", "time": "2020-02-01", "value": 1e12},
                                            {"id": "y", "time": "2020-03-01", "value": 113.0}]))
    assert reply["accepted"] == 2
    assert reply["outliers_missing"] == [{"id": "y", "time": "2020-02-01", "value": 1e12}]
    assert max(r["value"] for r in reply["forecast"]) < 1000          # made without the typo
    again = json.loads(service.observe([{"id": "y", "time": "2020-04-01", "value": 114.0}]))
    assert "outliers_missing" not in again                            # earlier requests' values are not repeated
    live = service.forecast()
    service.close()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        replayed = open_service(run, tmp_path / "state")
    assert replayed.forecast() == live
    replayed.close()
