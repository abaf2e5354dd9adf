"""Session 23, helper V: the Python API under a practitioner's inputs -- Trainer callbacks reused or given twice, a
task fitted again after a save or a load, ``save``'s ``data`` / ``split``. Oracles: a fresh callback instance (Keras
resets its EarlyStopping in ``on_train_begin`` so an instance can be reused), a freshly built task, the valid save."""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import pytest
import torch

from rnnkit.errors import ConfigError, DataError, InputTypeError
from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig
from rnnkit.tasks.common import check_labels
from rnnkit.training import EarlyStopping, OptimConfig, TrainConfig, Trainer
from rnnkit.training.callbacks import Callback, WarmupCosine
from toy_data import CLASSIFY_FAST


def _data():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(32, 3, generator=g)
    y = x @ torch.tensor([[1.0], [2.0], [-1.0]])
    return [(x[i:i + 8], y[i:i + 8]) for i in range(0, 32, 8)]


def _loss(model, batch):
    return torch.nn.functional.mse_loss(model(batch[0]), batch[1])


def _model(seed):
    torch.manual_seed(seed)
    return torch.nn.Linear(3, 1)


def _fit(model, callbacks, lr, epochs):
    cfg = TrainConfig(epochs=epochs, optim=OptimConfig(lr=lr), quiet=True)
    return Trainer(model, _loss, config=cfg, callbacks=callbacks).fit(_data(), _data())


# ------------------------------------------------------------------ callbacks reused by a second Trainer
def test_an_early_stopping_given_to_a_second_trainer_starts_anew():
    data_fit = lambda es, m: _fit(m, [es], lr=1e-6, epochs=2)    # noqa: E731 - a fit that cannot beat the first
    es = EarlyStopping(monitor="val_loss", patience=10)
    first = _model(0)
    _fit(first, [es], lr=0.05, epochs=3)
    reused, fresh = _model(1), _model(1)
    r_reused = data_fit(es, reused)
    r_fresh = data_fit(EarlyStopping(monitor="val_loss", patience=10), fresh)
    # it kept the first fit's best value and restored the FIRST model's weights into the second
    assert r_reused.best == r_fresh.best
    assert r_reused.best["epoch"] <= 2
    assert torch.equal(reused.weight, fresh.weight) and not torch.equal(reused.weight, first.weight)


def test_a_warmup_cosine_given_to_a_second_trainer_takes_its_lr_and_start():
    w = WarmupCosine(total_steps=8, warmup=0.25)
    _fit(_model(0), [w], lr=0.1, epochs=2)
    reused = _fit(_model(0), [w], lr=0.01, epochs=2)
    fresh = _fit(_model(0), [WarmupCosine(total_steps=8, warmup=0.25)], lr=0.01, epochs=2)
    assert [r["lr"] for r in reused.history] == [r["lr"] for r in fresh.history]   # the first Trainer's 0.1 before
    d = WarmupCosine(deadline_seconds=1000.0, warmup=0.5)
    _fit(_model(0), [d], lr=0.1, epochs=1)
    begun = time.perf_counter()
    _fit(_model(0), [d], lr=0.1, epochs=1)
    assert d.start >= begun            # the deadline counted from the first fit's start (its lr past the warm-up)


def test_a_resumed_fit_keeps_the_checkpointed_early_stopping_state(tmp_path):
    # the reset is the new Trainer's (setup), before a resume restores the checkpoint's best: resume stays exact
    def run(run_dir, epochs, resume, es):
        cfg = TrainConfig(epochs=epochs, optim=OptimConfig(lr=0.05), quiet=True)
        return Trainer(_model(0), _loss, config=cfg, run_dir=run_dir, callbacks=[es]).fit(_data(), _data(),
                                                                                        resume=resume)
    whole = run(tmp_path / "a", 4, False, EarlyStopping(patience=10))
    es = EarlyStopping(patience=10)
    run(tmp_path / "b", 2, False, es)
    resumed = run(tmp_path / "b", 4, True, es)
    drop = lambda rows: [{k: v for k, v in r.items() if k != "time_s"} for r in rows]   # noqa: E731
    assert resumed.best == whole.best and drop(resumed.history) == drop(whole.history)


