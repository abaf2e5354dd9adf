"""Session 24, helper U: text tasks run on ordinary real corpora as a new user brings them, and what they showed."""

from __future__ import annotations

import json
import warnings

import pytest

pytestmark = pytest.mark.usefixtures("one_thread_module")


@pytest.fixture(scope="module")
def case_classifier(tmp_path_factory):
    """A word classifier of the classes 'neg' and 'pos' saved in a run folder: (the path, the model loaded)."""
    from toy_data import CLASSIFY_FAST

    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    texts = [f"good film {i % 3}" for i in range(8)] + [f"bad film {i % 3}" for i in range(8)]
    cfg = {**CLASSIFY_FAST, "epochs": 1, "tokenizer": "words", "embeddings": "own", "min_freq": 1}
    path = tmp_path_factory.mktemp("s24u") / "run"
    TextClassifier(TextClassifierConfig(**cfg)).fit(texts, ["pos"] * 8 + ["neg"] * 8, baselines=False).save(path)
    return path, TextClassifier.load(path)


def _case_warnings(caught):
    return [str(w.message) for w in caught if "letter case" in str(w.message)]


def test_evaluate_says_why_a_gold_label_differing_by_case_alone_is_unseen(case_classifier):
    """'Pos' against training's 'pos' was counted in unseen_labels and named in the note, with no word of why (session
    23's leftover). Oracle: the unseen count is the same as before (case stays significant, the items scored wrong),
    and a label no class matches by case ('meh') is not named."""
    _, model = case_classifier
    texts = ["good film 1", "bad film 2", "good film 0", "bad film 1", "good film 2"]
    gold = ["Pos", "NEG", "Pos", "neg", "meh"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = model.evaluate(texts, gold, baselines=False)
    assert m["unseen_labels"] == 4 and m["unseen_label_names"] == ["NEG", "Pos", "meh"]   # scored as before
    (msg,) = _case_warnings(caught)
    assert "3 gold item(s) carry 2 label(s)" in msg and "'Pos' (labels[0]) for the class 'pos'" in msg
    assert "meh" not in msg
    with warnings.catch_warnings(record=True) as caught:     # the trained spelling: no warning
        warnings.simplefilter("always")
        model.evaluate(texts[:4], ["pos", "neg", "pos", "neg"], baselines=False)
    assert not _case_warnings(caught)


def test_classify_evaluate_names_the_row_of_a_case_only_label(case_classifier, tmp_path, capsys):
    import pandas as pd
    from toy_data import run_cli, write_frame

    path, _ = case_classifier
    csv = write_frame(tmp_path / "test.csv", pd.DataFrame({"text": ["good film 1", "bad film 0"],
                                                           "label": ["pos", "Neg"]}))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code, out, err = run_cli(["classify", "evaluate", "--run", str(path), "--csv", csv, "--json"], capsys)
    assert code == 0 and json.loads(out)["metrics"]["unseen_labels"] == 1
    (msg,) = _case_warnings(caught)
    assert "'Neg' (labels[1] (--csv" in msg and "row 3)) for the class 'neg'" in msg


def test_tag_evaluate_says_why_a_tag_differing_by_case_alone_is_unseen():
    """The tagger's gold tags likewise ('b-per' against training's 'B-PER'), named by sentence and token."""
    from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig

    sents = [["Anna", "lives", "here"], ["Bob", "sings"]] * 4
    tags = [["B-PER", "O", "O"], ["B-PER", "O"]] * 4
    tagger = SequenceTagger(TaggerConfig(epochs=1, word_dim=8, char_dim=4, char_hidden=4, hidden_size=8,
                                         progress=False, val_fraction=0.0)).fit(sents, tags, baselines=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = tagger.evaluate([["Anna", "sings"], ["Bob", "lives"]], [["B-PER", "O"], ["b-per", "o"]], baselines=False)
    assert m["unseen_labels"] == 2
    (msg,) = _case_warnings(caught)
    assert msg.startswith("tags: 2 gold item(s) carry 2 label(s)") and "'b-per' (tags[1][0]) for the class 'B-PER'" in msg


def test_a_conll_2003_file_with_space_separated_columns_is_told_to_use_tabs(tmp_path, capsys):
    """CoNLL-2003's own files (eng.train) separate their four columns by spaces; rnnkit reads TABs (documented) and
    refused the file at its first line, '-DOCSTART- -X- -X- O', saying only that it expected 'token<TAB>tag' -- as
    predict --input's reader already says, it now says to separate the columns with a TAB. The TAB version of the
    same file reads (oracle: its tokens and last column)."""
    from toy_data import run_cli

    from rnnkit.data.text import read_conll
    from rnnkit.errors import DataError

    rows = [["-DOCSTART-", "-X-", "-X-", "O"], [], ["EU", "NNP", "B-NP", "B-ORG"], ["rejects", "VBZ", "B-VP", "O"]]
    spaced = tmp_path / "eng.train"
    spaced.write_text("\n".join(" ".join(r) for r in rows) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"at line 1, got '-DOCSTART- -X- -X- O'; separate columns with a TAB$"):
        read_conll(spaced)
    code, _, err = run_cli(["tag", "train", "--conll", str(spaced), "--out", str(tmp_path / "run")], capsys)
    assert code == 1 and "separate columns with a TAB" in err
    tabbed = tmp_path / "eng.tsv"
    tabbed.write_text("\n".join("\t".join(r) for r in rows) + "\n", encoding="utf-8")
    assert read_conll(tabbed) == [(["EU", "rejects"], ["B-ORG", "O"])]
    with pytest.raises(DataError, match=r"got 'Anna\\t'$"):      # one column: no such hint
        read_conll(None, text="Anna\t\n")


@pytest.mark.parametrize("header", [True, False])
def test_a_pair_file_pandas_wrote_with_its_index_is_told_so(tmp_path, capsys, header):
    """translate --tsv of pairs written by pandas with its defaults (df.to_csv(path, sep='\\t'): the row index first,
    and a header line starting with an empty field) was refused as "expected 'source<TAB>target' with both non-empty"
    -- with header=False at a line whose three fields were all non-empty. The message now counts the fields and names
    the index. Oracle: the same frame written with index=False, header=False reads back as its pairs."""
    import pandas as pd
    from toy_data import PAIRS_DE, PAIRS_EN, run_cli

    from rnnkit.data.text import read_tsv_pairs
    from rnnkit.errors import DataError

    frame = pd.DataFrame({"de": PAIRS_DE, "en": PAIRS_EN})
    frame.to_csv(tmp_path / "pairs.tsv", sep="\t", header=header)
    first = "''" if header else "'0'"
    with pytest.raises(DataError, match=rf"at line 1, got .*: 3 TAB-separated fields, the first {first} reads as a "
                                        r"row index \(pandas' to_csv\(sep='\\t'\) writes its index first: pass "
                                        r"index=False, header=False\)$"):
        read_tsv_pairs(tmp_path / "pairs.tsv")
    code, _, err = run_cli(["translate", "train", "--tsv", str(tmp_path / "pairs.tsv"), "--out", str(tmp_path / "r")],
                           capsys)
    assert code == 1 and "reads as a row index" in err
    frame.to_csv(tmp_path / "plain.tsv", sep="\t", index=False, header=False)
    assert read_tsv_pairs(tmp_path / "plain.tsv") == list(zip(PAIRS_DE, PAIRS_EN))
    (tmp_path / "three.tsv").write_text("das Haus\tthe house\textra\n", encoding="utf-8")   # no index: no such hint
    with pytest.raises(DataError, match=r": 3 TAB-separated fields \(a TAB inside a source or a target\? a pair "
                                        r"holds one\)$"):
        read_tsv_pairs(tmp_path / "three.tsv")


def _rare_warnings(caught):
    return [str(w.message) for w in caught if "outside the dict-pointer's output vocabulary" in str(w.message)]


def test_a_translator_whose_target_words_are_each_written_once_is_warned_before_training():
    """English -> German number words (num2words): every German number is one word seen once, so the dict-pointer's
    output vocabulary (words seen min_count=2 times) holds none of them -- translate train --tsv of 1,500 such pairs
    trained to BLEU 0.0 and said so only in evaluate's note. The fit warns now, naming the char model. Oracle: the
    count of target words seen fewer than twice, made here with Counter; the toy sentence pairs (2 of 32 words rare)
    and the char model are not warned."""
    from collections import Counter

    import num2words
    from toy_data import PAIRS_DE, PAIRS_EN, SEQ2SEQ_FAST

    from rnnkit.tasks.seq2seq import Seq2SeqConfig, Translator

    nums = list(range(21, 61))
    src = [num2words.num2words(n, lang="en") for n in nums]
    tgt = [num2words.num2words(n, lang="de") for n in nums]
    counts = Counter(w for t in tgt for w in t.split())
    rare, total = sum(c for c in counts.values() if c < 2), sum(counts.values())
    assert rare > total / 2
    cfg = {**SEQ2SEQ_FAST, "epochs": 1}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Translator(Seq2SeqConfig(**cfg)).fit(src, tgt, baselines=False)
    (msg,) = _rare_warnings(caught)
    assert msg.startswith(f"targets: {rare} of {total} training target words ({rare / total:.0%}) are seen fewer than "
                          "min_count=2 times") and "model='char' (--model char)" in msg
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Translator(Seq2SeqConfig(**cfg)).fit(PAIRS_DE, PAIRS_EN, baselines=False)
        Translator(Seq2SeqConfig(**cfg, model="char")).fit(src, tgt, baselines=False)
    assert not _rare_warnings(caught)


def test_a_csv_whose_text_holds_a_carriage_return_pandas_left_unquoted_is_told_so(tmp_path, capsys):
    """pandas' to_csv (and Python's csv writer) quote a field holding a LF but not one holding a lone CR, which
    tweets carry (dslabs' trump_tweets: 'VNbgG0iU<CR>My in... (cont)' at line 623). rnnkit refuses it (documented) and
    said "a line ended by a lone carriage return (CR; lines end with LF or CRLF)", though every line ended with LF.
    It now says the CR is inside an unquoted field and how to write the file. Oracle: the same frame written with
    quoting=csv.QUOTE_ALL reads back as its texts, CR kept; an old Mac file keeps its message."""
    import csv

    import pandas as pd
    from toy_data import run_cli

    from rnnkit.data.text import read_csv_texts
    from rnnkit.errors import DataError

    frame = pd.DataFrame({"text": ["good film", "on CNBC\rMy interview (cont)", "bad film", "awful"],
                          "label": ["pos", "pos", "neg", "neg"]})
    frame.to_csv(tmp_path / "tweets.csv", index=False)
    assert (tmp_path / "tweets.csv").read_bytes().count(b'"') == 0      # pandas left the CR unquoted
    with pytest.raises(DataError, match=r"got a carriage return \(CR\) inside an unquoted field \(pandas' to_csv .*"
                                        r"quoting=csv.QUOTE_ALL\) at line 3$"):
        read_csv_texts(tmp_path / "tweets.csv")
    code, _, err = run_cli(["classify", "train", "--csv", str(tmp_path / "tweets.csv"), "--out", str(tmp_path / "r")],
                           capsys)
    assert code == 1 and "inside an unquoted field" in err
    frame.to_csv(tmp_path / "quoted.csv", index=False, quoting=csv.QUOTE_ALL)
    assert read_csv_texts(tmp_path / "quoted.csv") == (frame.text.tolist(), frame.label.tolist())
    (tmp_path / "mac.csv").write_bytes(b"text,label\rgood,pos\rbad,neg\r")
    with pytest.raises(DataError, match=r"got a line ended by a lone carriage return \(CR; lines end with LF or "
                                        r"CRLF\) at line 1$"):
        read_csv_texts(tmp_path / "mac.csv")
