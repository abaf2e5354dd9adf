"""Session 19, helper X: defects other helpers found and left. Each test fails on the code before its fix
(session start a4af298) unless it says otherwise."""

from __future__ import annotations

import pytest

from rnnkit.errors import DataError

pytestmark = pytest.mark.usefixtures("one_thread")  # one torch thread (tests/conftest.py)

LIN_TEXTS = ["good movie", "bad movie", "good film", "bad film", "so good", "so bad"] * 5


# ----------------------------------------------------------------------------- one two-classes rule
def test_the_two_classes_rule_is_written_once():
    # before: tasks/base.py (ClassifierTask.check_trainable) and tasks/classify_linear.py (_two_classes) each wrote
    # the rule and its message; a change to one would leave the other behind
    from rnnkit.tasks import base, classify_linear, common

    assert base.check_two_classes is common.check_two_classes
    assert classify_linear.check_two_classes is common.check_two_classes
    with pytest.raises(DataError, match=r"^y: expected at least 2 classes, got \['p'\]$"):
        common.check_two_classes(iter(["p", "p"]), "y")          # an iterable is read once
    common.check_two_classes(["p", "n"])                          # two classes: no error


@pytest.mark.parametrize("kind", ["TfidfLogReg", "NbLogReg", "TextClassifier"])
def test_every_classifier_refuses_one_class_with_the_same_text(kind):
    from rnnkit.tasks import classify_linear
    from rnnkit.tasks.classification import TextClassifier
    from rnnkit.tasks.classify_config import TextClassifierConfig

    if kind == "TextClassifier":
        model = TextClassifier(TextClassifierConfig(epochs=1, embed_dim=4, hidden_size=4, progress=False))
    else:
        model = getattr(classify_linear, kind)(C=1.0)
    with pytest.raises(DataError, match=r"^labels: expected at least 2 classes, got \['p'\]$"):
        model.fit(LIN_TEXTS, ["p"] * len(LIN_TEXTS))


# ----------------------------------------------------------------------------- a text of megabytes
def _hostile_long_text(n_chars: int, seed: int = 0) -> str:
    """Words of many scripts and the characters that act across their neighbours (combining marks after a
    space, a Prepend character before one, final sigma, dotted I, Han runs, CRLF, ZWJ emoji), joined by
    assorted whitespace, up to ``n_chars`` characters."""
    import random

    rng = random.Random(seed)
    words = ["Good", "movie", "ΟΔΟΣ", "İstanbul", "東京タワー", "中文文本分类", "\u0301e", "e\u0301", "\u0600",
             "\u0915\u093f", "👩\u200d💻", "🇩🇪", "don't", "a.b", "ﬁne", "Straße", "x\u00ady", "<unk>", "1,5"]
    gaps = [" ", "  ", "\t", "\r\n", "\n", " \u0301", "\u3000", "\u00a0"]
    out, size = [], 0
    while size < n_chars:
        piece = rng.choice(words) + rng.choice(gaps)
        out.append(piece)
        size += len(piece)
    return "".join(out)


def _units_model(units: str):
    from rnnkit.data.subword import BPEVocab
    from rnnkit.tasks import classify_pretrained
    from rnnkit.tasks.classification import TextClassifier
    from rnnkit.tasks.classify_config import TextClassifierConfig

    clf = TextClassifier(TextClassifierConfig(progress=False))
    clf.units = units
    if units == "bpe":
        clf.bpe = BPEVocab.train(_hostile_long_text(3000, seed=1).lower(), 60)
    if units == "wordpiece":
        if not classify_pretrained.installed():
            pytest.skip("the pretrained WordPiece package is not installed")
        clf.wordpieces = classify_pretrained.WordPieces.from_package()
    return clf


@pytest.mark.parametrize("units", ["words", "chars", "segmented", "bpe", "wordpiece"])
def test_a_long_texts_first_tokens_read_from_a_prefix_are_its_first_tokens(units):
    # oracle: the same tokenizer on the whole text (the code before); exact for every unit of the project
    from rnnkit.data.heads import Head, head_chars, head_tokens

    clf = _units_model(units)
    texts = [_hostile_long_text(head_chars(5000) + 5000, seed) for seed in range(3)] + ["a short one"]
    whole = clf._unit_tokens(texts)
    for max_len in (1, 7, 200, 5000):
        heads = head_tokens(texts, clf._unit_tokens, max_len)
        for h, w in zip(heads[:3], whole[:3]):
            assert isinstance(h, Head) and max_len < len(h) < len(w) and h == w[:len(h)]
        assert heads[3] == whole[3] and not isinstance(heads[3], Head)


