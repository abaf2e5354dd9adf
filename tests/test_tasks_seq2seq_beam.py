"""Beam search of the translator against oracles written here: a brute-force search over every output of a
tiny vocabulary, and a plain one-source beam search that recomputes each prefix from scratch (fairseq's rule:
``</s>`` ends a hypothesis only from the step's top ``k`` candidates)."""

from __future__ import annotations

import copy
import itertools
import random

import pytest
import torch

from rnnkit.data.vocab import BOS, EOS
from rnnkit.tasks.seq2seq import Seq2SeqConfig, Translator

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def tiny():
    """A barely trained translator whose targets use two letters (``a``, ``b``): few outputs to enumerate."""
    rng = random.Random(0)
    src = ["".join(rng.choice("xyz") for _ in range(rng.randint(1, 5))) for _ in range(40)]
    tgt = ["".join(rng.choice("ab") for _ in range(rng.randint(1, 4))) for _ in range(40)]
    torch.manual_seed(0)
    cfg = Seq2SeqConfig(model="char", embed_dim=8, enc_hidden=8, dec_hidden=16, epochs=1, batch_size=8,
                        val_fraction=0.0, dropout=0.0, progress=False)
    tr = Translator(cfg).fit(src, tgt, baselines=False)
    return tr, src[:24]


def _prefix_logp(tr, src: str, limit: int):
    """``f(prefix) -> log p(next | prefix)`` by decoding the whole prefix again (no carried state)."""
    ids = tr._src_ids([src])
    x, xl, _, _ = tr._batch(ids, None, [0])
    memory, state = tr.net.encode(x, xl)
    bos, eos = tr.tgt_vocab.index[BOS], tr.tgt_vocab.index[EOS]

    def f(prefix):
        logits, _, _ = tr.net.decode(torch.tensor([[bos] + list(prefix)]), state, memory)
        lp = torch.log_softmax(logits[0, -1], -1)
        lp[tr._banned()] = float("-inf")
        if len(prefix) >= limit:
            keep = float(lp[eos])
            lp.fill_(float("-inf"))
            lp[eos] = keep
        return lp.tolist()
    return f, eos


def _reference_beam(tr, src, k, limit, alpha):
    f, eos = _prefix_logp(tr, src, limit)
    alive, finished = [([], 0.0)], []
    for _ in range(limit + 1):
        cands = sorted(((s + v, h, tok) for h, (toks, s) in enumerate(alive) for tok, v in enumerate(f(toks))
                        if v != float("-inf")), key=lambda c: -c[0])[: 2 * k]
        new = []
        for rank, (s, h, tok) in enumerate(cands):
            if len(new) == k:
                break
            if tok == eos:
                if rank < k:
                    finished.append((alive[h][0], s / (len(alive[h][0]) + 1) ** alpha))
            else:
                new.append((alive[h][0] + [tok], s))
        if not new or (len(finished) >= k and max(f[1] for f in finished) >=
                       max(s / (len(toks) + 1) ** alpha for toks, s in new)):
            break
        alive = new
    return "".join(tr.tgt_vocab.decode(max(finished, key=lambda ts: ts[1])[0]))


@torch.no_grad()
def test_wide_beam_equals_brute_force_over_every_output(tiny, monkeypatch):
    tr, sources = tiny
    limit, alpha = 3, tr.config.alpha
    monkeypatch.setattr(tr, "_max_steps", lambda n: limit)
    letters = [tr.tgt_vocab.index[c] for c in "ab"]
    for bias in (0.0, 2.0):                 # make </s> likely too, so outputs of every length compete
        tr.net.out.bias[tr.tgt_vocab.index[EOS]] += bias
        got = tr.translate(sources, beam=64)   # 64 >= every candidate of every step: an exhaustive search
        for src, out in zip(sources, got):
            f, eos = _prefix_logp(tr, src, limit)
            best, best_score = None, float("-inf")
            for n in range(limit + 1):
                for seq in itertools.product(letters, repeat=n):
                    s = sum(f(seq[:i])[seq[i]] for i in range(n)) + f(seq)[eos]
                    if s / (n + 1) ** alpha > best_score:
                        best, best_score = seq, s / (n + 1) ** alpha
            assert out == "".join(tr.tgt_vocab.decode(list(best))), (src, bias)
        tr.net.out.bias[tr.tgt_vocab.index[EOS]] -= bias


@torch.no_grad()
def test_batched_beam_equals_one_source_reference(tiny, monkeypatch):
    """Random peaky weights (seeds 4 and 5 made the old beam, which accepted ``</s>`` from ranks k..2k-1,
    return 'b' for 'ba' and '' for 'bb' here) and the trained ones, beams 2 and 3."""
    tr, sources = tiny
    tr = copy.deepcopy(tr)
    monkeypatch.setattr(tr, "_max_steps", lambda n: 6)
    for seed in (None, 4, 5):
        if seed is not None:
            g = torch.Generator().manual_seed(seed)
            for p in tr.net.parameters():
                p.copy_(torch.randn(p.shape, generator=g) * 0.8)
        for k in (2, 3):
            ref = [_reference_beam(tr, s, k, 6, tr.config.alpha) for s in sources]
            assert tr.translate(sources, beam=k) == ref, (seed, k)


@torch.no_grad()
def test_beam_one_is_greedy_and_rows_do_not_interact(tiny):
    tr, sources = tiny
    assert tr.translate(sources, beam=1) == [tr.translate([s], beam=1)[0] for s in sources]
    ids = tr._src_ids(sources)
    x, xl, _, _ = tr._batch(ids, None, list(range(len(ids))))
    assert ["".join(tr.tgt_vocab.decode(h)) for h in tr._beam(x, xl, 1)] == tr.translate(sources, beam=1)
    assert tr.translate(sources, beam=3) == [tr.translate([s], beam=3)[0] for s in sources]
