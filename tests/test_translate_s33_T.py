"""An external bilingual dictionary as the dict-pointer's glosses for unknown words (``lexicon=``,
:mod:`rnnkit.tasks.seq2seq_dictionary`; session 33, helper T). Fails at 1fbed06 (no such module, no such field).

The reader on real lines of the installed trans-de-en file and on hand-written hostile files; the leakage rule (no
entry from a line that yields a sentence pair or holds a sentence); an unknown word glossed by the dictionary while a
known one keeps its IBM-1 gloss; the lexicon saved with the run, verified on load; runs saved before it load as
before; the CLI flag; the word-dictionary baseline given the same lexicon."""

from __future__ import annotations

import json

import pytest
import torch

from rnnkit._io import atomic_write_json, write_digests
from rnnkit.errors import CheckpointError, ConfigError, DataError
from rnnkit.tasks.seq2seq import Seq2SeqConfig, Translator
from rnnkit.tasks.seq2seq_dictionary import BilingualLexicon, ding_entries, read_lexicon
from rnnkit.tasks.seq2seq_words import WordDictionary

pytestmark = pytest.mark.usefixtures("one_thread_module")        # one torch thread (tests/conftest.py)

SMALL = dict(embed_dim=16, enc_hidden=16, dec_hidden=32, lr=1e-2, batch_size=32, dropout=0.0, word_dropout=0.0,
             val_fraction=0.0, beam=2, progress=False, epochs=1)
#: real lines of the 2023-01-30 trans-de-en file: word entries, and a line whose word entries sit beside sentences
WALZWERK = ("Walzwerk {n} (Verarbeitungsort) [techn.] | Walzwerke {pl} :: strip mill; rolling mill (processing "
            "location) | strip mills; rolling mills")
DURCH = ("etw. durchschneiden; durch etw. schneiden (schnurgerade durchziehen) {vi} [übtr.] | durchschneidend | "
         "durchgeschnitten | Die Alaska-Autobahn durchschneidet den Nordwesten Kanadas. | Das Schiff durchschneidet die "
         "Wellen / schneidet durch die Wellen. | Die Vögel durchschneiden den Wind. :: to knife through sth. [fig.] | "
         "knifing through | knifed through | The Alaska Highway knifes straight through northwest Canada. | The ship "
         "knifes through the waves. | The birds knife through the wind.")
ZEIT = ("Zeit herausschinden {v} | Zeit herausschindend | Zeit herausgeschunden | schindet Zeit heraus | schindete Zeit "
        "heraus :: to temporize [eAm.]; to temporise [Br.] | temporizing; temporising | temporized; temporised | "
        "temporizes; temporises | temporized; temporised")


@pytest.fixture(scope="module")
def pairs(trans_lines):
    from rnnkit.data.translation import parse_trans_line

    out = []
    for line in trans_lines:
        out += parse_trans_line(line)
        if len(out) >= 300:
            return [s for s, _ in out[:300]], [t for _, t in out[:300]]


def test_ding_entries_real_lines(trans_lines):
    assert WALZWERK in trans_lines and DURCH in trans_lines and ZEIT in trans_lines
    assert ding_entries(WALZWERK) == [("Walzwerk", "strip mill"), ("Walzwerk", "rolling mill"),
                                      ("Walzwerke", "strip mills"), ("Walzwerke", "rolling mills")]
    assert ding_entries(DURCH) == []     # its word entries sit beside example sentences: the whole line is left out
    assert ding_entries(ZEIT) == []      # multi-word German headwords are skipped
    assert ding_entries("etw. vergeben {vt} :: to forgive sth.") == [("vergeben", "forgive")]


def test_leakage_rule_on_the_real_file(trans_lines):
    """No entry comes from a line that yields a sentence pair (or holds a sentence); the table is a function of the
    lines alone (no split goes in), so a test sentence's line gives nothing, whatever the split."""
    from rnnkit.data.translation import parse_trans_line

    lines = trans_lines[:30000]
    with_pairs = [ln for ln in lines if parse_trans_line(ln)]
    assert len(with_pairs) > 500
    assert all(ding_entries(ln) == [] for ln in with_pairs)
    with pytest.raises(DataError, match="no usable entry"):
        BilingualLexicon.from_lines(with_pairs)
    lex = BilingualLexicon.from_lines(lines)
    given = {e for ln in lines for e in ding_entries(ln)}
    assert len(lex) > 20000 and all((w, g) in given for w, g in lex.table.items())
    assert lex.table == BilingualLexicon.from_lines(lines).table           # the same file: the same table


def test_choice_and_lookup():
    lex = BilingualLexicon.from_lines(["Bank {f} :: bench", "Bank {f} :: bank", "Bank {f} [fin.] :: bank",
                                       "Haus {n} | Häuser {pl} :: house | houses", "laufen {vi} :: to run"])
    assert lex.lookup("Bank") == "bank"                          # given twice beats given once
    assert lex.lookup("Häuser") == "houses" and lex.lookup("Hauses") == "house"   # inflection ending stripped
    assert lex.lookup("Laufen") == "run" and lex.lookup("HAUS") == "house"       # case fallbacks
    assert lex.lookup("Auto") is None


