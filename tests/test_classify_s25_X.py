"""Session 25, helper X: the classifiers' leftovers of session 24 -- tiny data refused by a split with a line that
names the flag and offers only what can help, a network that learned nothing warned in the text classifier as in tsc
(one shared check), the case-only gold label hint in every classifier."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from rnnkit.errors import DataError

pytestmark = pytest.mark.usefixtures("one_thread_module")

TINY = dict(embed_dim=4, hidden_size=4, epochs=1, batch_size=8, min_freq=1, embeddings="own", tokenizer="words",
            combine=False, progress=False)


def _classifier(**kw):
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    return TextClassifier(TextClassifierConfig(**{**TINY, **kw}))


def test_two_texts_of_two_classes_are_refused_naming_val_fraction_without_a_seed_that_cannot_help():
    """Two texts, two labels: the validation split holds one out, so every split leaves one class. The line said
    'or another seed draws another split', which no seed could (fails at 77ec123: that clause was always there)."""
    with pytest.raises(DataError) as e:
        _classifier(val_fraction=0.1).fit(["good movie", "bad movie"], ["pos", "neg"])
    msg = str(e.value)
    assert msg.startswith("labels: expected at least 2 classes in the training part, got only ")
    assert msg.endswith("the random validation split took every text of ['pos']; val_fraction=0 (CLI --val-fraction "
                        "0) trains on all (1 of 2 texts left to train on: no split leaves two classes)")
    assert "seed" not in msg
    assert _classifier(val_fraction=0.0).fit(["good movie", "bad movie"], ["pos", "neg"]).classes == ["neg", "pos"]


def test_a_split_that_another_seed_could_change_still_offers_it():
    from rnnkit.tasks.classify_data import check_training_classes

    with pytest.raises(DataError, match=r"took every text of \['pos'\]; val_fraction=0 \(CLI --val-fraction 0\) "
                                        r"trains on all, or another seed draws another split$"):
        check_training_classes(["neg", "neg"], ["pos"])
    check_training_classes(["neg", "pos"], ["pos"])     # two classes left: nothing to say


def test_cli_two_texts_name_the_test_split_and_its_flag(tmp_path, capsys):
    """The CLI's --test-fraction split took one of two texts and the fit said 'labels: expected at least 2 classes,
    got ['neg']' -- the data had two, and no flag was named (fails at 77ec123)."""
    from rnnkit.cli.main import main

    (tmp_path / "t.csv").write_text("text,label\ngood movie,pos\nbad movie,neg\n", encoding="utf-8")
    args = ["classify", "train", "--csv", str(tmp_path / "t.csv"), "--epochs", "1", "--quiet", "--threads", "1",
            "--out", str(tmp_path / "run")]
    assert main(args) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "the random test split took every text of" in err[0]
    assert err[0].endswith("['pos']; --test-fraction 0 trains on all (1 of 2 texts left to train on: no split leaves "
                           "two classes)")


def _skewed(n: int = 200, rare: int = 2, seed: int = 0):
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(150)]
    texts = [" ".join(rng.choice(words, 6)) for _ in range(n)]
    return texts, ["b" if i < rare else "a" for i in range(n)]


def test_99_to_1_labels_a_network_that_learned_nothing_is_warned_as_tsc_does():
    """Labels 99:1: every text was predicted the majority class, no word said (fails at 77ec123: no warning). Oracle:
    the classifier's own predictions of the minority texts, and tsc's check (task_parts.not_learned), shared: the loss
    never went below that of guessing the label shares (named in the line when it holds)."""
    from rnnkit.tasks.task_parts import not_learned

    texts, labels = _skewed()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf = _classifier(epochs=2, val_fraction=0.0).fit(texts, labels, baselines=False)
    said = [str(w.message) for w in caught if "did not learn" in str(w.message)]
    assert set(clf.predict(texts)) == {"a"}
    assert len(said) == 1 and said[0].startswith("classify: the network did not learn: it predicts 'a' for every "
                                                 "training text of the other classes ['b'] (its best training loss ")
    assert "its predictions are no better than the majority class" in said[0]
    assert "docs/tasks.md (text classification)" in said[0]
    assert [w.filename for w in caught if "did not learn" in str(w.message)] == [__file__]   # names the caller
    assert clf.history["learned"] is False
    assert not_learned(clf.epoch_log, clf.labels.encode(labels)) is not None


