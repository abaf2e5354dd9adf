"""Session 21, helper Q: text-task inputs of kinds not covered before (long prompts, control characters in labels)."""

from __future__ import annotations

import numpy as np
import pytest

from rnnkit.tasks.generation import lm as lm_module


# ---------------------------------------------------------------------------------------- generate: a long prompt
@pytest.fixture(scope="module")
def small_lm():
    from toy_data import tiny_char_lm

    return tiny_char_lm("to be or not to be " * 20)


def _calls(model):
    """The lengths of the sequences the network reads, call by call."""
    seen: list[int] = []
    forward = model.net.forward

    def spy(ids, *args, **kwargs):
        seen.append(int(ids.shape[1]))
        return forward(ids, *args, **kwargs)
    return seen, spy


def test_a_long_prompt_is_read_in_parts_with_the_whole_prompts_continuation(small_lm, monkeypatch):
    """Before: sample read the whole prompt in one network call; a 1 MB line given to 'generate predict --input'
    (1,040,000 characters; 262,144 were enough at the default hidden size) failed with torch's bare
    'RuntimeError: could not create a primitive' (oneDNN's LSTM). The prompt is read PROMPT_STEPS units at a
    time, the state carried. Oracle: the same model reading the prompt in one call (PROMPT_STEPS above its
    length) continues it the same way (greedy, and sampled with one seed)."""
    prompt = "to be or not " * 1000          # 13,000 characters: four parts
    steps = getattr(lm_module, "PROMPT_STEPS", None)
    seen, spy = _calls(small_lm)
    monkeypatch.setattr(small_lm.net, "forward", spy)
    parts = [small_lm.sample(prompt, 30, top_k=1), small_lm.sample(prompt, 30, seed=3)]
    assert steps is not None and max(seen) <= steps < len(prompt)
    monkeypatch.setattr(lm_module, "PROMPT_STEPS", 10 ** 9)
    whole = [small_lm.sample(prompt, 30, top_k=1), small_lm.sample(prompt, 30, seed=3)]
    assert parts == whole


# ---------------------------------------------------------------------------------------- control characters in labels
@pytest.mark.parametrize("mark", ["\x07", "\x1b", "\x7f", "\x9b", "\x01"])
def test_labels_that_differ_only_by_a_control_character_are_refused(mark):
    """Before: ['pos', 'pos\\x07'] gave two classes (session 20's leftover: 'classify train --csv' trained 'neg',
    'pos', 'neg\\x07', 'pos\\x07'), while ['pos', 'pos\\u200b'] was refused. Oracle: the same labels without it."""
    from rnnkit.errors import DataError
    from rnnkit.tasks.common import check_labels

    for twin in (f"pos{mark}", f"{mark}pos", f"p{mark}os"):
        with pytest.raises(DataError, match=r"^y: expected each label written one way, got 'pos' \(y\[0\]\) and .* "
                                            r"\(y\[2\]\), which differ only by control characters \(U\+0000"):
            check_labels(["pos", "neg", twin], "y")
    assert check_labels(["pos", "neg", "pos"], "y") == ["pos", "neg", "pos"]
    assert check_labels(["a\tb", "a b"], "y") == ["a\tb", "a b"]       # a TAB inside is white space: not folded


def test_a_csv_label_with_a_bell_is_refused_naming_its_row(tmp_path):
    from rnnkit.data.text import read_csv_texts
    from rnnkit.errors import DataError
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    p = tmp_path / "c.csv"
    rows = [("good film", "pos"), ("bad film", "neg")] * 4 + [("fine film", "pos\x07")]
    p.write_text("text,label\n" + "".join(f"{t},{lab}\n" for t, lab in rows), encoding="utf-8")
    texts, labels = read_csv_texts(p)
    with pytest.raises(DataError, match=r"'pos\\x07' \(labels\[8\]\), which differ only by control characters"):
        TextClassifier(TextClassifierConfig(epochs=1, embeddings="own", combine=False)).fit(texts, labels)