def test_a_long_text_without_a_cut_is_read_whole_and_a_short_one_as_before():
    from rnnkit.data.heads import Head, head_chars, head_tokens

    calls = []
    chars = lambda ts: (calls.append([len(t) for t in ts]), [list(t) for t in ts])[1]  # noqa: E731
    han = "中" * (head_chars(3) + 10)                      # no ASCII whitespace: no cut, whole
    out = head_tokens([han, "ab c"], chars, 3)
    assert out == [list(han), list("ab c")] and not isinstance(out[0], Head)
    calls.clear()
    assert head_tokens(["ab c", "d"], chars, 3) == [list("ab c"), ["d"]] and calls == [[4, 1]]   # one call, as before
    assert head_tokens([han + " x"], chars, None) == [list(han + " x")]                            # no limit: whole


def _tiny_classifier():
    from rnnkit.tasks.classification import TextClassifier
    from rnnkit.tasks.classify_config import TextClassifierConfig

    texts = ["good movie great fun", "bad movie awful plot", "great film good cast", "awful film bad acting"] * 6
    labels = ["pos", "neg"] * 12
    cfg = TextClassifierConfig(tokenizer="words", epochs=2, embed_dim=8, hidden_size=8, min_freq=1, max_len=50,
                               combine=False, embeddings="own", progress=False, val_fraction=0.0)
    return TextClassifier(cfg).fit(texts, labels, baselines=False)


def test_predict_does_not_tokenize_a_text_of_megabytes_whole(monkeypatch):
    # before: a one-line input of 11 MB was tokenized whole before max_len cut it (23 s, 1.9 GB; a 100 MB line
    # exhausted memory); now a prefix is, and the prediction and the warning are as before but for the count
    import warnings

    import numpy as np

    from rnnkit.tasks import classification

    clf = _tiny_classifier()
    long = "good movie awful " * 400_000                   # 6.8 MB, 1.2M words
    texts = [long, "great film", "bad plot"]
    seen = []
    real = classification.tokenize
    monkeypatch.setattr(classification, "tokenize", lambda t, *a: (seen.append(len(t)), real(t, *a))[1])
    with warnings.catch_warnings(record=True) as new_w:
        warnings.simplefilter("always")
        p_new = clf.predict_proba(texts)
    assert max(seen) < 100_000                             # a prefix, never the whole text
    assert clf.no_token_rows(texts) == [] and max(seen) < 100_000
    from rnnkit.data import heads

    monkeypatch.setattr(heads, "HEAD_CHARS", len(long) + 1)   # the oracle: every text tokenized whole
    with warnings.catch_warnings(record=True) as old_w:
        warnings.simplefilter("always")
        p_old = clf.predict_proba(texts)
    assert max(seen) == len(long)
    np.testing.assert_array_equal(p_new, p_old)            # bit-identical
    new_msg, old_msg = ([str(w.message) for w in ws] for ws in (new_w, old_w))
    assert old_msg == ["texts: truncated 1 of 3 to max_len=50 (longest was 1200000)"]
    assert len(new_msg) == 1 and new_msg[0].startswith("texts: truncated 1 of 3 to max_len=50 (longest was at least ")


def test_normal_texts_predict_bit_identically_through_the_head_path(monkeypatch):
    import numpy as np

    from rnnkit.data import heads

    clf = _tiny_classifier()
    texts = ["good movie", "awful bad plot " * 100, "great", "fun fun cast " * 80]    # 300 and 240 words
    with pytest.warns(UserWarning, match=r"^texts: truncated 2 of 4 to max_len=50 \(longest was 300\)$"):
        p = clf.predict_proba(texts)
    monkeypatch.setattr(heads, "HEAD_CHARS", 10)           # a text over 816 characters (16 * 51) is cut
    with pytest.warns(UserWarning, match=r"^texts: truncated 2 of 4 to max_len=50 \(longest was at least 1\d\d\)$"):
        np.testing.assert_array_equal(clf.predict_proba(texts), p)


def test_the_cli_warning_says_the_count_of_a_prefix_is_a_lower_bound(tmp_path, capsys):
    from rnnkit.cli.main import main

    clf = _tiny_classifier()
    clf.save(tmp_path / "run")
    (tmp_path / "in.txt").write_text("great film\n" + "good movie " * 40_000 + "\n", encoding="utf-8")
    with pytest.warns(UserWarning, match=r"were read up to it, lines \[2\] \(longest at least \d+\)$"):
        assert main(["classify", "predict", "--run", str(tmp_path / "run"), "--input", str(tmp_path / "in.txt")]) == 0
    assert capsys.readouterr().out.splitlines()[1].startswith("2\t")


