"""The dictionary-aware pointer-generator translator (``Seq2SeqConfig(model="dict-pointer")``, the default)
against oracles: IBM-1 against a plain-Python EM, the loss against the full extended distribution, copying
of words never seen in training, batched search against one source at a time, and the baselines run in the
same test on small real data; save/load, corrupted run folders and bad inputs."""

from __future__ import annotations

import json
import random
from collections import defaultdict

import pytest
import torch

from rnnkit._io import write_digests
from rnnkit.data.translation import num2words_pairs
from rnnkit.errors import CheckpointError, ConfigError, DataError, InputTypeError
from rnnkit.tasks.seq2seq import Seq2SeqConfig, Translator
from rnnkit.tasks.seq2seq_pointer import PointerNet, make_batch, pointer_loss
from rnnkit.tasks.seq2seq_words import IBM1, detokenize, words

pytest.importorskip("num2words", reason="num2words not installed (pip install num2words)")
pytestmark = pytest.mark.usefixtures("one_thread_module")

SMALL = dict(embed_dim=32, enc_hidden=32, dec_hidden=64, lr=1e-2, batch_size=16, dropout=0.0, word_dropout=0.0,
             val_fraction=0.0, beam=3, progress=False)


def _reference_ibm1(S, T, iterations):
    """IBM Model 1 EM written the plain way (dicts of co-occurring pairs), as the old baseline did."""
    t = {}
    pairs = [(["\0NULL"] + f, e) for f, e in zip(S, T) if f and e]
    for f, e in pairs:
        for fw in f:
            for ew in e:
                t[(fw, ew)] = 1.0
    for _ in range(iterations):
        count, total = defaultdict(float), defaultdict(float)
        for f, e in pairs:
            for ew in e:
                z = sum(t[(fw, ew)] for fw in f)
                for fw in f:
                    count[(fw, ew)] += t[(fw, ew)] / z
                    total[fw] += t[(fw, ew)] / z
        t = {k: v / total[k[0]] for k, v in count.items()}
    return t


def test_ibm1_equals_plain_em():
    rng = random.Random(0)
    S = [[rng.choice("abcdefg") for _ in range(rng.randint(1, 5))] for _ in range(60)]
    T = [[w.upper() if rng.random() < 0.8 else rng.choice("XYZ") for w in s] for s in S]
    ref = _reference_ibm1(S, T, 4)
    m = IBM1(4).fit(S, T)
    got = {(m.f_words[f], m.e_words[e]): p for (f, e), p in zip(m.pairs.tolist(), m.prob.tolist())}
    assert set(got) == set(ref) and all(abs(got[k] - ref[k]) < 1e-9 for k in ref)
    assert m.best == {f: max((p, e) for (ff, e), p in ref.items() if ff == f)[1] for f in "abcdefg"}


def test_symmetric_glosses_are_the_argmax_of_both_directions_of_plain_em():
    """``t(e | f) * t(f | e) ** 0.5`` from the plain EM of both directions, brute force; on this noisy corpus
    (each word translated with probability 0.4, else a noise word) it finds all 8 true translations, where
    ``t(e | f)`` alone (the old glosses, the baseline) finds 4 and takes noise words for the others."""
    rng = random.Random(7)
    S = [[rng.choice("abcdefgh") for _ in range(rng.randint(1, 5))] for _ in range(50)]
    T = [[w.upper() if rng.random() < 0.4 else rng.choice("XYZW") for w in s] for s in S]
    fwd, bwd = _reference_ibm1(S, T, 5), _reference_ibm1(T, S, 5)
    oracle = {f: max((p * bwd[(e, f)] ** 0.5, e) for (ff, e), p in fwd.items() if ff == f)[1] for f in "abcdefgh"}
    got = IBM1(5).fit(S, T).symmetric(IBM1(5).fit(T, S), 0.5)
    assert got == oracle
    right = lambda table: sum(table[f] == f.upper() for f in "abcdefgh")          # noqa: E731
    assert right(got) == 8 and right(IBM1(5).fit(S, T).best) == 4