def test_a_tag_and_a_gold_label_with_a_control_character_are_named():
    from rnnkit.errors import DataError
    from rnnkit.tasks.common import check_label_spelling
    from rnnkit.tasks.tagging_inputs import check_tags

    with pytest.raises(DataError, match="differ only by control characters"):
        check_tags([["B-per", "O"], ["B-per\x07", "O"]], [["Anna", "lebt"], ["Ola", "lebt"]])
    with pytest.raises(DataError, match=r"y\[0\]: expected a label as training wrote it, got 'pos\\x1b', while the "
                                        r"class 'pos' differs only by control characters"):
        check_label_spelling(["pos\x1b"], ["pos\x1b"], ["pos", "neg"], "y")


# ---------------------------------------------------------------------------------------- translate: a CSV-quoted TSV
def test_a_tsv_quoted_as_pandas_writes_it_is_refused_naming_the_line(tmp_path):
    """Before: pandas' to_csv(sep='\\t') wrote 'He said "hi".' as '"He said ""hi""."', and read_tsv_pairs kept the
    outer and the doubled quotes, silently (translate train/evaluate --tsv: a translator learned to write '""').
    Oracle: the same frame written unquoted reads as its pairs; a sentence in quotes ('"Go."') stays as written."""
    import csv

    import pandas as pd

    from rnnkit.data.text import read_tsv_pairs
    from rnnkit.errors import DataError

    frame = pd.DataFrame({"src": ["Go.", 'He said "hi".', '"Run."'], "tgt": ["Geh.", 'Er sagte "hallo".', '"Lauf."']})
    plain, quoted = tmp_path / "plain.tsv", tmp_path / "quoted.tsv"
    frame.to_csv(plain, sep="\t", index=False, header=False, quoting=csv.QUOTE_NONE)
    frame.to_csv(quoted, sep="\t", index=False, header=False)
    assert read_tsv_pairs(plain) == list(zip(frame.src, frame.tgt))
    with pytest.raises(DataError, match=r"^tsv '.*quoted.tsv': expected fields as written \(a TSV is read literally\), "
                                        r"got a field quoted as a CSV writer quotes it \(doubled quotes\) at line 2, "
                                        r".*quoting=csv.QUOTE_NONE"):
        read_tsv_pairs(quoted)


# ---------------------------------------------------------------------------------------- CSV of another kind
@pytest.mark.parametrize("kind, hint", [
    (";", r"the header is one column holding ';': rnnkit reads comma-separated files, save it with ','"),
    ("\t", r"the header is one column holding '\\t': rnnkit reads comma-separated files"),
    ("jsonl", r"the file looks like JSON Lines, one object a line: rnnkit reads CSV with a header"),
    ("index", r"columns are named, not numbered: column 0 is 'text'")])
