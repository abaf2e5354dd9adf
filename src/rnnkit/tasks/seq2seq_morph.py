"""German word formation for glossing unknown words: the base forms a word may come from.

:class:`rnnkit.tasks.seq2seq_lexicon.Lexicon` glosses a source word its dictionary never saw by a known
word it is built from. Beyond the inflection endings and compound splitting there, German forms many
unseen words from seen ones by a few productive rules; :func:`base_forms` undoes them and lists the
candidate base forms of a word with the number of rules undone (fewest first):

* **prefixes** (:data:`PARTICLES`, separable verb particles): the participle ``ge`` after a particle or at
  the start (``aufgeräumt`` -> ``aufräumt``, ``gesammelt`` -> ``sammelt``), the infinitive ``zu`` after a
  particle (``abzustammen`` -> ``abstammen``), or the particle itself dropped (``vorgreifen`` ->
  ``greifen``: the verb's gloss, which the network may complete);
* **suffixes**: one inflection ending of :data:`ENDINGS` (optional), then one of: a comparative or
  superlative :data:`DEGREE` (``unterschiedlichsten`` -> ``unterschiedlich``), a verb ending of
  :data:`VERB_ENDINGS` with the infinitive restored (``erläutert`` -> ``erläutern``, ``hofft`` ->
  ``hoffen``), or a derivation of :data:`DERIVATIONS` (``Bewertung`` -> ``bewerten``, ``Schönheit`` ->
  ``schön``, ``freundlich`` -> ``Freund``) -- the gloss of the stem is the right word in another part of
  speech (``evaluate`` for *evaluation*), close in characters and a hint the network can complete.

These are small rule sets of German morphology, not data: which candidates exist is decided by the
training words (the lexicon keeps the known candidate with the fewest rules, then the most frequent).

>>> sorted(f for f, n in base_forms("Bewertung") if n == 1)
['Bewerten', 'Bewertn']
>>> ("abstammen", 1) in base_forms("abzustammen"), ("unterschiedlich", 2) in base_forms("unterschiedlichsten")
(True, True)
"""

from __future__ import annotations

__all__ = ["base_forms", "ENDINGS", "DEGREE", "VERB_ENDINGS", "DERIVATIONS", "PARTICLES"]

#: Inflection endings of nouns, adjectives and verbs stripped before another rule (longest first).
ENDINGS = ("en", "er", "es", "em", "e", "n", "s")
#: Comparative and superlative endings of adjectives.
DEGREE = ("est", "st", "er")
#: Verb endings (present, past, participle); the infinitive is the stem plus ``en`` or ``n``.
VERB_ENDINGS = ("test", "tet", "ten", "te", "est", "st", "et", "t")
#: Derivational suffixes and what replaces them in the base word (noun -> verb, adjective, noun).
DERIVATIONS = (("ung", ("en", "n")), ("igkeit", ("ig", "")), ("heit", ("",)), ("keit", ("",)),
               ("schaft", ("", "e")), ("lich", ("", "e", "en")), ("ig", ("", "e", "en")), ("isch", ("", "e")),
               ("bar", ("en", "n")), ("los", ("", "e")), ("chen", ("", "e")), ("er", ("en", "n")))
#: Separable verb particles (longest first so that ``heraus`` wins over ``her``).
PARTICLES = ("zusammen", "herunter", "zurück", "heraus", "herein", "hinaus", "hinein", "vorbei", "weiter",
             "wieder", "durch", "nach", "über", "unter", "fort", "weg", "auf", "aus", "bei", "ein", "mit",
             "vor", "her", "hin", "dar", "los", "ab", "an", "um", "zu")
#: The shortest stem a rule may leave.
MIN_STEM = 3


def _prefix_forms(w: str) -> list[tuple[str, int]]:
    """``w`` and its forms with a participle ``ge``, an infinitive ``zu`` or a particle undone."""
    out = [(w, 0)]
    low = w.lower()
    if low.startswith("ge") and len(w) - 2 >= MIN_STEM + 2:
        out.append((w[2:], 1))
    for p in PARTICLES:
        if not low.startswith(p) or len(w) - len(p) < MIN_STEM + 2:
            continue
        rest = w[len(p):]
        for infix in ("ge", "zu"):
            if rest.startswith(infix) and len(rest) - 2 >= MIN_STEM + 2:
                out.append((w[: len(p)] + rest[2:], 1))
        out.append((rest, 1))
        break
    return out


def _suffix_forms(w: str) -> list[tuple[str, int]]:
    """Forms of ``w`` with at most one ending and one degree, verb ending or derivation undone."""
    stems = [(w, 0)] + [(w[: -len(e)], 1) for e in ENDINGS if w.endswith(e) and len(w) - len(e) >= MIN_STEM]
    out = []
    for s, n in stems:
        out.append((s, n))
        for d in DEGREE:
            if s.endswith(d) and len(s) - len(d) >= MIN_STEM:
                out.append((s[: -len(d)], n + 1))
        for e in VERB_ENDINGS:
            if s.endswith(e) and len(s) - len(e) >= MIN_STEM:
                out += [(s[: -len(e)] + inf, n + 1) for inf in ("en", "n")]
        for suf, repl in DERIVATIONS:
            if s.lower().endswith(suf) and len(s) - len(suf) >= MIN_STEM:
                out += [(s[: -len(suf)] + r, n + 1) for r in repl]
    return out


def base_forms(w: str) -> list[tuple[str, int]]:
    """Candidate base forms of ``w`` with the number of rules undone (module docstring), ``w`` excluded,
    fewest rules first, each form once (its fewest rules)."""
    best: dict[str, int] = {}
    for p, n in _prefix_forms(w):
        for s, m in _suffix_forms(p):
            if s != w and best.get(s, 99) > n + m:
                best[s] = n + m
    return sorted(best.items(), key=lambda fn: (fn[1], fn[0]))