def test_detokenize_inverts_tokenize():
    for text in ['He said: "I don\'t know (yet)."', "It's 1,000 well-known cats, isn't it?", "I know that …", "A, b; c!",
                 "The word 'côte' has no acute."]:
        assert detokenize(words([text])[0]) == text


@pytest.fixture(scope="module")
def numbers():
    pairs = num2words_pairs(500, seed=0, max_number=999)
    return [s for s, _ in pairs[:400]], [t for _, t in pairs[:400]], [s for s, _ in pairs[400:]], [t for _, t in pairs[400:]]


@pytest.fixture(scope="module")
def model(numbers):
    S, T, _, _ = numbers
    torch.manual_seed(0)
    return Translator(Seq2SeqConfig(**SMALL, epochs=8)).fit(S, T)


def test_beats_copy_source_and_the_dictionary_on_held_out_numbers(model, numbers):
    _, _, St, Tt = numbers
    m = model.evaluate(St, Tt, beam=1)
    assert m["chrf"] > m["baselines"]["word_dictionary"]["chrf"] + 5, m
    assert m["chrf"] > m["baselines"]["copy_source"]["chrf"] + 20, m


def test_loss_is_minus_log_of_the_extended_distribution(model, numbers):
    """The training loss (gathered per gold word) against the full distribution over the extended
    vocabulary that decoding uses; it sums to one."""
    S, T, _, _ = numbers
    w = model.words
    sents = w._sentences(w._words(S[:6], "sources"), w._words(T[:6], "targets"))
    sents[0].oov.append("zzz")                        # an out-of-vocabulary copy target: gloss and gold
    sents[0].gloss_ext[0] = sents[0].gold[0] = len(w.tgt_vocab)
    b = make_batch(sents, w.tgt_vocab)
    net = model.net.eval()
    with torch.no_grad():
        memory, state = net.encode(b)
        logits, switch, attn, _ = net.decode(b["prev"], state, memory)
        p = PointerNet.distribution(logits, switch, attn, memory, b["n_ext"])
        valid = b["gold"] != -100
        torch.testing.assert_close(p.sum(-1)[valid], torch.ones(int(valid.sum())))
        ref = -torch.log(p.gather(2, b["gold"].clamp(min=0).unsqueeze(-1)).squeeze(-1) + 1e-9)[valid].mean()
        torch.testing.assert_close(pointer_loss(net, b, 0.0), ref)


def test_copies_words_never_seen_in_training():
    """Targets repeat a name from the source; the names of the test sources never occur in training, so only
    a copy (an extended id) can produce them."""
    rng = random.Random(1)
    name = lambda: "".join(rng.choice("bdfgklmnprstvz") + rng.choice("aeiou") for _ in range(3)).title()  # noqa: E731
    verbs = [("sieht", "sees"), ("ruft", "calls"), ("kennt", "knows")]
    src, tgt = [], []
    for _ in range(360):
        n, (v, e) = name(), rng.choice(verbs)
        src.append(f"Anna {v} {n}.")
        tgt.append(f"Anna {e} {n}.")
    torch.manual_seed(0)
    tr = Translator(Seq2SeqConfig(**SMALL, epochs=6)).fit(src[:300], tgt[:300], baselines=False)
    got = tr.translate(src[300:], beam=1)
    assert sum(g == t for g, t in zip(got, tgt[300:])) >= 0.9 * 60, list(zip(got, tgt[300:]))[:5]


def test_search_is_batch_independent_and_beam_one_is_greedy(model, numbers):
    _, _, St, _ = numbers
    src = St[:12] + ["nine hundred and ninety-nine " * 3]
    greedy = model.translate(src, beam=1)
    assert greedy == [model.translate([s], beam=1)[0] for s in src]
    wide = model.translate(src, beam=4)
    assert wide == [model.translate([s], beam=4)[0] for s in src]
    torch.manual_seed(0)
    from rnnkit.tasks.seq2seq_pointer import pointer_search
    w = model.words
    sents = w._sentences(w._words(src, "sources"))
    assert [detokenize(h) for h in pointer_search(model.net, sents, w.tgt_vocab, 1, 1.0, 2.0)] == greedy


