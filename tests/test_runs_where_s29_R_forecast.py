"""A forecast run folder written by ``rnnkit forecast --out`` / ``update --out`` (session 29, helper R): a write that
fails half way (a full disk) leaves no file of the earlier fit beside the new model, and the outputs are written
under the folder's lock."""

from __future__ import annotations

import errno
import json

import numpy as np
import pandas as pd
import pytest

from test_runs_where_s29_R import _cli, _held

pytestmark = pytest.mark.usefixtures("one_thread")


def _sales(shift: float) -> pd.DataFrame:
    t = np.arange(48)
    return pd.DataFrame({"month": pd.date_range("2015-01-01", periods=48, freq="MS").strftime("%Y-%m-%d"),
                         "units": 100 + shift + 0.5 * t + 8 * np.sin(2 * np.pi * t / 12)})


def test_a_forecast_run_whose_plot_fails_keeps_no_file_of_the_earlier_fit(tmp_path, monkeypatch, capsys):
    # a full disk at forecast.png (after the model, forecast.csv and metrics were replaced) kept the earlier fit's
    # plot beside the new model, exit 1; and the outputs were written outside the folder's lock, so a second
    # `forecast --out` into the folder could put its forecast.csv between this fit's model and plot
    from rnnkit.tasks.forecasting import Forecaster

    out = tmp_path / "run"
    argv = ["forecast", "--target", "units", "--time-col", "month", "--horizon", "3", "--model", "seasonal_naive",
            "--backtest", "0", "--quiet", "--json", "--out", out]
    for shift in (0, 50):
        _sales(shift).to_csv(tmp_path / f"s{shift}.csv", index=False)
    code, _, err = _cli([*argv, "--csv", tmp_path / "s0.csv"], capsys)
    assert code == 0 and (out / "forecast.png").is_file(), err
    held = []

    def full_disk(self, path, **kw):
        held.append(_held(out))        # the folder is held against other writers meanwhile
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(Forecaster, "plot", full_disk)
    code, _, err = _cli([*argv, "--csv", tmp_path / "s50.csv"], capsys)
    assert code == 1 and "No space left on device" in err and held == [True]
    assert not (out / "forecast.png").exists()                  # the earlier fit's plot is gone with it
    saved = pd.read_csv(out / "forecast.csv")
    again = Forecaster.load(out).predict()
    assert np.allclose(saved["value"], again["value"])          # the forecast.csv of the model saved there
    assert saved["value"].min() > 140                           # the second fit's (its series is 50 higher)
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["preprocessing"][0]["length"] == 48


def test_a_forecast_update_out_saves_the_model_before_its_forecast(tmp_path, monkeypatch, capsys):
    # `forecast update --out D` wrote D/forecast.csv first, then the model: a full disk at the model kept an
    # earlier run's model in D beside this update's forecast
    from rnnkit.tasks.forecasting import Forecaster

    _sales(0).to_csv(tmp_path / "s.csv", index=False)
    base = ["--target", "units", "--time-col", "month", "--horizon", "3", "--model", "seasonal_naive", "--backtest", "0",
            "--quiet", "--json"]
    for name in ("a", "b"):
        code, _, err = _cli(["forecast", "--csv", tmp_path / "s.csv", *base, "--out", tmp_path / name], capsys)
        assert code == 0, err
    pd.DataFrame({"month": ["2019-01-01"], "units": [130.0]}).to_csv(tmp_path / "new.csv", index=False)
    before = (tmp_path / "b" / "forecast.csv").read_bytes()

    def full_disk(self, path):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(Forecaster, "save", full_disk)
    code, _, err = _cli(["forecast", "update", "--run", tmp_path / "a", "--csv", tmp_path / "new.csv", "--out",
                         tmp_path / "b", "--quiet"], capsys)
    assert code == 1 and "No space left on device" in err
    assert (tmp_path / "b" / "forecast.csv").read_bytes() == before   # b's own forecast, beside b's own model
