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


# ---------------------------------------------------------------------------------------- text encoded twice
def test_a_file_of_text_encoded_twice_is_warned_naming_the_file_and_line(tmp_path):
    """A UTF-8 file read as Windows-1252 and saved as UTF-8 again is valid UTF-8 ('cafÃ©', 'donâ€™t'): every
    reader took it and the tasks learned the mojibake as words, silently (a Windows-1252 file itself is refused)."""
    import warnings

    from rnnkit.data.text import read_csv_texts, read_utf8

    good = "text,label\ncafé très bon,pos\ndon’t buy it,neg\n"
    f = tmp_path / "twice.csv"
    f.write_text(good.encode("utf-8").decode("cp1252"), encoding="utf-8")
    with pytest.warns(UserWarning, match=r"csv: 2 line\(s\) of '.*twice.csv' hold text encoded twice \(mojibake\), "
                                         r"the first line 2: 'Ã©' reads 'é' decoded once"):
        texts, labels = read_csv_texts(f)
    assert texts == ["cafÃ© trÃ¨s bon", "donâ€™t buy it"] and labels == ["pos", "neg"]   # read as written
    # text in many scripts, typed once, is read without a word
    g = tmp_path / "once.txt"
    g.write_text("São Paulo, 25 °C, «Fuß», Ñandú, ¿qué?, Ελληνικά, русский, 中文, 👨‍👩‍👧, 2×3 m², ÂGE\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_utf8(g)
    with pytest.raises(DataError, match="invalid byte 0xe9"):   # the file in its first encoding: refused as before
        (tmp_path / "cp.csv").write_bytes(good.encode("cp1252"))
        read_utf8(tmp_path / "cp.csv", "csv")


# ---------------------------------------------------------------------------------------- duplicate texts
def test_a_text_given_with_two_labels_is_warned_at_fit_naming_both_rows(tmp_path):
    """A text labelled 'pos' in one row and 'neg' in another (two annotators, a duplicate relabelled) was trained on
    as two examples that no model can fit both of, silently."""
    from toy_data import CLASSIFY_FAST

    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    texts = ["good movie", "great film", "bad movie", "awful film"] * 5 + ["great film "]
    labels = ["pos", "pos", "neg", "neg"] * 5 + ["neg"]
    places = [f"--csv 'a.csv' row {i + 2}" for i in range(len(texts))]
    clf = TextClassifier(TextClassifierConfig(**{**CLASSIFY_FAST, "epochs": 1}))
    with pytest.warns(UserWarning, match=r"texts: 1 text\(s\) given with more than one label, e.g. 'great film' "
                                         r"labelled 'pos' \(texts\[1\] \(--csv 'a.csv' row 3\)\) and 'neg' "
                                         r"\(texts\[20\] \(--csv 'a.csv' row 22\)\)"):
        clf.fit(texts, labels, baselines=False, places=places)
    assert clf.classes == ["neg", "pos"]   # the data is kept as given


def test_classify_train_warns_of_held_out_texts_that_are_training_texts_too(tmp_path, capsys):
    """A CSV holding its texts twice (appended to itself) put copies of training texts in the held-out part: the
    test accuracy was partly a training accuracy, silently."""
    import csv
    import warnings

    from rnnkit.cli.main import main

    words = {"pos": "good great fine lovely superb nice".split(), "neg": "bad awful poor terrible ugly sad".split()}
    rows = [(" ".join(words[lab][(i * 5 + k) % 6] for k in range(3)) + f" movie {i}", lab)
            for i, lab in enumerate(["pos", "neg"] * 20)]
    for name, data in (("once", rows), ("twice", rows + rows)):
        with open(tmp_path / f"{name}.csv", "w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows([("text", "label"), *data])
    args = ["classify", "train", "--epochs", "1", "--hidden-size", "8", "--embed-dim", "8", "--embeddings", "own",
            "--no-baseline", "--combine", "false"]
    with pytest.warns(UserWarning, match=r"--test-fraction: \d+ of 16 held-out texts are training texts too \(the "
                                         r"data holds them more than once\), e.g. '.*' \(--csv '.*twice.csv' row \d+\)"):
        assert main(args + ["--csv", str(tmp_path / "twice.csv"), "--out", str(tmp_path / "r2")]) == 0
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert main(args + ["--csv", str(tmp_path / "once.csv"), "--out", str(tmp_path / "r1")]) == 0
    assert not [w for w in seen if "held-out texts" in str(w.message)]


def test_labels_differing_only_by_case_are_warned_at_fit(tmp_path):
    """'Pos' and 'pos' were two classes, each with part of the texts, silently ('pos ' and NFD forms are refused
    since session 16; case may be meant, so it is a warning and the classes are kept)."""
    from toy_data import CLASSIFY_FAST

    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    texts = ["good movie", "great film", "bad movie", "awful film", "fine film", "nice movie"] * 3
    labels = ["pos", "pos", "neg", "neg", "Pos", "Pos"] * 3
    clf = TextClassifier(TextClassifierConfig(**{**CLASSIFY_FAST, "epochs": 1}))
    with pytest.warns(UserWarning, match=r"labels: 1 label\(s\) written in more than one case, e.g. 'pos' "
                                         r"\(labels\[0\]\) and 'Pos' \(labels\[4\]\): two classes"):
        clf.fit(texts, labels, baselines=False)
    assert sorted(clf.classes) == ["Pos", "neg", "pos"]   # the classes are kept


@pytest.mark.parametrize("codec, named", [("utf-32", "UTF-32 little-endian (byte-order mark 0xff 0xfe 0x00 0x00)"),
                                          ("utf-32-be-bom", "UTF-32 big-endian (byte-order mark 0x00 0x00 0xfe 0xff)"),
                                          ("utf-16", "UTF-16 little-endian (byte-order mark 0xff 0xfe)"),
                                          ("cp1252", "invalid byte 0xe9 in '{f}' at line 2 (Windows-1252 or Latin-1 "
                                                     "text? save it as UTF-8")])
def test_a_file_not_in_utf8_is_refused_naming_its_encoding(tmp_path, codec, named):
    """A UTF-32 file (its mark FF FE 00 00 begins with UTF-16's) was called UTF-16, a big-endian one 'a NUL byte
    (a binary file, or UTF-16 without a byte-order mark?)'; a Windows-1252 file (Excel's 'CSV' on Windows) was an
    invalid byte with no word of what the file likely is."""
    from rnnkit.data.text import read_utf8

    text = "text,label\ncafé très bon,pos\n"
    data = b"\x00\x00\xfe\xff" + text.encode("utf-32-be") if codec == "utf-32-be-bom" else text.encode(codec)
    f = tmp_path / "a.csv"
    f.write_bytes(data)
    with pytest.raises(DataError) as e:
        read_utf8(f, "csv")
    assert f"csv: expected UTF-8 text, got {named.format(f=f)}" in str(e.value)


# ---------------------------------------------------------------------------------------- an edited run
def test_a_run_whose_labels_were_edited_to_a_blank_one_is_refused_at_load(classify_run):
    """A classify run whose vocab.json was edited (digests written again) to hold the label '' loaded and predicted
    '' as a class; training refuses a blank label, and no tokenizer makes an empty token: one rule in Vocab."""
    import json
    import shutil

    from rnnkit._io import write_digests
    from rnnkit.data.vocab import Vocab
    from rnnkit.errors import CheckpointError
    from rnnkit.tasks.classification import TextClassifier

    run = classify_run / "edited"
    shutil.copytree(classify_run / "run", run)
    vocab = json.loads((run / "vocab.json").read_text(encoding="utf-8"))
    vocab["labels"]["tokens"][1] = ""
    (run / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    write_digests(run, list(json.loads((run / "digests.json").read_text())["sha256"]))
    with pytest.raises(CheckpointError, match="expected non-empty tokens, got '' at position 1"):
        TextClassifier.load(run)
    with pytest.raises(DataError, match="expected non-empty tokens"):
        Vocab(["<pad>", "<unk>", "a", ""])


# ---------------------------------------------------------------------------------------- invisible tokens
@pytest.mark.parametrize("tok", ["\u200b", "\u200f", "\x1b", "\u00ad", "\u200d\u200b", "\u2060"])
def test_a_tagger_token_of_invisible_characters_alone_is_refused_as_a_blank_one(tmp_path, tok):
    """A CoNLL line whose token is a zero-width space, an RLM, an ESC or a soft hyphen alone (text copied from the web)
    was a word of its own, tagged and scored, silently -- a blank token is refused since session 13, and the words
    tokenizer reads none of these as a token (session 18). One rule: something besides white space and them."""
    from rnnkit.data.text import read_conll
    from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig

    f = tmp_path / "a.conll"
    f.write_text(f"Anna\tB-PER\n{tok}\tO\nlebt\tO\n\nJa\tO\n", encoding="utf-8")
    sents = read_conll(f)
    tagger = SequenceTagger(TaggerConfig(epochs=1, progress=False, val_fraction=0.0))
    with pytest.raises(DataError, match=r"sentences\[0\]\[1\]: expected a token with something besides white space "
                                        r"and invisible characters"):
        tagger.fit([s for s, _ in sents], [t for _, t in sents], baselines=False)
    # visible tokens with such characters inside are words as before
    tagger.fit([["Anna", "שלום\u200f", "👨\u200d👩\u200d👧"], ["Ja"]], [["B-PER", "O", "O"], ["O"]], baselines=False)
    with pytest.raises(DataError, match="invisible characters"):
        tagger.predict([["Anna", tok]])
