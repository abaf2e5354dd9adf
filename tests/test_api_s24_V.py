"""Session 24, helper V: the Python API's objects as Python treats them -- numpy strings given as settings, a task
fitted again, a task's config replaced after its fit, a task's repr -- and the validation split of a small data set.
Oracles: the same call with a Python str, a freshly built task fitted once, the fitted task before the change."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

import rnnkit
from rnnkit.experiments.config import resolve_config
from rnnkit.tasks.classify_config import TextClassifierConfig
from rnnkit.tasks.forecasting.config import ForecastConfig
from rnnkit.tasks.generation.lm import CharLMConfig
from rnnkit.tasks.seq2seq import Seq2SeqConfig
from rnnkit.tasks.tagging import TaggerConfig
from rnnkit.tasks.tsc import TSCConfig
from rnnkit.training.config import EarlyStoppingConfig, OptimConfig, ScheduleConfig, TrainConfig

CONFIGS = [OptimConfig, ScheduleConfig, EarlyStoppingConfig, TrainConfig, CharLMConfig, TSCConfig, ForecastConfig,
           Seq2SeqConfig, TextClassifierConfig, TaggerConfig]


# ------------------------------------------------------------------ numpy strings as settings
@pytest.mark.parametrize("config_class", CONFIGS, ids=lambda c: c.__name__)
def test_a_numpy_str_setting_is_stored_as_the_python_str(config_class):
    # a name read from an array (np.array(["gru"])[0]) is an np.str_: every config kept it, and showed
    # cell=np.str_('gru') in its repr and the run folder's messages
    default = config_class()
    names = [f.name for f in dataclasses.fields(config_class) if isinstance(getattr(default, f.name), str)]
    assert names
    for name in names:
        value = getattr(default, name)
        given = config_class(**{name: np.str_(value)})
        assert type(getattr(given, name)) is str, name
        assert repr(given) == repr(config_class(**{name: value}))


def test_a_numpy_str_experiment_and_cell_are_stored_as_python_strs():
    cfg = resolve_config(np.str_("adding"), cell=np.str_("gru"), init=np.str_("orthogonal"), steps=20)
    assert cfg == resolve_config("adding", cell="gru", init="orthogonal", steps=20)
    assert type(cfg.experiment) is str and type(cfg.cell) is str and type(cfg.init) is str


@pytest.mark.parametrize("build", [
    lambda s: rnnkit.make_layer("lstm", 3, 4, bidirectional=True, merge=s("sum")),
    lambda s: rnnkit.RecurrentLayer("gru", 3, 4, engine=s("reference")),
    lambda s: rnnkit.Bidirectional(rnnkit.LSTM(3, 4), merge=s("ave")),
    lambda s: rnnkit.ElmanRNN(3, 4, nonlinearity=s("relu")),
    lambda s: rnnkit.MinGRU(3, 4, scan=s("sequential")),
], ids=["merge", "engine", "bidirectional-merge", "nonlinearity", "scan"])
def test_a_layer_given_numpy_str_modes_is_the_layer_given_strs(build):
    torch.manual_seed(0)
    layer = build(np.str_)
    torch.manual_seed(0)
    oracle = build(str)
    assert repr(layer) == repr(oracle)          # merge=np.str_('sum') before
    odd = [(n, k) for n, m in layer.named_modules() for k, v in vars(m).items() if isinstance(v, np.str_)]
    assert odd == []
    x = torch.randn(2, 5, 3)
    torch.testing.assert_close(layer(x)[0], oracle(x)[0])


def test_a_refused_numpy_str_is_shown_as_its_text():
    with pytest.raises(rnnkit.errors.ConfigError, match=r"got 'python'$"):
        rnnkit.RecurrentLayer("gru", 3, 4, engine=np.str_("python"))


# ------------------------------------------------------------------ one typo matcher (cli/config_keys uses _validate's)
def test_a_config_file_key_hint_is_difflibs_closest_flag():
    import argparse
    import difflib

    from rnnkit.cli.config_keys import unknown_key_hint

    parser = argparse.ArgumentParser(prog="rnnkit x")
    known = ["epochs", "hidden-size", "val-fraction", "json", "batch-size"]
    for key in ["ephcs", "hiden_size", "valfrac", "jsn", "batch", "zzz"]:
        ratio = max(difflib.SequenceMatcher(None, key.replace("_", "-"), k).ratio() for k in known)
        close = difflib.get_close_matches(key.replace("_", "-"), known, n=1)     # the hint's own rule (cutoff 0.6)
        want = f"; did you mean {close[0]!r}?" if close else ""
        assert unknown_key_hint(key, known, parser, None) == want, (key, ratio)
