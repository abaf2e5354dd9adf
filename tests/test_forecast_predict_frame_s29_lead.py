"""A network forecaster's predict builds one frame from the series' columns (session 29, from helper P's measurement:
a frame per series then concatenated was about half of a 64-series predict or update, the service's path). The
frame must be what the per-series frames concatenated were: each series predicted alone (the model's fitted list
cut to it) and concatenated is the oracle -- values, column order and dtypes exact -- over str and int ids, integer
steps and zoned times, with quantiles and without."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rnnkit.tasks.forecasting import Forecaster
from rnnkit.tasks.forecasting.network_model import NetworkForecaster

pytestmark = pytest.mark.usefixtures("one_thread")


def _panel(ids, times):
    rng = np.random.default_rng(0)
    rows = []
    for k, sid in enumerate(ids):
        y = 50 + 10 * k + 5 * np.sin(np.arange(len(times)) * 2 * np.pi / 12) + rng.normal(0, 1, len(times))
        rows.append(pd.DataFrame({"id": sid, "t": times, "y": y}))
    return pd.concat(rows, ignore_index=True)


@pytest.mark.parametrize("ids, times, quantiles", [
    (["a", "b", "c"], pd.date_range("2020-01-01", periods=60, freq="MS"), (0.1, 0.5, 0.9)),
    ([3, 1, 2], pd.RangeIndex(0, 60), (0.5,)),
    (["x", "y"], pd.date_range("2021-03-01", periods=60, freq="D", tz="Europe/Berlin"), (0.25,)),
])
def test_one_frame_equals_the_series_predicted_alone_and_concatenated(ids, times, quantiles):
    fc = Forecaster(horizon=4, model="gru", epochs=1, selection_epochs=1, hidden_size=8, lookback=12,
                    quantiles=quantiles, period=12)
    fc.fit(_panel(ids, times), target="y", time_col="t", id_col="id")
    net = next(m for m in vars(fc).values() if isinstance(m, NetworkForecaster))
    whole = net._predict_arrays(4, [None] * len(net._fitted))
    fitted = net._fitted
    try:
        alone = []
        for f in fitted:
            net._fitted = [f]
            alone.append(net._predict_arrays(4, [None]))
    finally:
        net._fitted = fitted
    pd.testing.assert_frame_equal(whole, pd.concat(alone, ignore_index=True), check_exact=True)
    assert list(whole.columns)[:5] == ["id", "time", "value", "lower", "upper"] and len(whole) == 4 * len(ids)