def test_decomposed_file_is_read_as_the_tokenizer_reads_text(tmp_path):
    """A TSV saved in NFD (macOS file names, some editors): its 'Gläser' was no single token, skipped unsaid."""
    import unicodedata

    p = tmp_path / "nfd.tsv"
    p.write_text(unicodedata.normalize("NFD", "Gläser\tglasses\nÄrger\tanger\n"), encoding="utf-8")
    lex = read_lexicon(str(p))
    assert lex.lookup("Gläser") == "glasses" and lex.lookup("Ärger") == "anger" and len(lex) == 2


@pytest.mark.parametrize("content, match", [
    (None, "expected an existing file"),
    (b"", "non-empty"),
    (b"Haus\xe4\tHouse\n", "UTF-8"),
    (b"Haus\x00\thouse\n", "NUL"),
    (b"Haus\thouse\tmaison\n", "line 1"),
    (b"Haus\t \n", "one empty"),
    (b"das Haus\tthe house\n# comment\n", "no usable entry"),
    (b"Ein ganzer Satz hier. :: A whole sentence here.\n", "no usable entry"),
    (b"Haus :: house\nBaum\ttree\n", "line 2 without ' :: '"),              # a Ding file with a TSV line
    (b"Haus\thouse\nBaum :: tree\n", "line 2"),                               # a TSV with a Ding line
])
def test_hostile_files(tmp_path, content, match):
    p = tmp_path / "lex.txt"
    if content is not None:
        p.write_bytes(content)
    with pytest.raises(DataError, match=match):
        read_lexicon(str(p))
    with pytest.raises(DataError, match="expected an existing file"):
        read_lexicon(str(tmp_path))                            # a folder


@pytest.mark.parametrize("bad", ["", "  ", 3, True])
def test_bad_lexicon_values(bad):
    with pytest.raises(ConfigError, match="lexicon: expected"):
        Seq2SeqConfig(lexicon=bad)
    if not isinstance(bad, str):
        with pytest.raises(ConfigError, match="lexicon: expected"):
            read_lexicon(bad)


def test_char_model_refuses_a_lexicon():
    with pytest.raises(ConfigError, match="lexicon: expected None for model='char'"):
        Seq2SeqConfig(model="char", lexicon="trans-de-en")


@pytest.fixture(scope="module")
def fitted(pairs, tmp_path_factory):
    S, T = pairs
    root = tmp_path_factory.mktemp("lex")
    (root / "lex.tsv").write_text("Walzwerke\trolling mills\nIch\tego\nIch\tego\n", encoding="utf-8")
    torch.manual_seed(0)
    m = Translator(Seq2SeqConfig(**SMALL, lexicon=str(root / "lex.tsv"))).fit(S, T, baselines=False)
    m.save(root / "run")
    return m, root


def test_unknown_word_takes_the_dictionary_gloss(fitted):
    m, _ = fitted
    w = m.words
    assert "Walzwerke" not in w.dictionary and w.dictionary["Ich"] == "I"
    glosses = w._glosses([["Walzwerke", "Ich", "Xyzzy"]])[0]
    assert glosses == ["rolling mills", "I", "Xyzzy"]   # a known word keeps its IBM-1 gloss
    plain = Translator(Seq2SeqConfig(**SMALL))
    plain.words = type(w)(plain.config)
    plain.words.dictionary, plain.words.counts = w.dictionary, w.counts
    assert plain.words._glosses([["Walzwerke"]])[0] != ["rolling mills"]    # without the lexicon: not its gloss


def test_saved_with_the_run_and_verified(fitted, tmp_path):
    import shutil

    m, root = fitted
    (root / "lex.tsv").rename(root / "gone.tsv")          # the run carries its own copy
    try:
        back = Translator.load(root / "run")
    finally:
        (root / "gone.tsv").rename(root / "lex.tsv")
    assert back.words.lexicon.table == m.words.lexicon.table
    src = ["Das Walzwerke Haus ist alt.", "Ich habe keine Ahnung."]
    assert back.translate(src, beam=2) == m.translate(src, beam=2)
    folder = tmp_path / "run"
    shutil.copytree(root / "run", folder)
    cfg = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    table = json.loads((folder / "lexicon.json").read_text(encoding="utf-8"))   # its own file since session 34
    table["Walzwerke"] = "castle"                                 # edited, digests made again
    (folder / "lexicon.json").write_text(json.dumps(table, ensure_ascii=False), encoding="utf-8")
    write_digests(folder, list(json.loads((folder / "digests.json").read_text())["sha256"]))
    with pytest.raises(CheckpointError, match="lexicon's entries to match their sha256"):
        Translator.load(folder)
    del cfg["state"]["lexicon"]
    atomic_write_json(folder / "config.json", cfg)
    write_digests(folder, list(json.loads((folder / "digests.json").read_text())["sha256"]))
    with pytest.raises(CheckpointError, match="expected the 'lexicon' of a run trained with lexicon="):
        Translator.load(folder)


