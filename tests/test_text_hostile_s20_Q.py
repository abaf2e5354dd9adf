"""Session 20 (helper Q): hostile inputs of the text tasks, round 4 -- each test fails on the code before its fix."""

import os
import sys

import numpy as np
import pytest

from rnnkit.cli.main import main


# ---------------------------------------------------------------------------------------- a data file named in Latin-1
def _latin1_named(folder, suffix: str, text: str):
    """A file whose name holds the byte 0xE9 ('é' in Latin-1, not UTF-8): Python reads it as 'caf\\udce9' + suffix."""
    path = os.path.join(os.fsencode(folder), b"caf\xe9" + suffix.encode())
    with open(path, "wb") as f:
        f.write(text.encode("utf-8"))
    return os.fsdecode(path)


PAIRS = "\n".join(f"das Haus {w}\tthe house {e}" for w, e in [("ist alt", "is old"), ("ist klein", "is small")] * 8)
CSV = "text,label\n" + "\n".join(f"{'good' if i % 2 else 'bad'} movie {i},{'pos' if i % 2 else 'neg'}" for i in range(24))
CONLL = "\n\n".join("Anna\tB-PER\nmet\tO\nBob\tB-PER" for _ in range(12)) + "\n"
TEXT = "the movie was good and the plot was fine.\n" * 40

CASES = {
    "classify": (".csv", CSV, ["--csv"], ["--epochs", "1", "--hidden-size", "8", "--embed-dim", "8", "--embeddings",
                                        "own", "--combine", "false"]),
    "tag": (".conll", CONLL, ["--conll"], ["--epochs", "1", "--hidden-size", "8", "--word-dim", "8", "--char-dim", "4",
                                         "--char-hidden", "4"]),
    "translate": (".tsv", PAIRS, ["--tsv"], ["--epochs", "1", "--embed-dim", "8", "--enc-hidden", "8",
                                          "--dec-hidden", "8"]),
    "generate": (".txt", TEXT, ["--text"], ["--max-seconds", "2", "--hidden-size", "8", "--embed-dim", "8"]),
}


@pytest.mark.skipif(sys.platform != "linux", reason="file names are bytes on Linux (PEP 383)")
@pytest.mark.parametrize("task", sorted(CASES))
def test_train_refuses_a_data_file_name_that_is_not_utf8_before_any_work(task, tmp_path, capsys):
    """A file name in Latin-1 reads well, but the run records it in config.json: training ran to its end and then
    stopped with a bare "UnicodeEncodeError: 'utf-8' codec can't encode character '\\udce9'", no run saved. Now a
    usage error naming the flag and the byte, before the data is read; the same content under a UTF-8 name trains."""
    suffix, text, flag, fast = CASES[task]
    bad = _latin1_named(tmp_path, suffix, text)
    out = tmp_path / "run"
    rc = main([task, "train", *flag, bad, "--out", str(out), "--quiet", "--no-baseline", *fast])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert f"{flag[0]}: expected a path in UTF-8" in err and "caf\\xe9" in err and "0xe9" in err, err
    assert "Traceback" not in err and "UnicodeEncodeError" not in err and len(err.strip().splitlines()) == 1, err
    assert not out.exists()                 # refused before any work
    good = tmp_path / f"cafe{suffix}"       # the oracle: the same data under a UTF-8 name trains and saves its run
    good.write_text(text, encoding="utf-8")
    assert main([task, "train", *flag, str(good), "--out", str(out), "--quiet", "--no-baseline", *fast]) == 0
    assert (out / "config.json").is_file()


def test_evaluate_still_reads_a_file_named_in_latin1(tmp_path, capsys):
    """Only train records its data file: evaluate reads a Latin-1-named --csv as before (nothing is refused there)."""
    suffix, text, flag, fast = CASES["classify"]
    good = tmp_path / "c.csv"
    good.write_text(text, encoding="utf-8")
    assert main(["classify", "train", "--csv", str(good), "--out", str(tmp_path / "run"), "--quiet", "--no-baseline",
                 *fast]) == 0
    bad = _latin1_named(tmp_path, suffix, text)
    capsys.readouterr()
    with pytest.warns(UserWarning, match="the data it was trained on"):   # the same texts: said so, scored
        assert main(["classify", "evaluate", "--run", str(tmp_path / "run"), "--csv", bad, "--json"]) == 0
    assert '"accuracy"' in capsys.readouterr().out


# ---------------------------------------------------------------------------------------- invisible texts, wordpieces
INVISIBLE = ["\u200b", "\u200f\u200e", "\ufeff\u2060", "\u200d", "\u2066\u2069"]


@pytest.fixture(scope="module")
def wordpiece_classifier():
    from toy_data import CLASSIFY_FAST

    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    pytest.importorskip("tokenizers")
    words = {"pos": "good great fine lovely superb nice".split(), "neg": "bad awful poor terrible ugly sad".split()}
    texts = [" ".join(words["pos" if i % 3 else "neg"][(i + k) % 6] for k in range(3)) + " movie" for i in range(60)]
    labels = ["pos" if i % 3 else "neg" for i in range(60)]
    m = TextClassifier(TextClassifierConfig(**{**CLASSIFY_FAST, "embeddings": "minilm", "epochs": 1}))
    return m.fit(texts, labels), texts, labels


def test_wordpiece_units_read_no_token_in_invisible_text_as_the_word_units_do(wordpiece_classifier):
    """A text of zero-width spaces, joiners, bidirectional marks or a BOM alone has no token: predicted the class
    shares of the training labels with a warning naming it (docs/tasks.md), as under the word units. With the
    pretrained wordpieces (the default 'auto' embeddings on English) it was one [UNK], predicted from it, silently."""
    m, _, _ = wordpiece_classifier
    assert m.units == "wordpiece"
    assert m.no_token_rows(INVISIBLE + ["good movie"]) == list(range(len(INVISIBLE)))
    with pytest.warns(UserWarning, match=f"{len(INVISIBLE)} of {len(INVISIBLE) + 1} have no token"):
        p = m.predict_proba(INVISIBLE + ["good movie"])
    np.testing.assert_allclose(p[:len(INVISIBLE)], [m.prior] * len(INVISIBLE), rtol=1e-6)   # the oracle: the labels' shares
    assert not np.allclose(p[-1], m.prior, rtol=1e-6)                                # a text with tokens: the network's
    # characters the word units read as a token stay one [UNK] (predicted, not the shares)
    assert m._unit_tokens(["\ufffd", "\u0301"]) == [["[UNK]"], ["[UNK]"]]


def test_wordpiece_fit_refuses_an_invisible_text_as_the_word_units_do(wordpiece_classifier):
    from toy_data import CLASSIFY_FAST

    from rnnkit.errors import DataError
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    _, texts, labels = wordpiece_classifier
    for emb in ("own", "minilm"):   # the oracle: the word units' refusal, same message shape
        with pytest.raises(DataError, match=r"texts\[5\]: expected a text with at least one token .*'\\u200b'"):
            TextClassifier(TextClassifierConfig(**{**CLASSIFY_FAST, "embeddings": emb})).fit(texts[:5] + ["\u200b"] + texts[6:], labels)