def test_a_network_that_learned_is_not_warned():
    texts = ["good fine nice", "bad awful", "nice good", "awful bad bad"] * 8
    labels = ["pos", "neg", "pos", "neg"] * 8
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf = _classifier(epochs=8, lr=0.05, val_fraction=0.0).fit(texts, labels, baselines=False)
    assert not [w for w in caught if "did not learn" in str(w.message)]
    assert clf.history["learned"] is True and clf.predict(["good nice", "bad"]) == ["pos", "neg"]


def test_tsc_evaluate_says_why_a_gold_label_differing_by_case_alone_is_unseen():
    """Session 24's hint lived in the text classifier only: tsc scored 'A' against a trained 'a' as an unseen label
    with no word of why (fails at 77ec123). Now ClassifierTask.check_known gives it to every classifier."""
    from rnnkit.tasks.tsc import TimeSeriesClassifier, TSCConfig

    rng = np.random.default_rng(0)
    X = [rng.normal(size=(8, 1)).astype("float32") + i % 2 for i in range(12)]
    clf = TimeSeriesClassifier(TSCConfig(model="rnn", epochs=1, hidden_size=4, progress=False)).fit(
        X, ["a", "b"] * 6, baselines=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = clf.evaluate(X, ["A", "b"] * 6, baselines=False)
    said = [w for w in caught if "letter case" in str(w.message)]
    assert len(said) == 1 and said[0].filename == __file__
    assert str(said[0].message).startswith("y: 6 gold item(s) carry 1 label(s) that no class of the run has but one "
                                           "written in another letter case, e.g. 'A' (y[0]) for the class 'a'")
    assert m["unseen_labels"] == 6       # still scored as errors: case is significant


def test_tsc_fitted_again_on_series_of_other_channels_fits_them():
    """sklearn's refit: fit on new data starts afresh. A second fit on 2-channel series was refused with the first
    fit's 'X[0]: expected 1 channels, got 2' (fails at 77ec123); predictions then follow the new fit's channels."""
    from rnnkit.tasks.tsc import TimeSeriesClassifier, TSCConfig

    rng = np.random.default_rng(1)
    clf = TimeSeriesClassifier(TSCConfig(model="rnn", epochs=1, hidden_size=4, progress=False))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")     # 'did not learn': one epoch
        clf.fit([rng.normal(size=(8, 1)).astype("float32") for _ in range(6)], ["a", "b"] * 3, baselines=False)
        two = [rng.normal(size=(8, 2)).astype("float32") + i % 2 for i in range(6)]
        clf.fit(two, ["c", "d"] * 3, [two[0]], ["c"], baselines=False)
    assert clf.classes == ["c", "d"] and len(clf.predict(two)) == 6
    with pytest.raises(DataError, match=r"^X\[0\]: expected 2 channels, got 1"):
        clf.predict([np.zeros((8, 1), "float32")])


def test_cli_tsc_two_series_name_the_test_split_and_its_flag(tmp_path, capsys):
    """Fails at 77ec123: 'y: expected at least 2 classes, got ['b']' of a file holding two, no flag named."""
    from rnnkit.cli.main import main

    (tmp_path / "two.ucr").write_text("a\t1\t2\t3\t4\t5\nb\t5\t4\t3\t2\t1\n", encoding="utf-8")
    assert main(["tsc", "train", "--ucr", str(tmp_path / "two.ucr"), "--epochs", "1", "--quiet", "--threads", "1",
                 "--out", str(tmp_path / "run")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "the random test split took every series of" in err[0]
    assert err[0].endswith("--test-fraction 0 trains on all (1 of 2 series left to train on: no split leaves two "
                           "classes)")