def test_older_runs_load_without_a_lexicon(fitted, tmp_path):
    import shutil

    _, root = fitted
    folder = tmp_path / "old"
    shutil.copytree(root / "run", folder)
    cfg = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    del cfg["config"]["lexicon"], cfg["state"]["lexicon"]    # as saved before the field existed
    atomic_write_json(folder / "config.json", cfg)
    write_digests(folder, list(json.loads((folder / "digests.json").read_text())["sha256"]))
    old = Translator.load(folder)
    assert old.config.lexicon is None and old.words.lexicon is None
    assert old.words._glosses([["Walzwerke"]])[0] != ["rolling mills"]


def test_gloss_order():
    """Unknown words: the lexicon before the morphology fallbacks; a word seen once: the lexicon's exact entry over
    IBM-1's; a word seen more often keeps IBM-1's; no entry anywhere: the fallbacks, else the word."""
    from rnnkit.tasks.seq2seq_dictionary import RARE, gloss_function

    assert RARE == 1
    ext = BilingualLexicon({"Haus": "building", "Baum": "wood", "Zeilenabstand": "line spacing (typ.)"})
    g = gloss_function({"Haus": "house", "Baum": "tree", "Zeile": "line", "Abstand": "gap"},
                       {"Haus": 1, "Baum": 3, "Zeile": 2, "Abstand": 2}, True, True, ext)
    assert [g(w) for w in ("Haus", "Baum", "Zeilenabstand", "Zeilenabstands", "Baumabstand", "Xyzzy")] == [
        "building", "tree", "line spacing (typ.)", "line spacing (typ.)", "tree gap", "Xyzzy"]
    kept = BilingualLexicon.from_state({**ext.state(), "rare": 0}, "RUN/config.json")   # a run's own threshold
    assert gloss_function({"Haus": "house"}, {"Haus": 1}, True, True, kept)("Haus") == "house"
    old = {k: v for k, v in ext.state().items() if k != "rare"}          # saved before 'rare' was kept: 1
    assert BilingualLexicon.from_state(old, "RUN/config.json").rare == 1
    for bad in (-1, "1", True, 1.5):
        with pytest.raises(CheckpointError, match=r"RUN/config.json: expected the lexicon's 'rare' as an int >= 0"):
            BilingualLexicon.from_state({**ext.state(), "rare": bad}, "RUN/config.json")
    plain = gloss_function({"Haus": "house"}, {"Haus": 1}, False, True, None)
    assert plain("Haus") == "house" and plain("Baum") == "Baum"


def test_word_dictionary_baseline_with_the_lexicon(pairs):
    S, T = pairs
    lex = BilingualLexicon({"Walzwerke": "rolling mills", "Ich": "ego"})
    plain, given = WordDictionary().fit(S, T), WordDictionary(lexicon=lex).fit(S, T)
    assert plain.translate(["Walzwerke"]) == ["Walzwerke"] and given.translate(["Walzwerke"]) == ["rolling mills"]
    assert given.translate(["Ich"]) == ["I"]       # seen often in training: IBM-1's word (its count was 0 here)
    back = WordDictionary.from_state(given.state())
    assert back.translate(["Walzwerke"]) == ["rolling mills"]
    with pytest.raises(Exception, match="lexicon: expected None or a BilingualLexicon"):
        WordDictionary(lexicon={"a": "b"})


def test_cli_flag(tmp_path):
    from rnnkit.cli.main import build_parser
    from rnnkit.cli.translate import COMMAND

    ap = build_parser()
    for given, want in (("none", None), ("NONE", None), ("x.tsv", "x.tsv"), ("trans-de-en", "trans-de-en")):
        args = ap.parse_args(["translate", "train", "--tsv", "p.tsv", "--out", str(tmp_path / "o"), "--lexicon", given])
        assert COMMAND.make_config(args).lexicon == want
    args = ap.parse_args(["translate", "train", "--tsv", "p.tsv", "--out", str(tmp_path / "o")])
    assert COMMAND.make_config(args).lexicon is None
    # the default since the pre-registered check passed (session 33): the installed file's word entries, for
    # --dataset trans-de-en only (a German-English dictionary); --lexicon none turns it off
    for data, want in ((["--dataset", "trans-de-en"], "trans-de-en"), (["--dataset", "num2words-en-fr"], None),
                       (["--dataset", "trans-de-en", "--lexicon", "none"], None)):
        args = ap.parse_args(["translate", "train", *data, "--out", str(tmp_path / "o")])
        assert COMMAND.make_config(args).lexicon == want


def test_bench_default_uses_the_lexicon():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    try:
        import bench_translation
    finally:
        sys.path.pop(0)
    assert "lexicon" in bench_translation.FIT_FIELDS
    src = Path(bench_translation.__file__).read_text(encoding="utf-8")
    assert '{"lexicon": "trans-de-en", **fit_kw}' in src
