"""Session 14, helper Q: the text and sequence tasks as a user with their own data runs them.

Each test fails on the code before its fix (PYTHONPATH=<old tree>/src)."""

from __future__ import annotations

import numpy as np
import pytest

from rnnkit.errors import DataError, InputTypeError
from rnnkit.tasks.common import check_label_spelling, check_labels
from rnnkit.tasks.tsc import OneNNEuclidean


def test_labels_differing_only_by_spaces_are_refused_not_two_classes():
    # a CSV column is stripped when read ('pos ' is 'pos'); a list was two classes, 'pos' and 'pos ', silently
    with pytest.raises(DataError, match=r"labels: expected each label written one way, got 'pos' \(labels\[0\]\) "
                                        r"and 'pos ' \(labels\[2\]\)"):
        check_labels(["pos", "neg", "pos ", "neg"])
    assert check_labels(["pos", "Pos", "neg"]) == ["pos", "Pos", "neg"]    # case is kept, as scikit-learn does


def test_gold_label_with_spaces_of_a_class_is_named_at_evaluate():
    with pytest.raises(DataError, match=r"y\[1\]: expected a label as training wrote it, got ' pos', while the "
                                        r"class 'pos' differs only by spaces"):
        check_label_spelling(["neg", " pos"], ["neg", " pos"], ["neg", "pos"], "y")
    check_label_spelling(["neutral"], ["neutral"], ["neg", "pos"], "y")    # a truly unseen class is scored, no error


@pytest.mark.parametrize("label", [["pos"], ("pos",), {"pos"}, np.array(["pos"]), b"pos"])
def test_a_label_that_is_a_container_or_bytes_is_refused(label):
    # str() made ['pos'] the class "['pos']" and b'pos' the class "b'pos'", silently
    with pytest.raises(InputTypeError, match=r"y\[1\]: expected a label \(a str or a number\), got "):
        check_labels(["neg", label, "neg"], "y")


def test_tsc_one_nn_refuses_nested_labels():
    X = [np.zeros((3, 1), np.float32), np.ones((3, 1), np.float32)]
    with pytest.raises(InputTypeError, match=r"y\[0\]: expected a label"):
        OneNNEuclidean().fit(X, [[0], [1]])


def test_text_classifier_refuses_spaced_twins_end_to_end():
    from rnnkit.tasks.classification import TextClassifier
    from rnnkit.tasks.classify_config import TextClassifierConfig

    task = TextClassifier(TextClassifierConfig(hidden_size=4, embed_dim=4, epochs=1, progress=False, embeddings="own"))
    with pytest.raises(DataError, match="differ only by spaces"):
        task.fit(["good", "bad", "great", "awful"], ["pos", "neg", "pos ", "neg"])


def test_tagger_refuses_a_tag_written_with_spaces_in_another_sentence():
    from rnnkit.tasks.tagging import _check_tags

    sents = [["John", "ran"], ["Mary", "sat"]]
    with pytest.raises(DataError, match=r"tags: expected each label written one way, got 'B-PER' \(tags\[0\]\[0\]\) "
                                        r"and 'B-PER ' \(tags\[1\]\[0\]\)"):
        _check_tags([["B-PER", "O"], ["B-PER ", "O"]], sents)
    assert _check_tags([["B-PER", "O"], ["B-PER", "O"]], sents) == [["B-PER", "O"], ["B-PER", "O"]]


def test_generate_sample_default_prompt_unseen_names_the_flag(tmp_path, capsys):
    # a one-line training text has no newline: the default --prompt (a newline) was a DataError about
    # 'unseen characters ['\n']' in a prompt the user never typed
    from rnnkit.cli.main import main
    from rnnkit.tasks.generation import CharLM, CharLMConfig

    run = tmp_path / "lm"
    CharLM(CharLMConfig(hidden_size=8, embed_dim=4, batch_size=2, bptt=5, rounds=1, chunks_per_round=2,
                        progress=False)).fit("abcab cab " * 20, baselines=False).save(run)
    assert main(["generate", "sample", "--run", str(run)]) == 2
    assert "--prompt: expected a prompt of characters seen in training, got the default, a newline" \
        in capsys.readouterr().err
    assert main(["generate", "sample", "--run", str(run), "--prompt", "ab", "--length", "3"]) == 0


def test_tsc_series_containers_as_users_hold_them():
    from rnnkit.tasks.tsc import check_series

    ragged = np.empty(2, dtype=object)                   # unequal lengths: numpy's ragged object array
    ragged[0], ragged[1] = np.zeros((3, 1)), np.ones((5, 1))
    assert [x.shape for x in check_series(ragged)] == [(3, 1), (5, 1)]    # it was 'got ndarray'
    assert [x.shape for x in check_series(np.zeros((2, 4, 3)))] == [(4, 3), (4, 3)]
    with pytest.raises(InputTypeError, match=r"X: expected a list of \(T_i, C\) arrays or an \(N, T, C\) array, got "
                                             r"an array of shape \(4, 5\) \(univariate series: X\[:, :, None\]\)"):
        check_series(np.zeros((4, 5)))
    with pytest.raises(DataError, match=r"X\[0\]: .*got shape \(5,\) \(a univariate series is \(T, 1\): x\[:, None\]\)"):
        check_series([np.zeros(5)])
