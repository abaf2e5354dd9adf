"""Session 16, helper Q: the text and sequence tasks name every item by where it was read in the user's file.

The driver gives the task each item's place (``places``: a CSV's row, a CoNLL sentence's first line, a series'
id); session 15 rewrote only messages that began with ``texts[i]`` and named "item 40 of the data read". Each
test fails on the code before (PYTHONPATH=<git archive 9c8588f>/src)."""

from __future__ import annotations

import csv
import unicodedata
import warnings

import pytest

import rnnkit.cli.common  # noqa: F401 -- imported before any test patches rnnkit._memory.available_memory: a module
import rnnkit.tasks.generation.ngram  # noqa: F401 -- first imported under the patch kept the fake for the process
from rnnkit.cli.main import main
from rnnkit.errors import DataError

SMALL = ["--epochs", "1", "--hidden-size", "8", "--quiet"]
CAFE, CAFE_NFD = "café", unicodedata.normalize("NFD", "café")


def _write_csv(path, rows, header=("text", "label")):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def _rows(n=60):
    return [(f"good film {i}", "pos") if i % 2 else (f"bad film {i}", "neg") for i in range(n)]


def test_csv_labels_in_nfc_and_nfd_are_named_by_their_file_rows(tmp_path, capsys):
    # they were named labels[1] and labels[33]: positions in the part --test-fraction left, no row of the file
    rows = [(t, CAFE if lab == "pos" else lab) for t, lab in _rows()]
    rows[41] = ("good film x", CAFE_NFD)                       # row 43 of the file (the header is row 1)
    _write_csv(tmp_path / "a.csv", rows)
    assert main(["classify", "train", "--csv", str(tmp_path / "a.csv"), *SMALL, "--embed-dim", "8", "--min-freq", "1",
                 "--embeddings", "own", "--out", str(tmp_path / "run")]) == 1
    err = capsys.readouterr().err
    first = 2 + next(i for i, (_, lab) in enumerate(rows) if lab == CAFE)   # in the training part at seed 0
    # session 36 (R): each label named by its part's own index ('labels[33] of the training part, --csv ... row 43)')
    assert f"a.csv' row {first})" in err and "a.csv' row 43)" in err and "of the training part" in err, err
    assert "two to scikit-learn" in err and "one label on screen" in err, err


def test_a_text_with_no_token_is_named_by_its_csv_row(tmp_path, capsys):
    rows = _rows()
    rows[40] = ("\u200b", "pos")                               # row 42 of the file
    _write_csv(tmp_path / "zw.csv", rows)
    assert main(["classify", "train", "--csv", str(tmp_path / "zw.csv"), *SMALL, "--embed-dim", "8",
                 "--min-freq", "1", "--embeddings", "own", "--out", str(tmp_path / "run")]) == 1
    err = capsys.readouterr().err
    assert "zw.csv' row 42): expected a text with at least one token" in err, err


def test_evaluate_names_an_nfd_twin_of_a_class_by_its_csv_row(tmp_path, capsys):
    rows = [(t, CAFE if lab == "pos" else lab) for t, lab in _rows(40)]
    _write_csv(tmp_path / "a.csv", rows)
    assert main(["classify", "train", "--csv", str(tmp_path / "a.csv"), *SMALL, "--embed-dim", "8", "--min-freq", "1",
                 "--embeddings", "own", "--combine", "false", "--out", str(tmp_path / "run")]) == 0
    test = [("good film a", "neg"), ("bad film b", "neg"), ("good film c", CAFE_NFD)]   # 'café' as trained: NFC
    _write_csv(tmp_path / "b.csv", test)
    capsys.readouterr()
    assert main(["classify", "evaluate", "--run", str(tmp_path / "run"), "--csv", str(tmp_path / "b.csv")]) == 1
    err = capsys.readouterr().err
    assert "labels[2] (--csv " in err and "b.csv' row 4): expected a label as training wrote it" in err, err


def _conll(path, sents):
    with open(path, "w", encoding="utf-8") as f:
        f.write("-DOCSTART-\tO\n\n")
        for toks, tags in sents:
            f.write("".join(f"{w}\t{t}\n" for w, t in zip(toks, tags)) + "\n")


