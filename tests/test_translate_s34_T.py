"""Translation leftovers of session 34 (helper T): ``Seq2SeqConfig(lexicon=Path(...))`` (was refused: str only);
a lexicon of the other direction warned of (was accepted unsaid)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from rnnkit.errors import ConfigError
from rnnkit.tasks.seq2seq import Seq2SeqConfig, Translator

pytestmark = pytest.mark.usefixtures("one_thread_module")        # one torch thread (tests/conftest.py)

SMALL = dict(embed_dim=8, enc_hidden=8, dec_hidden=16, lr=1e-2, batch_size=8, dropout=0.0, word_dropout=0.0,
             val_fraction=0.0, beam=2, progress=False, epochs=1)
DE = {"Hund": "dog", "Katze": "cat", "Baum": "tree", "Haus": "house", "Vogel": "bird", "Fisch": "fish",
      "Pferd": "horse", "Maus": "mouse"}
VERBS = {"schläft": "sleeps", "wächst": "grows", "steht": "stands", "fällt": "falls"}
PAIRS = [(f"der {d} {v} .", f"the {e} {w} .") for d, e in DE.items() for v, w in VERBS.items()]


def test_lexicon_as_a_path(tmp_path):
    p = tmp_path / "lex.tsv"
    p.write_text("Walzwerke\trolling mills\n", encoding="utf-8")
    cfg = Seq2SeqConfig(lexicon=p)                     # was: ConfigError 'lexicon: expected None, ... got PosixPath'
    assert cfg.lexicon == str(p) and isinstance(cfg.lexicon, str)
    from dataclasses import asdict, replace

    assert replace(cfg, beam=3).lexicon == str(p) and asdict(cfg)["lexicon"] == str(p)   # config.json records a str
    with pytest.raises(ConfigError, match="lexicon: expected None, 'trans-de-en' or the path"):
        Seq2SeqConfig(lexicon=Path("  "))              # blank, as the str
    with pytest.raises(ConfigError, match="lexicon: expected None, 'trans-de-en' or the path"):
        Seq2SeqConfig(lexicon=b"lex.tsv")
    with pytest.raises(ConfigError, match="lexicon: expected None for model='char'"):
        Seq2SeqConfig(model="char", lexicon=p)
    S, T = [s for s, _ in PAIRS], [t for _, t in PAIRS]
    m = Translator(Seq2SeqConfig(**SMALL, lexicon=p)).fit(S, T, baselines=False)
    m.save(tmp_path / "run")
    assert Translator.load(tmp_path / "run").config.lexicon == str(p)


def _fit(tmp_path, lines: str):
    p = tmp_path / "lex.tsv"
    p.write_text(lines, encoding="utf-8")
    S, T = [s for s, _ in PAIRS], [t for _, t in PAIRS]
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        Translator(Seq2SeqConfig(**SMALL, lexicon=str(p))).fit(S, T, baselines=False)
    return [str(w.message) for w in got if "other direction" in str(w.message)]


def test_reversed_lexicon_warns(tmp_path):
    """An en -> de table given to de -> en pairs matches the targets' words, not the sources': one warning naming
    ``lexicon``; the right direction (and a table matching neither side much) is not warned of."""
    both = {**DE, **VERBS}
    got = _fit(tmp_path, "".join(f"{e}\t{d}\n" for d, e in both.items()))
    assert len(got) == 1 and got[0].startswith("lexicon ") and "\n" not in got[0]
    assert "target word types" in got[0]
    assert _fit(tmp_path, "".join(f"{d}\t{e}\n" for d, e in both.items())) == []
    assert _fit(tmp_path, "Walzwerke\trolling mills\nthe\tder\n") == []     # 1 of 14 target types: too few to say


def test_warn_reversed_rule():
    from rnnkit.tasks.seq2seq_dictionary import REVERSED_MIN, REVERSED_RATIO, BilingualLexicon, warn_reversed

    lex = BilingualLexicon({"dog": "Hund", "Cat": "Katze", "Baum": "tree"}, "x.tsv")
    src, tgt = [["der", "Baum", "ist", "da", "hier", "."]], [["the", "dog", "cat", "tree", "."]]
    with pytest.warns(UserWarning, match=r"lexicon 'x.tsv': .* 50% of the 4 target word types but 20% of the 5"):
        warn_reversed(lex, src, tgt)      # 'cat' matches 'Cat' (the first letter's case changed), as lookups do
    assert REVERSED_RATIO * 0.2 < 0.5 and 0.5 >= REVERSED_MIN
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_reversed(lex, [["der", "Hund", "Baum", "Katze"]], tgt)     # 50% vs 50%: no warning
        warn_reversed(lex, [], [])                                        # nothing to count


def test_gloss_choice_needs_a_lexicon():
    with pytest.raises(ConfigError, match="gloss_choice: expected 'count' \\(the default\\) without a lexicon, got 'known'"):
        Seq2SeqConfig(gloss_choice="known")
    with pytest.raises(ConfigError, match="gloss_choice"):
        Seq2SeqConfig(model="char", gloss_choice="known")
    assert Seq2SeqConfig(gloss_choice="known", lexicon="x.tsv").gloss_choice == "known"


def test_cli_decode_beam_on_a_channel_run(tmp_path, monkeypatch, capsys):
    from rnnkit.cli.main import main

    p = tmp_path / "lex.tsv"
    p.write_text("Hund\tdog\n", encoding="utf-8")
    S, T = [s for s, _ in PAIRS], [t for _, t in PAIRS]
    m = Translator(Seq2SeqConfig(**{**SMALL, "beam": 12}, decode="channel", lexicon=str(p))).fit(S, T,
                                                                                                  baselines=False)
    m.save(tmp_path / "run")
    (tmp_path / "in.txt").write_text("der Hund steht .\n", encoding="utf-8")
    (tmp_path / "p.tsv").write_text("".join(f"{s}\t{t}\n" for s, t in PAIRS[:4]), encoding="utf-8")
    from rnnkit.tasks.seq2seq_pointer import WordPointer

    seen = []
    real = WordPointer.translate

    def spy(self, src, beam, batch_size, decode, *rest):
        seen.append((beam, decode))
        return real(self, src, beam, batch_size, decode, *rest)

    monkeypatch.setattr(WordPointer, "translate", spy)
    run = ["--run", str(tmp_path / "run"), "--threads", "1"]
    for action, data in (("predict", ["--input", str(tmp_path / "in.txt")]),
                         ("evaluate", ["--tsv", str(tmp_path / "p.tsv"), "--json"])):
        seen.clear()
        assert main(["translate", action, *run, *data, "--decode", "beam"]) == 0
        assert seen[0] == (5, "beam")                      # was (12, 'beam'): the run's beam
        seen.clear()
        assert main(["translate", action, *run, *data, "--decode", "beam", "--beam", "12"]) == 0
        assert seen[0] == (12, "beam")
        seen.clear()
        assert main(["translate", action, *run, *data]) == 0
        assert seen[0] == (12, "channel")                  # the run's default: the channel over its 12-best
    capsys.readouterr()
    back = Translator.load(tmp_path / "run")             # the Python API: the same rule
    for kw, want in (({"decode": "beam"}, (5, "beam")), ({"decode": "mbr"}, (5, "mbr")), ({}, (12, "channel")),
                     ({"decode": "channel"}, (12, "channel")), ({"decode": "beam", "beam": 3}, (3, "beam"))):
        seen.clear()
        back.translate(["der Hund steht ."], **kw)
        assert seen == [want], kw
    m2 = Translator(Seq2SeqConfig(**{**SMALL, "beam": 4}, decode="mbr")).fit(S, T, baselines=False)
    seen.clear()
    m2.translate(["der Hund steht ."], decode="beam")
    assert seen == [(4, "beam")]                           # not a channel run: its own beam


def test_choose_known_gloss():
    """gloss_choice='known': the translation whose words the training targets show, then the shortest, then the
    file's order (most often given, then first); 'count' (the default) as session 33 chose."""
    from rnnkit.tasks.seq2seq_dictionary import BilingualLexicon, candidates, choose

    lines = ["Gummi {m} :: caoutchouc", "Gummi {m} :: caoutchouc", "Gummi {m} :: India rubber; rubber",
             "Ahnung {f} :: intuitiveness", "Bank {f} :: bench; bank", "Zug {m} :: draught; train"]
    count = BilingualLexicon.from_lines(lines)
    assert count.table == {"Gummi": "caoutchouc", "Ahnung": "intuitiveness", "Bank": "bench", "Zug": "draught"}
    known = BilingualLexicon.from_lines(lines, targets=[["The", "Train", "left", "."], ["a", "rubber", "bank"]])
    # Gummi: 'rubber' (known, 1 word) over 'India rubber' (1 unknown) and 'caoutchouc'; Bank: 'bank' (the targets
    # never say 'bench'); Zug: 'train' (case folded); Ahnung: its only gloss, known or not
    assert known.table == {"Gummi": "rubber", "Ahnung": "intuitiveness", "Bank": "bank", "Zug": "train"}
    cands = candidates([("Gummi", "caoutchouc"), ("Gummi", "rubber"), ("Gummi", "caoutchouc")])
    assert cands == {"Gummi": ["caoutchouc", "rubber"]} and choose(cands, None) == {"Gummi": "caoutchouc"}
    assert choose(cands, [["rubber", "caoutchouc"]]) == {"Gummi": "caoutchouc"}    # both known: the file's order


