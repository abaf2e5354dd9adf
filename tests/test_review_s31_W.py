"""Session 31, helper W: review of this session's commits -- what they let through.

1393b4a refused a missing label in the label metrics, but tagging_metrics (and every tagger's ``score``) checks the
flattened tags: a None / NaN tag (scored as wrong at dfd260d: token_accuracy 0.8, silently) became 'y_true[3]:
expected a label, got a missing value' -- an argument the function has not, and an index into no list the caller
holds (it was true[1][1]). Bytes beside text tags likewise ('y_true[1]' for true[0][1])."""

from __future__ import annotations

import pandas as pd
import pytest

from rnnkit.errors import DataError, InputTypeError
from rnnkit.tasks.tagging import tagging_metrics

GOLD = [["O", "B-PER"], [], ["O", "O", "B-LOC"]]


@pytest.mark.parametrize("side", ["true", "pred"])
@pytest.mark.parametrize("missing", [None, float("nan")], ids=str)
def test_a_missing_tag_is_named_by_its_sentence_and_token(side, missing):
    bad = [list(s) for s in GOLD]
    bad[2][1] = missing
    args = (bad, GOLD) if side == "true" else (GOLD, bad)
    with pytest.raises(DataError, match=rf"^{side}\[2\]\[1\]: expected a label, got a missing value"):
        tagging_metrics(*args)


def test_pandas_na_and_bytes_are_named_where_they_are():
    with pytest.raises(InputTypeError, match=r"^pred\[0\]\[0\]: expected a label .* pandas' NA"):
        tagging_metrics(GOLD, [[pd.NA, "B-PER"], [], ["O", "O", "B-LOC"]])
    with pytest.raises(DataError, match=r"^true\[0\]\[1\]: expected labels of one kind, got bytes"):
        tagging_metrics([["O", b"B-PER"], [], ["O", "O", "B-LOC"]], GOLD)


def test_clean_tags_score_as_before():
    pred = [["O", "O"], [], ["O", "O", "B-LOC"]]
    assert tagging_metrics(GOLD, pred)["token_accuracy"] == 0.8
