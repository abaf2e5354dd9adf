"""A right-to-left dict-pointer rescoring the channel's n-best (:mod:`rnnkit.tasks.seq2seq_rescore`, session 36,
helper T; an option). Fails at ab5c0dc1 (no such module; ``translate`` took no ``rescorer``).

Oracles: the forced-decode log-probability of each n-best output equals the beam search's own score of it before
length normalisation (``score * (|y| + 1) ** alpha``, the search's accumulation, computed step by step elsewhere);
the library's choice equals a brute-force rescoring written here from ``channel_scores`` and those scores."""

from __future__ import annotations

import pytest
import torch

from rnnkit.errors import ConfigError, InputTypeError
from rnnkit.tasks.seq2seq import Seq2SeqConfig, Translator
from rnnkit.tasks.seq2seq_channel import channel_scores
from rnnkit.tasks.seq2seq_lexicon import Lexicon
from rnnkit.tasks.seq2seq_pointer import pointer_search, prepare
from rnnkit.tasks.seq2seq_rescore import forced_log_probs, r2l_scores, reverse_targets
from rnnkit.tasks.seq2seq_words import detokenize

pytestmark = pytest.mark.usefixtures("one_thread_module")        # one torch thread (tests/conftest.py)

SMALL = dict(embed_dim=16, enc_hidden=16, dec_hidden=32, lr=1e-2, batch_size=8, dropout=0.0, word_dropout=0.0,
             val_fraction=0.0, beam=4, progress=False, epochs=3, decode="channel")
DE = {"Hund": "dog", "Katze": "cat", "Baum": "tree", "Haus": "house", "Vogel": "bird", "Fisch": "fish"}
VERBS = {"schläft": "sleeps", "wächst": "grows", "steht": "stands", "fällt": "falls"}
PAIRS = [(f"der {d} {v} .", f"the {e} {w} .") for d, e in DE.items() for v, w in VERBS.items()]
SOURCES = [f"der {d} {v} ." for d in ("Hund", "Maus", "Baum") for v in VERBS]


@pytest.fixture(scope="module")
def models():
    torch.manual_seed(0)
    S, T = [p[0] for p in PAIRS], [p[1] for p in PAIRS]
    fwd = Translator(Seq2SeqConfig(**SMALL)).fit(S, T)
    r2l = Translator(Seq2SeqConfig(**{**SMALL, "decode": "beam"})).fit(S, reverse_targets(T))
    return fwd, r2l


def nbest_of(m, sources):
    w, c = m.words, m.config
    src = w._words(sources, "sources")
    sents = [prepare(s, g, w.src_vocab, w.tgt_vocab) for s, g in zip(src, w._glosses(src))]
    once = 0 if c.repeat_top is None else len(w.tgt_vocab.specials) + c.repeat_top
    hyps = pointer_search(w.net, sents, w.tgt_vocab, c.beam, c.alpha, c.max_decode_ratio, 64, c.no_repeat_ngram,
                          once, nbest=True)
    return src, [h[:c.beam] for h in hyps]


def test_reverse_targets():
    assert reverse_targets(["I saw it, twice.", "one"]) == [". twice , it saw I", "one"]
    with pytest.raises(InputTypeError, match=r"^texts: expected a list of strings, got str$"):
        reverse_targets("the dog")


def test_forced_log_probs_are_the_beams_own_scores(models):
    fwd, _ = models
    src, nbest = nbest_of(fwd, SOURCES)
    a = fwd.config.alpha
    pairs = [(s, y, sc) for s, h in zip(src, nbest) for y, sc in h]
    assert len(pairs) > len(SOURCES)                            # several outputs per source
    lp = forced_log_probs(fwd.words, [p[0] for p in pairs], [p[1] for p in pairs])
    for (s, y, sc), v in zip(pairs, lp):
        assert v == pytest.approx(sc * (len(y) + 1) ** a, abs=1e-4)
    with pytest.raises(InputTypeError, match=r"^targets: expected one per source \(2\), got 1$"):
        forced_log_probs(fwd.words, [["der"], ["der"]], [["the"]])


def test_translate_with_the_rescorer_is_the_brute_force_rescoring(models):
    fwd, r2l = models
    src, nbest = nbest_of(fwd, SOURCES)
    w, c = fwd.words, fwd.config
    analyse = Lexicon(w.dictionary, w.counts, derive=c.derive_words).analyse
    rev = [[forced_log_probs(r2l.words, [s], [list(y)[::-1]])[0] / (len(y) + 1) for y, _ in h]
           for s, h in zip(src, nbest)]
    got = r2l_scores(r2l.words, src, nbest)
    assert [len(g) for g in got] == [len(h) for h in nbest]
    assert [x for g in got for x in g] == pytest.approx([x for r in rev for x in r], abs=1e-5)
    changed = 0
    for weight in (0.0, 0.5, 5.0):
        want = []
        for s, h, e in zip(src, nbest, rev):
            sc = [v + weight * x for v, x in zip(channel_scores(h, s, w.channel, c.channel_weight, c.channel_length,
                                                                analyse), e)]
            want.append(detokenize(h[max(range(len(sc)), key=lambda j: (sc[j], -j))][0]))
        got = fwd.translate(SOURCES, rescorer=r2l, rescore_weight=weight)
        assert got == want
        changed += got != fwd.translate(SOURCES)
    assert fwd.translate(SOURCES, rescorer=r2l, rescore_weight=0.0) == fwd.translate(SOURCES)
    assert changed >= 1                                         # a weight that changes outputs: not vacuous


def test_rescorer_errors(models):
    fwd, r2l = models
    with pytest.raises(ConfigError, match=r"^rescorer: expected decode='channel' .*got 'beam'$"):
        fwd.translate(SOURCES[:1], decode="beam", rescorer=r2l)
    with pytest.raises(ConfigError, match=r"^rescorer: expected a fitted dict-pointer Translator, got str$"):
        fwd.translate(SOURCES[:1], rescorer="r2l")
    with pytest.raises(ConfigError, match=r"^rescorer: expected a fitted dict-pointer Translator, got Translator"):
        fwd.translate(SOURCES[:1], rescorer=Translator(Seq2SeqConfig(**SMALL)))
    with pytest.raises(ConfigError, match=r"^rescore_weight: "):
        fwd.translate(SOURCES[:1], rescorer=r2l, rescore_weight=-1.0)
    with pytest.raises(InputTypeError, match=r"^rescore_weight: "):
        fwd.translate(SOURCES[:1], rescorer=r2l, rescore_weight="0.1")