# ----------------------------------------------------------------------------- what unseen_labels counts, per task
def test_translate_evaluate_notes_reference_words_outside_the_output_vocabulary_not_errors(tmp_path):
    # before: 'note: 6 gold item(s) carry labels unseen in training [...], scored as errors' -- for the dict-pointer
    # these are reference words a copy can write, and BLEU / chrF score no label as an error
    import subprocess
    import sys

    tsv = tmp_path / "pairs.tsv"
    tsv.write_text("".join(f"{i} {w}\t{w} {i}\n" for i, w in enumerate(["un", "deux", "trois", "quatre"] * 6)),
                   encoding="utf-8")
    (tmp_path / "test.tsv").write_text("7 Zürich\tZürich 7\nun katze\tkatze un\n", encoding="utf-8")  # '7': once

    small = ["--epochs", "1", "--embed-dim", "4", "--enc-hidden", "4", "--dec-hidden", "4", "--quiet",
             "--no-baseline"]
    env = {"OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore", **{k: v for k, v in __import__("os").environ.items()
                                                                   if k in ("PATH", "PYTHONPATH", "HOME")}}
    for model in ("dict-pointer", "char"):
        run = tmp_path / model
        cmd = [sys.executable, "-m", "rnnkit", "translate"]
        done = subprocess.run([*cmd, "train", "--tsv", str(tsv), "--model", model, *small, "--out", str(run)],
                              capture_output=True, text=True, env=env, timeout=300)
        assert done.returncode == 0, done.stderr
        done = subprocess.run([*cmd, "evaluate", "--run", str(run), "--tsv", str(tmp_path / "test.tsv"), "--json"],
                              capture_output=True, text=True, env=env, timeout=300)
        assert done.returncode == 0, done.stderr
        notes = [line for line in done.stderr.splitlines() if "note:" in line]
        if model == "dict-pointer":
            assert notes == ["rnnkit translate: note: 3 reference word(s) are outside the output vocabulary "
                             "['7', 'Zürich', 'katze']: only a copy of a source word can produce them"]
        else:
            assert notes == ["rnnkit translate: note: 6 reference character(s) never seen in training "
                             "['Z', 'c', 'h', 'k', 'z', 'ü']: the network cannot produce them"]


def test_the_other_tasks_say_what_their_unseen_count_is():
    from rnnkit.tasks.base import Task
    from rnnkit.tasks.classification import TextClassifier
    from rnnkit.tasks.generation.lm import CharLM
    from rnnkit.tasks.tagging import SequenceTagger

    for task in (TextClassifier, SequenceTagger):          # a gold label the model cannot predict: an error
        assert task.unseen_note == Task.unseen_note == \
            "{n} gold item(s) carry labels unseen in training {names}, scored as errors"
    assert CharLM.unseen_note.format(n=3, names=["ö"]) == \
        "3 character(s) of the text are ones training never saw ['ö']: read as <unk> and scored as it"


# ----------------------------------------------------------------------------- input checks name items lazily
def test_the_tagger_and_label_checks_make_no_message_for_valid_items(monkeypatch):
    # before: item_at built a name for every token and tag (three times each: 9.4M calls, 5.7 s at 1,000 x 1,000
    # tokens, helper P's profile) and check_tags a list of one name per tag, for errors that never came
    from rnnkit.tasks import common, tagging_inputs

    calls = []
    real = common.item_at
    counting = lambda *a: (calls.append(a), real(*a))[1]  # noqa: E731
    monkeypatch.setattr(common, "item_at", counting)
    monkeypatch.setattr(tagging_inputs, "item_at", counting)
    sents = [["Anna", "lebt", "in", "Berlin"]] * 50
    places = [f"f line {i}" for i in range(50)]
    s = tagging_inputs.check_sentences(sents, places=places)
    t = tagging_inputs.check_tags([["B-PER", "O", "O", "B-LOC"]] * 50, s, places=places)
    labels = common.check_labels(["pos", "neg", 1] * 50, places=[f"r{i}" for i in range(150)])
    assert (s, t, labels) == (sents, [["B-PER", "O", "O", "B-LOC"]] * 50, ["pos", "neg", "1"] * 50)
    assert calls == []


P2 = ["f line 1", "f line 5"]