# ------------------------------------------------------------------ the same callback object twice
class _Count(Callback):
    def __init__(self):
        self.n = 0

    def on_epoch_end(self, trainer, epoch, row):
        self.n += 1


def test_the_same_callback_object_twice_is_refused():
    c = _Count()
    with pytest.raises(ConfigError, match=r"callbacks: expected each callback object once, got the same _Count"):
        Trainer(_model(0), _loss, config=TrainConfig(epochs=3, quiet=True), callbacks=[c, c])
    es = EarlyStopping(patience=2)
    with pytest.raises(ConfigError, match="same EarlyStopping object twice"):
        _fit(_model(0), [es, es], lr=1e-9, epochs=10)    # it stopped after 2 epochs for a patience of 2
    a, b = _Count(), _Count()                            # two instances of one class: each runs once an epoch
    Trainer(_model(0), _loss, config=TrainConfig(epochs=3, quiet=True), callbacks=[a, b]).fit(_data())
    assert (a.n, b.n) == (3, 3)


# ------------------------------------------------------------------ a task fitted again; save's data and split
X = ["good movie", "bad film", "great plot", "awful acting", "nice one", "terrible"] * 3
Y = ["pos", "neg"] * 9
# the network's own table: what these tests check (the data record, save's refusals, the labels' types, evaluate's
# options) is the Task API's, whatever the network reads; the default's contextual states are tested in s31_A
CFG = {**CLASSIFY_FAST, "min_freq": 1, "epochs": 1, "embeddings": "own"}


def _saved_data(path):
    return json.loads((path / "config.json").read_text())["data"]


def test_a_task_fitted_again_forgets_the_earlier_data_record(tmp_path):
    task = TextClassifier(TextClassifierConfig(**CFG)).fit(X, Y, baselines=False)
    task.save(tmp_path / "one", data={"file": "/data/old.csv", "columns": {"text": "review"}})
    task.fit(X[:12], Y[:12], baselines=False)
    task.save(tmp_path / "two")
    fresh = TextClassifier(TextClassifierConfig(**CFG)).fit(X[:12], Y[:12], baselines=False)
    fresh.save(tmp_path / "fresh")
    assert _saved_data(tmp_path / "two") == _saved_data(tmp_path / "fresh") == {}
    loaded = TextClassifier.load(tmp_path / "one")      # a loaded run refitted on other data
    assert loaded.data["file"] == "/data/old.csv"
    loaded.fit(X[:12], Y[:12], baselines=False)
    assert loaded.data == {}


@pytest.mark.parametrize("kw, match", [
    ({"split": "test"}, r"split: expected None or a dict \(JSON values\), got str 'test'"),
    ({"data": ["a.csv"]}, r"data: expected None or a dict \(JSON values\), got list"),
    ({"data": {"file": object()}}, r"data: expected a dict of JSON values .*object is not JSON serializable"),
])
def test_save_refuses_data_and_split_json_cannot_hold(tmp_path, kw, match):
    task = TextClassifier(TextClassifierConfig(**CFG)).fit(X, Y, baselines=False)
    with pytest.raises(InputTypeError, match=match):
        task.save(tmp_path / "run", **kw)
    assert not (tmp_path / "run").exists()       # an empty folder was left
    assert task.data == {}                       # it kept the object: every later save failed
    task.save(tmp_path / "run", data={"file": "a.csv"})
    assert TextClassifier.load(tmp_path / "run").data == {"file": "a.csv"}


