"""The ES-RNN hybrid's series per optimiser step (``ESRNNCandidate(batch_series=B)``, ``ForecastConfig.esrnn_batch_series``,
:mod:`rnnkit.tasks.forecasting.series_batches`, session 21 helper M): the full-batch fit read every series at every
step, so its cost grew with the number of series. Below the cap nothing changes (the same forecasts, bit for bit: the
oracle is the fit without the option); above it every step reads ``B`` series of a seeded permutation; the setting
is checked, refused where nothing reads it, passed to auto's member and to model esrnn, and saved with the fit. The
default is 512 since session 21's pre-registered check (scratch DECISIONS of helper M; docs/results_forecasting.md)."""

import numpy as np
import pandas as pd
import pytest
import torch

from rnnkit.errors import ConfigError
from rnnkit.tasks.forecasting import esrnn as esrnn_mod
from rnnkit.tasks.forecasting.auto_model import build_candidates
from rnnkit.tasks.forecasting.candidates import SeriesInput, load_candidates, save_candidates
from rnnkit.tasks.forecasting.config import ForecastConfig
from rnnkit.tasks.forecasting.esrnn import ESRNNCandidate
from rnnkit.tasks.forecasting.series_batches import series_batches

STEPS = 12


def _panel(n: int = 6, length: int = 60) -> list[SeriesInput]:
    t = np.arange(length)
    idx = pd.date_range("2001-01-01", periods=length, freq="MS")
    out = []
    for k in range(n):
        rng = np.random.default_rng(k)
        y = 20 + k + 0.2 * t + 2 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 0.5, length)
        out.append(SeriesInput(f"s{k}", y[k % 3:], period=12, index=idx[k % 3:]))   # ragged starts (left padding)
    return out


@pytest.fixture(scope="module")
def panel():
    return _panel()


@pytest.fixture(scope="module")
def full(panel):
    return ESRNNCandidate(steps=STEPS).forecast(panel, 6)


@pytest.mark.parametrize("cap", [6, 7, 1000])
def test_at_or_above_the_series_the_forecasts_are_the_full_batch_ones_bit_for_bit(panel, full, cap):
    got = ESRNNCandidate(steps=STEPS, batch_series=cap).forecast(panel, 6)
    assert np.array_equal(got, full)


def _rows_per_step(monkeypatch, panel, cap):
    seen = []
    forward = esrnn_mod.ESRNN.forward

    def spy(self, d, mask, rows=None, extra=None):
        if torch.is_grad_enabled():           # the training steps (forecasting runs under no_grad)
            seen.append(None if rows is None else tuple(rows))
            assert d.shape[0] == (len(panel) if rows is None else len(rows))
            assert extra is None or extra.shape[0] == d.shape[0]
        return forward(self, d, mask, rows, extra)

    monkeypatch.setattr(esrnn_mod.ESRNN, "forward", spy)
    out = ESRNNCandidate(steps=STEPS, batch_series=cap).forecast(panel, 6)
    return seen, out


def test_below_the_series_each_step_reads_a_batch_of_a_permutation(monkeypatch, panel, full):
    seen, out = _rows_per_step(monkeypatch, panel, 4)
    assert len(seen) == STEPS and all(r is not None for r in seen)
    assert [len(r) for r in seen[:4]] == [4, 2, 4, 2]          # 6 series: 4, then the 2 left, then a new pass
    for p in range(0, STEPS, 2):                                # every pass reads every series once
        assert sorted(seen[p] + seen[p + 1]) == list(range(len(panel)))
    assert np.isfinite(out).all() and not np.array_equal(out, full)
    again = ESRNNCandidate(steps=STEPS, batch_series=4).forecast(panel, 6)
    assert np.array_equal(again, out)                           # seeded: the same fit twice


def test_the_full_batch_fit_passes_no_rows(monkeypatch, panel):
    seen, _ = _rows_per_step(monkeypatch, panel, None)
    assert seen == [None] * STEPS


def test_series_batches_leaves_the_global_generator_alone():
    torch.manual_seed(3)
    ref = torch.rand(3)
    torch.manual_seed(3)
    batches = list(series_batches(10, 3, 9, seed=5))
    assert torch.equal(torch.rand(3), ref)
    assert [len(b) for b in batches] == [3, 3, 3, 1] * 2 + [3]
    assert sorted(torch.cat(batches[:4]).tolist()) == list(range(10))
    assert [b.tolist() for b in series_batches(10, 3, 9, seed=5)] == [b.tolist() for b in batches]


@pytest.mark.parametrize("bad", [0, -2, True, 8.0, "8", [8]])
def test_bad_batch_series_is_a_typed_error_naming_it(bad):
    with pytest.raises(ConfigError, match=r"^batch_series: expected a positive int or None"):
        ESRNNCandidate(batch_series=bad)
    with pytest.raises(ConfigError, match=r"^esrnn_batch_series: expected a positive int or None"):
        ForecastConfig(esrnn_batch_series=bad)