@pytest.mark.parametrize("kind, value, msg", [
    ("s", [["ok"], ["a", None]], "sentences[1][1] (f line 5): expected non-empty string tokens, got None"),
    ("s", [["ok"], ["a", 3]], "sentences[1][1] (f line 5): expected non-empty string tokens, got 3"),
    ("s", [["ok"], ["a", "\u200b"]], "sentences[1][1] (f line 5): expected a token with something besides white "
                                     "space and invisible characters, got '\\u200b'"),
    ("s", [["ok"], ["a", " dog"]], "sentences[1][1] (f line 5): expected a token without white space around it (a "
                                   "CoNLL file's tokens are read stripped), got ' dog'; strip the tokens first"),
    ("s", [["ok"], ["a", "x\0\udce9"]], "sentences[1][1] (f line 5): expected text without NUL characters (U+0000), "
                                        "got one at character 1"),
    ("s", [["ok"], ["a", "x\udce9"]], "sentences[1][1] (f line 5): expected valid Unicode (UTF-8 encodable), got a "
                                      "lone surrogate '\\udce9' at character 1"),
    ("t", [["O"], ["O", "B PER"]], "tags[1][1] (f line 5): expected a tag without spaces, got 'B PER' (a CoNLL "
                                   "file's reader refuses it too)"),
    ("t", [["B-PER"], ["O", "B-PER "]], "tags: expected each label written one way, got 'B-PER' (tags[0][0] (f line "
                                        "1)) and 'B-PER ' (tags[1][1] (f line 5)), which differ only by spaces"),
    ("t", [["O"], ["O", "x\0"]], "tags[1][1] (f line 5): expected text without NUL characters (U+0000), got one at "
                                 "character 1"),
    ("t", [["O"], ["O", "x\udce9"]], "tags[1][1] (f line 5): expected valid Unicode (UTF-8 encodable), got a lone "
                                     "surrogate '\\udce9' at character 1"),
    ("l", ["pos", "neg\0"], "y[1] (r2): expected text without NUL characters (U+0000), got one at character 3"),
    ("l", ["pos", "n\udce9"], "y[1] (r2): expected valid Unicode (UTF-8 encodable), got a lone surrogate '\\udce9' "
                              "at character 1"),
])
def test_the_lazy_names_leave_every_message_as_it_was(kind, value, msg):
    # oracle: the messages of the code before this change (its checks run on these inputs), word for word
    import re

    from rnnkit.tasks.common import check_labels
    from rnnkit.tasks.tagging_inputs import check_sentences, check_tags

    with pytest.raises(DataError, match="^" + re.escape(msg)):
        if kind == "s":
            check_sentences(value, places=P2)
        elif kind == "t":
            check_tags(value, [["a"] * len(x) for x in value], places=P2)
        else:
            check_labels(value, "y", places=["r1", "r2"])


@pytest.mark.parametrize("model", ["dict-pointer", "char"])
def test_translate_reads_a_source_of_megabytes_from_a_prefix_with_the_same_result(model, monkeypatch):
    # before: the source was tokenized whole (words or characters) before max_len cut it
    from rnnkit.data import heads
    from rnnkit.tasks import seq2seq, seq2seq_words
    from rnnkit.tasks.seq2seq import Seq2SeqConfig, Translator

    pairs = [(f"{i} {w}", f"{w} {i}") for i, w in enumerate(["un", "deux", "trois", "quatre"] * 6)]
    tr = Translator(Seq2SeqConfig(model=model, epochs=1, embed_dim=4, enc_hidden=4, dec_hidden=4, max_len=12,
                                  progress=False)).fit([p[0] for p in pairs], [p[1] for p in pairs], baselines=False)
    sources = ["1 un deux " * 30_000, "3 trois"]                    # 300,000 characters, 90,000 words
    seen = []
    for mod in (seq2seq, seq2seq_words):
        real = mod.tokenize
        monkeypatch.setattr(mod, "tokenize", lambda t, *a, _r=real: (seen.append(len(t)), _r(t, *a))[1])
    with pytest.warns(UserWarning, match=r"sources: truncated 1 of 2 to max_len=12 \(longest was at least \d+\)"):
        new = tr.predict(sources)
    assert seen and max(seen) < 100_000
    monkeypatch.setattr(heads, "HEAD_CHARS", 10**6)                 # the oracle: every source tokenized whole
    with pytest.warns(UserWarning, match=r"sources: truncated 1 of 2 to max_len=12 \(longest was \d+\)"):
        assert tr.predict(sources) == new
    assert max(seen) == len(sources[0])
