"""Metamorphic relations of the Forecaster (session 29, helper Z): transformations of the data whose effect on the
forecast is known in advance, checked without an oracle.

- the series times c (1e-3, 1e4): every forecast column times c -- exactly (float rounding) for seasonal naive and
  the networks (the scaling is undone exactly; the same seed draws the same stream), to the optimiser's tolerance
  for Theta;
- the rows of a panel shuffled: the same forecast; one series of a panel times 1000: its forecast times 1000, the
  other series' point forecasts unchanged (their bands to 1e-8: the panel's band calibration is pooled);
- the same dates written another way (12 months later, month ends, text in a frame's column): the same numbers;
- the quantiles asked in another order, or fewer of them: the same columns, the same numbers;
- update in two parts, or with its rows shuffled: the same forecast as one update in order.

Measured in session 29 and NOT asserted (they need not hold): series + c moves Theta (multiplicative
deseasonalisation: up to 5% on a synthetic monthly series shifted by -30) and the ES-RNN (multiplicative levels:
3-6%); a global network's forecasts move when ids are renamed so that their sorted order changes (the series'
order in training: 0.03 on values ~50 for the GRU, 3.5e-6 for the ES-RNN); a series' quantile band alone differs
from its band in a panel (pooled calibration: ~1-2%), its point forecast does not.
"""

import numpy as np
import pandas as pd
import pytest

from rnnkit import Forecaster

pytestmark = pytest.mark.usefixtures("one_thread_module")

NET = dict(epochs=2, hidden_size=8, lookback=12)


def _series(n=96, start="2000-01", freq="MS", offset=50.0, seed=0):
    t = np.arange(n)
    v = offset + 0.3 * t + 8 * np.sin(t * np.pi / 6) + np.random.default_rng(seed).normal(0, 1, n)
    return pd.Series(v, index=pd.date_range(start, periods=n, freq=freq))


def _numbers(fc):
    return fc[[c for c in fc.columns if c not in ("id", "time")]].to_numpy(float)


def _fit(model, data, **kw):
    settings = NET if model == "gru" else {}
    return Forecaster(model, horizon=4, **settings).fit(data, **kw)


@pytest.mark.parametrize("model,rtol", [("seasonal_naive", 1e-13), ("theta", 1e-8), ("gru", 1e-12)])
def test_series_times_c_gives_forecasts_times_c(model, rtol):
    y = _series()
    base = _numbers(_fit(model, y).predict())
    for c in (1e-3, 1e4):
        scaled = _numbers(_fit(model, y * c).predict())
        np.testing.assert_allclose(scaled / c, base, rtol=rtol, err_msg=f"{model} x {c}")


def _panel():
    parts = [pd.DataFrame({"store": sid, "date": pd.date_range(start, periods=n, freq="MS"),
                           "units": _series(n, start, offset=20 + 10 * k, seed=k).to_numpy()})
             for k, (sid, n, start) in enumerate([("north", 72, "2015-01"), ("south", 60, "2016-01"),
                                                  ("east", 84, "2014-01")])]
    return pd.concat(parts, ignore_index=True)


def _panel_forecast(model, frame):
    fc = _fit(model, frame, target="units", time_col="date", id_col="store").predict()
    return fc.sort_values(["id", "time"]).reset_index(drop=True)


@pytest.mark.parametrize("model", ["theta", "gru"])
def test_panel_rows_shuffled_and_one_series_scaled(model):
    frame = _panel()
    base = _panel_forecast(model, frame)
    shuffled = _panel_forecast(model, frame.sample(frac=1, random_state=2))
    pd.testing.assert_frame_equal(shuffled, base)

    scaled = frame.copy()
    scaled.loc[scaled.store == "south", "units"] *= 1000
    fc = _panel_forecast(model, scaled)
    south, others = fc.id == "south", fc.id != "south"
    np.testing.assert_allclose(_numbers(fc[south]) / 1000, _numbers(base[south]), rtol=1e-8)
    np.testing.assert_allclose(fc.loc[others, "value"], base.loc[others, "value"], rtol=1e-12)
    np.testing.assert_allclose(_numbers(fc[others]), _numbers(base[others]), rtol=1e-8)


@pytest.mark.parametrize("model", ["theta", "gru"])
def test_the_same_dates_written_another_way(model):
    y = _series()
    base = _numbers(_fit(model, y).predict())
    later = pd.Series(y.to_numpy(), index=pd.date_range("2001-01", periods=len(y), freq="MS"))
    ends = pd.Series(y.to_numpy(), index=pd.date_range("2000-01-31", periods=len(y), freq="ME"))
    text = pd.DataFrame({"d": y.index.strftime("%d/%m/%Y"), "y": y.to_numpy()})
    np.testing.assert_array_equal(_numbers(_fit(model, later).predict()), base)
    np.testing.assert_array_equal(_numbers(_fit(model, ends).predict()), base)
    np.testing.assert_array_equal(
        _numbers(_fit(model, text, time_col="d", target="y", date_format="%d/%m/%Y").predict()), base)


@pytest.mark.parametrize("model", ["theta", "gru"])
def test_quantiles_in_another_order_or_fewer(model):
    y = _series()
    settings = NET if model == "gru" else {}
    ref = Forecaster(model, horizon=4, quantiles=[0.1, 0.5, 0.9], **settings).fit(y).predict()
    for qs in ([0.9, 0.1, 0.5], [0.9, 0.1], [0.5]):
        fc = Forecaster(model, horizon=4, quantiles=qs, **settings).fit(y).predict()
        assert [c for c in fc.columns if c.startswith("q")] == [f"q{q}" for q in sorted(qs)]
        pd.testing.assert_frame_equal(fc, ref[fc.columns])
        bands = fc[[f"q{q}" for q in sorted(qs)]].to_numpy()
        assert (np.diff(bands, axis=1) >= 0).all()


def test_update_in_parts_or_shuffled_equals_one_update(tmp_path):
    full = _series(108)
    _fit("theta", full.iloc[:96]).save(tmp_path / "run")
    one = Forecaster.load(tmp_path / "run").update(full.iloc[96:])
    parts = Forecaster.load(tmp_path / "run")
    parts.update(full.iloc[96:100])
    pd.testing.assert_frame_equal(parts.update(full.iloc[100:]), one)
    shuffled = Forecaster.load(tmp_path / "run").update(full.iloc[96:].sample(frac=1, random_state=1))
    pd.testing.assert_frame_equal(shuffled, one)
