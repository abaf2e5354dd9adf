"""Session 34 (helper F): the band of a series with too few validation residuals per step pooled its steps under a
fixed random-walk growth sqrt(h); ``growth="fitted"`` fits the growth h**b to the residuals' spread per step. Errors
that do not grow (a stationary seasonal series) got a band too narrow at step 1 and too wide at the last step (one
long series, 80% band: 0.50 at step 1, 1.00 at steps 13-24)."""

import numpy as np
import pytest

from rnnkit.errors import ConfigError
from rnnkit.tasks.forecasting.probabilistic import conformal_quantiles, fitted_growth


@pytest.mark.parametrize("b", [0.0, 0.5, 1.0])
def test_fitted_growth_recovers_the_exponent_the_errors_grow_by(b):
    h = np.arange(1, 19)
    z = np.random.default_rng(1).normal(size=(2000, 18)) * h ** b      # the oracle: spread h**b
    assert np.log(fitted_growth(z)[-1]) / np.log(18) == pytest.approx(b, abs=0.05)


def test_fitted_growth_is_clipped_and_falls_back_with_too_few_steps():
    h = np.arange(1, 13)
    shrinking = np.random.default_rng(2).normal(size=(500, 12)) / h      # errors shrinking with h: b clipped to 0
    assert np.allclose(fitted_growth(shrinking), 1.0)
    z = np.full((4, 12), np.nan)
    z[:, :2] = 1.0
    assert np.allclose(fitted_growth(z), np.sqrt(h))                     # 2 steps with residuals: sqrt(h)


def _coverage(growth, reps=400, K=6, H=12, seed=3):
    """80% band coverage per step when the errors do not grow: K validation residuals per step (fewer than 40: the
    steps are pooled), a future actual from the same distribution."""
    rng = np.random.default_rng(seed)
    hits = np.zeros(H)
    for _ in range(reps):
        resid = rng.normal(size=(1, K, H))
        q = conformal_quantiles(np.zeros((1, H)), resid, np.ones((1, K)), np.ones(1), [0.1, 0.9], pooled=False,
                                growth=growth)[0]
        y = rng.normal(size=H)
        hits += (y >= q[:, 0]) & (y <= q[:, 1])
    return hits / reps


def test_a_band_of_errors_that_do_not_grow_is_calibrated_at_every_step_with_fitted_growth():
    root, fitted = _coverage("sqrt"), _coverage("fitted")
    assert root[0] < 0.7 and root[-1] > 0.9                 # sqrt(h): too narrow first, too wide last
    assert abs(fitted[0] - 0.8) < 0.08 and abs(fitted[-1] - 0.8) < 0.08
    assert abs(fitted.mean() - 0.8) < 0.05


def test_growth_must_be_a_known_rule():
    with pytest.raises(ConfigError, match="growth: expected 'sqrt' or 'fitted', got 'linear'"):
        conformal_quantiles(np.zeros((1, 3)), np.zeros((1, 2, 3)), np.ones((1, 2)), np.ones(1), [0.1, 0.9],
                            growth="linear")
