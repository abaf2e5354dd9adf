"""Session 16: guided alignment of the dict-pointer (``Seq2SeqConfig(align_weight=w)``): IBM-1's alignment
posteriors (:meth:`IBM1.posteriors`) against the formula computed here from the fitted table, the loss against the
pointer loss plus the attention's cross-entropy computed here, the attention of a guided fit against an unguided
one, and the typed errors of the new setting. Each test fails on the code before (no posteriors, no field)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from rnnkit.errors import ConfigError, InputTypeError
from rnnkit.tasks.seq2seq import Seq2SeqConfig, Translator
from rnnkit.tasks.seq2seq_pointer import make_batch, pointer_loss
from rnnkit.tasks.seq2seq_words import IBM1, NULL

from toy_data import PAIRS_DE, PAIRS_EN, SEQ2SEQ_FAST

pytestmark = pytest.mark.usefixtures("one_thread_module")

S, T, CFG = PAIRS_DE, PAIRS_EN, SEQ2SEQ_FAST


def test_posteriors_are_ibm1s_alignment_probabilities():
    src, tgt = [s.split() for s in S], [t.split() for t in T]
    m = IBM1(iterations=4).fit(src, tgt)
    table = {(m.f_words[f], m.e_words[e]): p for (f, e), p in zip(m.pairs.tolist(), m.prob.tolist())}
    pairs = [(src[0], tgt[0]), (["das", "Auto", "ist", "lang"], ["the", "car", "is", "long"])]
    got = m.posteriors([f for f, _ in pairs], [e for _, e in pairs])
    for (f, e), post in zip(pairs, got):
        assert post.shape == (len(e), len(f) + 1)
        for t, ew in enumerate(e):
            row = np.array([table.get((fw, ew), 0.0) for fw in [NULL, *f]])
            want = row / row.sum() if row.sum() > 0 else row
            np.testing.assert_allclose(post[t], want, rtol=1e-12, atol=0)
    assert np.allclose(got[0].sum(1), 1) and not got[1][1].any()       # 'car' never seen: no posterior at all
    assert got[0][3].argmax() == 4                                      # 'long' <- 'lang'
    assert IBM1().posteriors([["a"]], [["b"]])[0].tolist() == [[0.0, 0.0]]   # nothing fitted


def test_guided_loss_is_the_pointer_loss_plus_the_attentions_cross_entropy():
    tr = Translator(Seq2SeqConfig(**CFG, align_weight=0.5)).fit(S, T, baselines=False)
    w = tr.words
    src, tgt = w._words(S, "sources"), w._words(T, "targets")
    sents = w._sentences(src, tgt)
    post = IBM1().fit(src, tgt).posteriors(src, tgt)    # what build attached: the same fit, NULL column dropped
    for s, p in zip(sents, post):
        s.align = p[:, 1:]
    b = make_batch(sents, w.tgt_vocab)
    assert b["align"].shape == b["gold"].shape + (b["src"].shape[1],)
    assert torch.equal(b["align"][2, : len(tgt[2]), : len(src[2])], torch.as_tensor(post[2][:, 1:]).float())
    assert not b["align"][:, -1].any()                 # the </s> step of the longest target: no guidance
    tr.net.eval()
    memory, state = tr.net.encode(b)
    _, _, attn, _ = tr.net.decode(b["prev"], state, memory)
    ce = -(b["align"] * torch.log(attn + 1e-9)).sum() / b["align"].sum()
    plain = pointer_loss(tr.net, b, 0.1)
    assert torch.allclose(pointer_loss(tr.net, b, 0.1, 0.5), plain + 0.5 * ce)
    assert torch.equal(pointer_loss(tr.net, {k: v for k, v in b.items() if k != "align"}, 0.1, 0.5), plain)


def _attention_ce(tr):
    w = tr.words
    src, tgt = w._words(S, "sources"), w._words(T, "targets")
    sents = w._sentences(src, tgt)
    for s, p in zip(sents, IBM1().fit(src, tgt).posteriors(src, tgt)):
        s.align = p[:, 1:]
    b = make_batch(sents, w.tgt_vocab)
    tr.net.eval()
    with torch.no_grad():
        memory, state = tr.net.encode(b)
        attn = tr.net.decode(b["prev"], state, memory)[2]
    return float(-(b["align"] * torch.log(attn + 1e-9)).sum() / b["align"].sum())


def test_a_guided_fit_attends_where_ibm1_aligns():
    kw = {**CFG, "epochs": 8}
    plain = Translator(Seq2SeqConfig(**kw)).fit(S * 2, T * 2, baselines=False)      # the control: same seed
    guided = Translator(Seq2SeqConfig(**kw, align_weight=1.0)).fit(S * 2, T * 2, baselines=False)
    assert _attention_ce(guided) < _attention_ce(plain) - 0.1


@pytest.mark.parametrize("kw, err, words", [
    ({"align_weight": -0.1}, ConfigError, "align_weight: expected"),
    ({"align_weight": 11}, ConfigError, "align_weight: expected"),
    ({"align_weight": "0.3"}, InputTypeError, "align_weight: expected"),
    ({"align_weight": True}, InputTypeError, "align_weight: expected"),
])
def test_bad_align_weight_is_a_typed_error_naming_it(kw, err, words):
    assert Seq2SeqConfig(align_weight=0.3).align_weight == 0.3      # the control: a good value
    with pytest.raises(err, match=words):
        Seq2SeqConfig(**kw)


def test_align_weight_of_the_char_model_is_refused_before_training():
    with pytest.raises(ConfigError, match="align_weight: applies to model='dict-pointer' only"):
        Translator(Seq2SeqConfig(**CFG, model="char", align_weight=0.3)).fit(S, T, baselines=False)


def test_a_run_saved_before_the_field_loads_and_translates_as_before(tmp_path):
    from rnnkit._io import atomic_write_json, write_digests

    one = Translator(Seq2SeqConfig(**CFG, align_weight=0.3)).fit(S, T, baselines=False)
    want = one.translate(S, beam=2)
    back = Translator.load(one.save(tmp_path / "new"))
    assert back.config.align_weight == 0.3 and back.translate(S, beam=2) == want
    folder = one.save(tmp_path / "old")
    meta = json.loads((folder / "config.json").read_text())
    del meta["config"]["align_weight"]                  # as the code before this field wrote it
    atomic_write_json(folder / "config.json", meta)
    write_digests(folder, list(json.loads((folder / "digests.json").read_text())["sha256"]))
    old = Translator.load(folder)
    assert old.config.align_weight == 0.0 and old.translate(S, beam=2) == want
