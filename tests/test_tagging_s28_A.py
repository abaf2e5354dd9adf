"""Session 28, helper A: the tagger's Python API takes its sentences and tags in the containers the classifier's
texts come in -- a pandas Series (a frame's column of token lists) or a 1-D numpy array, per sentence too -- read in
order, with the same predictions as plain lists (a generated sweep of input containers,
fit/predict against the plain-list oracle)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rnnkit.errors import DataError, InputTypeError
from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig

SENTS = [["John", "lives", "in", "Paris"], ["Mary", "visited", "Berlin"], ["He", "likes", "Rome"],
         ["Anna", "went", "to", "London", "today"]] * 3
TAGS = [["B-PER", "O", "O", "B-LOC"], ["B-PER", "O", "B-LOC"], ["O", "O", "B-LOC"],
        ["B-PER", "O", "O", "B-LOC", "O"]] * 3


def _tagger():
    return SequenceTagger(TaggerConfig(epochs=15, lr=0.03, batch_size=4, word_dim=8, char_dim=4, char_hidden=4,
                                       hidden_size=8, val_fraction=0, progress=False))


@pytest.fixture(scope="module")
def fitted():
    model = _tagger().fit([list(s) for s in SENTS], [list(t) for t in TAGS], baselines=False)
    want = model.predict([list(s) for s in SENTS])
    assert want == TAGS      # it learned: a reordering of the sentences would show in the predictions
    return model, want


FORMS = {
    "series_of_lists": lambda xs: pd.Series([list(x) for x in xs]),
    "series_of_lists_other_index": lambda xs: pd.Series([list(x) for x in xs], index=range(len(xs))[::-1]),
    "list_of_arrays": lambda xs: [np.array(x) for x in xs],
    "list_of_object_arrays": lambda xs: [np.array(x, dtype=object) for x in xs],
    "list_of_series": lambda xs: [pd.Series(x, index=range(len(x))[::-1]) for x in xs],
    "array_of_lists": lambda xs: np.array([list(x) for x in xs] + [[]], dtype=object)[:-1],
    "frame_column": lambda xs: pd.DataFrame({"tokens": [list(x) for x in xs]})["tokens"],
}


@pytest.mark.parametrize("form", sorted(FORMS))
def test_sentences_in_a_series_or_arrays_predict_as_lists(fitted, form):
    """A Series of token lists (df['tokens']) or token arrays was 'sentences: expected a list of token lists, got
    Series' (or 'sentences[0]: ... got ndarray') at 9e7b5a7, where the classifier reads its texts from both."""
    model, want = fitted
    got = model.predict(FORMS[form](SENTS))
    assert [list(g) for g in got] == want


def test_fit_on_series_and_arrays_equals_fit_on_lists(fitted):
    model, want = fitted
    sents, tags = pd.Series([np.array(s) for s in SENTS]), [pd.Series(t) for t in TAGS]
    again = _tagger().fit(sents, tags, baselines=False)
    assert again.predict([list(s) for s in SENTS]) == want
    assert again.evaluate(sents, tags, baselines=False)["token_accuracy"] == \
        model.evaluate([list(s) for s in SENTS], [list(t) for t in TAGS], baselines=False)["token_accuracy"]


def test_tags_of_a_wrong_type_are_a_type_error_not_a_count():
    """A generator of tag lists was 'DataError: tags: expected one tag list per sentence (12), got generator'."""
    with pytest.raises(InputTypeError, match=r"^tags: expected a list of tag lists \(one per sentence\), got generator$"):
        _tagger().fit([list(s) for s in SENTS], (list(t) for t in TAGS), baselines=False)
    with pytest.raises(DataError, match=r"^tags: expected one tag list per sentence \(12\), got 11$"):
        _tagger().fit([list(s) for s in SENTS], pd.Series([list(t) for t in TAGS[:-1]]), baselines=False)


def test_a_missing_token_in_a_series_sentence_is_named():
    with pytest.raises(DataError, match=r"^sentences\[1\]\[1\]: expected non-empty string tokens, got nan"):
        _tagger().fit([SENTS[0], pd.Series(["Mary", None, "Berlin"], dtype="str")] + SENTS[2:], TAGS,
                      baselines=False)
    with pytest.raises(InputTypeError, match=r"^sentences: expected a list of token lists, got ndarray"):
        _tagger().fit(np.array([["a", "b"], ["c", "d"]]), [["O", "B-X"], ["O", "O"]], baselines=False)
