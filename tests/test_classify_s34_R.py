"""Session 34, helper R: ``rnnkit classify`` on hostile inputs (each test fails on the code before its fix)."""

from __future__ import annotations

import warnings

from rnnkit.cli.main import main


def test_a_text_column_of_numbers_alone_is_warned_once_naming_the_row(tmp_path):
    # '--text-col stars' (a ratings column) trained on the numbers' characters, exit 0, without a word
    rows = "".join(f"{i * 3.5},{'neg' if i % 2 else 'pos'}\n" for i in range(24))
    (tmp_path / "n.csv").write_text("text,label\n" + rows, encoding="utf-8")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert main(["classify", "train", "--csv", str(tmp_path / "n.csv"), "--epochs", "1", "--no-baseline",
                     "--embeddings", "own", "--quiet", "--out", str(tmp_path / "run")]) == 0
    said = [str(w.message) for w in seen if "is a number" in str(w.message)]
    assert len(said) == 1 and said[0].startswith("texts: every one of the ") and "row " in said[0], said


def test_texts_with_one_word_among_the_numbers_are_not_warned():
    from rnnkit.tasks.classify_data import warn_number_texts

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        warn_number_texts(["3", "4.5", "five"]), warn_number_texts(["42"]), warn_number_texts(["1-2", "3"])
    assert seen == []


def test_a_label_column_of_a_different_label_for_every_text_is_warned_as_swapped(tmp_path):
    # --text-col label --label-col text: each text became a class of one item, trained with four other warnings and
    # scikit-learn's raw 'unique classes > 50%' one, none saying the columns look swapped
    rows = "".join(f"{'a fine film' if i % 2 else 'a poor film'} number {i},{'pos' if i % 2 else 'neg'}\n"
                   for i in range(24))
    (tmp_path / "c.csv").write_text("text,label\n" + rows, encoding="utf-8")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        main(["classify", "train", "--csv", str(tmp_path / "c.csv"), "--text-col", "label", "--label-col", "text",
              "--epochs", "1", "--no-baseline", "--embeddings", "own", "--quiet", "--out", str(tmp_path / "run")])
    said = [str(w.message) for w in seen if "training labels is different" in str(w.message)]
    assert len(said) == 1 and "columns swapped?" in said[0] and "row " in said[0], said


def test_labels_repeated_or_few_are_not_warned_as_swapped():
    from rnnkit.tasks.classify_data import warn_unique_labels

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        warn_unique_labels([str(i) for i in range(9)]), warn_unique_labels([str(i % 11) for i in range(12)])
    assert seen == []