def test_a_csv_of_another_delimiter_or_json_lines_or_a_column_number_is_named(tmp_path, kind, hint):
    """Before: a ';'-separated file (European Excel), a TSV or a JSON Lines file given to --csv, and --text-col 0,
    were 'expected column(s) ['text', 'label'], got columns ['text;label']' (or the JSON's halves), saying nothing
    of why. Oracle: the same rows written with commas are read."""
    import csv
    import json

    from rnnkit.data.text import read_csv_texts
    from rnnkit.errors import DataError

    rows = [("good film", "pos"), ("bad film", "neg")]
    plain = tmp_path / "plain.csv"
    with open(plain, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([("text", "label"), *rows])
    assert read_csv_texts(plain) == (["good film", "bad film"], ["pos", "neg"])
    p = tmp_path / "other.csv"
    if kind == "jsonl":
        p.write_text("".join(json.dumps({"text": t, "label": lab}) + "\n" for t, lab in rows), encoding="utf-8")
    elif kind == "index":
        p = plain
    else:
        with open(p, "w", newline="", encoding="utf-8") as f:
            csv.writer(f, delimiter=kind).writerows([("text", "label"), *rows])
    with pytest.raises(DataError, match=r"^csv '.*': expected column\(s\) .*, got columns .*; " + hint):
        read_csv_texts(p, text_col="0" if kind == "index" else "text")


# ---------------------------------------------------------------------------------------- the linear members: a long text
def _hostile_long_text(n: int = 30_000) -> str:
    """Words of several scripts and cases, final sigmas, CR LF, a Prepend character before a space, marks after a
    space, ZWJ emoji, tabs and runs of spaces: ~200k characters, cut in several pieces."""
    parts = ["ΟΔΟΣ", "café", "cafe\u0301", "Straße", "\r\n", "\u0600 x", " \u0301a", "👨\u200d👩\u200d👧", "\t",
             "  ", "good", "movie", "हिन्दी", "שלום\u200f", "日本語", "İstanbul", "ǅ", "1,000", "don't"]
    return " ".join(parts[i % len(parts)] + ("" if i % 7 else "\u200b") for i in range(n))


def whole_of(model, text, monkeypatch):
    from rnnkit.tasks import classify_pieces

    with monkeypatch.context() as m:
        m.setattr(classify_pieces, "PIECE_CHARS", 10 ** 9)
        return list(model._analyze(text))


@pytest.mark.parametrize("tokenizer, features", [("words", "word+char"), ("chars", "word+char"), ("auto", "word"),
                                                 ("words", "char")])
def test_a_long_texts_ngrams_are_made_in_pieces_as_the_whole_text_makes_them(monkeypatch, tokenizer, features):
    """Before: the TF-IDF members analysed a text of megabytes whole, one list of every n-gram (predict of one
    4.4 MB line by a default run: 47.8 s, 2.8 GB peak). Oracle: the same model analysing the text whole
    (PIECE_CHARS above its length) -- the same terms in the same order; and no piece longer than about PIECE_CHARS
    reaches the analysers."""
    from rnnkit.tasks import classify_pieces
    from rnnkit.tasks.classify_linear import TfidfLogReg

    text = _hostile_long_text()
    model = TfidfLogReg(tokenizer=tokenizer, features=features)
    model.char_mode = "char_wb"
    seen: list[int] = []
    words, chars = model._word_tokens, model._char_analyzer

    def spy(f):
        return lambda t: (seen.append(len(t)), f(t))[1]
    monkeypatch.setattr(model, "_word_tokens", spy(words))
    model._chars = spy(chars)
    pieces = list(model._analyze(text))
    assert seen and max(seen) < 2 * getattr(classify_pieces, "PIECE_CHARS", 0) < len(text)
    monkeypatch.setattr(classify_pieces, "PIECE_CHARS", 10 ** 9)
    whole = list(model._analyze(text))
    assert pieces == whole
    short = text[:1_500]
    expected = whole_of(model, short, monkeypatch)
    for size in range(2, 60):   # cuts everywhere: after each kind of character the text holds
        monkeypatch.setattr(classify_pieces, "PIECE_CHARS", size)
        assert list(model._analyze(short)) == expected, size


def test_a_long_text_is_scored_as_before_by_a_fitted_tfidf_model(monkeypatch):
    """Oracle: the same fitted model reading the long text whole (PIECE_CHARS above its length), probabilities
    equal bit for bit; and a store's counts (the fit's path) alike."""
    from rnnkit.tasks import classify_pieces
    from rnnkit.tasks.classify_counts import shared_counts
    from rnnkit.tasks.classify_linear import TfidfLogReg

    texts = ["good movie", "bad film", "great fun", "awful plot", "good fun", "bad plot"] * 3
    labels = ["pos", "neg", "pos", "neg", "pos", "neg"] * 3
    long = [_hostile_long_text(), "good " * 40_000 + "bad", "bad film"]
    model = TfidfLogReg(C=1.0).fit(texts, labels)
    got = model.proba_for(long, ["neg", "pos"])
    with shared_counts():
        stored = TfidfLogReg(C=1.0).fit(texts + long[:2], labels + ["pos", "neg"]).proba_for(long, ["neg", "pos"])
    monkeypatch.setattr(classify_pieces, "PIECE_CHARS", 10 ** 9)
    assert np.array_equal(got, model.proba_for(long, ["neg", "pos"]))
    with shared_counts():
        whole = TfidfLogReg(C=1.0).fit(texts + long[:2], labels + ["pos", "neg"]).proba_for(long, ["neg", "pos"])
    assert np.array_equal(stored, whole)