def test_tag_training_names_a_sentence_by_the_line_it_starts_on(tmp_path, capsys):
    # a CoNLL file with -DOCSTART-: the IOB1 warning named tags[i] of the training part, no line of the file
    sents = [(["John", "ran"], ["B-PER", "O"]), (["the", "Paris", "crowd"], ["O", "B-LOC", "O"])] * 10
    sents[7] = (["the", "Rome", "crowd"], ["O", "I-LOC", "O"])
    for i in (9, 11, 13, 15, 17, 19):                        # more I-LOC openings than B-LOC tags: IOB1
        sents[i] = sents[7]
    _conll(tmp_path / "a.conll", sents)
    lines, n = [], 3                                          # DOCSTART, blank, then sentence 0 at line 3
    for toks, _ in sents:
        lines.append(n)
        n += len(toks) + 1
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert main(["tag", "train", "--conll", str(tmp_path / "a.conll"), *SMALL, "--word-dim", "4", "--char-dim",
                     "2", "--char-hidden", "2", "--test-fraction", "0", "--val-fraction", "0", "--no-baseline",
                     "--out", str(tmp_path / "run")]) == 0
    msg = next((str(w.message) for w in seen if "IOB1" in str(w.message)), [str(w.message) for w in seen])
    # the tag's own line, token 1 of the sentence (session 29: was the sentence's first line, lines[7])
    assert f"tags[7][1] (--conll '{tmp_path / 'a.conll'}' line {lines[7] + 1}) 'I-LOC'" in msg, msg


def test_tag_labels_in_nfc_and_nfd_name_token_and_line(tmp_path, capsys):
    sents = [(["John", "ran"], ["B-PER", "O"]), (["the", "café"], ["O", "B-" + CAFE])] * 6
    sents[9] = (["the", "café"], ["O", "B-" + CAFE_NFD])      # sentence 9 starts on line 3 + 9 * 3 = 30
    _conll(tmp_path / "a.conll", sents)
    assert main(["tag", "train", "--conll", str(tmp_path / "a.conll"), *SMALL, "--test-fraction", "0",
                 "--out", str(tmp_path / "run")]) == 1
    err = capsys.readouterr().err
    assert "(tags[9][1] (--conll " in err and "a.conll' line 30))" in err, err


def test_tsc_labels_in_nfc_and_nfd_name_the_series_id(tmp_path, capsys):
    rows = []
    for s in range(16):
        label = CAFE if s % 2 else "neg"
        if s == 11:
            label = CAFE_NFD
        rows += [(f"s{s:02d}", t, float((s % 2) * t), label) for t in range(6)]
    _write_csv(tmp_path / "a.csv", rows, ("id", "time", "value", "label"))
    assert main(["tsc", "train", "--csv", str(tmp_path / "a.csv"), *SMALL, "--test-fraction", "0",
                 "--out", str(tmp_path / "run")]) == 1
    err = capsys.readouterr().err
    assert "series 's11')" in err and "Unicode composition" in err, err


def test_fit_places_are_checked_and_left_out_of_later_predictions():
    from rnnkit.tasks.classification import TextClassifier
    from rnnkit.tasks.classify_config import TextClassifierConfig

    task = TextClassifier(TextClassifierConfig(min_freq=1, embed_dim=4, hidden_size=4, epochs=1, val_fraction=0.0,
                                               progress=False, embeddings="own", combine=False))
    texts, labels = ["good", "bad", "good fine", "bad awful"] * 3, ["pos", "neg"] * 6
    with pytest.raises(DataError, match=r"places: expected one per input \(12\), got 2"):
        task.fit(texts, labels, places=["row 2", "row 3"])
    with pytest.raises(DataError, match=r"^texts\[3\] \(row 5\): expected a non-empty text"):
        task.fit(texts[:3] + [" "] + texts[4:], labels, places=[f"row {i + 2}" for i in range(12)])
    task.fit(texts, labels, baselines=False, places=[f"row {i + 2}" for i in range(12)])
    assert task.places is None
    with pytest.raises(DataError, match=r"^texts\[1\]: expected a non-empty text"):   # no place of the fit
        task.predict(["good", ""])


