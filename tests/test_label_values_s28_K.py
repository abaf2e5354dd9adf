"""A classifier predicts labels of the type it was given (session 28, helper K; rnnkit.tasks.label_values).

``TextClassifier().fit(texts, [1, 0, ...]).predict(texts)`` returned ``['1', '0', ...]``: a user's
``np.mean(np.array(pred) == y)`` was 0.0 where ``evaluate`` said 1.0, and scikit-learn's ``accuracy_score(y, pred)``
raised 'Mix of label input types'. The oracle: the predictions compare equal to the labels as given, element by
element, exactly as evaluate's accuracy counts them, and are of the labels' own type (scikit-learn's predictions are of
its ``classes_``' dtype); the classes as text (CLI, service, run folder, metrics) are unchanged."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit._io import atomic_write_json, write_digests
from rnnkit.cli import main as cli_main
from rnnkit.errors import CheckpointError
from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig
from rnnkit.tasks.tsc import TimeSeriesClassifier, TSCConfig

pytestmark = pytest.mark.usefixtures("one_thread_module")

TEXTS = ["good great fine", "bad awful poor", "great good nice", "poor bad terrible"] * 3
BITS = [1, 0, 1, 0] * 3
# The network reads its own table: the claim is the labels' type, not the inputs (the default's contextual states
# are tested in test_classify_default_s31_A; here they cost ~0.4 s of encoder reading a fit)
TINY = dict(epochs=1, combine=False, embed_dim=8, hidden_size=8, progress=False, min_freq=1, embeddings="own")


def _clf(labels, **kw):
    return TextClassifier(TextClassifierConfig(**{**TINY, **kw})).fit(TEXTS, labels, baselines=False)


def _same_as_given(clf, labels, kind):
    pred = clf.predict(TEXTS)
    assert all(type(p) is kind for p in pred), [type(p) for p in pred]
    gold = list(labels)
    assert set(pred) <= set(gold)
    # the user's own accuracy is evaluate's (at 9e7b5a7: 0.0 against evaluate's figure, every item '1' != 1)
    assert np.mean([p == g for p, g in zip(pred, gold)]) == clf.evaluate(TEXTS, labels)["accuracy"]
    proba = clf.predict_proba(TEXTS)
    assert [clf.classes_[i] for i in proba.argmax(1)] == pred     # as scikit-learn's classes_[argmax]
    assert clf.classes == [str(v) for v in clf.classes_]          # the classes as text: unchanged
    return pred


@pytest.mark.parametrize("labels, kind, name", [
    (BITS, int, "int"),
    ([bool(b) for b in BITS], bool, "bool"),
    ([0.5 if b else 2.0 for b in BITS], float, "float"),
    (np.array(BITS), np.int64, "numpy.int64"),
    (np.array(BITS, dtype=np.uint8), np.uint8, "numpy.uint8"),
    (np.array([0.1 if b else 0.2 for b in BITS], dtype=np.float32), np.float32, "numpy.float32"),
    (np.array(BITS, dtype=bool), np.bool_, "numpy.bool"),
    (pd.Series(BITS), int, "int"),                           # pandas gives Python ints of an int64 column
    (pd.Series(BITS, dtype="Int64"), np.int64, "numpy.int64"),   # and numpy's of a nullable one
])
def test_labels_of_one_number_or_bool_type_are_predicted_in_it(labels, kind, name):
    clf = _clf(labels)
    assert clf.label_type == name
    _same_as_given(clf, labels, kind)
    if kind is np.float32:     # a float32 0.1 read back as a Python float (0.1 in float64) equals no label
        assert np.asarray(clf.predict(TEXTS)).dtype == np.float32 and clf.classes_.dtype == np.float32


def test_scikit_learn_scores_the_predictions_as_it_scores_its_own():
    from sklearn.metrics import accuracy_score

    clf = _clf(BITS)
    pred = clf.predict(TEXTS)
    assert accuracy_score(BITS, pred) == clf.evaluate(TEXTS, BITS)["accuracy"]   # 'Mix of label input types' before


def test_text_labels_and_labels_of_two_types_stay_text(tmp_path):
    words = ["pos" if b else "neg" for b in BITS]
    clf = _clf(words)
    assert clf.label_type is None and all(type(p) is str for p in clf.predict(TEXTS))
    clf.save(tmp_path / "run")
    assert "label_type" not in json.loads((tmp_path / "run" / "config.json").read_text())["state"]   # as before
    mixed = [1 if b else np.int64(0) for b in BITS]          # two types: kept as text, as before
    assert _clf(mixed).label_type is None and set(_clf(mixed).predict(TEXTS)) <= {"1", "0"}


def test_labels_given_once_by_a_generator_are_read_for_their_type_too():
    clf = TextClassifier(TextClassifierConfig(**TINY)).fit(TEXTS, (b for b in BITS), baselines=False)
    assert clf.label_type == "int" and all(type(p) is int for p in clf.predict(TEXTS))


def test_a_refit_takes_the_new_labels_type():
    clf = _clf(BITS)
    clf.fit(TEXTS, ["pos" if b else "neg" for b in BITS], baselines=False)
    assert clf.label_type is None and set(clf.predict(TEXTS)) <= {"pos", "neg"}
    clf.fit(TEXTS, [bool(b) for b in BITS], baselines=False)
    assert clf.label_type == "bool" and set(clf.predict(TEXTS)) <= {True, False}


@pytest.mark.parametrize("labels, kind", [(BITS, int), (np.array([0.1 if b else 0.2 for b in BITS], np.float32),
                                                         np.float32)])
def test_a_saved_run_predicts_in_the_labels_type_after_load(tmp_path, labels, kind):
    clf = _clf(labels)
    want = clf.predict(TEXTS)
    clf.save(tmp_path / "run")
    state = json.loads((tmp_path / "run" / "config.json").read_text())["state"]
    assert state["label_type"] == clf.label_type
    back = TextClassifier.load(tmp_path / "run")
    got = back.predict(TEXTS)
    assert got == want and all(type(p) is kind for p in got)   # at 9e7b5a7: text
    assert back.classes == clf.classes and back.evaluate(TEXTS, labels)["accuracy"] == np.mean(
        [p == g for p, g in zip(got, list(labels))])


def _edit_state(folder, **changes):
    cfg = json.loads((folder / "config.json").read_text())
    for key, value in changes.items():
        if value is None:
            cfg["state"].pop(key, None)
        else:
            cfg["state"][key] = value
    atomic_write_json(folder / "config.json", cfg)
    write_digests(folder, list(json.loads((folder / "digests.json").read_text())["sha256"]))


def test_a_run_saved_before_the_label_type_loads_and_predicts_text(tmp_path):
    """A run saved before session 28 had no "label_type" in its state: it loads, with no error or warning, and
    predicts the text it predicted then."""
    _clf(BITS).save(tmp_path / "run")
    _edit_state(tmp_path / "run", label_type=None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        back = TextClassifier.load(tmp_path / "run")
    assert back.label_type is None and set(back.predict(TEXTS)) <= {"1", "0"}


@pytest.mark.parametrize("value, says", [
    (5, "int 5"), ("complex", "'complex'"), ("numpy.complex128", "'numpy.complex128'"), ("numpy.str_", "numpy.str_"),
    ("bool", "'True' or 'False', got '1'"),
])
def test_a_label_type_edited_in_the_run_is_a_checkpoint_error_naming_the_file(tmp_path, value, says):
    _clf(BITS).save(tmp_path / "run")
    _edit_state(tmp_path / "run", label_type=value)
    with pytest.raises(CheckpointError, match=r"config\.json: expected 'label_type' in 'state'.*" + says):
        TextClassifier.load(tmp_path / "run")


def test_a_label_type_the_classes_do_not_read_as_is_refused(tmp_path):
    _clf(["pos" if b else "neg" for b in BITS]).save(tmp_path / "run")
    _edit_state(tmp_path / "run", label_type="int")      # 'pos' is no int: predict would fail later
    with pytest.raises(CheckpointError, match=r"config\.json: expected 'label_type'.*invalid literal for int"):
        TextClassifier.load(tmp_path / "run")


# ------------------------------------------------------------------------------------ time-series classifier
def _series(n=12):
    rng = np.random.default_rng(0)
    return [np.sin(np.linspace(0, 6, 20) * (1 + (i % 2)))[:, None] + 0.05 * rng.standard_normal((20, 1))
            for i in range(n)]


@pytest.mark.filterwarnings("ignore:tsc. the network did not learn")
@pytest.mark.parametrize("model", ["rnn", "auto"])
def test_tsc_predicts_int_labels_as_ints_and_keeps_them_when_loaded(tmp_path, model):
    X, y = _series(), [1 + (i % 2) for i in range(12)]
    tsc = TimeSeriesClassifier(TSCConfig(model=model, epochs=2, hidden_size=8, progress=False)).fit(X, y)
    pred = tsc.predict(X)
    assert all(type(p) is int for p in pred)                       # at 9e7b5a7: '1', '2'
    assert np.mean(np.array(pred) == np.array(y)) == tsc.evaluate(X, y, baselines=False)["accuracy"]
    tsc.save(tmp_path / "run")
    assert TimeSeriesClassifier.load(tmp_path / "run").predict(X) == pred


@pytest.mark.filterwarnings("ignore:tsc. the network did not learn", "ignore:val_y")
def test_tsc_auto_classes_that_only_validation_labels_have_in_another_type_are_warned_and_kept_text():
    """The auto model's classes come from the training and validation labels: one of the latter that is no int
    (given as text) cannot be an int class -- warned, and the predictions stay text."""
    X, y = _series(), [1 + (i % 2) for i in range(12)]
    tsc = TimeSeriesClassifier(TSCConfig(epochs=1, hidden_size=8, progress=False))
    with pytest.warns(UserWarning, match=r"labels: given as int, but the class 'x' \(of the validation labels\)"):
        tsc.fit(X, y, val_inputs=X[:3], val_targets=[1, 2, "x"])
    assert tsc.label_type is None and all(type(p) is str for p in tsc.predict(X))


# ------------------------------------------------------------------------------------ CLI
def _cli(argv, capsys):
    code = cli_main.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def test_a_cli_trained_run_prints_what_it_printed_and_an_api_int_run_prints_its_classes_as_text(tmp_path, capsys):
    """The CLI reads labels as text: its runs have no label type (config.json as before) and print the labels as the
    file wrote them. A run trained through the API on int labels prints them as text too (str(v): what a file of
    them shows), in the text output and in --json, never as JSON numbers."""
    rows = "\n".join(f"{t},{b}" for t, b in zip(TEXTS * 2, BITS * 2))
    (tmp_path / "d.csv").write_text("text,label\n" + rows + "\n", encoding="utf-8")
    (tmp_path / "in.txt").write_text("good great fine\nbad awful poor\n", encoding="utf-8")
    flags = ["--epochs", 1, "--combine", "false", "--embed-dim", 8, "--hidden-size", 8, "--threads", 1, "--quiet",
             "--embeddings", "own"]
    _cli(["classify", "train", "--csv", tmp_path / "d.csv", "--out", tmp_path / "cli", *flags], capsys)
    assert "label_type" not in json.loads((tmp_path / "cli" / "config.json").read_text())["state"]
    _clf(BITS).save(tmp_path / "api")
    for run in ("cli", "api"):
        text = _cli(["classify", "predict", "--run", tmp_path / run, "--input", tmp_path / "in.txt"], capsys)
        assert [ln.split()[-1] for ln in text.strip().splitlines()] and set(text.split()) & {"0", "1"}
        got = json.loads(_cli(["classify", "predict", "--run", tmp_path / run, "--input", tmp_path / "in.txt",
                               "--json"], capsys))
        assert all(type(p) is str and p in ("0", "1") for p in got["predictions"])
        assert all(set(p) == {"0", "1"} for p in got["probabilities"])


# ------------------------------------------------------------------------------------ tagger
SENTS = [["the", "cat", "sat"], ["a", "dog", "ran"], ["the", "dog"], ["a", "cat"]] * 3
NER = [[0, 1, 0], [0, 2, 0], [0, 2], [0, 1]] * 3      # HuggingFace conll2003's ner_tags are ints


def _tagger(tags):
    from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig

    cfg = TaggerConfig(epochs=1, word_dim=8, char_dim=4, char_hidden=4, hidden_size=8, progress=False)
    return SequenceTagger(cfg).fit(SENTS, tags, baselines=False)


@pytest.mark.parametrize("tags, kind", [(NER, int), ([np.array(t) for t in NER], np.int64)])
def test_the_tagger_predicts_int_tags_as_ints_and_keeps_them_when_loaded(tmp_path, capsys, tags, kind):
    tagger = _tagger(tags)
    pred = tagger.predict(SENTS)
    assert all(type(g) is kind for sent in pred for g in sent)        # at 9e7b5a7: '0', '1', '2'
    flat = [(p, g) for ps, gs in zip(pred, tags) for p, g in zip(ps, list(gs))]
    assert np.mean([p == g for p, g in flat]) == tagger.evaluate(SENTS, tags, baselines=False)["token_accuracy"]
    tagger.save(tmp_path / "run")
    from rnnkit.tasks.tagging import SequenceTagger

    assert SequenceTagger.load(tmp_path / "run").predict(SENTS) == pred
    (tmp_path / "in.txt").write_text("the\ncat\n", encoding="utf-8")    # one token a line; the CLI prints text
    got = json.loads(_cli(["tag", "predict", "--run", tmp_path / "run", "--input", tmp_path / "in.txt", "--json"],
                          capsys))
    assert got["predictions"] == [[str(g) for g in tagger.predict([["the", "cat"]])[0]]]


def test_text_tags_stay_text():
    tagger = _tagger([["O", "B-X", "O"], ["O", "B-Y", "O"], ["O", "B-Y"], ["O", "B-X"]] * 3)
    assert tagger.label_type is None and all(type(g) is str for s in tagger.predict(SENTS) for g in s)


def test_the_service_of_an_api_int_run_answers_its_classes_as_text(tmp_path):
    """As the CLI: the labels as a file of them shows them (JSON strings), the probabilities keyed by them."""
    from rnnkit.serve.services import open_service

    clf = _clf(BITS)
    clf.save(tmp_path / "run")
    service = open_service(tmp_path / "run")
    try:
        out = service.predict(["good great fine", "bad awful poor"])["predictions"]
    finally:
        service.close()
    assert [p["label"] for p in out] == [str(v) for v in clf.predict(["good great fine", "bad awful poor"])]
    assert all(set(p["probabilities"]) == {"0", "1"} for p in out)



@pytest.mark.parametrize("values, kind", [(BITS, np.int64), ([bool(b) for b in BITS], np.bool_)])
def test_a_pandas_sparse_array_of_labels_predicts_in_its_dtype(values, kind):
    """helper A's sweep (session 28): a SparseArray iterates its stored values as numpy scalars and its fill value as
    a Python one -- read as two types, the predictions stayed text where a list, an array or a Series gave values."""
    for labels in (pd.arrays.SparseArray(values), pd.Series(pd.arrays.SparseArray(values))):
        clf = _clf(labels)
        assert clf.label_type == f"numpy.{np.dtype(kind).name}"
        _same_as_given(clf, labels, kind)
