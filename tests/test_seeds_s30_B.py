"""Session 30, helper B: the seed range of forecast and of generate's prompts.

* forecast refused seeds above 2**32 - 1 (its members' seeds, seed * 1000 + lookback and ES-RNN's seed * 100 + e, had
  to stay in torch's range) while every other task takes [0, 2**64): the members' seeds now wrap modulo 2**64, the
  same as before for every seed up to 2**32 - 1 (saved runs and results unchanged), and a seed out of range gets the
  shared message.
* generate predict with --seed 2**64 - 1 and two or more prompts was refused (prompt i samples with seed + i): the
  prompt seeds wrap modulo 2**64 as train's do (torch reads a negative seed as the same residue, so nothing that
  worked before samples otherwise).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from rnnkit.cli.main import main
from rnnkit.errors import ConfigError

pytestmark = pytest.mark.usefixtures("one_thread_module")

TOP = 2 ** 64 - 1


def _monthly(n=48):
    t = np.arange(n)
    return pd.Series(10 + 0.1 * t + np.sin(2 * np.pi * t / 12), index=pd.date_range("2000-01-01", periods=n, freq="MS"))


def _seeds_of(monkeypatch, module):
    """Every torch.manual_seed call's seed (the module's torch is the global one: the Trainer's seeds too)."""
    seen = []
    real = torch.manual_seed

    def record(seed):
        seen.append(int(seed))
        return real(seed)

    monkeypatch.setattr(module.torch, "manual_seed", record)
    return seen


@pytest.mark.parametrize("seed", [2 ** 32, 2 ** 63, TOP])
def test_forecast_takes_every_torch_seed(seed):
    from rnnkit.tasks.forecasting import Forecaster
    from rnnkit.tasks.forecasting.config import ForecastConfig

    assert ForecastConfig(seed=seed).seed == seed     # was 'seed: expected an int in [0, 4294967295]'
    f = Forecaster("lstm", horizon=3, seed=seed, epochs=1, selection_epochs=1, hidden_size=4, lookback=12)
    assert np.isfinite(f.fit(_monthly()).predict()["value"]).all()


@pytest.mark.parametrize("seed", [2 ** 64, 2 ** 70])
def test_forecast_seed_out_of_range_gets_the_shared_message(seed):
    from rnnkit._validate import check_seed
    from rnnkit.tasks.forecasting.config import ForecastConfig

    with pytest.raises(ConfigError) as shared:
        check_seed(seed)
    with pytest.raises(ConfigError) as got:
        ForecastConfig(seed=seed)
    assert str(got.value) == str(shared.value)


@pytest.mark.parametrize("seed", [0, 7, 2 ** 32 - 1])
def test_the_lookback_members_seeds_are_unchanged_for_the_old_range(monkeypatch, seed):
    import rnnkit.tasks.forecasting.network_model as nm
    from rnnkit.tasks.forecasting import Forecaster

    seen = _seeds_of(monkeypatch, nm)
    Forecaster("gru", horizon=3, seed=seed, epochs=1, selection_epochs=1, hidden_size=4,
               lookback_candidates=(6, 12)).fit(_monthly())
    assert {seed * 1000 + 6, seed * 1000 + 12} <= set(seen)      # a guard: what 8119a0d seeded


def test_the_lookback_members_seeds_wrap_past_the_old_range(monkeypatch):
    import rnnkit.tasks.forecasting.network_model as nm
    from rnnkit.tasks.forecasting import Forecaster

    seen = _seeds_of(monkeypatch, nm)
    Forecaster("gru", horizon=3, seed=TOP, epochs=1, selection_epochs=1, hidden_size=4, lookback=12).fit(_monthly())
    assert (TOP * 1000 + 12) % 2 ** 64 in seen


def test_esrnn_members_seeds_wrap_and_its_seed_is_checked(monkeypatch):
    import rnnkit.tasks.forecasting.esrnn as es
    from rnnkit.tasks.forecasting.candidates import SeriesInput

    t = np.arange(60)
    ys = [SeriesInput(f"s{k}", 10 + k + np.sin(2 * np.pi * t / 12), period=12) for k in range(2)]
    seen = _seeds_of(monkeypatch, es)
    assert np.isfinite(es.ESRNNCandidate(steps=2, ensemble=2, seed=3).forecast(ys, 6)).all()
    assert {300, 301} <= set(seen)                  # seed * 100 + e, as before
    seen.clear()
    assert np.isfinite(es.ESRNNCandidate(steps=2, ensemble=2, seed=TOP).forecast(ys, 6)).all()
    assert {(TOP * 100) % 2 ** 64, (TOP * 100 + 1) % 2 ** 64} <= set(seen)   # was torch's overflow RuntimeError
    for bad in (2 ** 64, -1, 1.5, True):            # each was taken and failed (or not) at the first fit
        with pytest.raises(ConfigError, match=r"^seed: expected an int in \[0, 2\*\*64\)"):
            es.ESRNNCandidate(seed=bad)


def test_forecast_cli_trains_with_the_largest_seed(tmp_path, capsys):
    data = tmp_path / "m.csv"
    _monthly().rename_axis("date").rename("value").to_csv(data)
    argv = ["forecast", "--csv", str(data), "--time-col", "date", "--target", "value", "--model", "gru",
            "--horizon", "3", "--lookback", "12", "--epochs", "1", "--hidden-size", "4", "--seed", str(TOP),
            "--out", str(tmp_path / "run"), "--quiet", "--threads", "1"]
    assert main(argv) == 0, capsys.readouterr().err
    assert (tmp_path / "run" / "forecast.csv").is_file()


@pytest.fixture(scope="module")
def gen_run(tmp_path_factory):
    from rnnkit.tasks.generation import CharLM, CharLMConfig

    torch.manual_seed(0)
    cfg = CharLMConfig(embed_dim=4, hidden_size=8, batch_size=2, bptt=5, chunks_per_round=2, rounds=1, progress=False)
    root = tmp_path_factory.mktemp("gen")
    lm = CharLM(cfg).fit("abcab cab bca " * 20)
    lm.save(root / "run")
    (root / "p.txt").write_text("ab\nca\nbc\n", encoding="utf-8")
    return lm, root


def test_predict_wraps_prompt_seeds(gen_run):
    lm, _ = gen_run
    got = lm.predict(["ab", "ca", "bc"], length=8, seed=TOP - 1)
    assert got == [lm.sample("ab", 8, seed=TOP - 1), lm.sample("ca", 8, seed=TOP), lm.sample("bc", 8, seed=0)]
    # a negative seed (taken before) samples as its residue did: unchanged
    assert lm.predict(["ab", "ca"], length=8, seed=-1) == [lm.sample("ab", 8, seed=TOP), lm.sample("ca", 8, seed=0)]
    with pytest.raises(ConfigError, match="^seed:"):
        lm.predict(["ab"], length=8, seed=2 ** 64)


def test_generate_predict_cli_takes_the_largest_seed_with_several_prompts(gen_run, capsys, monkeypatch):
    import rnnkit.cli.predict_stream as stream

    lm, root = gen_run
    monkeypatch.setattr(stream, "PART", 2)           # the second part starts at prompt 2: seed TOP + 2 wraps to 1
    argv = ["generate", "predict", "--run", str(root / "run"), "--input", str(root / "p.txt"), "--length", "8",
            "--seed", str(TOP), "--json", "--quiet"]
    assert main(argv) == 0, capsys.readouterr().err
    import json

    out = json.loads(capsys.readouterr().out)
    assert out["predictions"] == [lm.sample(p, 8, seed=s) for p, s in (("ab", TOP), ("ca", 0), ("bc", 1))]
