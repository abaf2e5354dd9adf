"""Session 30, helper W2: review of the late commits (dee6a39 on)."""

import numpy as np
import pandas as pd
import pytest

from rnnkit.errors import DataError
from rnnkit.tasks.forecasting.candidates import SeriesInput
from rnnkit.tasks.forecasting.covariates import calendar_columns, calendar_features
from rnnkit.tasks.forecasting.esrnn import ESRNNCandidate


def test_an_esrnn_saved_with_month_features_of_millisecond_data_still_reads_them():
    # dee6a39 gave millisecond data no month features ('ms' was read as 'MS'); an ES-RNN fitted before it recorded
    # month_sin / month_cos, and its covariates were reindexed by name: NaN columns, the loaded run's update fell back
    # to the last value (a 3-series 'ms' run of 8119a0d: [40, 40, 40] where 8119a0d gave [38.84, 39.22, 39.53])
    idx = pd.date_range("2020-01-01", periods=30, freq="ms")
    s = SeriesInput("a", np.linspace(1.0, 2.0, 30), 1, idx)
    assert calendar_columns(idx) == []
    x = ESRNNCandidate._extra([s], 30, {"calendar": ["month_sin", "month_cos"], "static": []}).numpy()
    assert np.isfinite(x).all()
    np.testing.assert_allclose(x[0, :, 0], 0.0, atol=1e-7)    # January: sin 0, cos 1
    np.testing.assert_allclose(x[0, :, 1], 1.0, atol=1e-7)


def test_calendar_features_by_recorded_names_equal_the_family_ones():
    idx = pd.date_range("2021-03-01 05:00", periods=50, freq="h")
    pd.testing.assert_frame_equal(calendar_features(idx, calendar_columns(idx)), calendar_features(idx),
                                  check_exact=True)
    got = calendar_features(idx, ["dayofweek_cos", "hour_sin"])
    assert list(got.columns) == ["dayofweek_cos", "hour_sin"]
    pd.testing.assert_series_equal(got["hour_sin"], calendar_features(idx)["hour_sin"], check_exact=True)
    assert calendar_features(idx, []).shape == (50, 0)


@pytest.mark.parametrize("cols, index", [(["month_tan"], pd.date_range("2020", periods=3, freq="MS")),
                                         (["weekday_sin"], pd.date_range("2020", periods=3, freq="D")),
                                         (["month_sin"], pd.RangeIndex(3))])
def test_calendar_features_refuse_unknown_recorded_names(cols, index):
    with pytest.raises(DataError, match="columns: expected calendar feature names|index: expected timestamps"):
        calendar_features(index, cols)
