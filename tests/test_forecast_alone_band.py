"""The quantile band of a series choosing alone (``AutoForecaster(symmetric_alone=True)``, the default since
session 10): its validation residuals and their negatives, so the band is centred on the point forecast. The
signed residuals of one series' two windows carry those windows' shared bias, which does not carry to the
future. Measured here on small real series (statsmodels' quarterly US macro data, 12 columns, two cut points
each) against the signed band computed from the same validation windows in the same test: coverage and CRPS,
no golden numbers."""

from __future__ import annotations

import numpy as np
import pytest

from rnnkit.errors import ConfigError
from rnnkit.tasks.forecasting.auto import AutoForecaster
from rnnkit.tasks.forecasting.candidates import SeriesInput
from rnnkit.tasks.forecasting.metrics import mase_scale
from rnnkit.tasks.forecasting.probabilistic import coverage_by_level, crps_from_quantiles
from rnnkit.tasks.forecasting.statistical import statistical_candidates

pytestmark = pytest.mark.usefixtures("one_thread_module")
H = 8
LEVELS = [0.05, 0.1, 0.5, 0.9, 0.95]
COLUMNS = ["realgdp", "realcons", "realinv", "realgovt", "realdpi", "cpi", "m1", "tbilrate", "unemp", "pop",
           "infl", "realint"]


@pytest.fixture(scope="module")
def alone():
    """Each (column, cut) forecast alone: (series, held-out tail, symmetric auto, signed auto on the same windows)."""
    from statsmodels.datasets import macrodata

    df = macrodata.load_pandas().data
    out = []
    for c in COLUMNS:
        y = df[c].to_numpy(float)
        for end in (len(y) - H, len(y) - 3 * H):
            s = SeriesInput(c, y[:end], 4)
            new = AutoForecaster(statistical_candidates())
            point = new.forecast([s], H)
            old = AutoForecaster(statistical_candidates(), symmetric_alone=False)
            assert np.array_equal(old.forecast_from(new.validation_), point)    # the band only; the point stays
            out.append((s, y[end:end + H], new, old, point))
    return out


def _scores(runs, which: int) -> np.ndarray:
    rows = []
    for s, test, *autos, _ in runs:
        q = autos[which].quantiles_[0]
        cov = coverage_by_level(test, q, LEVELS)
        rows.append((cov[0.8], cov[0.9], crps_from_quantiles(test, q, LEVELS) / mase_scale(s.y, s.period)))
    return np.mean(rows, axis=0)


def test_the_symmetric_band_is_better_calibrated_and_scores_better_than_the_signed_one(alone):
    new, old = _scores(alone, 0), _scores(alone, 1)
    assert abs(new[0] - 0.8) < abs(old[0] - 0.8) and abs(new[1] - 0.9) < abs(old[1] - 0.9), (new, old)
    assert new[2] < old[2], (new, old)     # CRPS: not won by being wide


def test_the_band_is_centred_on_the_point_forecast(alone):
    for *_, new, old, point in alone:
        q = new.quantiles_[0]
        assert np.allclose(q[:, 2], point[0])
        assert np.allclose(q[:, 4] - point[0], point[0] - q[:, 0]) and np.allclose(q[:, 3] - point[0], point[0] - q[:, 1])
    # the signed band is not: it moves with the windows' bias
    assert any(not np.allclose(old.quantiles_[0][:, 2], point[0]) for *_, old, point in alone)


def test_a_batch_of_several_series_keeps_its_pooled_band(alone):
    batch = [s for s, *_ in alone[:8:2]]   # four series, one fit
    new = AutoForecaster(statistical_candidates())
    new.forecast(batch, H)
    old = AutoForecaster(statistical_candidates(), symmetric_alone=False)
    old.forecast_from(new.validation_)
    assert np.array_equal(new.quantiles_, old.quantiles_)


def test_save_load_keeps_the_setting_and_old_runs_keep_the_signed_band(alone, tmp_path):
    s, _, new, old, point = alone[0]
    back = AutoForecaster.load(new.save(tmp_path / "auto"))
    assert back.symmetric_alone is True
    assert np.allclose(back.forecast_fitted([s], H), point) and np.allclose(back.quantiles_, new.quantiles_)
    # a run saved before session 10 (no symmetric_alone in its settings) forecasts with the signed band
    settings = {k: v for k, v in new.settings().items() if k != "symmetric_alone"}
    was = AutoForecaster._from_settings(tmp_path / "auto", settings)
    assert was.symmetric_alone is False


@pytest.mark.parametrize("bad", [1, 0, "yes", None, np.int64(1)])   # np.True_ is a bool (s19: test_numpy_scalars_s19)
def test_symmetric_alone_must_be_a_bool(bad):
    with pytest.raises(ConfigError, match=r"symmetric_alone: expected True or False, got"):
        AutoForecaster(statistical_candidates(), symmetric_alone=bad)