# ------------------------------------------------------------------ labels that list() reads wrong
@pytest.mark.parametrize("make, match", [
    (lambda: dict(zip(X, Y)), r"labels: expected a list of labels \(one per item, in order\), got a dict \(its keys"),
    (lambda: set(Y), r"got a set \(unordered"),
    (lambda: pd.DataFrame({"label": Y}), r"got a DataFrame \(its column names would be read as the labels"),
])
def test_labels_a_dict_set_or_frame_are_refused(make, match):
    # list() read a dict's keys (every text its own class: 18 texts, 6 classes, silently), a set in hash order, a
    # frame's column names; scikit-learn refuses a dict and a set ('y should be a 1d array')
    with pytest.raises(InputTypeError, match=match):
        TextClassifier(TextClassifierConfig(**CFG)).fit(X, make(), baselines=False)
    with pytest.raises(InputTypeError, match=match):
        check_labels(make())
    assert check_labels(list(dict(zip(X, Y)).values())) == Y[:6]      # the values, in the items' order
    assert check_labels(pd.DataFrame({"label": Y})["label"]) == Y     # the frame's column


# ------------------------------------------------------------------ evaluate's options
def test_an_evaluate_option_no_score_reads_is_refused():
    task = TextClassifier(TextClassifierConfig(**CFG)).fit(X, Y)
    # 'baseline' (for baselines) and 'beam' (a translator's) were ignored: the baselines scored, silently
    with pytest.raises(ConfigError, match=r"baseline: expected an option TextClassifier.evaluate reads \(none; and "
                                          r"baselines, places\), got baseline=False \(did you mean 'baselines'\?\)"):
        task.evaluate(X, Y, baseline=False)
    with pytest.raises(ConfigError, match="beam: expected an option"):
        task.evaluate(X, Y, beam=5)
    assert "baselines" not in task.evaluate(X, Y, baselines=False) and "baselines" in task.evaluate(X, Y)


class _MyClassifier(TextClassifier):
    """A user's task whose score reads options of its own (docs/tasks.md, 'How to add a task')."""

    def score(self, inputs, targets, **options):
        return {**super().score(inputs, targets), "k": options.get("k")}


def test_a_users_score_keeps_its_own_options():
    task = _MyClassifier(TextClassifierConfig(**CFG)).fit(X, Y, baselines=False)
    assert task.evaluate(X, Y, k=3)["k"] == 3


# ------------------------------------------------------------------ one value written as another type
YN = [1, 0] * 9


def test_bool_gold_labels_against_int_classes_and_back_are_refused():
    from sklearn.metrics import accuracy_score

    task = TextClassifier(TextClassifierConfig(**CFG)).fit(X, YN, baselines=False)
    truth = [bool(v) for v in YN]
    right = task.evaluate(X, YN)["accuracy"]
    # scikit-learn scores True against 1 as equal; here each was an unseen label: accuracy 0.0, silently
    assert accuracy_score(truth, [int(p) for p in task.predict(X)]) == right
    with pytest.raises(DataError, match=r"labels\[0\]: expected a label as training wrote it, got True \(bool\) read "
                                        r"as 'True', while the class '1' is the same value"):
        task.evaluate(X, truth)
    with pytest.raises(DataError, match="got np.False_"):
        task.evaluate(X, np.array(truth)[::-1])
    trained_on_bools = TextClassifier(TextClassifierConfig(**CFG)).fit(X, truth, baselines=False)
    with pytest.raises(DataError, match=r"got 1 \(int\) read as '1', while the class 'True' is the same value"):
        trained_on_bools.evaluate(X, YN)
    assert trained_on_bools.evaluate(X, truth)["accuracy"] >= 0.0       # its own type scores


