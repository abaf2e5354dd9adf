"""Noisy-channel reranking of the dict-pointer's beam (``decode="channel"``, :mod:`rnnkit.tasks.seq2seq_channel`;
session 31, helper T). Fails at dfd260d (no such decoding, no channel model in a run).

On real pairs (trans-de-en): the choice of ``translate(decode="channel")`` equals a brute-force rescoring of the
beam's n-best with IBM Model 1 written out here as a dense matrix (not the module's table lookups); weights 0 give
the beam's own output; the channel is saved with the run and a run saved before it refuses ``channel`` in one line;
bad weights and the char model are typed one-line errors."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from rnnkit._io import atomic_write_json, write_digests
from rnnkit.errors import CheckpointError, ConfigError, DataError, InputTypeError
from rnnkit.tasks.seq2seq import Seq2SeqConfig, Translator
from rnnkit.tasks.seq2seq_channel import FLOOR, PRUNE, ReverseChannel, channel_scores, channel_select
from rnnkit.tasks.seq2seq_lexicon import Lexicon
from rnnkit.tasks.seq2seq_pointer import pointer_search, prepare
from rnnkit.tasks.seq2seq_words import NULL, IBM1, detokenize

pytestmark = pytest.mark.usefixtures("one_thread_module")        # one torch thread (tests/conftest.py)

SMALL = dict(embed_dim=32, enc_hidden=32, dec_hidden=64, lr=1e-2, batch_size=16, dropout=0.0, word_dropout=0.0,
             val_fraction=0.0, beam=4, progress=False)


@pytest.fixture(scope="module")
def pairs():
    from rnnkit.data.translation import load_trans_de_en

    try:
        p = load_trans_de_en()
    except DataError as e:   # the Debian dictionary file is not installed here
        pytest.skip(str(e))
    return [s for s, _ in p[:600]], [t for _, t in p[:600]], [s for s, _ in p[600:660]], [t for _, t in p[600:660]]


@pytest.fixture(scope="module")
def model(pairs):
    S, T, _, _ = pairs
    torch.manual_seed(0)
    return Translator(Seq2SeqConfig(**SMALL, epochs=3, decode="channel")).fit(S, T, baselines=False)


def _nbest(model, sources, k):
    """The beam's n-best of each source, as WordPointer.translate searches it, with the source words."""
    w, c = model.words, model.config
    src = w._words(sources, "sources")
    sents = [prepare(s, g, w.src_vocab, w.tgt_vocab) for s, g in zip(src, w._glosses(src))]
    once = len(w.tgt_vocab.specials) + c.repeat_top
    return src, pointer_search(w.net, sents, w.tgt_vocab, k, c.alpha, c.max_decode_ratio, 64, c.no_repeat_ngram, once,
                               nbest=True)


def _brute_force(model, S, T, sources, k, weight, length):
    """Each source's best of the n-best by beam score + weight * log p(x|y) / |x| + length * |y| / |x|, IBM-1's
    p(x|y) from a dense t(f|e) matrix of a reverse fit (entries below PRUNE dropped, each factor >= FLOOR; an unknown
    source word: its lexicon analysis, else its copies in the output)."""
    w = model.words
    ibm = IBM1(5).fit(w._words(T, "targets"), w._words(S, "sources"))
    t = np.zeros((len(ibm.f_words), len(ibm.e_words)))
    t[ibm.pairs[:, 0], ibm.pairs[:, 1]] = ibm.prob
    t[t < PRUNE] = 0.0
    e_at, f_at = {e: i for i, e in enumerate(ibm.f_words)}, {f: j for j, f in enumerate(ibm.e_words)}
    known = {f for f, j in f_at.items() if t[:, j].any()}
    lex = Lexicon(w.dictionary, w.counts, derive=model.config.derive_words)
    out = []
    for x, nbest in zip(*_nbest(model, sources, k)):
        best, best_s = None, -math.inf
        for y, score in nbest[:k]:
            rows = [e_at[NULL]] + [e_at[e] for e in y if e in e_at]
            logp = 0.0
            for f in (p for word in x for p in ([word] if word in known else lex.analyse(word))):
                mass = t[rows, f_at[f]].sum() if f in known else float(y.count(f))
                logp += math.log(max(mass / (len(y) + 1), FLOOR))
            s = score + weight * logp / len(x) + length * len(y) / len(x)
            if s > best_s:
                best, best_s = y, s
        out.append(detokenize(best) if best is not None else "")
    return out


