"""Session 22, helper Q: text-task inputs of kinds not covered before (joined labels, sources in an unseen script,
white-space controls under the pretrained wordpieces, ...)."""

from __future__ import annotations

import warnings

import pytest


# ---------------------------------------------------------------------------------------- joined labels
def _joined(texts_per_class: int = 6):
    texts = [f"good film {i}" for i in range(texts_per_class)] + [f"bad film {i}" for i in range(texts_per_class)]
    return texts + ["good and bad film"], ["pos"] * texts_per_class + ["neg"] * texts_per_class + ["pos|neg"]


def test_a_label_joining_two_classes_is_warned_at_fit():
    """Before: 'pos|neg' (a multi-label row in a single-label file) was a third class, trained on its one text,
    silently. A warning names it, where it was and the classes it joins; the classes are kept (oracle: the labels
    given)."""
    from toy_data import CLASSIFY_FAST

    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    texts, labels = _joined()
    clf = TextClassifier(TextClassifierConfig(**{**CLASSIFY_FAST, "epochs": 1}))
    with pytest.warns(UserWarning, match=r"^labels: 1 label\(s\) join other labels with '\|', ',' or ';', e.g. "
                                         r"'pos\|neg' \(labels\[12\]\) joins the classes 'pos' and 'neg': each is "
                                         r"trained as a class of its own \(1 text\(s\)\)") as seen:
        clf.fit(texts, labels, baselines=False)
    assert [w.filename for w in seen if "join other labels" in str(w.message)] == [__file__]   # names the caller
    assert sorted(clf.classes) == ["neg", "pos", "pos|neg"]


@pytest.mark.parametrize("labels, warned", [
    (["pos", "neg", "pos, neg"], True), (["pos", "neg", "neg;pos"], True), (["a", "b", "c", "a|b|c"], True),
    (["pos", "neg", "pos|other"], False),      # 'other' is no class: a label of its own ('R&B|Soul')
    (["1", "000", "2"], False), (["pos", "neg", "|"], False), (["pos", "neg", "pos|"], False),
])
def test_only_labels_whose_every_part_is_a_class_are_named(labels, warned):
    from rnnkit.tasks.classify_data import warn_joined_labels

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        warn_joined_labels(labels)
    assert bool(seen) == warned


