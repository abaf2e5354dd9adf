"""The noisy channel told the external lexicon's glosses (``channel_lexicon=True``, session 35, helper T; an option:
its pre-registered validation check failed). Fails at dbb1af7f (no such field; ``log_prob`` took no ``gloss``).

A source word the reverse IBM-1 channel does not know and the lexicon glosses is explained by the gloss's words in the
output (``1 / len(gloss words)`` each) and by copies of itself; without the option it is explained only by its copies.
Oracles: probabilities written out by hand, and a brute-force rescoring of the n-best from the model's channel table."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest

from rnnkit._io import atomic_write_json, write_digests
from rnnkit.errors import ConfigError, InputTypeError
from rnnkit.tasks.seq2seq import Seq2SeqConfig, Translator
from rnnkit.tasks.seq2seq_channel import FLOOR, ReverseChannel, channel_scores, lexicon_gloss
from rnnkit.tasks.seq2seq_dictionary import BilingualLexicon
from rnnkit.tasks.seq2seq_pointer import pointer_search, prepare
from rnnkit.tasks.seq2seq_words import detokenize

pytestmark = pytest.mark.usefixtures("one_thread_module")        # one torch thread (tests/conftest.py)

SMALL = dict(embed_dim=16, enc_hidden=16, dec_hidden=32, lr=1e-2, batch_size=8, dropout=0.0, word_dropout=0.0,
             val_fraction=0.0, beam=4, progress=False, epochs=3)
DE = {"Hund": "dog", "Katze": "cat", "Baum": "tree", "Haus": "house", "Vogel": "bird", "Fisch": "fish",
      "Maus": "mouse"}
VERBS = {"schläft": "sleeps", "wächst": "grows", "steht": "stands", "fällt": "falls"}
PAIRS = [(f"der {d} {v} .", f"the {e} {w} .") for d, e in DE.items() for v, w in VERBS.items()]
UNSEEN = [f"der Pferd {v} ." for v in VERBS] + [f"der Gummi {v} ." for v in VERBS]


def test_log_prob_by_hand():
    ch = ReverseChannel({"the": {"das": 0.9}, "house": {"Haus": 0.8}, "": {"das": 0.1}})
    gloss = {"Gummi": frozenset({"rubber", "band"})}.get
    out = ["the", "Rubber", "band"]                          # n = |y| + 1 = 4; case folded for the gloss words
    want = math.log((0.1 + 0.9) / 4) + math.log((0.5 + 0.5) / 4)
    assert ch.log_prob(["das", "Gummi"], out, gloss=gloss) == pytest.approx(want)
    assert ch.log_prob(["das", "Gummi"], out) == pytest.approx(math.log(1 / 4) + math.log(FLOOR))   # copies only
    half = math.log(1 / 3) + math.log(0.5 / 3)               # one of the two gloss words; n = 3
    assert ch.log_prob(["das", "Gummi"], ["the", "band"], gloss=gloss) == pytest.approx(half)
    copy = math.log(1 / 3) + math.log(1 / 3)                 # a copy of the word itself still counts
    assert ch.log_prob(["das", "Gummi"], ["the", "Gummi"], gloss=gloss) == pytest.approx(copy)
    # a word the channel knows is the channel's, whatever the gloss says
    assert ch.log_prob(["Haus"], ["house"], gloss={"Haus": frozenset({"home"})}.get) == pytest.approx(math.log(0.8 / 2))
    nbest = [(["the", "Gummi", "ball"], -0.2), (["the", "rubber", "band"], -0.1)]
    plain = channel_scores(nbest, ["das", "Gummi"], ch, 1.0, 0.0)
    told = channel_scores(nbest, ["das", "Gummi"], ch, 1.0, 0.0, gloss=gloss)
    assert plain[0] > plain[1] and told[1] > told[0]          # the copy won; now the translation does


def test_lexicon_gloss_follows_the_translators_gloss():
    lex = BilingualLexicon({"Gummi": "rubber band", "Haus": "house", "Hund": "hound", "Zahl": "123"}, rare=1)
    gloss = lexicon_gloss({"Haus": "home", "Hund": "dog"}, {"Haus": 1, "Hund": 5}, lex)
    assert gloss("Gummi") == frozenset({"rubber", "band"})   # never seen in training: the lexicon's
    assert gloss("Gummis") == frozenset({"rubber", "band"})  # less one inflection ending, as lookup
    assert gloss("Haus") == frozenset({"house"})             # seen once (<= rare): the lexicon's entry
    assert gloss("Hund") is None                             # seen 5 times: IBM-1's word, not the lexicon's
    assert gloss("Zahl") is None and gloss("Xyzzy") is None  # no letters in the gloss; no entry


def test_config_field():
    assert Seq2SeqConfig().channel_lexicon is False
    assert Seq2SeqConfig(lexicon="x.tsv", channel_lexicon=True).channel_lexicon is True
    with pytest.raises(ConfigError, match=r"^channel_lexicon: expected False without a lexicon .*got True$") as e:
        Seq2SeqConfig(channel_lexicon=True)
    assert "\n" not in str(e.value)
    with pytest.raises(InputTypeError, match=r"^channel_lexicon: expected a bool, got 'yes'"):
        Seq2SeqConfig(lexicon="x.tsv", channel_lexicon="yes")


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    import torch

    root = tmp_path_factory.mktemp("chlex")
    (root / "lex.tsv").write_text("Pferd\thorse\nGummi\trubber band\n", encoding="utf-8")
    torch.manual_seed(0)
    S, T = [s for s, _ in PAIRS], [t for _, t in PAIRS]
    m = Translator(Seq2SeqConfig(**SMALL, decode="channel", lexicon=str(root / "lex.tsv"))).fit(S, T, baselines=False)
    return m, root


def _brute_force(model, sources, weight, told):
    """Each source's best of the beam's n-best by beam score + weight * log p(x|y) / |x|, p(x|y) written out from the
    model's channel table; an unknown source word: its lexicon gloss's words (``told``) and its copies."""
    w, c = model.words, model.config
    table = w.channel.table
    known = {f for fs in table.values() for f in fs}
    src = w._words(sources, "sources")
    sents = [prepare(s, g, w.src_vocab, w.tgt_vocab) for s, g in zip(src, w._glosses(src))]
    once = len(w.tgt_vocab.specials) + c.repeat_top
    nbest = pointer_search(w.net, sents, w.tgt_vocab, c.beam, c.alpha, c.max_decode_ratio, 64, c.no_repeat_ngram, once,
                           nbest=True)
    glosses = {"Pferd": {"horse"}, "Gummi": {"rubber", "band"}} if told else {}
    out = []
    for x, hyps in zip(src, nbest):
        best, best_s = None, -math.inf
        for y, score in hyps[:c.beam]:
            logp = 0.0
            for f in x:
                assert f in known or f in ("Pferd", "Gummi")
                if f in known:
                    mass = table.get("", {}).get(f, 0.0) + sum(table.get(e, {}).get(f, 0.0) for e in y)
                else:
                    g = glosses.get(f, set())
                    mass = (sum(e.lower() in g for e in y) / len(g) if g else 0.0) + y.count(f)
                logp += math.log(max(mass / (len(y) + 1), FLOOR))
            s = score + weight * logp / len(x)
            if s > best_s:
                best, best_s = y, s
        out.append(detokenize(best))
    return out


@pytest.mark.parametrize("weight", [0.06, 2.0])
def test_translate_equals_a_brute_force_rescoring(fitted, weight):
    m, _ = fitted
    got = {}
    for told in (False, True):
        m.words.cfg = dataclasses.replace(m.config, channel_weight=weight, channel_lexicon=told)
        try:
            got[told] = m.words.translate(UNSEEN, m.config.beam, decode="channel")
        finally:
            m.words.cfg = m.config
        assert got[told] == _brute_force(m, UNSEEN, weight, told)
    if weight == 2.0:     # the option does change choices here (the test is not the same output twice)
        assert got[True] != got[False]


def test_saved_with_the_run_and_older_runs_load_without_it(fitted, tmp_path):
    m, _ = fitted
    m.save(tmp_path / "off")
    folder = tmp_path / "off"
    cfg = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    assert cfg["config"]["channel_lexicon"] is False
    cfg["config"].pop("channel_lexicon")                  # as a run saved before the field existed
    atomic_write_json(folder / "config.json", cfg)
    write_digests(folder, list(json.loads((folder / "digests.json").read_text())["sha256"]))
    old = Translator.load(folder)
    assert old.config.channel_lexicon is False
    assert old.translate(UNSEEN) == m.translate(UNSEEN)


def test_bench_accepts_it():
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root / "benchmarks"))
    try:
        import bench_translation
    finally:
        sys.path.remove(str(root / "benchmarks"))
    for fields, flag in ((bench_translation.DECODE_FIELDS, "--override"), (bench_translation.FIT_FIELDS, "--set")):
        assert bench_translation.parse_settings(["channel_lexicon=true"], fields, flag) == {"channel_lexicon": True}


def test_cli_flag(tmp_path, capsys):
    from rnnkit.cli.main import main

    (tmp_path / "lex.tsv").write_text("Pferd\thorse\n", encoding="utf-8")
    (tmp_path / "p.tsv").write_text("".join(f"{s}\t{t}\n" for s, t in PAIRS), encoding="utf-8")
    args = ["translate", "train", "--tsv", str(tmp_path / "p.tsv"), "--threads", "1", "--epochs", "1",
            "--embed-dim", "8", "--enc-hidden", "8", "--dec-hidden", "16", "--lexicon", str(tmp_path / "lex.tsv"),
            "--channel-lexicon", "true", "--out", str(tmp_path / "run")]
    assert main(args) == 0
    capsys.readouterr()
    back = Translator.load(tmp_path / "run")
    assert back.config.channel_lexicon is True and back.config.decode == "channel"
