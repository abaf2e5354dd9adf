"""Defects other helpers of session 18 found and left (text tasks, forecasting CLI): one test each, each failing on
the code before its fix (base 2193376)."""

from __future__ import annotations

import numpy as np
import pytest

from rnnkit.errors import DataError, InputTypeError


# ------------------------------------------------------------------ a tag with a space inside: one rule
def test_a_tag_with_a_space_inside_is_refused_by_the_api_as_by_the_conll_reader(tmp_path):
    """'B PER' was a tag of its own through SequenceTagger.fit while read_conll refused it (columns separated by a
    space). Oracle: the reader's own refusal of the same tag."""
    from rnnkit.data.text import read_conll
    from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig

    with pytest.raises(DataError, match=r"expected a tag without spaces at line 2, got 'B PER'"):
        read_conll(None, text="Anna\tO\nlebt\tB PER\n")
    sents, tags = [["Anna", "lebt"], ["hier", "jetzt"]], [["O", "B PER"], ["O", "O"]]
    with pytest.raises(DataError, match=r"^tags\[0\]\[1\]: expected a tag without spaces, got 'B PER' "):
        SequenceTagger(TaggerConfig(epochs=1)).fit(sents, tags)
    for bad in ("B-PER\u00a0X", "B\tPER"):   # every white space the reader splits at
        with pytest.raises(DataError, match=r"^tags\[1\]\[0\]: expected a tag without spaces"):
            SequenceTagger(TaggerConfig(epochs=1)).fit(sents, [["O", "B-PER"], [bad, "O"]])