def test_tag_predict_skips_docstart_lines_as_training_and_evaluate_do(tmp_path, capsys):
    # read_conll skips -DOCSTART- lines; predict read each as a sentence of its own: 1 more prediction per
    # document than evaluate's gold sentences, so predictions paired with the gold ones shifted, silently
    sents = [(["John", "ran"], ["B-PER", "O"]), (["the", "Paris", "crowd"], ["O", "B-LOC", "O"])] * 6
    _conll(tmp_path / "a.conll", sents)
    assert main(["tag", "train", "--conll", str(tmp_path / "a.conll"), *SMALL, "--test-fraction", "0",
                 "--no-baseline", "--out", str(tmp_path / "run")]) == 0
    capsys.readouterr()
    assert main(["tag", "predict", "--run", str(tmp_path / "run"), "--input", str(tmp_path / "a.conll"),
                 "--json"]) == 0
    import json

    out = json.loads(capsys.readouterr().out)
    assert len(out["predictions"]) == len(sents) and out["lines"][:2] == [3, 6], out["lines"]


@pytest.mark.parametrize("tags,hint", [(["b-per", "i-per"], "lowercase prefixes"), (["U-PER", "L-PER"], "BILOU")])
def test_tag_sets_that_look_like_entities_but_are_not_bio_are_warned(tags, hint):
    # entity P/R/F1 and the BIO constraints were dropped without a word (seqeval's default mode scores both sets)
    from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig

    sents = [["John", "Smith", "ran"], ["the", "crowd"]] * 4
    gold = [[tags[0], tags[1], "O"], ["O", "O"]] * 4
    cfg = TaggerConfig(word_dim=4, char_dim=2, char_hidden=0, hidden_size=4, epochs=1, val_fraction=0.0,
                       progress=False)
    with pytest.warns(UserWarning, match=f"got tags .*{hint}.*token accuracy alone"):
        SequenceTagger(cfg).fit(sents, gold, baselines=False)


def test_nan_padding_of_unequal_series_is_named_padding_not_missing_values():
    # tslearn's to_time_series_dataset pads series of unequal lengths with NaN rows; the message said "fill or
    # drop missing values", and filling them made the padding data
    import numpy as np

    from rnnkit.tasks.tsc import check_series

    rng = np.random.default_rng(0)
    series = [rng.normal(size=(n, 2)).astype(np.float32) for n in (5, 8, 6)]
    padded = np.full((3, 8, 2), np.nan, dtype=np.float32)
    for k, x in enumerate(series):
        padded[k, : len(x)] = x
    with pytest.raises(DataError, match=r"X\[0\]: .*got 3 of 8 steps all NaN at its end: padding .*\(T_i, C\)"):
        check_series(padded)
    fixed = check_series([x[~np.isnan(x).all(axis=1)] for x in padded])    # the remedy the message gives
    assert all(np.array_equal(a, b) for a, b in zip(fixed, series))
    holed = padded.copy()
    holed[1, 2, 0] = np.nan                                                    # a missing value inside: as before
    with pytest.raises(DataError, match=r"X\[1\]: .*fill or drop missing values first"):
        check_series([holed[0, :5], holed[1]])


@pytest.mark.parametrize("kind", ["tfidf_logreg", "nb_logreg"])
def test_linear_models_whose_weights_cannot_fit_in_memory_are_refused_before_the_fit(kind, monkeypatch):
    # 1,280 classes of 3,000 tweets (60,000 features): the default baseline's L-BFGS grew past 10 GB (the network
    # beside it 0.4 GB) until killed; now a ConfigError naming the sizes and how to fit the network alone
    import rnnkit._memory
    from rnnkit.errors import ConfigError
    from rnnkit.tasks.classify_linear import NbLogReg, TfidfLogReg

    cls = {"tfidf_logreg": TfidfLogReg, "nb_logreg": NbLogReg}[kind]
    texts = [f"word{i} other{i % 7} thing{i % 5}" for i in range(60)]
    labels = [f"c{i % 12}" for i in range(60)]
    monkeypatch.setattr(rnnkit._memory, "available_memory", lambda device="cpu": 10_000)
    with pytest.raises(ConfigError, match=rf"^{kind}: expected classes x TF-IDF features whose weights fit in memory "
                                          r".*--no-baseline --combine false.*, got 12 classes x [\d,]+ features"):
        cls(C=1.0).fit(texts, labels)
    monkeypatch.undo()
    assert len(cls(C=1.0).fit(texts, labels).classes) == 12        # with the memory there, as before