def test_validation_labels_written_as_another_type_are_refused_at_fit():
    ok = TextClassifier(TextClassifierConfig(**CFG)).fit(X, YN, X[:4], YN[:4], baselines=False)
    assert ok.split["validation"]["rule"] == "given" and len(ok.history["val"]) == CFG["epochs"]
    # 1.0 for training's 1: every validation label unseen, the score 0.0 each epoch, early stopping kept epoch 1
    for val, shown in (([float(v) for v in YN[:4]], r"1\.0 \(float\)"), ([bool(v) for v in YN[:4]], r"True \(bool\)")):
        with pytest.raises(DataError, match=rf"val_labels\[0\]: expected a label as training wrote it, got {shown}"):
            TextClassifier(TextClassifierConfig(**CFG)).fit(X, YN, X[:4], val, baselines=False)


# ------------------------------------------------------------------ a baseline save cannot bring back
class _Majority:
    """A user's baseline: fit and predict, and a state() -- but no type the task's load knows."""

    def fit(self, texts, labels):
        self.label = max(sorted(set(labels)), key=labels.count)
        return self

    def predict(self, texts):
        return [self.label] * len(texts)

    def state(self):
        return {}, {"label": self.label}


@pytest.mark.parametrize("name", ["majority", "tfidf_logreg"])
def test_save_refuses_a_baseline_load_cannot_rebuild(tmp_path, name):
    task = TextClassifier(TextClassifierConfig(**CFG)).fit(X, Y, baselines={name: _Majority()})
    assert set(task.evaluate(X, Y)["baselines"]) == {name}       # it is scored as given
    # the save succeeded and every load failed: 'expected baselines among [...]' (or another class's from_state)
    with pytest.raises(InputTypeError, match=rf"baselines\['{name}'\]: expected a baseline TextClassifier.load can "
                                             r"rebuild \('tfidf_logreg': TfidfLogReg, .*got _Majority"):
        task.save(tmp_path / "run")
    assert not (tmp_path / "run").exists()
    known = TextClassifier(TextClassifierConfig(**CFG)).fit(X, Y)      # the default baselines save and load
    known.save(tmp_path / "ok")
    assert TextClassifier.load(tmp_path / "ok").predict(X) == known.predict(X)


# ------------------------------------------------------------------ experiments: out= over files of the user's
def test_an_experiment_out_folder_holding_a_json_no_experiment_wrote_is_refused(tmp_path):
    from rnnkit.experiments import compare, run_experiment

    tiny = dict(length=3, steps=2, seed=5, eval_every=2, hidden_size=4, batch_size=4, eval_size=8)
    mine = tmp_path / "project"
    mine.mkdir()
    (mine / "result.json").write_text('{"accuracy": 0.91}')      # a project's own file, replaced silently before
    with pytest.raises(ConfigError, match=r"out: expected a new folder or one an experiment wrote, got .* holding a "
                                          r"result.json that no experiment wrote"):
        run_experiment("copy", cell="gru", out=mine, **tiny)
    assert (mine / "result.json").read_text() == '{"accuracy": 0.91}'
    (mine / "compare.json").write_text("[]")
    with pytest.raises(ConfigError, match="holding a compare.json that no experiment wrote"):
        compare("copy", ["gru"], out=mine, **tiny)
    first = run_experiment("copy", cell="gru", out=tmp_path / "runs", **tiny)      # a rerun replaces its own files
    again = run_experiment("copy", cell="gru", out=tmp_path / "runs", **tiny)
    assert json.loads((tmp_path / "runs" / "result.json").read_text())["metrics"] == again["metrics"] == first["metrics"]
    s = compare("copy", ["gru"], out=tmp_path / "cmp", **tiny)
    assert compare("copy", ["gru"], out=tmp_path / "cmp", **tiny)["rows"][0]["cell"] == s["rows"][0]["cell"] == "gru"


