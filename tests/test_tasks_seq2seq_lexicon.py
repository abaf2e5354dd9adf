"""Glosses for unknown source words (:mod:`rnnkit.tasks.seq2seq_lexicon`) and the search's unigram
repetition control (``once_from``), each against a baseline in the same test: the plain dictionary copies an
unseen compound of two seen words, the lexicon translates it; the split chosen is the brute-force best
geometric mean of part frequencies; a looping stepper repeats a content word without ``once_from`` and not
with it; a translator saved and loaded keeps the word counts and its outputs."""

from __future__ import annotations

import itertools
import math

import pytest
import torch

from rnnkit.tasks.seq2seq_lexicon import Lexicon
from rnnkit.tasks.seq2seq_search import beam_search, greedy_search
from rnnkit.tasks.seq2seq_words import WordDictionary

pytestmark = pytest.mark.usefixtures("one_thread_module")

S = ["die Zeile ist lang", "der Abstand ist klein", "die Zeile ist kurz", "der Abstand ist groß", "das Haus ist alt",
     "Zeile", "Abstand", "Haus", "ist", "klein", "alt"]
T = ["the line is long", "the spacing is small", "the line is short", "the spacing is large", "the house is old",
     "line", "spacing", "house", "is", "small", "old"]


def test_unseen_compound_of_seen_words_is_glossed_where_the_dictionary_copies_it():
    plain = WordDictionary().fit(S, T)
    split = WordDictionary(split_compounds=True).fit(S, T)
    src = ["der Zeilenabstand ist klein", "das Hauses ist alt", "Haus ist alt", "der Xylofon ist klein"]
    t = plain.table
    assert (t["Zeile"], t["Abstand"], t["Haus"]) == ("line", "spacing", "house")
    oracle = {"Zeilenabstand": "line spacing", "Hauses": "house"}
    assert plain.translate(src) == [" ".join(t.get(w, w) for w in s.split()) for s in src]   # copies them
    assert split.translate(src) == [" ".join(oracle.get(w, t.get(w, w)) for w in s.split()) for s in src]
    assert "Xylofon" in split.translate(src)[3]                                         # no analysis: copied
    again = WordDictionary.from_state(split.state())
    assert again.translate(src) == split.translate(src)
    assert WordDictionary.from_state(plain.state()).translate(src) == plain.translate(src)


def test_split_is_the_best_geometric_mean_of_part_frequencies():
    """Wachstube = Wachs|tube or Wach|stube: the counts decide, as a brute force over all splits of known
    parts (case-blind, optional linking morpheme) says."""
    table = {"Wachs": "wax", "Tube": "tube", "Wach": "guard", "Stube": "room", "Ei": "egg"}
    for counts in ({"Wachs": 9, "Tube": 9, "Wach": 1, "Stube": 1}, {"Wachs": 1, "Tube": 1, "Wach": 9, "Stube": 9}):
        lex = Lexicon(table, counts)
        known = {w.lower(): w for w in table if len(w) >= 4}
        best, best_mean = None, 0.0
        for cut in range(1, len("wachstube")):
            a, b = "wachstube"[:cut], "wachstube"[cut:]
            if a in known and b in known:
                mean = math.sqrt((counts[known[a]] + 1) * (counts[known[b]] + 1))
                if mean > best_mean:
                    best, best_mean = [known[a], known[b]], mean
        assert lex.analyse("Wachstube") == best
        assert lex.phrase("Wachstube") == " ".join(table[p] for p in best)
    assert Lexicon(table, {}).analyse("Eier") == ["Eier"]          # parts shorter than MIN_PART: no analysis


class _Loop:
    """A stepper whose next token is always 7 (then 4, then </s>=2): a unigram loop."""

    def __init__(self, rows: int) -> None:
        self.rows = rows

    def step(self, prev):
        logp = torch.full((prev.shape[0], 10), -9.0)
        logp[:, 7], logp[:, 4], logp[:, 2] = -0.1, -1.0, -3.0
        return torch.log_softmax(logp, -1)

    def select(self, rows):
        self.rows = len(rows)


@pytest.mark.parametrize("beam", [1, 3])
def test_once_from_stops_unigram_loops_of_rare_tokens_only(beam):
    def run(**kw):
        if beam == 1:
            return greedy_search(_Loop(1), [8], 1, 2, [0], **kw)[0]
        return beam_search(_Loop(1), [8], beam, 1, 2, [0], 1.0, **kw)[0]
    free = run()
    assert free.count(7) > 1                                          # the baseline loops
    blocked = run(once_from=5)
    assert blocked.count(7) == 1 and blocked.count(4) > 1, blocked    # 4 < once_from may repeat
    assert run(once_from=5, no_repeat=2).count(7) == 1


def test_translator_keeps_counts_and_outputs_after_load(tmp_path):
    from rnnkit.tasks.seq2seq import Seq2SeqConfig, Translator

    torch.manual_seed(0)
    cfg = Seq2SeqConfig(embed_dim=16, enc_hidden=16, dec_hidden=32, epochs=1, val_fraction=0.0, beam=2, progress=False)
    tr = Translator(cfg).fit(S * 4, T * 4, baselines=False)
    src = ["der Zeilenabstand ist klein", "das Haus ist alt"]
    w = tr.words
    glosses = [w.tgt_vocab.tokens[g] if g < len(w.tgt_vocab) else w._sentences([["Zeilenabstand"]])[0].oov[0]
               for g in w._sentences([["Zeilenabstand"]])[0].gloss_ext]
    assert glosses == ["line spacing"] and w.counts["Zeile"] == 4 * sum(s.split().count("Zeile") for s in S)
    again = Translator.load(tr.save(tmp_path / "run"))
    assert again.words.counts == w.counts
    assert again.translate(src) == tr.translate(src)
