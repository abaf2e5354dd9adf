"""Sweep 6c (session 9, helper R3): the text tasks' Python API as a notebook user calls it. Each test failed on
the code before its fix (the failure it caught is in its docstring); findings in /work/scratch/s9/R3/RESULTS.md."""

import numpy as np
import pandas as pd
import pytest

from rnnkit.errors import DataError, InputTypeError
from rnnkit.tasks.common import check_labels, check_texts

TEXTS = ["good film", "bad film", "great movie", "awful movie", "good good", "bad bad"]


@pytest.mark.parametrize("labels, pair", [
    ([1.0, 0, 1, 0.0, 1, 0], "1.0 (float) and 1 (int)"),
    ([True, 0, 1, False, 1, 0], "True (bool) and 1 (int)"),
    ([np.float64(1.0), np.int64(0), np.int64(1), 0, 1, 0], "1.0 (float64) and 1 (int64)"),
])
def test_one_number_in_two_types_is_refused_not_made_two_classes(labels, pair):
    """Before: ``1.0`` and ``1`` (one value in Python) became two classes "1.0" and "1" (and ``True`` and ``1``
    "True" and "1"), silently: a classifier of four classes where the user had two."""
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    with pytest.raises(DataError, match=r"^labels: expected labels of one type .*" + pair.replace("(", r"\(")
                       .replace(")", r"\)")):
        TextClassifier(TextClassifierConfig(progress=False)).fit(TEXTS, labels)
    # the oracle: one type throughout is as before, a class per distinct text
    assert sorted(set(check_labels([1.0, 0.0, 1.0]))) == ["0.0", "1.0"]
    assert sorted(set(check_labels(np.array([1, 0, 1])))) == ["0", "1"]
    assert sorted(set(check_labels([True, False]))) == ["False", "True"]


@pytest.mark.parametrize("second, pair", [(["1", "2", "3"], "1 (int) and '1' (str)"),
                                          ([1.0, 2.0, 3.0], "1 (int) and 1.0 (float)")])
def test_tag_types_are_checked_across_sentences_not_only_within_one(second, pair):
    """Before: ``[1, 2]`` in one sentence and ``["1", "2", "3"]`` in another were one tag set silently (the type
    check ran per sentence), and ``[1, 2]`` with ``[1.0, 2.0, 3.0]`` five tags "1", "2", "1.0", "2.0", "3"."""
    from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig

    sents = [["the", "cat"], ["a", "dog", "runs"]]
    with pytest.raises(DataError, match=r"^tags: expected labels of one type .*" + pair.replace("(", r"\(")
                       .replace(")", r"\)")):
        SequenceTagger(TaggerConfig(progress=False)).fit(sents, [[1, 2], second])


def test_tagger_input_errors_say_what_is_wrong():
    """Before: ``predict([])`` said 'expected a non-empty list of token lists, got list' (it was a list) and a
    plain string was a DataError, not an InputTypeError."""
    from rnnkit.tasks.tagging import SequenceTagger

    with pytest.raises(DataError, match=r"^sentences: expected at least one sentence, got none$"):
        SequenceTagger().fit([], [])
    with pytest.raises(InputTypeError, match=r"^sentences: expected a list of token lists, got str$"):
        SequenceTagger().fit("the cat", [["D", "N"]])


def test_char_lm_predict_takes_the_blank_prompts_sample_takes():
    """Before: ``sample("\\n", ...)`` continued a newline but ``predict(["\\n"], ...)`` refused it ('expected a
    non-empty text'). Oracle: predict's continuation is sample's with the same seed."""
    from rnnkit.tasks.generation import CharLM, CharLMConfig

    lm = CharLM(CharLMConfig(hidden_size=8, embed_dim=4, batch_size=2, bptt=5, rounds=1, chunks_per_round=2,
                             progress=False)).fit("ab a\nba b\n" * 10)
    assert lm.predict(["\n", " "], 6, seed=3) == [lm.sample("\n", 6, seed=3), lm.sample(" ", 6, seed=4)]
    with pytest.raises(DataError, match=r"^prompts\[1\]: expected a non-empty text, got ''$"):
        lm.predict(["a", ""], 6)


def test_numpy_arrays_and_series_of_texts_are_read_as_lists_in_their_order():
    """Before: ``fit(df.text, df.label)`` (a Series) or a numpy array of texts was refused ('expected a list of
    strings, got Series') though labels took both. Oracle: the same data as lists; a Series' own index (here
    descending) never reorders the texts, and errors name positions."""
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    labels = ["pos", "neg"] * 3
    cfg = TextClassifierConfig(epochs=1, hidden_size=8, embed_dim=8, min_freq=1, combine=False, embeddings="own",
                               val_fraction=0, progress=False)
    probe = ["good movie", "bad film", "awful"]
    want = TextClassifier(cfg).fit(TEXTS, labels).predict_proba(probe)
    index = list(range(60, 0, -10))
    got = TextClassifier(cfg).fit(pd.Series(TEXTS, index=index), pd.Series(labels, index=index))
    assert np.allclose(got.predict_proba(np.array(probe)), want)
    assert np.allclose(got.predict_proba(pd.Series(probe, index=[7, 3, 5])), want)
    assert check_texts(np.array(["a", "b"])) == ["a", "b"] and type(check_texts(np.array(["a"]))[0]) is str
    with pytest.raises(InputTypeError, match=r"^texts\[1\]: expected a str, got a missing value \(nan\)$"):
        check_texts(pd.Series(["a", None], index=[5, 9]))      # pandas reads None as NaN
    with pytest.raises(InputTypeError, match=r"^texts\[1\]: expected a str, got a missing value \(None\)$"):
        check_texts(["a", None])
    with pytest.raises(InputTypeError, match=r"^texts\[0\]: expected a str, got int$"):
        check_texts(np.array([1, 2]))
    with pytest.raises(InputTypeError, match=r"^texts: expected a list of strings, got ndarray$"):
        check_texts(np.array([["a", "b"]]))
    with pytest.raises(InputTypeError, match=r"^texts: expected a list of strings, got DataFrame$"):
        check_texts(pd.DataFrame({"t": ["a"]}))


def test_a_beam_wider_than_max_beam_is_refused_before_decoding():
    """Before: ``beam`` had no upper bound: ``translate(..., beam=10**6)`` decoded one 3-character source for 60 s
    on an 8-unit network (10**6 decoder rows a step), and ``Seq2SeqConfig(beam=10**6)`` was accepted."""
    from rnnkit.errors import ConfigError
    from rnnkit.tasks.seq2seq import MAX_BEAM, Seq2SeqConfig, Translator

    with pytest.raises(ConfigError, match=rf"^beam: expected an int <= {MAX_BEAM}, got 1000000$"):
        Seq2SeqConfig(beam=10 ** 6)
    tr = Translator(Seq2SeqConfig(model="char", embed_dim=8, enc_hidden=8, dec_hidden=8, epochs=1, val_fraction=0,
                                  progress=False)).fit(["abc", "bca", "cab", "aab"], ["xyz", "yzx", "zxy", "xxy"])
    with pytest.raises(ConfigError, match=rf"^beam: expected an int <= {MAX_BEAM}, got {MAX_BEAM + 1}$"):
        tr.translate(["abc"], beam=MAX_BEAM + 1)
    # the widest beam allowed still decodes, as the default beam does (one string per source)
    assert [type(t) for t in tr.translate(["abc", "ca"], beam=MAX_BEAM)] == [str, str]
