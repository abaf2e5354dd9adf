"""Session 34 (helper G, review W4), through Forecaster: ``update`` of a fit with ``resample=True`` puts the new rows on the grid by the
rule the fit put its own readings by (kept with the fitted series, saved with the run: ``series.placed``). Decided
from the new rows alone, one reading each evening went to the NEXT day: refused with grid times the user never gave,
or -- a late reading of the last fitted day among them -- accepted with every value one day late. Oracle: a fit on
the same readings with the new rows in it."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit._io import write_digests
from rnnkit.errors import DataError
from rnnkit.tasks.forecasting import Forecaster

pytestmark = pytest.mark.usefixtures("one_thread_module")


def _evenings(n=64, seed=3):
    rng = np.random.default_rng(seed)
    days = pd.date_range("2021-01-01", periods=n, freq="D")
    stamps = days + pd.to_timedelta(rng.integers(19 * 60, 23 * 60 + 50, n), unit="min")
    return pd.Series(10 + np.arange(n) % 7 + rng.normal(0, 0.1, n), index=stamps)


def _quiet(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn()


@pytest.mark.parametrize("model", [dict(model="ets"),
                                   dict(model="gru", epochs=1, hidden_size=4, lookback=5, seed=0)])
def test_a_late_reading_of_the_last_fitted_day_is_not_taken_as_the_next_days(model):
    # the fit floors each evening reading to its own day; a second reading of its last day (23:30) and the next
    # evening's were accepted as the next TWO days (each value one day late), silently
    y = _evenings()
    f = _quiet(lambda: Forecaster(horizon=3, resample=True, **model).fit(y[:60]))
    assert y.index[59].normalize() == pd.Timestamp("2021-03-01")
    late = pd.Series([11.0, 12.0], index=pd.DatetimeIndex(["2021-03-01 23:30", "2021-03-02 23:40"]))
    with pytest.raises(DataError, match=r"2021-03-01 23:30") as e:
        _quiet(lambda: f.update(late))
    assert "2021-03-02 00:00:00'" not in str(e.value)      # the user's times named, not grid times


def test_a_saved_fit_of_evening_readings_takes_the_next_evenings_after_load(tmp_path):
    # the rule travels with the saved run (CLI: forecast update --run); oracle: a fit on all 62 readings
    y = _evenings()
    whole = _quiet(lambda: Forecaster(model="ets", horizon=3, resample=True).fit(y[:62]))
    _quiet(lambda: Forecaster(model="ets", horizon=3, resample=True).fit(y[:60])).save(tmp_path / "run")
    f = Forecaster.load(tmp_path / "run")
    _quiet(lambda: f.update(y[60:62]))
    assert f.predict()["time"].iloc[0] == whole.predict()["time"].iloc[0] == pd.Timestamp("2021-03-04")


def test_a_run_saved_before_the_rule_was_kept_updates_as_before(tmp_path):
    # series.placed absent (saved before session 34's fix): the rule read from the new rows, as then
    grid = pd.date_range("2021-01-01 00:00", periods=62, freq="D")
    stamps = grid + pd.to_timedelta(np.random.default_rng(2).integers(-5, 6, 62), unit="min")
    y = pd.Series(10 + np.arange(62) % 5 + np.random.default_rng(6).normal(0, 0.1, 62), index=stamps)
    f = _quiet(lambda: Forecaster(model="ets", horizon=3, resample=True).fit(y[:60]))
    f.save(tmp_path / "run")
    config = tmp_path / "run" / "config.json"
    saved = json.loads(config.read_text())
    entries = saved["series"] if isinstance(saved.get("series"), list) else saved["model"]["series"]
    assert [e.pop("placed") for e in entries] == ["nearest"]
    config.write_text(json.dumps(saved))
    write_digests(tmp_path / "run", sorted(json.loads((tmp_path / "run" / "digests.json").read_text())["sha256"]))
    old = Forecaster.load(tmp_path / "run")
    _quiet(lambda: old.update(y[60:62]))
    assert old.predict()["time"].iloc[0] == pd.Timestamp("2021-03-04")


