"""Session 33 review (helper W): translate's external lexicon (lexicon='trans-de-en', f3258e2) is built from the very
file the translation pairs come from, so the leakage rule must hold as a property of the text, not only of the code
path: no line that contributes a lexicon entry holds any sentence of the data set (German or English), neither as a
sub-entry or an alternative (annotations stripped or not) nor inside its text. An oracle independent of the rule's
implementation (seq2seq_dictionary.ding_entries asks parse_trans_line itself); on every 8th line of the installed
file (the whole file: 173,020 contributing lines, 0 found, in ~60 s: /work/scratch/s33/W/leak1.py)."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest


pytestmark = pytest.mark.usefixtures("one_thread_module")        # one torch thread (tests/conftest.py)


@pytest.fixture(scope="module")
def lines(trans_lines):                  # tests/conftest.py: the installed file's lines
    return trans_lines


def test_no_contributing_line_holds_a_sentence_of_the_data_set(lines):
    from rnnkit.data.translation import _strip_annotations, parse_trans_line, trans_subentries
    from rnnkit.tasks.seq2seq_dictionary import ding_entries

    pairs = [p for ln in lines for p in parse_trans_line(ln)]
    assert len(pairs) > 19000
    de, en = {a for a, _ in pairs}, {b for _, b in pairs}
    heads = defaultdict(list)            # sentences of 15+ characters by their first 12, for the substring search
    for s in de | en:
        if len(s) >= 15:
            heads[s[:12]].append(s)
    contributing = [ln for ln in lines[::8] if ding_entries(ln)]
    assert len(contributing) > 20000
    for ln in contributing:
        for d, e in trans_subentries(ln):
            for side, known in ((d, de), (e, en)):
                forms = {side.strip(), _strip_annotations(side)} | {a.strip() for a in re.split(";", _strip_annotations(side))}
                assert not forms & known, ln
        hits = [s for k in range(len(ln) - 11) for s in heads.get(ln[k:k + 12], ()) if ln.startswith(s, k)]
        assert not hits, (ln, hits)
