"""MBR decoding (:mod:`rnnkit.tasks.seq2seq_mbr`) against oracles: the sentence chrF against
``sacrebleu.sentence_chrf``, the MBR choice against a brute force over the pool with sacrebleu's chrF, the
n-best lists and epsilon samples of :mod:`rnnkit.tasks.seq2seq_search` against the plain searches."""

from __future__ import annotations

import random

import pytest
import torch

from rnnkit.errors import ConfigError, DataError, InputTypeError
from rnnkit.tasks.seq2seq_mbr import mbr_scores, mbr_select, sentence_chrf
from rnnkit.tasks.seq2seq_search import beam_search, beam_search_nbest, greedy_search, sample_search

sacrebleu = pytest.importorskip("sacrebleu")
pytestmark = pytest.mark.usefixtures("one_thread_module")        # one torch thread (tests/conftest.py)

SENTENCES = ["The house is small.", "the house is little", "A cottage, not a house!", "Tom is here.",
             "Tom's here", "It's 5 o'clock.", "Grüße aus Köln", "x", "", "  ", "ab", "aaaa aaaa",
             "Das Haus ist klein und alt.", "The old house is small and old old old."]


def test_sentence_chrf_equals_sacrebleu():
    rng = random.Random(0)
    pairs = [(a, b) for a in SENTENCES for b in SENTENCES]
    for _ in range(200):                                   # random strings over a small alphabet: many shared n-grams
        pairs.append(tuple("".join(rng.choice("ab c.") for _ in range(rng.randint(0, 12))) for _ in range(2)))
    for h, r in pairs:
        assert sentence_chrf(h, r) == pytest.approx(sacrebleu.sentence_chrf(h, [r]).score, abs=1e-9), (h, r)


def _brute_force_mbr(cands, weights):
    """The candidate with the highest weighted sum of sacrebleu sentence chrF against every candidate."""
    scores = [sum(w * sacrebleu.sentence_chrf(c, [r]).score for r, w in zip(cands, weights)) for c in cands]
    return max(range(len(cands)), key=lambda i: (scores[i], -i)), scores


def test_mbr_picks_the_consensus_and_equals_a_brute_force():
    pool = ["a cottage", "the house is small", "the house is little", "the home is small"]
    assert mbr_select(pool) == 1                            # not the first (beam's best): the consensus
    rng = random.Random(1)
    for _ in range(30):
        cands = rng.sample(SENTENCES, rng.randint(1, 6)) + [rng.choice(SENTENCES)]     # duplicates too
        weights = [rng.uniform(0.1, 2.0) for _ in cands]
        best, scores = _brute_force_mbr(cands, weights)
        assert mbr_scores(cands, weights) == pytest.approx(scores, abs=1e-9)
        assert mbr_select(cands, weights) == best


def test_mbr_bad_inputs_are_typed_one_line_errors():
    with pytest.raises(DataError, match="candidates: expected at least one"):
        mbr_select([])
    with pytest.raises(InputTypeError, match="candidates"):
        mbr_select("the house")
    with pytest.raises(DataError, match="weights: expected one weight per candidate"):
        mbr_select(["a", "b"], [1.0])
    with pytest.raises(ConfigError, match=r"weights\[1\]"):
        mbr_select(["a", "b"], [1.0, float("nan")])
    with pytest.raises(ConfigError, match=r"weights\[0\]"):
        mbr_select(["a", "b"], [-1.0, 1.0])
    with pytest.raises(InputTypeError, match=r"candidates\[1\]"):
        mbr_select(["a", None])


class TableStepper:
    """A stepper whose next-token distribution depends on the step and the previous token only, with
    rows kept by :meth:`select` (enough to check the searches' bookkeeping)."""

    def __init__(self, B, V, seed):
        g = torch.Generator().manual_seed(seed)
        self.table = torch.log_softmax(torch.randn(B, 8, V, V, generator=g) * 2, -1)
        self.rows = torch.arange(B)
        self.t = 0

    def step(self, prev):
        out = self.table[self.rows, min(self.t, 7), prev[:, 0]].clone()
        self.t += 1
        return out

    def select(self, rows):
        self.rows = self.rows[rows]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_nbest_is_sorted_distinct_and_its_first_is_the_beam_output(seed):
    B, V, bos, eos = 3, 6, 1, 2
    limits = [4, 6, 5]
    nb = beam_search_nbest(TableStepper(B, V, seed), limits, 4, bos, eos, [0, bos], 1.0)
    best = beam_search(TableStepper(B, V, seed), limits, 4, bos, eos, [0, bos], 1.0)
    for lst, b in zip(nb, best):
        assert lst and lst[0][0] == b
        scores = [s for _, s in lst]
        assert scores == sorted(scores, reverse=True)
        assert len({tuple(t) for t, _ in lst}) == len(lst)


def test_epsilon_one_samples_are_greedy_and_samples_are_seeded():
    B, V, bos, eos = 3, 6, 1, 2
    limits = [4, 6, 5]
    greedy = greedy_search(TableStepper(B, V, 0), limits, bos, eos, [0, bos])
    samples = sample_search(TableStepper(B, V, 0), limits, 4, bos, eos, [0, bos], epsilon=1.0, seed=3)
    assert samples == [[g] * 4 for g in greedy]                # only the most probable token survives
    a = sample_search(TableStepper(B, V, 0), limits, 8, bos, eos, [0, bos], epsilon=0.0, seed=3)
    b = sample_search(TableStepper(B, V, 0), limits, 8, bos, eos, [0, bos], epsilon=0.0, seed=3)
    assert a == b and any(len({tuple(s) for s in row}) > 1 for row in a)