def test_numpy_ints_are_the_ints_they_hold():
    assert ESRNNCandidate(batch_series=np.int64(8)).settings()["batch_series"] == 8
    cfg = ForecastConfig(esrnn_batch_series=np.int32(8))
    assert cfg.esrnn_batch_series == 8 and type(cfg.esrnn_batch_series) is int


@pytest.mark.parametrize("kw, what", [(dict(model="lstm"), "model 'lstm' would ignore it"),
                                      (dict(model="ets"), "model 'ets' would ignore it"),
                                      (dict(candidates=("ets", "lstm")), r"candidates \['ets', 'lstm'\] would ignore it .no 'esrnn' among them")])
def test_a_setting_nothing_reads_is_refused(kw, what):
    with pytest.raises(ConfigError, match=r"^esrnn_batch_series: " + what):
        ForecastConfig(esrnn_batch_series=8, **kw)


@pytest.mark.parametrize("kw", [dict(), dict(model="esrnn"), dict(candidates=("ets", "esrnn"))])
def test_the_setting_reaches_the_hybrid(kw):
    assert build_candidates(ForecastConfig(esrnn_batch_series=8, **kw))["esrnn"].batch_series == 8
    assert build_candidates(ForecastConfig(esrnn_batch_series=None, **kw))["esrnn"].batch_series is None
    assert build_candidates(ForecastConfig(**kw))["esrnn"].batch_series == 512     # the default since session 21


def test_the_default_cap_leaves_a_panel_below_it_as_the_full_batch_fit(panel):
    assert ESRNNCandidate().batch_series == ForecastConfig().esrnn_batch_series == 512
    full = ESRNNCandidate(steps=STEPS, batch_series=None).forecast(panel, 6)
    assert np.array_equal(ESRNNCandidate(steps=STEPS).forecast(panel, 6), full)


def test_all_series_is_refused_where_nothing_reads_it():
    with pytest.raises(ConfigError, match=r"^esrnn_batch_series: model 'lstm' would ignore it.*got None$"):
        ForecastConfig(model="lstm", esrnn_batch_series=None)


def test_saved_with_the_fit_and_an_old_save_means_all_series(panel, tmp_path):
    cand = ESRNNCandidate(steps=STEPS, batch_series=4)
    first = cand.forecast(panel, 6)
    save_candidates({"esrnn": cand}, tmp_path / "new")
    back = load_candidates(tmp_path / "new")["esrnn"]
    assert back.batch_series == 4
    assert np.array_equal(back.forecast_fitted(panel, 6), first)
    assert np.array_equal(back.forecast(panel, 6), first)           # a refit of the loaded one: the same steps
    settings = cand.settings()
    settings.pop("batch_series")                                    # as saved before session 21
    assert ESRNNCandidate._from_settings(tmp_path, settings).batch_series is None


def test_the_config_round_trips():
    cfg = ForecastConfig(esrnn_batch_series=16)
    assert ForecastConfig.from_dict(cfg.to_dict()).esrnn_batch_series == 16


def test_the_flag_value_reads_all_or_a_positive_int():
    import argparse

    from rnnkit.tasks.forecasting.series_batches import batch_series_flag

    assert batch_series_flag("all") is None and batch_series_flag("64") == 64
    for bad in ("0", "-3", "8.0", "", "many"):
        with pytest.raises(argparse.ArgumentTypeError, match=r"^expected a positive int or 'all', got "):
            batch_series_flag(bad)


def test_the_forecast_flag_reaches_the_config_and_names_itself(capsys):
    """`rnnkit forecast --esrnn-batch-series N|all` is ForecastConfig.esrnn_batch_series (the parser's defaults are
    the oracle: no flag gives the config's default); a bad value is argparse's one-line error naming the flag."""
    from rnnkit.cli.forecast import _settings
    from rnnkit.cli.main import build_parser
    from rnnkit.tasks.forecasting.config import ForecastConfig

    base = ["forecast", "--dataset", "co2", "--horizon", "3"]
    parse = build_parser().parse_args
    assert _settings(parse(base))["esrnn_batch_series"] == ForecastConfig().esrnn_batch_series
    assert _settings(parse(base + ["--esrnn-batch-series", "12"]))["esrnn_batch_series"] == 12
    assert _settings(parse(base + ["--esrnn-batch-series", "all"]))["esrnn_batch_series"] is None
    with pytest.raises(SystemExit):
        parse(base + ["--esrnn-batch-series", "0"])
    assert "--esrnn-batch-series" in capsys.readouterr().err