@pytest.mark.parametrize("weight,length", [(0.06, 0.0), (1.0, 0.0), (0.5, -0.2)])
def test_channel_choice_equals_a_brute_force_rescoring_of_the_nbest(model, pairs, weight, length):
    import dataclasses

    S, T, St, _ = pairs
    model.words.cfg = dataclasses.replace(model.config, channel_weight=weight, channel_length=length)
    try:
        got = model.words.translate(St, 4, decode="channel")
    finally:
        model.words.cfg = model.config
    assert got == _brute_force(model, S, T, St, 4, weight, length)
    if weight == 1.0:       # the channel does change choices (the test is not the beam's output twice)
        assert got != model.translate(St, beam=4, decode="beam")


def test_zero_weights_give_the_beam_output(model, pairs):
    import dataclasses

    _, _, St, _ = pairs
    cfg = dataclasses.replace(model.config, channel_weight=0.0, channel_length=0.0)
    model.words.cfg = cfg
    try:
        got = model.words.translate(St, 4, decode="channel")
    finally:
        model.words.cfg = model.config
    assert got == model.translate(St, beam=4, decode="beam")


def test_channel_is_saved_with_the_run_and_an_older_run_refuses_it(model, pairs, tmp_path):
    _, _, St, _ = pairs
    model.save(tmp_path / "run")
    back = Translator.load(tmp_path / "run")
    assert back.words.channel.table == model.words.channel.table
    assert back.translate(St, decode="channel") == model.translate(St, decode="channel")
    folder = tmp_path / "run"
    cfg = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    cfg["state"].pop("channel")                            # as a run saved before decode="channel" existed
    for key in ("channel_weight", "channel_length"):
        cfg["config"].pop(key)
    atomic_write_json(folder / "config.json", cfg)
    write_digests(folder, list(json.loads((folder / "digests.json").read_text())["sha256"]))
    old = Translator.load(folder)
    assert (old.config.channel_weight, old.config.channel_length) == (0.06, 0.0)
    assert old.translate(St[:3], decode="beam") == model.translate(St[:3], decode="beam")
    with pytest.raises(ConfigError, match=r"^decode: expected a run trained with decode='channel'") as e:
        old.translate(St[:3], decode="channel")
    assert "\n" not in str(e.value)


def test_a_malformed_channel_state_is_a_checkpoint_error():
    with pytest.raises(CheckpointError, match="RUN/config.json: expected a 'channel'"):
        ReverseChannel.from_state({"the": {"das": 2.0}}, "RUN/config.json")
    with pytest.raises(CheckpointError, match="expected a 'channel'"):
        ReverseChannel.from_state(["the", "das"], "RUN/config.json")
    assert ReverseChannel.from_state({"the": {"das": 0.5}}, "x").table == {"the": {"das": 0.5}}