def test_no_repeat_ngram_blocks_repeats_only():
    """``_repeats`` against a brute-force list of the n-grams; searched outputs with ``no_repeat=n`` hold no
    n-gram twice (a barely trained network, whose outputs without it repeat words)."""
    from rnnkit.tasks.seq2seq_search import _repeats

    rng = random.Random(3)
    for _ in range(200):
        seq, n = [rng.randint(0, 3) for _ in range(rng.randint(0, 8))], rng.randint(1, 3)
        grams = {tuple(seq[i:i + n]) for i in range(len(seq) - n + 1)}
        want = sorted({x for x in range(4) if tuple((seq + [x])[-n:]) in grams and len(seq) + 1 >= n})
        assert sorted(set(_repeats(seq, n))) == want, (seq, n)
    torch.manual_seed(0)
    S = ["eins zwei drei vier", "zwei drei", "vier eins eins"] * 4
    T = ["one two three four", "two three", "four one one"] * 4
    tr = Translator(Seq2SeqConfig(**SMALL, epochs=1, no_repeat_ngram=0)).fit(S, T, baselines=False)
    w = tr.words
    sents = w._sentences(w._words(S[:3], "sources"))
    from rnnkit.tasks.seq2seq_pointer import pointer_search
    for beam in (1, 3):
        for n in (1, 2):
            for out in pointer_search(tr.net, sents, w.tgt_vocab, beam, 1.0, 3.0, no_repeat=n):
                grams = [tuple(out[i:i + n]) for i in range(len(out) - n + 1)]
                assert len(grams) == len(set(grams)), (beam, n, out)
    free = pointer_search(tr.net, sents, w.tgt_vocab, 1, 1.0, 3.0, no_repeat=0)
    assert any(len(set(out)) < len(out) for out in free), free                 # the check above can fail


def test_save_load_identical_and_corrupt_folders(model, numbers, tmp_path, flip_byte):
    _, _, St, _ = numbers
    run = model.save(tmp_path / "run")
    again = Translator.load(run)
    assert again.config == model.config and again.words.dictionary == model.words.dictionary
    assert again.translate(St[:20], beam=1) == model.translate(St[:20], beam=1)
    assert again.translate(St[:8], beam=3) == model.translate(St[:8], beam=3)
    flip_byte(run / "model.safetensors")
    with pytest.raises(CheckpointError):
        Translator.load(run)
    run2 = model.save(tmp_path / "run2")
    meta = json.loads((run2 / "config.json").read_text(encoding="utf-8"))
    meta["state"]["dictionary"] = ["not", "a", "dict"]
    (run2 / "config.json").write_text(json.dumps(meta), encoding="utf-8")
    write_digests(run2, [p.name for p in run2.iterdir() if p.name != "digests.json"])
    with pytest.raises(CheckpointError, match="dictionary"):
        Translator.load(run2)


def test_bad_inputs_are_typed_errors(model):
    with pytest.raises(ConfigError, match="model"):
        Seq2SeqConfig(model="words")
    for kw in (dict(word_dropout=1.5), dict(label_smoothing=-0.1), dict(min_count=0), dict(warmup=1.0)):
        with pytest.raises(ConfigError, match=next(iter(kw))):
            Seq2SeqConfig(**kw)
    with pytest.raises(InputTypeError, match="sources"):
        model.translate("two")
    with pytest.raises(DataError, match=r"sources\[1\]"):
        model.translate(["two", " "])
    with pytest.raises(DataError, match="at most max_len=3"):
        Translator(Seq2SeqConfig(**SMALL, epochs=1, max_len=3, on_long="error")).fit(["one two three four"], ["un"])
