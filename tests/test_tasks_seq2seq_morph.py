"""Glosses of unknown words by German word formation (:mod:`rnnkit.tasks.seq2seq_morph`), against the lexicon
without the rules in the same test (it copies these words), and the rule choice against a brute force over
every candidate base form."""

from __future__ import annotations

import pytest

from rnnkit.tasks.seq2seq_lexicon import Lexicon
from rnnkit.tasks.seq2seq_morph import DEGREE, DERIVATIONS, ENDINGS, PARTICLES, VERB_ENDINGS, base_forms

TABLE = {"bewerten": "evaluate", "schön": "beautiful", "unterschiedlich": "different", "abstammen": "descend",
         "greifen": "grab", "erläutern": "explain", "sammeln": "collect", "aufräumen": "tidy", "Freund": "friend",
         "Alarm": "alarm", "bereit": "ready", "hoffen": "hope"}
COUNTS = {w: 2 for w in TABLE}
CASES = {"Bewertung": "evaluate", "Schönheit": "beautiful", "unterschiedlichsten": "different",
         "abzustammen": "descend", "vorgreifen": "grab", "erläutert": "explain", "gesammelt": "collect",
         "aufgeräumt": "tidy", "freundlich": "friend", "Bewertungen": "evaluate", "hofft": "hope",
         "Alarmbereitschaft": "alarm ready"}


def test_derived_and_separable_forms_are_glossed_where_the_plain_lexicon_copies_them():
    plain, rules = Lexicon(TABLE, COUNTS, derive=False), Lexicon(TABLE, COUNTS)
    assert [plain.phrase(w) for w in CASES] == list(CASES)                 # the baseline: copied unchanged
    assert {w: rules.phrase(w) for w in CASES} == CASES
    assert rules.phrase("Xylofon") == "Xylofon" and rules.phrase("schön") == "beautiful"   # no analysis / known


def _brute_force(w: str) -> dict[str, int]:
    """Every base form of ``w``: each prefix rule (or none) times each ending (or none) and each suffix rule
    (or none), written out as nested loops; the fewest rules per form."""
    prefixed = [(w, 0)]
    if w.lower().startswith("ge") and len(w) >= 7:
        prefixed.append((w[2:], 1))
    ps = [p for p in PARTICLES if w.lower().startswith(p) and len(w) - len(p) >= 5]
    if ps:
        p = ps[0]
        rest = w[len(p):]
        prefixed += [(w[: len(p)] + rest[2:], 1) for i in ("ge", "zu") if rest.startswith(i) and len(rest) >= 7]
        prefixed.append((rest, 1))
    out: dict[str, int] = {}
    for pw, n in prefixed:
        for e in ("",) + ENDINGS:
            if e and not (pw.endswith(e) and len(pw) - len(e) >= 3):
                continue
            s = pw[: len(pw) - len(e)]
            m = n + (e != "")
            forms = [(s, m)]
            forms += [(s[: -len(d)], m + 1) for d in DEGREE if s.endswith(d) and len(s) - len(d) >= 3]
            forms += [(s[: -len(v)] + inf, m + 1) for v in VERB_ENDINGS if s.endswith(v) and len(s) - len(v) >= 3
                      for inf in ("en", "n")]
            forms += [(s[: -len(d)] + r, m + 1) for d, rs in DERIVATIONS if s.lower().endswith(d) and len(s) - len(d) >= 3
                      for r in rs]
            for f, k in forms:
                if f != w:
                    out[f] = min(out.get(f, 99), k)
    return out


@pytest.mark.parametrize("w", list(CASES) + ["Aufstieg", "verbrennen", "Getöteten", "wiederholt"])
def test_base_forms_equal_a_brute_force_and_the_lexicon_keeps_the_fewest_rules(w):
    assert dict(base_forms(w)) == _brute_force(w)
    known = {f.lower(): n for f, n in _brute_force(w).items() if f.lower() in {k.lower() for k in TABLE} and len(f) >= 4}
    lex = Lexicon(TABLE, COUNTS)
    got = lex._derived(w)
    if known:
        assert got is not None and got.lower() in known and known[got.lower()] == min(known.values())
    else:
        assert got is None