def test_classify_train_names_the_joined_labels_row(tmp_path, capsys):
    import csv

    from toy_data import run_cli

    texts, labels = _joined()
    with open(tmp_path / "d.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["text", "label"], *zip(texts, labels)])
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        code, _, err = run_cli(["classify", "train", "--csv", str(tmp_path / "d.csv"), "--out", str(tmp_path / "r"),
                                "--epochs", "1", "--hidden-size", "8", "--embed-dim", "8", "--no-baseline",
                                "--quiet", "--threads", "1", "--test-fraction", "0"], capsys)
    assert code == 0, err
    named = [str(w.message) for w in seen if "join other labels" in str(w.message)]
    assert len(named) == 1 and "'pos|neg' (labels[12] (--csv" in named[0] and "row 14))" in named[0]



@pytest.mark.parametrize("labels, warned", [
    (["01", "02", "1"], "'01' (labels[0]) and '1' (labels[2])"), (["7", "007", "8"], "'7' (labels[0]) and '007'"),
    (["01", "02", "03"], None), (["1", "2", "1.0x"], None), (["١", "1", "2"], None),   # an Arabic-Indic digit: no zero
])
def test_a_number_written_with_and_without_leading_zeros_is_warned(labels, warned):
    from rnnkit.tasks.classify_data import warn_zero_padded

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        warn_zero_padded(labels)
    assert [str(w.message) for w in seen if warned and warned in str(w.message)] == [str(w.message) for w in seen]
    assert bool(seen) == (warned is not None)


def test_zero_padded_labels_are_warned_at_fit_naming_the_caller():
    """Before: '01' and '1' (a file whose rows were partly saved again by a spreadsheet, which drops leading zeros)
    were two classes, silently; 'pos' / 'Pos' were warned. The classes are kept (codes may differ by zeros)."""
    from toy_data import CLASSIFY_FAST

    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    texts = [f"good film {i}" for i in range(6)] + [f"bad film {i}" for i in range(6)]
    labels = ["01"] * 4 + ["1"] * 2 + ["02"] * 6
    clf = TextClassifier(TextClassifierConfig(**{**CLASSIFY_FAST, "epochs": 1}))
    with pytest.warns(UserWarning, match=r"^labels: 1 number\(s\) written with and without leading zeros, e.g. '01' "
                                         r"\(labels\[0\]\) and '1' \(labels\[4\]\): two classes") as seen:
        clf.fit(texts, labels, baselines=False)
    assert [w.filename for w in seen if "leading zeros" in str(w.message)] == [__file__]
    assert sorted(clf.classes) == ["01", "02", "1"]

# ---------------------------------------------------------------------------------------- sources in an unseen script
@pytest.fixture(scope="module", params=["char", "dict-pointer"])
def translator(request):
    from toy_data import PAIRS_DE, PAIRS_EN, SEQ2SEQ_FAST

    from rnnkit.tasks.seq2seq import Seq2SeqConfig, Translator

    t = Translator(Seq2SeqConfig(**{**SEQ2SEQ_FAST, "epochs": 1, "model": request.param}))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t.fit(PAIRS_DE, PAIRS_EN, baselines=False)
    return t


def test_sources_in_a_script_never_seen_in_training_are_warned(translator):
    """Before: a German -> English model given Cyrillic or Han read every unit as <unk> and wrote an output that
    looks like a translation, silently. A warning names how many sources are mostly unseen characters and the
    first; they are still translated (one output per source), not refused."""
    sources = ["das Haus ist klein", "Привет, как дела?", "東京は大きい", "die Zeile ist Иван"]
    named = (r"^sources: 2 of 4 are mostly characters never seen in a training source, e.g. sources\[1\] 'Привет, как "
             r"дела\?' \(15 of 15 characters: a script or symbols the model was not trained on\): their translations "
             r"are guesses$")
    with pytest.warns(UserWarning, match=named) as seen:
        out = translator.translate(sources)
    assert [w.filename for w in seen if "never seen" in str(w.message)] == [__file__]
    assert len(out) == 4 and all(isinstance(o, str) for o in out)


def test_sources_of_training_characters_are_not_warned(translator):
    from toy_data import PAIRS_DE

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(translator.translate(PAIRS_DE[:3] + ["Haus Zeile groß 42"])) == 4   # digits: 2 of 15 unseen


# ---------------------------------------------------------------------------------------- wordpieces: white space
def _wordpieces():
    from rnnkit.tasks import classify_pretrained as P

    if not P.installed():
        pytest.skip(f"needs {P.PACKAGE}")
    return P.WordPieces.from_package()


@pytest.mark.parametrize("space", ["\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f", "\x85"])
def test_white_space_that_bert_deletes_separates_wordpieces(space):
    """Before: BERT's text cleaning deletes these as control characters, so 'end of page<FF>Next page' (pdftotext's
    page break) was cut as 'pagenext' (['page', '##ne', '##xt']) where str.split and the word units read two words.
    Oracle: the same text with a space there; the word units split there too."""
    from rnnkit.data.vocab import tokenize

    wp = _wordpieces()
    text = f"end of page{space}Next page, good{space}movie"
    assert wp.tokens([text]) == wp.tokens([text.replace(space, " ")])
    assert tokenize(text, "words") == tokenize(text.replace(space, " "), "words")
    from rnnkit.tasks.classify_pretrained import WordPieces

    assert WordPieces.from_dict(wp.to_dict()).tokens([text]) == wp.tokens([text])   # saved with the run


@pytest.mark.parametrize("mark", ["\u200b", "\u2060", "\ufeff", "\u200e", "\u00ad", "\x07"])
def test_invisible_format_characters_are_deleted_as_bert_deletes_them(mark):
    """The reference (HF BasicTokenizer._clean_text / tokenizers' BertNormalizer(clean_text=True)) deletes every
    Cc / Cf character but TAB, LF, CR: the pretrained pieces were cut so, and rnnkit keeps that rule for them
    (documented choice; the word units split at a zero-width space instead). Oracle: the text without the mark."""
    wp = _wordpieces()
    assert wp.tokens([f"good{mark}movie"]) == wp.tokens(["goodmovie"])


def test_a_run_saved_before_cuts_as_it_was_trained():
    """A run's tokenizer JSON saved before the normalizer (the package's own) still joins at a form feed: its
    embeddings were trained on those pieces."""
    import json

    from rnnkit.tasks.classify_pretrained import TOKENIZER, WordPieces, package_file

    _wordpieces()
    old = WordPieces.from_dict({"kind": "wordpiece", "tokenizer": json.loads(package_file(TOKENIZER))})
    assert old.tokens(["page\x0cnext"]) == old.tokens(["pagenext"])


# ---------------------------------------------------------------------------------------- files in CESU-8
@pytest.mark.parametrize("raw, named", [
    (b"\xed\xa0\xbd\xed\xb8\x80 good", r"invalid byte 0xed in '.*' at line 2 \(CESU-8 or Java modified UTF-8: bytes "
                                       r"0xed 0xa0 0xbd encode a UTF-16 surrogate"),
    (b"a\xc0\x80b good", r"invalid byte 0xc0 in '.*' at line 2 \(Java modified UTF-8: bytes 0xc0 0x80 encode a NUL"),
    (b"caf\xe9 good", r"invalid byte 0xe9 in '.*' at line 2 \(Windows-1252 or Latin-1 text\? save it as UTF-8"),
])
def test_a_file_in_cesu8_is_named_so_not_windows_1252(tmp_path, raw, named):
    """Before: an emoji written as two 3-byte surrogate halves (CESU-8, Java's modified UTF-8) was called 'Windows-1252
    or Latin-1 text? ... iconv -f cp1252 -t utf-8', and that command turns it into 'í\\xa0½í¸\\x80': valid UTF-8 that
    is read without a word. Oracle: Python's own decoders -- the file is CESU-8 (utf-8 with surrogatepass), not UTF-8."""
    from rnnkit.data.text import read_csv_texts
    from rnnkit.errors import DataError

    path = tmp_path / "c.csv"
    path.write_bytes(b"text,label\n" + raw + b",pos\nbad,neg\n")
    with pytest.raises(DataError, match=named):
        read_csv_texts(path)
    if raw.startswith(b"\xed"):
        assert raw.decode("utf-8", "surrogatepass").encode("utf-16", "surrogatepass").decode("utf-16") == "😀 good"


# ---------------------------------------------------------------------------------------- unknown units alone
@pytest.fixture(scope="module")
def word_classifier():
    from toy_data import CLASSIFY_FAST

    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    texts = [f"good film {i % 3}" for i in range(8)] + [f"bad film {i % 3}" for i in range(8)]
    cfg = {**CLASSIFY_FAST, "epochs": 1, "tokenizer": "words", "embeddings": "own", "min_freq": 1}
    return TextClassifier(TextClassifierConfig(**cfg)).fit(texts, ["pos"] * 8 + ["neg"] * 8, baselines=False)


def test_texts_of_unknown_units_alone_are_found(word_classifier):
    """Oracle: the word tokens of each text looked up in the run's vocabulary by hand."""
    from rnnkit.data.vocab import tokenize
    from rnnkit.tasks.classify_unknown import unknown_only_rows

    texts = ["good film", "😀😀 🎉", "zzz qqq!", "good zzz", "Good", "\u200fשלום"]
    by_hand = [i for i, t in enumerate(texts) if all(w not in word_classifier.vocab.index for w in tokenize(t, "words", True))]
    assert unknown_only_rows(word_classifier, texts) == by_hand == [1, 2, 5]


def test_classify_predict_names_the_lines_read_as_unknown_alone(word_classifier, tmp_path, capsys):
    """Before: 'classify predict' of emoji alone (or words never seen) gave a class and a probability like any other
    line, silently -- the network read <unk> alone, one guess for all of them -- where a line of zero-width spaces was
    warned. The warning names how many and their lines; every line is still predicted."""
    from toy_data import run_cli

    word_classifier.save(tmp_path / "run")
    (tmp_path / "in.txt").write_text("good film\n😀😀😀\nbad film 1\nzzz qqq\n", encoding="utf-8")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        code, out, err = run_cli(["classify", "predict", "--run", str(tmp_path / "run"), "--input",
                                  str(tmp_path / "in.txt"), "--json"], capsys)
    assert code == 0, err
    named = [str(w.message) for w in seen if "never seen in training alone" in str(w.message)]
    assert named == ["2 of 4 input(s) are units never seen in training alone (words units), lines [2, 4], e.g. "
                     "'😀😀😀': the network reads <unk> alone there, one guess for all of them"]
    import json

    assert len(json.loads(out)["predictions"]) == 4


def test_classify_predict_refuses_a_csv_file_given_to_input(word_classifier, tmp_path, capsys):
    """Before: 'classify predict --input data.csv' classified the header 'text,label' as a text and read each row's
    label as words of its text ('good film 1,pos'), exit 0, silently (a TAB-separated file was refused since session
    19); a JSON Lines file read its keys and quotes as words. Oracle: the same file with --csv predicts its rows;
    texts holding commas or braces are still read one a line."""
    import json

    from toy_data import run_cli

    word_classifier.save(tmp_path / "run")
    (tmp_path / "d.csv").write_text("text,label\ngood film 1,pos\nbad film 2,neg\n", encoding="utf-8")
    code, out, err = run_cli(["classify", "predict", "--run", str(tmp_path / "run"), "--input", str(tmp_path / "d.csv")],
                             capsys)
    assert code == 1 and out == ""
    assert err.strip() == ("rnnkit classify: error: DataError: --input: expected one text a line, got a CSV header in "
                           "line 1 'text,label' (its column 'text' is the run's text column): give a CSV file with "
                           "--csv, which reads that column alone")
    code, out, err = run_cli(["classify", "predict", "--run", str(tmp_path / "run"), "--csv", str(tmp_path / "d.csv"),
                              "--json"], capsys)
    assert code == 0 and json.loads(out)["rows"] == [2, 3]
    (tmp_path / "d.jsonl").write_text('{"text": "good film 1", "label": "pos"}\n', encoding="utf-8")
    code, out, err = run_cli(["classify", "predict", "--run", str(tmp_path / "run"), "--input",
                              str(tmp_path / "d.jsonl")], capsys)
    assert code == 1 and "got a JSON object in line 1 '{\"text\": \"good film 1\", \"label\": \"pos\"}' (its key " \
                         "'text' is the run's text column): a JSON Lines file?" in err
    (tmp_path / "commas.txt").write_text("good, fine film\ntext, then more\n{braces} film\n", encoding="utf-8")
    code, out, err = run_cli(["classify", "predict", "--run", str(tmp_path / "run"), "--input",
                              str(tmp_path / "commas.txt"), "--json"], capsys)
    assert code == 0 and json.loads(out)["lines"] == [1, 2, 3]


# ---------------------------------------------------------------------------------------- tag predict: a token,tag CSV
def test_tag_predict_refuses_a_token_tag_csv(tmp_path, capsys):
    """Before: 'tag predict --input tokens.csv' of 'token,tag' lines tagged each line as one token ('Anna,B-PER'
    tagged B-PER), exit 0, silently. Oracle: the same tokens one a line (and a token holding a comma) are tagged."""
    import json

    from toy_data import run_cli

    from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig

    sents = [["Anna", "went", "to", "Berlin"], ["Otto", "saw", "Paris"]] * 4
    tags = [["B-PER", "O", "O", "B-LOC"], ["B-PER", "O", "B-LOC"]] * 4
    cfg = TaggerConfig(word_dim=8, char_dim=4, char_hidden=4, hidden_size=8, epochs=1, val_fraction=0.0, progress=False)
    SequenceTagger(cfg).fit(sents, tags, baselines=False).save(tmp_path / "run")
    (tmp_path / "t.csv").write_text("token,tag\nAnna,B-PER\nwent,O\n\nOtto,B-PER\n", encoding="utf-8")
    code, out, err = run_cli(["tag", "predict", "--run", str(tmp_path / "run"), "--input", str(tmp_path / "t.csv")],
                             capsys)
    assert code == 1 and out == ""
    assert err.strip() == ("rnnkit tag: error: DataError: --input: expected one token a line, got every token line "
                           "after line 1 ending in a comma and a tag of the run (e.g. 'Anna,B-PER'): a 'token,tag' "
                           "CSV? write one token a line (a tag column, if any, after a TAB)")
    (tmp_path / "t.txt").write_text("Anna\nwent\n1,000\n\nOtto\n", encoding="utf-8")
    code, out, err = run_cli(["tag", "predict", "--run", str(tmp_path / "run"), "--input", str(tmp_path / "t.txt"),
                              "--json"], capsys)
    assert code == 0 and [len(p) for p in json.loads(out)["predictions"]] == [3, 1]


def test_a_tagger_trained_on_swapped_columns_is_warned():
    """Before: a CoNLL file written tag first ('O<TAB>saw') trained a tagger whose tokens were the tags and whose
    tags were the words, exit 0, without a word. Oracle: the same data the right way round is not warned."""
    from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig

    sents = [["Anna", "went", "to", "Berlin"], ["Otto", "saw", "Paris"]] * 4
    tags = [["B-PER", "O", "O", "B-LOC"], ["B-PER", "O", "B-LOC"]] * 4
    cfg = TaggerConfig(word_dim=8, char_dim=4, char_hidden=4, hidden_size=8, epochs=1, val_fraction=0.0, progress=False)
    with pytest.warns(UserWarning, match=r"^sentences: every token reads as an entity tag \(e.g. \['B-LOC', 'B-PER', "
                                         r"'O'\]\) while 7 tag\(s\) do not \(e.g. \['Anna', 'Berlin', 'Otto'\]\): the "
                                         r"token and tag columns swapped\?") as seen:
        SequenceTagger(cfg).fit(tags, sents, baselines=False)
    assert [w.filename for w in seen if "columns swapped" in str(w.message)] == [__file__]
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        SequenceTagger(cfg).fit(sents, tags, baselines=False)
    assert not [w for w in seen if "columns swapped" in str(w.message)]


# ---------------------------------------------------------------------------------------- translate: a column twice
def test_pairs_whose_targets_are_their_sources_are_warned_at_fit_and_evaluate():
    """Before: 'paste de.txt de.txt > pairs.tsv' trained a translator to copy, silently (high BLEU, copy-source 100).
    Oracle: the real pairs are not warned."""
    from toy_data import PAIRS_DE, PAIRS_EN, SEQ2SEQ_FAST

    from rnnkit.tasks.seq2seq import Seq2SeqConfig, Translator

    t = Translator(Seq2SeqConfig(**{**SEQ2SEQ_FAST, "epochs": 1, "model": "char"}))
    named = r"^targets: 8 of 8 equal their source, e.g. targets\[0\] 'die Zeile ist lang': a file pairing a column"
    with pytest.warns(UserWarning, match=named) as seen:
        t.fit(PAIRS_DE, list(PAIRS_DE), baselines=False)
    assert [w.filename for w in seen if "equal their source" in str(w.message)] == [__file__]
    with pytest.warns(UserWarning, match=named) as seen:
        t.evaluate(PAIRS_DE, list(PAIRS_DE), baselines=False)
    assert [w.filename for w in seen if "equal their source" in str(w.message)] == [__file__]
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        t.evaluate(PAIRS_DE, PAIRS_EN, baselines=False)
    assert not [w for w in seen if "equal their source" in str(w.message)]