def test_reverse_channel_is_ibm1_by_hand():
    ch = ReverseChannel.fit([["das", "Haus"], ["das", "Buch"]], [["the", "house"], ["the", "book"]])
    t = ch.table                   # p(x|y) = prod_j (t(f_j|NULL) + sum_i t(f_j|y_i)) / (|y| + 1)
    want = sum(math.log(max((t[""].get(f, 0) + t["the"].get(f, 0) + t["house"].get(f, 0)) / 3, FLOOR))
               for f in ("das", "Haus"))
    assert ch.log_prob(["das", "Haus"], ["the", "house"]) == pytest.approx(want, abs=1e-12)
    assert ch.log_prob(["das", "Haus"], ["the", "house"]) > ch.log_prob(["das", "Haus"], ["the", "book"])
    # a word never seen: explained by a copy of itself only; its analysis when one is given
    assert ch.log_prob(["Zürich"], ["Zürich"]) == pytest.approx(math.log(1 / 2))
    assert ch.log_prob(["Zürich"], ["the"]) == pytest.approx(math.log(FLOOR))
    assert ch.log_prob(["Hausbuch"], ["house", "book"], lambda w: ["Haus", "Buch"]) == pytest.approx(
        ch.log_prob(["Haus", "Buch"], ["house", "book"]))


def test_bad_weights_and_the_char_model_are_typed_one_line_errors(model, pairs):
    for kw, err, pat in [(dict(channel_weight=-0.1), ConfigError, "channel_weight"),
                         (dict(channel_weight=float("nan")), ConfigError, "channel_weight"),
                         (dict(channel_weight=float("inf")), ConfigError, "channel_weight"),
                         (dict(channel_weight="0.1"), InputTypeError, "channel_weight"),
                         (dict(channel_weight=True), InputTypeError, "channel_weight"),
                         (dict(channel_length=None), InputTypeError, "channel_length"),
                         (dict(channel_length=float("-inf")), ConfigError, "channel_length"),
                         (dict(decode="noisy"), ConfigError, "decode"),
                         (dict(decode="channel", model="char"), ConfigError, "^decode: expected 'beam' or 'mbr'")]:
        with pytest.raises(err, match=pat) as e:
            Seq2SeqConfig(**kw)
        assert "\n" not in str(e.value)
    nb = [(["the", "house"], -0.1)]
    with pytest.raises(ConfigError, match="channel_weight"):
        channel_scores(nb, ["das"], model.words.channel, -1.0, 0.0)
    with pytest.raises(DataError, match="^nbest: expected at least one output"):
        channel_select([], ["das"], model.words.channel, 0.1, 0.0)
    with pytest.raises(DataError, match="^source: expected at least one word"):
        channel_select(nb, [], model.words.channel, 0.1, 0.0)
    with pytest.raises(InputTypeError, match="^source: expected a list of words"):
        channel_select(nb, "das Haus", model.words.channel, 0.1, 0.0)
    with pytest.raises(ConfigError, match="^decode: expected one of"):
        model.translate(["Haus"], decode="Channel")


def test_char_model_refuses_channel_at_translate(pairs):
    S, T, _, _ = pairs
    torch.manual_seed(0)
    tr = Translator(Seq2SeqConfig(model="char", embed_dim=8, enc_hidden=8, dec_hidden=16, epochs=1, val_fraction=0.0,
                                  progress=False)).fit(S[:40], T[:40], baselines=False)
    with pytest.raises(ConfigError, match="^decode: expected 'beam' or 'mbr' for model='char'"):
        tr.translate(["Haus"], decode="channel")


def test_a_run_trained_to_decode_beam_carries_no_channel_and_refuses_it_in_one_line(pairs, tmp_path):
    """The reverse IBM-1 is fitted and saved only where decode='channel' will use it: on trans-de-en it is ~4.8 MB of
    config.json (5x the rest) and ~3 CPU s of every fit, for an option that failed its check (lead, session 31)."""
    S, T, St, _ = pairs
    torch.manual_seed(0)
    plain = Translator(Seq2SeqConfig(**SMALL, epochs=1)).fit(S[:200], T[:200], baselines=False)
    assert plain.words.channel is None
    plain.save(tmp_path / "run")
    assert "channel" not in json.loads((tmp_path / "run" / "config.json").read_text(encoding="utf-8"))["state"]
    back = Translator.load(tmp_path / "run")
    with pytest.raises(ConfigError, match=r"^decode: expected a run trained with decode='channel'.*--decode channel") as e:
        back.translate(St[:2], decode="channel")
    assert "\n" not in str(e.value)
