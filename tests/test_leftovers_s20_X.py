"""Session 20, helper X: defects other helpers found and left. Each test fails on the code before its fix
(session start ed90d6c) unless it says otherwise."""

from __future__ import annotations

import csv
import re

import numpy as np
import pytest

from rnnkit.errors import DataError

pytestmark = pytest.mark.usefixtures("one_thread")  # one torch thread (tests/conftest.py)

INVISIBLE = ["\u200b", "\u2060", "\ufeff", "\u200e", "\u200f", "\u061c", "\u202e", "\u2066", "\u00ad", "\u200d",
             "\u200c"]
TEXTS = ["good movie", "bad movie", "great film", "awful film"] * 10


# ----------------------------------------------------------------------------- labels: invisible characters
@pytest.mark.parametrize("mark", INVISIBLE)
def test_labels_that_differ_only_by_an_invisible_character_are_refused(mark):
    # before: check_labels(['pos', 'pos\u200b']) gave two classes, one of them invisible on screen, while
    # ['pos', 'pos '] was refused
    from rnnkit.tasks.common import check_labels

    for twin in (f"pos{mark}", f"{mark}pos", f" {mark}pos{mark} "):
        with pytest.raises(DataError, match=r"^y: expected each label written one way, got 'pos' \(y\[0\]\) and .* "
                                            r"\(y\[2\]\), which differ only by invisible characters \(zero-width, "
                                            r"bidi marks, BOM, soft hyphens\)"):
            check_labels(["pos", "neg", twin], "y")
    assert check_labels(["pos", "neg", "pos"], "y") == ["pos", "neg", "pos"]          # oracle: one spelling


@pytest.mark.parametrize("mark", INVISIBLE)
def test_a_label_of_invisible_characters_alone_is_a_missing_label(mark):
    from rnnkit.tasks.common import check_labels

    with pytest.raises(DataError, match=r"^y\[1\]: expected a label, got a missing value \(.*\) \(invisible "
                                        r"characters alone\)$"):
        check_labels(["pos", f" {mark}{mark}", "neg"], "y")
    with pytest.raises(DataError, match=r"^y\[1\]: expected a label, got a missing value \(' '\)$"):  # as before
        check_labels(["pos", " ", "neg"], "y")
    with pytest.raises(DataError, match=r"^y\[1\]: expected a label, got a missing value \(None\)$"):
        check_labels(["pos", None, "neg"], "y")
    with pytest.raises(DataError, match=r"^y\[1\]: expected a label, got a missing value \(<NA>\)$"):
        check_labels(["pos", __import__("pandas").NA, "neg"], "y")


def test_a_joiner_inside_a_label_and_visible_marks_keep_labels_apart():
    # a guard (passes on the code before too): a ZWNJ inside a Persian word shapes it (the words tokenizer keeps it),
    # two words, two labels
    from rnnkit.tasks.common import check_labels

    persian = ["\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", "\u0645\u06cc\u062e\u0648\u0627\u0647\u0645"]
    assert check_labels(persian) == persian
    assert check_labels(["pos", "pos-", "neg"]) == ["pos", "pos-", "neg"]


def test_evaluation_names_a_gold_label_that_differs_from_a_class_by_an_invisible_character():
    # before: 'pos\u2060' was an unseen label, scored wrong every time, silently
    from rnnkit.tasks.common import check_label_spelling

    with pytest.raises(DataError, match=r"^y\[1\]: expected a label as training wrote it, got 'pos\\u2060', while the "
                                        r"class 'pos' differs only by invisible characters"):
        check_label_spelling(["neg", "pos\u2060"], ["neg", "pos\u2060"], ["neg", "pos"], "y")
    check_label_spelling(["zzz"], ["zzz"], ["neg", "pos"], "y")       # an unseen label of its own stays one


def test_every_classifier_and_the_tagger_and_tsc_refuse_them(tmp_path):
    from rnnkit.tasks.classify_linear import TfidfLogReg
    from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig
    from rnnkit.tasks.tsc import OneNNEuclidean

    labels = ["pos", "neg", "pos\u200b", "neg"] * 10
    with pytest.raises(DataError, match=r"^labels: expected each label written one way, got 'pos' \(labels\[0\]\) "
                                        r"and 'pos\\u200b' \(labels\[2\]\)"):
        TfidfLogReg(C=1.0).fit(TEXTS, labels)
    X = [np.arange(5.0)[:, None] + i for i in range(4)]
    with pytest.raises(DataError, match=r"^y: expected each label written one way"):
        OneNNEuclidean().fit(X, ["a", "b", "\ufeffa", "b"])
    with pytest.raises(DataError, match=r"^tags: expected each label written one way, got 'B-PER' \(tags\[0\]\[0\]\) "
                                        r"and 'B-PER\\u200f' \(tags\[1\]\[0\]\)"):
        SequenceTagger(TaggerConfig(epochs=1, progress=False)).fit([["Anna", "runs"], ["Bo", "sits"]],
                                                                   [["B-PER", "O"], ["B-PER\u200f", "O"]])


def test_classify_train_names_both_csv_rows(tmp_path, capsys):
    # helper Q's finding: a CSV with 'pos' and 'pos\u200d' trained four classes and its metrics showed both
    from rnnkit.cli.main import main

    pairs = (("good movie", "pos"), ("bad movie", "neg"), ("great film", "pos\u200d"), ("awful film", "neg"))
    rows = [(f"{t} {i}", lab) for i in range(10) for t, lab in pairs]
    with open(tmp_path / "zw.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        w.writerows(rows)
    code = main(["classify", "train", "--csv", str(tmp_path / "zw.csv"), "--epochs", "1", "--quiet",
                 "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert code != 0 and not (tmp_path / "run" / "config.json").exists()
    assert re.search(r"error: DataError: labels: expected each label written one way, got 'pos' \(labels\[\d+\] "
                     r"\(--csv '.*zw.csv' row \d+\)\) and 'pos\\u200d' \(labels\[\d+\] \(--csv '.*zw.csv' row \d+\)\)"
                     r", which differ only by invisible characters", err), err