# ------------------------------------------------------------------ callbacks that write: where
def test_a_checkpointer_without_a_run_dir_and_a_metric_log_path_that_is_a_folder_are_refused(tmp_path):
    from rnnkit.training.callbacks import Checkpointer, MetricLogger

    cfg = TrainConfig(epochs=2, quiet=True)
    # the fit ran to its end and wrote no checkpoint, silently (the Trainer refuses checkpoint_every without run_dir)
    with pytest.raises(ConfigError, match=r"callbacks: expected a Trainer with a run_dir for the Checkpointer given"):
        Trainer(_model(0), _loss, config=cfg, callbacks=[Checkpointer()])
    r = Trainer(_model(0), _loss, config=cfg, run_dir=tmp_path / "run", callbacks=[Checkpointer(keep=1)]).fit(_data())
    assert r.epochs_run == 2 and [p.name for p in (tmp_path / "run" / "checkpoints").glob("step-*")] == ["step-00000008"]
    (tmp_path / "logs").mkdir()
    (tmp_path / "file").write_text("x")
    for path, error, match in ((tmp_path / "logs", ConfigError, "an existing folder"),   # IsADirectoryError at fit
                               (tmp_path / "file" / "m.jsonl", ConfigError, "an existing file"),   # FileExistsError
                               (b"m.jsonl", InputTypeError, "expected a file path")):
        with pytest.raises(error, match=rf"^path: .*{match}"):
            MetricLogger(path=path)
    Trainer(_model(0), _loss, config=cfg, callbacks=[MetricLogger(path=tmp_path / "logs" / "m.jsonl")]).fit(_data())
    assert len((tmp_path / "logs" / "m.jsonl").read_text().splitlines()) == 2


def test_seed_everything_takes_a_numpy_int():
    from rnnkit.training import seed_everything

    # the numpy-scalar rule: check_seed took np.int64(3), then random.seed refused it ('The only supported seed
    # types are: None, int, float, str, bytes, and bytearray'), a bare TypeError
    g = seed_everything(np.int64(3))
    a = (torch.rand(3), np.random.rand(), g.initial_seed())
    g = seed_everything(3)                                          # oracle: the Python int
    assert torch.equal(a[0], torch.rand(3)) and a[1] == np.random.rand() and a[2] == g.initial_seed() == 3


def test_build_layer_forget_bias_takes_numpy_numbers_and_refuses_non_finite():
    from rnnkit.experiments import build_layer, init_recurrent

    def biases(fb):
        torch.manual_seed(0)
        return [p.detach().clone() for n, p in build_layer("lstm", 2, 3, forget_bias=fb).named_parameters() if "bias" in n]

    for fb in (np.float32(1.0), np.int64(1)):       # 'forget_bias: expected a number or None, got np.float32(1.0)'
        assert all(torch.equal(a, b) for a, b in zip(biases(fb), biases(1.0)))
    for fb in (float("nan"), float("inf")):         # written into the keep gate's bias: every loss NaN
        with pytest.raises(ConfigError, match=r"^forget_bias: expected a finite number"):
            build_layer("lstm", 2, 3, forget_bias=fb)
        with pytest.raises(ConfigError, match=r"^forget_bias: expected a finite number"):
            init_recurrent(build_layer("gru", 2, 3), forget_bias=fb)


def test_macro_f1_refuses_a_str_of_labels_and_no_items_as_scikit_learn_does():
    from sklearn.metrics import f1_score

    from rnnkit.tasks.common import macro_f1

    t, p = ["a", "b", "b"], ["a", "a", "b"]
    assert macro_f1(t, p, ["a", "b"]) == pytest.approx(f1_score(t, p, labels=["a", "b"], average="macro"))
    with pytest.raises(InputTypeError, match=r"^labels: expected a list of labels, got a str 'ab'"):
        macro_f1(t, p, "ab")        # read as 'a' and 'b' by luck here, 'pos' as 'p', 'o', 's' (F1 0.0)
    with pytest.raises(DataError, match=r"^y_true: expected at least one label, got none"):
        macro_f1([], [])            # 0.0 for nothing scored; scikit-learn: 'Found empty input array'