def test_evaluate_refuses_a_label_file_writing_a_class_number_in_the_other_form(tmp_path, capsys):
    # training's labels '1.0' / '2.0' (pandas wrote its floats), the test file's '1' / '2': every item an unseen
    # label, accuracy 0.0 with a note; within one file the two forms were refused already (read_csv_texts)
    rows = [(t, {"pos": "1.0", "neg": "2.0"}[lab]) for t, lab in _rows(40)]
    _write_csv(tmp_path / "a.csv", rows)
    assert main(["classify", "train", "--csv", str(tmp_path / "a.csv"), *SMALL, "--embed-dim", "8", "--min-freq", "1",
                 "--embeddings", "own", "--combine", "false", "--out", str(tmp_path / "run")]) == 0
    _write_csv(tmp_path / "b.csv", [("good film a", "1"), ("bad film b", "2")])
    capsys.readouterr()
    assert main(["classify", "evaluate", "--run", str(tmp_path / "run"), "--csv", str(tmp_path / "b.csv")]) == 1
    err = capsys.readouterr().err
    assert "got '1.0' (a class of training) and '1' (labels[0] (--csv " in err and "one number" in err, err
    _write_csv(tmp_path / "c.csv", [("good film a", "01"), ("bad film b", "2.0")])   # a code: unseen, as before
    assert main(["classify", "evaluate", "--run", str(tmp_path / "run"), "--csv", str(tmp_path / "c.csv"),
                 "--json"]) == 0


def test_tsc_csv_series_padded_with_nan_rows_is_named_by_id_as_padding(tmp_path, capsys):
    # a padded table melted to long form: 'NaN inside series 1', and --missing interpolate (the remedy it gave)
    # fills the padding with the series' last value, as data
    rows = []
    for s in range(8):
        for t in range(6):
            v = "NaN" if (s == 3 and t >= 4) else f"{(s % 2) * t + 0.1 * s:.2f}"
            rows.append((f"id{s}", t, v, "up" if s % 2 else "flat"))
    _write_csv(tmp_path / "a.csv", rows, ("id", "time", "value", "label"))
    assert main(["tsc", "train", "--csv", str(tmp_path / "a.csv"), *SMALL, "--out", str(tmp_path / "run")]) == 1
    err = capsys.readouterr().err
    assert "got series 'id3' with 2 of 6 steps all NaN at its end: padding of a shorter series" in err, err


def test_tag_evaluate_refuses_a_gold_tag_written_another_way_as_the_classifier_does():
    # 'B-PER ' (a stray space through the API) or an NFD 'B-café' against the trained tag were unseen tags, scored
    # wrong with a count; the classifier refuses such a label (check_label_spelling) -- now the tagger too
    from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig

    sents, tags = [["John", "ran"], ["the", "café"]] * 4, [["B-PER", "O"], ["O", "B-" + CAFE]] * 4
    cfg = TaggerConfig(word_dim=4, char_dim=2, char_hidden=0, hidden_size=4, epochs=1, val_fraction=0.0,
                       progress=False)
    tagger = SequenceTagger(cfg).fit(sents, tags, baselines=False)
    with pytest.raises(DataError, match=r"^tags\[1\]\[0\] \(line 9\): expected a label as training wrote it, got "
                                        r"'B-PER ', while the class 'B-PER' differs only by spaces"):
        tagger.evaluate([["the", "café"], ["John", "ran"]], [["O", "B-" + CAFE], ["B-PER ", "O"]],
                        places=["line 5", "line 9"])
    with pytest.raises(DataError, match=r"^tags\[0\]\[1\]: .*Unicode composition"):
        tagger.evaluate([["the", "café"]], [["O", "B-" + CAFE_NFD]])
    assert tagger.evaluate([["the", "café"]], [["O", "B-LOC"]])["unseen_labels"] == 1   # a new tag: counted
