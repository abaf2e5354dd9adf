"""``AutoForecaster(symmetric_pooled=True)`` (session 15, an option, off: its pre-registered check rejected it, scratch
s15/G/DECISIONS.md): a batch of several series gets the band of the pooled validation residuals and their negatives.

The defect it answers: series whose validation windows share their dates see one common shock as every residual,
and the pooled SIGNED band leans by it -- EuStockMarkets as a 4-id panel (h 5) had its point outside its own 90%
band on 20 of 20 rows (since session 26 every band is widened to hold its point: probabilistic.holding_point). Here a small panel with one common fall through both validation windows shows the same, and
the centred band from the same validation windows contains its point; the oracles (the default band, the same
series alone) are computed in the test."""

from __future__ import annotations

import numpy as np
import pytest

from rnnkit.errors import ConfigError
from rnnkit.tasks.forecasting.auto import AutoForecaster
from rnnkit.tasks.forecasting.candidates import SeriesInput
from rnnkit.tasks.forecasting.statistical import statistical_candidates

pytestmark = pytest.mark.usefixtures("one_thread_module")
H = 5


def _panel(seed: int = 0) -> list[SeriesInput]:
    """Four random walks (step sd 1) on one calendar; all four fall by 3 a step through the last 2H steps (the
    two validation windows) and stop falling there."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(4):
        y = 100 + 10 * i + np.cumsum(rng.normal(size=60))
        y[-2 * H:] -= 3.0 * np.arange(1, 2 * H + 1)
        out.append(SeriesInput(f"s{i}", y, 1))
    return out


def _outside(q: np.ndarray, point: np.ndarray) -> np.ndarray:
    return (point < q[..., 0]) | (point > q[..., -1])


@pytest.fixture(scope="module")
def fitted():
    signed = AutoForecaster(statistical_candidates())
    point = signed.forecast(_panel(), H)
    centred = AutoForecaster(statistical_candidates(), symmetric_pooled=True)
    return signed, centred, point, centred.forecast_from(signed.validation_)


def test_a_shared_shock_pushes_the_signed_band_off_its_point_and_the_centred_band_contains_it(fitted):
    signed, centred, point, again = fitted
    assert np.array_equal(again, point)                         # the band only; the point stays
    assert not _outside(signed.quantiles_, point).any()          # since 918debd the signed band holds its point too
    assert not np.allclose(signed.quantiles_[..., 2], point)     # ... but still leans (q0.5 off the point): the option's case
    q = centred.quantiles_
    assert not _outside(q, point).any()
    assert np.allclose(q[..., 2], point)                        # centred: q0.5 is the point, tails mirror
    assert np.allclose(q[..., 4] - point, point - q[..., 0]) and np.allclose(q[..., 3] - point, point - q[..., 1])


def test_a_series_alone_is_unchanged_by_the_option():
    s = _panel()[0]
    alone = AutoForecaster(statistical_candidates())
    point = alone.forecast([s], H)
    other = AutoForecaster(statistical_candidates(), symmetric_pooled=True)
    assert np.array_equal(other.forecast_from(alone.validation_), point)
    assert np.array_equal(other.quantiles_, alone.quantiles_)
    assert not _outside(alone.quantiles_, point).any()          # alone it was centred already (session 10)


def test_save_load_keeps_the_setting_and_older_runs_load_signed(fitted, tmp_path):
    _, centred, point, _ = fitted
    back = AutoForecaster.load(centred.save(tmp_path / "auto"))
    assert back.symmetric_pooled is True
    assert np.allclose(back.forecast_fitted(_panel(), H), point) and np.allclose(back.quantiles_, centred.quantiles_)
    settings = {k: v for k, v in centred.settings().items() if k != "symmetric_pooled"}
    assert AutoForecaster._from_settings(tmp_path / "auto", settings).symmetric_pooled is False


@pytest.mark.parametrize("bad", [1, 0, "yes", None, np.int64(1)])   # np.True_ is a bool (s19: test_numpy_scalars_s19)
def test_symmetric_pooled_must_be_a_bool(bad):
    with pytest.raises(ConfigError, match=r"symmetric_pooled: expected True or False, got"):
        AutoForecaster(statistical_candidates(), symmetric_pooled=bad)