def test_classification_metrics_and_bio_spans_refuse_what_they_cannot_read():
    from sklearn.metrics import accuracy_score

    from rnnkit.tasks.common import bio_spans, classification_metrics

    m = classification_metrics(["pos", "neg"], ["pos", "pos"], ["neg", "pos"])
    assert m["accuracy"] == accuracy_score(["pos", "neg"], ["pos", "pos"]) and m["labels"] == ["neg", "pos"]
    with pytest.raises(InputTypeError, match=r"^labels: expected a list of labels, got a str 'ab'"):
        classification_metrics(["a"], ["a"], "ab")        # the classes 'a' and 'b', silently
    assert bio_spans(["B-PER", "I-PER", "O"]) == {("PER", 0, 2)}
    for tags, bad in ((["B-PER", None], "NoneType None"), ([1, "O"], "int 1")):   # a bare AttributeError
        with pytest.raises(InputTypeError, match=rf"^tags\[\d\]: expected a str tag, got {bad}"):
            bio_spans(tags)


def test_plot_gradient_flow_checks_its_path_before_drawing(tmp_path):
    from rnnkit.diagnostics import plot_gradient_flow

    norms = {"lstm": torch.rand(5, 2)}
    (tmp_path / "file").write_text("x")
    for path, error, match in ((tmp_path / "flow.jpg", ConfigError, r"expected a \.png file path \(the plot is written"),
                               (tmp_path / "flow.svg", ConfigError, "written as PNG"),    # PNG bytes under .jpg/.svg
                               (tmp_path / "file" / "x.png", ConfigError, "an existing file"),   # FileExistsError
                               (b"flow.png", InputTypeError, "str or os.PathLike")):           # a bare TypeError
        with pytest.raises(error, match=rf"^path: .*{match}"):
            plot_gradient_flow(norms, path)
    assert not (tmp_path / "flow.jpg").exists()
    out = plot_gradient_flow(norms, tmp_path / "sub" / "flow.png")       # oracle: a .png path is written as PNG
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_epoch_batches_checks_its_length_and_what_make_returns():
    from rnnkit.training.data import EpochBatches

    cfg = TrainConfig(epochs=1, quiet=True)
    for length, error in ((-1, ConfigError), (2.5, InputTypeError), (True, InputTypeError)):
        with pytest.raises(error, match=r"^length: expected None or an int >= 0 \(batches per epoch\)"):
            EpochBatches(lambda e: _data(), length)        # -1: a raw ValueError of len() when fit began
    with pytest.raises(InputTypeError, match=r"^make: expected make\(epoch\) to return an iterable of batches, got "
                                             r"NoneType for epoch 0"):
        Trainer(_model(0), _loss, config=cfg).fit(EpochBatches(lambda e: None, 4))   # a bare TypeError
    r = Trainer(_model(0), _loss, config=cfg).fit(EpochBatches(lambda e: _data(), np.int64(4)))  # oracle: the list
    assert r.history[0]["train_loss"] == Trainer(_model(0), _loss, config=cfg).fit(_data()).history[0]["train_loss"]


def test_split_indices_refuses_an_unseeded_or_impossible_split():
    from rnnkit.tasks.base import split_indices

    assert [a.tolist() for a in split_indices(np.int64(5), 0.4, np.int64(0))] == [[0, 1, 3], [2, 4]]   # the doctest's
    for n, seed, error, match in ((5, None, ConfigError, "seed: expected an int"),   # an unseeded split, silently
                                  (5, -1, ConfigError, "seed: expected an int"),     # numpy's bare ValueError
                                  (-1, 0, ConfigError, "n: expected an int >= 0"),   # nothing held out, silently
                                  (True, 0, InputTypeError, "n: expected an int"),   # one item
                                  (5.0, 0, InputTypeError, "n: expected an int")):   # a bare AxisError
        with pytest.raises(error, match=rf"^{match}"):
            split_indices(n, 0.4, seed)
