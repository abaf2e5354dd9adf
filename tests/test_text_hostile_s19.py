"""Session 19 (helper Q): hostile inputs of the text tasks, round 3 -- each test fails on the code before its fix."""

import unicodedata

import pytest

from rnnkit.errors import DataError

NFD = lambda s: unicodedata.normalize("NFD", s)   # noqa: E731


# ---------------------------------------------------------------------------------------- translation scores and NFC
def test_translation_scores_compare_the_nfc_forms():
    """A reference typed decomposed ('cafe' + U+0301) is the network's NFC output on screen: scored 100, as the
    same text in one form is (it scored BLEU 9.3, chrF 39.7)."""
    from rnnkit.tasks.seq2seq import translation_metrics

    hyp = "le café est très bon à Paris"
    assert NFD(hyp) != hyp
    same = translation_metrics([hyp], [hyp])
    assert translation_metrics([hyp], [NFD(hyp)]) == same
    assert translation_metrics([NFD(hyp)], [hyp]) == same


def test_copy_source_writes_nfc_as_the_other_translations():
    from rnnkit.tasks.seq2seq_words import CopySource, WordDictionary

    src = "le café à Paris"
    assert CopySource().translate([NFD(src)]) == [src]
    # the dictionary baseline (an unknown word is copied) already wrote NFC: one rule for both baselines
    wd = WordDictionary().fit(["der Tee", "der Kaffee"], ["the tea", "the coffee"])
    assert unicodedata.is_normalized("NFC", wd.translate([NFD("der café")])[0])


# ---------------------------------------------------------------------------------------- predict --input and TABs
@pytest.fixture(scope="module")
def classify_run(tmp_path_factory):
    """A small classify run (CLI), trained once for the tests of this file."""
    import csv

    from rnnkit.cli.main import main

    d = tmp_path_factory.mktemp("crun")
    words = {"pos": "good great fine lovely superb nice".split(), "neg": "bad awful poor terrible ugly sad".split()}
    with open(d / "c.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        for i in range(80):
            lab = "pos" if i % 2 else "neg"
            w.writerow([" ".join(words[lab][(i + k) % 6] for k in range(3)) + " movie", lab])
    rc = main(["classify", "train", "--csv", str(d / "c.csv"), "--out", str(d / "run"), "--epochs", "1",
               "--hidden-size", "8", "--embed-dim", "8", "--embeddings", "own", "--no-baseline", "--combine", "false",
               "--quiet"])
    assert rc == 0
    return d


def test_classify_predict_refuses_a_tab_line_as_translate_predict_does(classify_run, capsys):
    """'good movie<TAB>pos' (a labelled file given to predict) was classified with its label read as a word of the
    text; translate predict refuses such a line since session 15: one rule, one message shape."""
    from rnnkit.cli.main import main

    d = classify_run
    (d / "in.txt").write_text("great movie\nbad movie\tneg\n", encoding="utf-8")
    rc = main(["classify", "predict", "--run", str(d / "run"), "--input", str(d / "in.txt")])
    err = capsys.readouterr().err
    assert rc == 1 and "--input: expected one text a line, got a TAB in line 2 'bad movie\\tneg'" in err
    (d / "ok.txt").write_text("great movie\nbad movie\n", encoding="utf-8")
    assert main(["classify", "predict", "--run", str(d / "run"), "--input", str(d / "ok.txt"), "--json"]) == 0


# ---------------------------------------------------------------------------------------- CoNLL without blank lines
def test_tag_train_refuses_a_conll_file_without_sentence_breaks(tmp_path, capsys):
    """A token<TAB>tag file whose blank lines were lost was read as one sentence of 1,500 tokens, cut to --max-len
    200 with a warning: the tagger trained on 200 of 1,500 tokens, nothing held out, exit 0."""
    from rnnkit.cli.main import main

    f = tmp_path / "noblank.conll"
    f.write_text("Anna\tB-PER\nlebt\tO\nin\tO\nBerlin\tB-LOC\n.\tO\n" * 300, encoding="utf-8")
    args = ["tag", "train", "--conll", str(f), "--epochs", "1", "--quiet"]
    rc = main(args + ["--out", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert rc == 1 and "--conll: expected sentences separated by blank lines" in err and "1500 tokens" in err
    assert not (tmp_path / "run" / "config.json").exists()
    # a long sentence that fits --max-len, or sentences separated as they should be, train as before
    f.write_text("Anna\tB-PER\nlebt\tO\nin\tO\nBerlin\tB-LOC\n.\tO\n\n" * 20, encoding="utf-8")
    assert main(args + ["--out", str(tmp_path / "ok")]) == 0


# ---------------------------------------------------------------------------------------- a TSV with a header
@pytest.mark.parametrize("header", ["source\ttarget", "src\ttgt", "Source_Text\tTarget_Text", "input\toutput"])
def test_translate_refuses_a_tsv_whose_first_line_is_a_header(tmp_path, capsys, header):
    """pandas' to_csv(sep='\\t') writes 'source<TAB>target' first: it was read as a pair, trained on, and scored at
    evaluate as a sentence the network got wrong ('target' an unseen word)."""
    from rnnkit.cli.main import main
    from toy_data import PAIRS_DE, PAIRS_EN

    body = "".join(f"{a}\t{b}\n" for a, b in zip(PAIRS_DE, PAIRS_EN))
    f = tmp_path / "p.tsv"
    f.write_text(header + "\n" + body, encoding="utf-8")
    rc = main(["translate", "train", "--tsv", str(f), "--out", str(tmp_path / "run"), "--epochs", "1", "--quiet"])
    err = capsys.readouterr().err
    assert rc == 1 and "got a header at line 1" in err and "remove that line" in err


def test_translate_header_rule_takes_real_pairs():
    """Word pairs of a dictionary file are pairs, even with a header word on a side ('source<TAB>Quelle') or both
    (German 'Text' is English 'text': one name twice is no header)."""
    from rnnkit.cli.translate import refuse_header

    for pair in [("source", "Quelle"), ("Text", "text"), ("text", "Texte"), ("input", "Eingabe"), ("de", "en")]:
        refuse_header(pair, "p.tsv")
    with pytest.raises(DataError, match="got a header at line 1"):
        refuse_header(("src", "tgt"), "p.tsv")
