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


def test_a_layer_registered_under_a_numpy_str_is_listed_by_its_text():
    from rnnkit.layers.registry import _LAYERS

    spec = rnnkit.register_layer(np.str_("wide_gru_s24"), lambda i, h, **kw: rnnkit.GRU(i, 2 * h, **kw))
    try:
        assert type(spec.name) is str and [type(n) for n in rnnkit.available_layers() if n == "wide_gru_s24"] == [str]
        assert rnnkit.make_layer("wide_gru_s24", 3, 4).hidden_size == 8
    finally:
        _LAYERS.pop("wide_gru_s24", None)


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


# ------------------------------------------------------------------ a task fitted again starts from its given config
def _series(n, length, seed):
    rng = np.random.default_rng(seed)
    X = [np.sin(np.arange(length) / (3 + i % 2))[:, None] + 0.1 * rng.standard_normal((length, 1)) for i in range(n)]
    return X, ["slow", "fast"] * (n // 2)


def test_a_time_series_classifier_fitted_again_derives_its_settings_from_the_new_data():
    from rnnkit.tasks.tsc import TimeSeriesClassifier, TSCConfig

    cfg = TSCConfig(model="rnn", hidden_size=4, epochs=1, progress=False)    # patch, batch size, patience derived
    (long_x, long_y), (short_x, short_y) = _series(8, 200, 0), _series(40, 20, 1)
    task = TimeSeriesClassifier(cfg).fit(long_x, long_y, baselines=False)
    assert (task.config.patch, task.config.batch_size) == (4, 4)
    task.fit(short_x, short_y, baselines=False)
    fresh = TimeSeriesClassifier(cfg).fit(short_x, short_y, baselines=False)
    assert task.config == fresh.config and fresh.config.patch == 1    # kept patch 4 and batch 4 of the first data
    np.testing.assert_array_equal(task.predict_proba(short_x), fresh.predict_proba(short_x))


def test_a_tagger_fitted_again_on_iob2_tags_decodes_them_constrained():
    from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig

    cfg = TaggerConfig(epochs=1, hidden_size=8, word_dim=8, char_dim=4, char_hidden=4, progress=False)
    words = [["Ann", "sees", "Bob"], ["Bob", "runs"]] * 3
    iob1 = [["I-PER", "O", "I-PER"], ["I-PER", "O"]] * 3
    iob2 = [["B-PER", "O", "B-PER"], ["B-PER", "O"]] * 3
    task = SequenceTagger(cfg)
    with pytest.warns(UserWarning, match="IOB1"):
        task.fit(words, iob1, baselines=False)
    assert task.config.constrained is False
    task.fit(words, iob2, baselines=False)            # the first data's IOB1 switched it off for good
    assert task.config == SequenceTagger(cfg).fit(words, iob2, baselines=False).config == cfg


def test_a_config_set_between_two_fits_is_the_one_the_second_fit_uses():
    from rnnkit.tasks.tsc import TimeSeriesClassifier, TSCConfig

    X, y = _series(8, 30, 0)
    task = TimeSeriesClassifier(TSCConfig(model="rnn", hidden_size=4, epochs=1, progress=False)).fit(X, y,
                                                                                                   baselines=False)
    task.config = dataclasses.replace(task.config, hidden_size=6, patch=None)
    task.fit(X, y, baselines=False)
    assert task.config.hidden_size == 6 and task.net.encoder.output_size == 12   # bidirectional: 2 x 6


def test_a_refused_second_fit_leaves_the_first_fits_config():
    from rnnkit.tasks.tsc import TimeSeriesClassifier, TSCConfig

    X, y = _series(8, 200, 0)
    task = TimeSeriesClassifier(TSCConfig(model="rnn", hidden_size=4, epochs=1, progress=False)).fit(X, y,
                                                                                                   baselines=False)
    fitted = task.config
    with pytest.raises(rnnkit.errors.DataError):
        task.fit(X, ["one"] * 8, baselines=False)
    assert task.config is fitted
    np.testing.assert_array_equal(task.predict_proba(X).shape, (8, 2))


# ------------------------------------------------------------------ the validation split of a small data set
def _classifier(val_fraction):
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig
    from toy_data import CLASSIFY_FAST

    return TextClassifier(TextClassifierConfig(**{**CLASSIFY_FAST, "val_fraction": val_fraction}))


def test_a_validation_share_of_a_few_items_holds_out_one():
    # 0.1 of 5 texts rounded to none: the fit recorded a 'random' split of no item and ran with no validation and no
    # early stopping, silently. Keras' validation_split holds out n - floor(n * (1 - f)) = 1 of them (sklearn's
    # train_test_split ceil(n * f) = 1)
    import math

    texts, labels = ["good", "bad", "nice", "awful", "fine"], ["pos", "neg", "pos", "neg", "pos"]
    task = _classifier(0.1).fit(texts, labels, baselines=False)
    held = task.split["validation"]["indices"]
    assert len(held) == len(texts) - math.floor(len(texts) * (1 - 0.1)) == 1
    assert len(task.history["val"]) == len(task.history["loss"]) >= 1      # validated every epoch


def test_a_validation_share_that_rounds_to_items_is_split_as_before():
    from rnnkit.tasks.base import split_indices

    texts = [f"text {i} good" if i % 2 else f"text {i} bad" for i in range(30)]
    labels = ["pos" if i % 2 else "neg" for i in range(30)]
    task = _classifier(0.1).fit(texts, labels, baselines=False)
    assert task.split["validation"]["indices"] == split_indices(30, 0.1, 0)[1].tolist()     # the rounding's 3
    assert len(task.split["validation"]["indices"]) == 3


def test_a_validation_share_of_one_item_is_refused():
    from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig

    cfg = TaggerConfig(epochs=1, hidden_size=8, word_dim=8, char_dim=4, char_hidden=4, progress=False)
    with pytest.raises(rnnkit.errors.DataError, match=r"^val_fraction: expected at least 2 sentences .* got 1;"):
        SequenceTagger(cfg).fit([["Ann", "runs"]], [["B-PER", "O"]], baselines=False)
    assert SequenceTagger(dataclasses.replace(cfg, val_fraction=0.0)).fit([["Ann", "runs"]], [["B-PER", "O"]],
                                                                         baselines=False).predict([["Ann"]])


# ------------------------------------------------------------------ a task's repr
def test_a_tasks_repr_is_one_line_naming_its_changed_settings_and_whether_it_is_fitted():
    from rnnkit.tasks.classification import TextClassifier
    from rnnkit.tasks.tsc import TimeSeriesClassifier, TSCConfig

    task = _classifier(0.0)
    text = repr(task)
    assert text.startswith("TextClassifier(TextClassifierConfig(") and text.endswith(") (unfitted)")
    # oracle: the fields that differ from a default config are those the repr names, each as its repr
    default = TextClassifierConfig()
    changed = [f"{f.name}={getattr(task.config, f.name)!r}" for f in dataclasses.fields(default)
               if getattr(task.config, f.name) != getattr(default, f.name)]
    assert text == f"TextClassifier(TextClassifierConfig({', '.join(changed)})) (unfitted)"
    assert repr(TextClassifier()) == "TextClassifier(TextClassifierConfig()) (unfitted)"
    X, y = _series(8, 30, 0)
    fitted = TimeSeriesClassifier(TSCConfig(model="rnn", hidden_size=4, epochs=1, progress=False)).fit(X, y,
                                                                                                     baselines=False)
    assert repr(fitted).endswith(" (fitted)") and "\n" not in repr(fitted) and "patch=1" in repr(fitted)
    assert str(fitted) == repr(fitted) and len(repr(fitted)) < 400


# ------------------------------------------------------------------ a fitted task's config changed before a save
def test_a_fitted_tasks_config_changed_is_refused_by_save_not_written(tmp_path):
    from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig

    cfg = TaggerConfig(epochs=1, hidden_size=8, word_dim=8, char_dim=4, char_hidden=4, progress=False)
    words, tags = [["Ann", "sees", "Bob"], ["Bob", "runs"]] * 3, [["B-PER", "O", "B-PER"], ["B-PER", "O"]] * 3
    task = SequenceTagger(cfg).fit(words, tags, baselines=False)
    before = task.predict(words)
    task.config = dataclasses.replace(task.config, hidden_size=16)
    # the save succeeded and every load of the run failed: 'expected shape (32, 8) (the model's), got (64, 8)'
    with pytest.raises(rnnkit.errors.ConfigError, match=r"^config: .* changes \['hidden_size'\] \(hidden_size: 8 -> "
                                                        r"16\); fit again"):
        task.save(tmp_path / "run")
    assert not (tmp_path / "run").exists()
    assert task.predict(words) == before                       # predict reads the network it has
    task.config = dataclasses.replace(task.config, hidden_size=8, progress=True)    # the fitted values back
    task.save(tmp_path / "run")
    assert SequenceTagger.load(tmp_path / "run").predict(words) == before
    loaded = SequenceTagger.load(tmp_path / "run")
    loaded.config = dataclasses.replace(loaded.config, char_dim=5)
    with pytest.raises(rnnkit.errors.ConfigError, match=r"char_dim: 4 -> 5"):
        loaded.save(tmp_path / "again")
    task.fit(words, tags, baselines=False)                      # a fit with the config set: saved as it is
    task.config = dataclasses.replace(cfg, hidden_size=16)
    task.fit(words, tags, baselines=False).save(tmp_path / "refit")
    assert SequenceTagger.load(tmp_path / "refit").config.hidden_size == 16


# ------------------------------------------------------------------ a Trainer's result as Python shows it
def test_a_fit_results_repr_is_one_short_line_whatever_the_epochs():
    import copy
    import pickle

    from rnnkit.training import FitResult, TrainConfig, Trainer

    g = torch.Generator().manual_seed(0)
    x = torch.randn(16, 3, generator=g)
    data = [(x[i:i + 8], x[i:i + 8].sum(1, keepdim=True)) for i in (0, 8)]
    torch.manual_seed(0)
    result = Trainer(torch.nn.Linear(3, 1), lambda m, b: torch.nn.functional.mse_loss(m(b[0]), b[1]),
                     config=TrainConfig(epochs=40, quiet=True)).fit(data, data)
    assert len(result.history) == 40
    shown = ", ".join(f"{f.name}={getattr(result, f.name)!r}" for f in dataclasses.fields(FitResult)
                      if f.name != "history")
    assert repr(result) == f"FitResult({shown})" and len(repr(result)) < 200     # was every row: 4,986 chars
    assert pickle.loads(pickle.dumps(result)) == result == copy.deepcopy(result)


# ------------------------------------------------------------------ load called on an instance
def test_an_unfitted_tasks_error_says_load_returns_the_loaded_task(tmp_path):
    from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig

    cfg = TaggerConfig(epochs=1, hidden_size=8, word_dim=8, char_dim=4, char_hidden=4, progress=False)
    words, tags = [["Ann", "sees", "Bob"], ["Bob", "runs"]] * 3, [["B-PER", "O", "B-PER"], ["B-PER", "O"]] * 3
    SequenceTagger(cfg).fit(words, tags, baselines=False).save(tmp_path / "run")
    task = SequenceTagger()
    loaded = task.load(tmp_path / "run")        # a classmethod: the instance it is called on stays unfitted
    assert loaded.predict(words) and task.net is None
    # the message said 'call fit or load' to a caller who had just called load
    with pytest.raises(rnnkit.errors.ConfigError, match=r"take load's result: task = SequenceTagger\.load\(path\)"):
        task.predict(words)


def test_a_config_set_that_is_no_config_is_refused_by_fit_as_by_the_constructor():
    from rnnkit.tasks.tagging import SequenceTagger

    words, tags = [["Ann", "runs"]] * 4, [["B-PER", "O"]] * 4
    with pytest.raises(rnnkit.errors.InputTypeError) as built:
        SequenceTagger({"epochs": 1})
    task = SequenceTagger()
    task.config = {"epochs": 1}          # a bare "'dict' object has no attribute 'seed'" from inside the fit
    with pytest.raises(rnnkit.errors.InputTypeError) as fitted:
        task.fit(words, tags)
    assert str(fitted.value) == str(built.value) == "config: expected a TaggerConfig, got dict"
    assert task.config == {"epochs": 1} and task.net is None


# ------------------------------------------------------------------ a fitted task as Python copies and shares it
def test_a_fitted_task_predicts_the_same_from_threads_copies_and_pickles():
    import copy
    import pickle
    import threading

    from rnnkit.tasks.tsc import TimeSeriesClassifier, TSCConfig

    X, y = _series(12, 30, 0)
    task = TimeSeriesClassifier(TSCConfig(model="rnn", hidden_size=4, epochs=1, progress=False)).fit(X, y)
    sequential = task.predict_proba(X)
    out = [None] * 4
    threads = [threading.Thread(target=lambda i=i: out.__setitem__(i, task.predict_proba(X))) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got in out:                                  # serve predicts from its request threads
        np.testing.assert_array_equal(got, sequential)
    for other in (copy.copy(task), copy.deepcopy(task), pickle.loads(pickle.dumps(task))):
        np.testing.assert_array_equal(other.predict_proba(X), sequential)
    shallow = copy.copy(task)
    shallow.fit(*_series(12, 50, 1), baselines=False)          # a copy fitted again: the original keeps its model
    np.testing.assert_array_equal(task.predict_proba(X), sequential)
    assert task.baselines and not shallow.baselines


def test_a_gradient_flow_summary_is_a_short_line_and_hashable():
    from rnnkit.diagnostics.gradflow import GradFlowSummary, summarize_gradient_flow

    torch.manual_seed(0)
    summary = summarize_gradient_flow({"h": torch.rand(500, 4)})["h"]
    assert len(summary.mean_norms) == 500
    shown = ", ".join(f"{f.name}={getattr(summary, f.name)!r}" for f in dataclasses.fields(GradFlowSummary)
                      if f.name != "mean_norms")
    assert repr(summary) == f"GradFlowSummary({shown})"           # 10,285 characters: every step's norm
    same = GradFlowSummary(**{f.name: getattr(summary, f.name) for f in dataclasses.fields(GradFlowSummary)})
    assert same == summary and hash(same) == hash(summary)          # hash: 'unhashable type: list'
    assert dataclasses.replace(summary, mean_norms=[0.0] * 500) != summary


def test_a_loaded_checkpoints_repr_is_one_line_without_its_tensors(tmp_path):
    from rnnkit.training import TrainConfig, Trainer, load_checkpoint

    torch.manual_seed(0)
    model = rnnkit.LSTM(8, 64)
    Trainer(model, lambda m, b: m(b)[0].pow(2).mean(), config=TrainConfig(epochs=1, quiet=True),
            run_dir=tmp_path / "run").fit([torch.randn(5, 4, 8)])
    ckpt = load_checkpoint(tmp_path / "run" / "checkpoints" / "step-00000001")
    assert repr(ckpt) == f"Checkpoint(path={ckpt.path!r}, step=1)"     # was 39,648 characters on 432 lines
    assert set(ckpt.model_state) == set(model.state_dict()) and ckpt.state


def test_a_callbacks_repr_names_the_settings_it_was_built_with(tmp_path):
    from rnnkit.training.callbacks import Callback, Checkpointer, EarlyStopping, MetricLogger, TimeBudget

    class Mine(Callback):
        pass

    es = EarlyStopping(monitor="val_acc", mode="max", patience=3)
    assert repr(es) == ("EarlyStopping(monitor='val_acc', mode='max', patience=3, min_delta=0.0, target=None, "
                        "restore_best=True)")          # the constructor's arguments, as given or defaulted
    assert repr(TimeBudget(np.float64(60.0))) == "TimeBudget(max_seconds=60.0)"
    assert repr(Checkpointer(every_steps=10)) == "Checkpointer(every_steps=10, keep=2)"
    assert repr(Mine()) == "Mine()"
    log = MetricLogger(tmp_path / ("x" * 200 + ".jsonl"))
    assert "\n" not in repr(log) and len(repr(log)) < 200 and repr(log).startswith("MetricLogger(path=")


def test_a_predict_beside_an_evaluate_in_another_thread_names_its_own_items(monkeypatch):
    import threading

    from rnnkit.tasks.tsc import TimeSeriesClassifier, TSCConfig

    X, y = _series(8, 30, 0)
    task = TimeSeriesClassifier(TSCConfig(model="rnn", hidden_size=4, epochs=1, progress=False)).fit(X, y,
                                                                                                   baselines=False)
    bad = [X[0], X[1], np.ones((30, 2))]                       # two channels where the task has one
    with pytest.raises(rnnkit.errors.DataError) as alone:
        task.predict(bad)                                       # the oracle: the same predict with nothing beside it
    inside, release, real = threading.Event(), threading.Event(), TimeSeriesClassifier.check_targets

    def slow_check(self, targets, inputs, what):                # the evaluate's check stops with its places set
        inside.set()
        release.wait(30)
        return real(self, targets, inputs, what)

    monkeypatch.setattr(TimeSeriesClassifier, "check_targets", slow_check)
    evaluating = threading.Thread(target=task.evaluate, args=(X[:1], y[:1]), kwargs={"places": ["--ts 'a.ts' line 2"]})
    evaluating.start()
    try:
        assert inside.wait(30)
        with pytest.raises(rnnkit.errors.DataError) as beside:      # was a bare IndexError (one place, item 2)
            task.predict(bad)
    finally:
        release.set()
        evaluating.join(30)
    assert str(beside.value) == str(alone.value) and "a.ts" not in str(beside.value)