def test_gloss_choice_config_and_fit(tmp_path):
    p = tmp_path / "lex.tsv"
    p.write_text("Hund\tcanine\nHund\tcanine\nHund\tdog\nVogel\tbird\n", encoding="utf-8")
    assert Seq2SeqConfig().gloss_choice == "count"
    with pytest.raises(ConfigError, match="gloss_choice"):
        Seq2SeqConfig(gloss_choice="best")
    S, T = [s for s, _ in PAIRS], [t for _, t in PAIRS]
    got = {}
    for choice in ("count", "known"):
        m = Translator(Seq2SeqConfig(**SMALL, lexicon=str(p), gloss_choice=choice)).fit(S, T, baselines=False)
        got[choice] = m.words.lexicon.table["Hund"]
        m.save(tmp_path / choice)
        assert Translator.load(tmp_path / choice).words.lexicon.table["Hund"] == got[choice]
    assert got == {"count": "canine", "known": "dog"}     # the targets say 'dog', never 'canine'


def test_bench_sets_gloss_choice():
    """bench_translation.py --set gloss_choice="known" runs the option through the bench's own command (was refused:
    not a FIT_FIELDS key)."""
    import sys

    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root / "benchmarks"))
    try:
        import bench_translation
    finally:
        sys.path.remove(str(root / "benchmarks"))
    assert bench_translation.parse_settings(['gloss_choice="known"'], bench_translation.FIT_FIELDS, "--set") == {
        "gloss_choice": "known"}