# ----------------------------------------------------------------------------- the translator's --decode mbr
SMALL = dict(embed_dim=16, enc_hidden=16, dec_hidden=32, lr=1e-2, batch_size=16, dropout=0.0, word_dropout=0.0,
             val_fraction=0.0, beam=4, epochs=2, progress=False)


@pytest.fixture(scope="module")
def numbers_model():
    from rnnkit.data.translation import num2words_pairs
    from rnnkit.tasks.seq2seq import Seq2SeqConfig, Translator

    pytest.importorskip("num2words", reason="num2words not installed (pip install num2words)")
    pairs = num2words_pairs(150, seed=0, max_number=999)
    torch.manual_seed(0)
    tr = Translator(Seq2SeqConfig(**SMALL)).fit([s for s, _ in pairs[:120]], [t for _, t in pairs[:120]],
                                               baselines=False)
    return tr, [s for s, _ in pairs[120:]]


def test_translator_mbr_is_the_brute_force_choice_among_the_nbest_and_the_glosses(numbers_model):
    from rnnkit.tasks.seq2seq_pointer import pointer_search, prepare
    from rnnkit.tasks.seq2seq_words import detokenize

    tr, src = numbers_model
    w, c = tr.words, tr.config
    got = tr.translate(src, beam=4, decode="mbr")
    words = w._words(src, "sources")
    glosses = w._glosses(words)
    once_from = len(w.tgt_vocab.specials) + c.repeat_top
    nbest = pointer_search(w.net, [prepare(s, g, w.src_vocab, w.tgt_vocab) for s, g in zip(words, glosses)],
                           w.tgt_vocab, 4, c.alpha, c.max_decode_ratio, 64, c.no_repeat_ngram, once_from, nbest=True)
    changed = 0
    for out, nb, g, beam_out in zip(got, nbest, glosses, tr.translate(src, beam=4)):
        pool = [detokenize(h) for h, _ in nb[:4]] + [detokenize([x for p in g for x in p.split()])]
        assert out == pool[_brute_force_mbr(pool, [1.0] * len(pool))[0]]
        assert detokenize(nb[0][0]) == beam_out                    # the n-best's first is the beam's output
        changed += out != beam_out
    assert changed > 0                                              # the check can fail: MBR did choose otherwise


def test_char_translator_mbr_and_bad_decode_values():
    from rnnkit.tasks.seq2seq import Seq2SeqConfig, Translator

    rng = random.Random(0)
    src = ["".join(rng.choice("xyz") for _ in range(rng.randint(1, 5))) for _ in range(40)]
    tgt = ["".join(rng.choice("ab") for _ in range(rng.randint(1, 4))) for _ in range(40)]
    torch.manual_seed(0)
    tr = Translator(Seq2SeqConfig(model="char", embed_dim=8, enc_hidden=8, dec_hidden=16, epochs=1, batch_size=8,
                                  val_fraction=0.0, dropout=0.0, progress=False)).fit(src, tgt, baselines=False)
    ids = tr._src_ids(src[:10])
    x, xl, _, _ = tr._batch(ids, None, list(range(10)))
    for out, nb in zip(tr.translate(src[:10], beam=3, decode="mbr"), tr._search(x, xl, 3, nbest=True)):
        pool = ["".join(tr.tgt_vocab.decode(h)) for h, _ in nb[:3]]
        assert out == pool[_brute_force_mbr(pool, [1.0] * len(pool))[0]]
    with pytest.raises(ConfigError, match="decode"):
        Seq2SeqConfig(decode="sample")
    with pytest.raises(ConfigError, match="decode"):
        tr.translate(src[:2], decode="MBR")


def test_cli_decode_option_and_runs_saved_before_it_load(numbers_model, tmp_path, capsys):
    import json

    from rnnkit._io import write_digests
    from rnnkit.cli.main import main
    from rnnkit.tasks.seq2seq import Translator

    tr, src = numbers_model
    run = tr.save(tmp_path / "run")
    (tmp_path / "in.txt").write_text("\n".join(src[:6]) + "\n", encoding="utf-8")
    outs = {}
    for decode in ("beam", "mbr"):
        assert main(["translate", "predict", "--run", str(run), "--input", str(tmp_path / "in.txt"), "--decode",
                     decode, "--json"]) == 0
        outs[decode] = json.loads(capsys.readouterr().out)["predictions"]
        assert outs[decode] == tr.translate(src[:6], decode=decode)
    assert main(["translate", "predict", "--run", str(run), "--input", str(tmp_path / "in.txt"), "--decode",
                 "best"]) == 2
    assert "--decode" in capsys.readouterr().err
    meta = json.loads((run / "config.json").read_text(encoding="utf-8"))        # a run saved before the field
    del meta["config"]["decode"]
    (run / "config.json").write_text(json.dumps(meta), encoding="utf-8")
    write_digests(run, [p.name for p in run.iterdir() if p.name != "digests.json"])
    old = Translator.load(run)
    assert old.config.decode == "beam" and old.translate(src[:6]) == outs["beam"]
