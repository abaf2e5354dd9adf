"""Session 15, helper Q: the text and sequence tasks as a user with their own data runs them.

Each test fails on the code before its fix (PYTHONPATH=<old tree>/src)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from rnnkit.errors import CheckpointError, DataError

TEXTS = ["good fine nice", "bad awful", "nice good", "awful bad bad", "fine good"] * 6
LABELS = ["pos", "neg", "pos", "neg", "pos"] * 6       # shares: neg 0.4, pos 0.6


def _classifier(**kw):
    from rnnkit.tasks.classification import TextClassifier
    from rnnkit.tasks.classify_config import TextClassifierConfig

    cfg = dict(min_freq=1, embed_dim=4, hidden_size=4, epochs=1, batch_size=8, val_fraction=0.0, progress=False,
               embeddings="own", combine=False)
    return TextClassifier(TextClassifierConfig(**{**cfg, **kw}))


@pytest.fixture(scope="module")
def fitted():
    return _classifier().fit(TEXTS, LABELS, baselines=False)


def test_classify_predict_gives_a_text_with_no_token_the_training_class_shares(fitted, tmp_path):
    # one text of zero-width spaces (no word token) failed the whole batch: 'texts[1]: expected at least one token'
    texts = ["good nice", "\u200b\u200b", "bad", "\ufeff"]
    with pytest.warns(UserWarning, match=r"texts: 2 of 4 have no token \(words units\): texts\[1\] '\\u200b\\u200b', "
                                         r"texts\[3\] '\\ufeff'; predicted the class shares of the training labels"):
        p = fitted.predict_proba(texts)
    assert p.shape == (4, 2)
    shares = {c: LABELS.count(c) / len(LABELS) for c in fitted.classes}
    np.testing.assert_allclose(p[[1, 3]], [[shares[c] for c in fitted.classes]] * 2, rtol=1e-6)
    np.testing.assert_allclose(p[[0, 2]], fitted.predict_proba(["good nice", "bad"]), rtol=1e-6)  # the rest as alone
    with pytest.warns(UserWarning, match="no token"):
        assert fitted.predict(texts)[1] == max(shares, key=shares.get) == "pos"
    fitted.save(tmp_path / "run")
    from rnnkit.tasks.classification import TextClassifier

    with pytest.warns(UserWarning, match="no token"):
        np.testing.assert_allclose(TextClassifier.load(tmp_path / "run").predict_proba(texts), p, rtol=1e-6)
    with pytest.warns(UserWarning, match="no token"):          # evaluate scores every row, the shares' class too
        m = fitted.evaluate(texts, ["pos", "pos", "neg", "neg"])
    assert sum(map(sum, m["confusion_matrix"])) == 4


def test_classify_a_run_saved_without_class_shares_predicts_equal_probabilities(fitted):
    saved, fitted.prior = fitted.prior, None          # what a run saved before session 15 holds
    try:
        with pytest.warns(UserWarning, match=r"\(equal: a run saved before session 15 has none\)"):
            p = fitted.predict_proba(["\u200b", "good"])
    finally:
        fitted.prior = saved
    np.testing.assert_allclose(p[0], [0.5, 0.5])


def test_classify_saved_class_shares_are_checked_on_load(fitted, tmp_path):
    from rnnkit._io import write_digests
    from rnnkit.tasks.classification import TextClassifier

    fitted.save(tmp_path)
    meta = json.loads((tmp_path / "config.json").read_text())
    meta["state"]["prior"] = [0.5, float("nan")]
    (tmp_path / "config.json").write_text(json.dumps(meta))
    write_digests(tmp_path, sorted(json.loads((tmp_path / "digests.json").read_text())["sha256"]))
    with pytest.raises(CheckpointError, match=r"config.json: expected 'prior' in 'state': one share >= 0 per class"):
        TextClassifier.load(tmp_path)


@pytest.mark.parametrize("val", [0.0, 0.2])
def test_classify_fit_names_a_text_with_no_token_by_its_position_in_the_data_given(val):
    # with a validation split the training part is renumbered: the error named texts[i] of that part (another
    # text), and a validation text with no token failed later as a prediction
    texts, labels = list(TEXTS), list(LABELS)
    for k in (7, 21):
        texts[k] = "\u200b"
        with pytest.raises(DataError, match=rf"^texts\[{k}\]: expected a text with at least one token \(the words "
                                            r"units\), got none from '\\u200b'$"):
            _classifier(val_fraction=val).fit(texts, labels, baselines=False)
        texts[k] = TEXTS[k]


@pytest.mark.parametrize("token", [" dog", "dog ", "dog\n", "\u3000dog", "dog\u00a0"])
def test_tagger_refuses_a_token_with_white_space_around_it(token):
    # a CoNLL file's tokens are read stripped; through the API ' dog' was a word unseen in training, silently
    from rnnkit.tasks.tagging import MostFrequentTag, _check_sentences

    with pytest.raises(DataError, match=r"^sentences\[1\]\[2\]: expected a token without white space around it "
                                        r"\(a CoNLL file's tokens are read stripped\), got .*; strip the tokens first$"):
        _check_sentences([["a", "cat"], ["the", "big", token]])
    assert _check_sentences([["New York", "é"]]) == [["New York", "é"]]    # a space inside a token is the user's
    with pytest.raises(DataError, match="without white space around it"):
        MostFrequentTag().fit([["the", token]], [["O", "O"]])


def test_tagger_iob1_warning_names_the_sentence_in_the_data_given():
    # the warning named tags[i] of the training part left by the random validation split: another sentence
    from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig

    sents = [["John", "ran"], ["Mary", "sat", "down"], ["the", "Paris", "crowd"]] * 4
    tags = [["B-PER", "O"], ["B-PER", "O", "O"], ["O", "B-LOC", "O"]] * 4
    tags[5] = ["O", "I-LOC", "O"]                       # the only I- opening, the first one, sentence 5
    tags[2] = tags[8] = tags[11] = ["O", "I-LOC", "O"]  # more I-LOC openings than B-LOC tags: IOB1 for LOC
    cfg = TaggerConfig(word_dim=4, char_dim=2, char_hidden=0, hidden_size=4, epochs=1, batch_size=4,
                       val_fraction=0.25, progress=False)
    tagger = SequenceTagger(cfg)
    with pytest.warns(UserWarning, match=r"e\.g\. tags\[(\d+)\]\[1\] 'I-LOC'") as rec:
        tagger.fit(sents, tags, baselines=False)
    named = int(next(w for w in rec if "IOB1" in str(w.message)).message.args[0].split("tags[")[1].split("]")[0])
    assert tags[named][1] == "I-LOC"
    held = set(tagger.split["validation"]["indices"])
    first = min(i for i in range(len(tags)) if i not in held and tags[i][1] == "I-LOC")
    assert named == first


def test_generate_scores_say_how_many_streams_they_were_scored_in(tmp_path, capsys):
    # train reported the held-out bits/char scored in 16 streams and evaluate (1 stream, exact) another figure for
    # the same text, neither saying which: 2.763 and 2.759 on Hamlet's last tenth
    from rnnkit.cli.main import main

    (tmp_path / "t.txt").write_text("to be or not to be, that is the question. " * 60)
    run = str(tmp_path / "lm")
    small = ["--hidden-size", "8", "--embed-dim", "4", "--batch-size", "4", "--bptt", "10", "--rounds", "2",
             "--chunks-per-round", "2", "--quiet", "--json"]
    assert main(["generate", "train", "--text", str(tmp_path / "t.txt"), "--out", run, *small]) == 0
    trained = json.loads(capsys.readouterr().out)["metrics"]
    assert trained["streams"] == 16
    assert main(["generate", "evaluate", "--run", run, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["metrics"]["streams"] == 1
    assert main(["generate", "evaluate", "--run", run, "--streams", "16", "--json"]) == 0
    again = json.loads(capsys.readouterr().out)["metrics"]
    assert again["bits_per_char"] == pytest.approx(trained["bits_per_char"], rel=1e-9)


def test_tsc_refuses_sktimes_channels_first_array_it_read_as_one_step_series():
    # sktime's and aeon's numpy3D is (N, C, T): GunPoint's (50, 1, 150) was fitted as 50 series of ONE step with
    # 150 channels, silently (the network and 1-NN alike)
    sktime = pytest.importorskip("sktime.datasets")
    from rnnkit.tasks.tsc import OneNNEuclidean, TimeSeriesClassifier, TSCConfig

    X, y = sktime.load_gunpoint(split="train", return_type="numpy3D")
    assert X.shape == (50, 1, 150)
    msg = r"^X: expected series of several steps, got every series a single step of 150 channels; .*X\.transpose\(0, 2, 1\)"
    with pytest.raises(DataError, match=msg):
        TimeSeriesClassifier(TSCConfig(epochs=1, model="rnn", hidden_size=4, progress=False)).fit(X, y)
    with pytest.raises(DataError, match=msg):
        OneNNEuclidean().fit(X, y)
    fixed = OneNNEuclidean().fit(X.transpose(0, 2, 1), y)             # the fix the message gives
    assert fixed.predict(X.transpose(0, 2, 1)[:5]) == list(y[:5])


def test_tsc_warns_when_every_series_has_more_channels_than_steps_and_names_a_transposed_list():
    sktime = pytest.importorskip("sktime.datasets")
    from rnnkit.tasks.tsc import check_series

    X, _ = sktime.load_basic_motions(split="train", return_type="numpy3D")      # (40, 6, 100): 6 channels, 100 steps
    with pytest.warns(UserWarning, match=r"X: every series has fewer steps than channels \(the first 6 x 100\)"):
        check_series(X)
    rng = np.random.default_rng(0)       # aeon's unequal lengths: a list of (C, T_i) series
    with pytest.raises(DataError, match=r"X\[1\]: expected 7 channels, got 9 \(a series is \(T, C\), steps x channels"):
        check_series([rng.normal(size=(12, 7)), rng.normal(size=(12, 9))])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_series(X.transpose(0, 2, 1))[0].shape == (100, 6)


def test_tsc_cli_refuses_a_wide_csv_read_as_one_step_series(tmp_path, capsys):
    # a wide file (a row per series, a column per step) given to --csv trained on 150-channel one-step series
    sktime = pytest.importorskip("sktime.datasets")
    from rnnkit.cli.main import main

    X, y = sktime.load_gunpoint(split="train", return_type="numpy3D")
    rows = ["id,time,label," + ",".join(f"t{j}" for j in range(X.shape[2]))]
    rows += [f"s{i},0,{y[i]}," + ",".join(f"{v:.6f}" for v in X[i, 0]) for i in range(12)]
    (tmp_path / "wide.csv").write_text("\n".join(rows) + "\n")
    assert main(["tsc", "train", "--csv", str(tmp_path / "wide.csv"), "--out", str(tmp_path / "run"),
                 "--epochs", "1", "--model", "rnn", "--hidden-size", "4", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "expected series of several steps, got every series a single step of 150 channels; --csv is long" in err
    assert "df.melt(" in err and err.count("\n") == 1


def test_tagging_metrics_score_iobes_entities_as_seqeval_does():
    # IOBES (BIOES) gold tags got token accuracy alone: no entity precision/recall/F1, and a tagger trained on them
    # early-stopped on token accuracy (dominated by O); seqeval's default mode scores them
    from rnnkit.tasks.common import bio_spans
    from rnnkit.tasks.tagging import tagging_metrics

    gold = [["B-PER", "E-PER", "O", "S-LOC"], ["S-ORG", "O"]]
    pred = [["B-PER", "E-PER", "O", "O"], ["S-ORG", "S-LOC"]]
    m = tagging_metrics(gold, pred, known=["O", "B-PER", "E-PER", "S-LOC", "S-ORG"])
    assert (m["entity_precision"], m["entity_recall"]) == (2 / 3, 2 / 3)      # PER and ORG found, LOC missed / wrong
    assert m["entity_f1"] == pytest.approx(2 / 3)
    assert bio_spans(["B-PER", "I-PER", "E-PER", "S-PER", "I-PER", "E-PER"]) == {("PER", 0, 3), ("PER", 3, 4), ("PER", 4, 6)}
    assert bio_spans(["B-PER", "I-PER", "O", "I-LOC", "B-LOC"]) == {("PER", 0, 2), ("LOC", 3, 4), ("LOC", 4, 5)}   # BIO as before


def test_bio_spans_equal_seqeval_default_mode_on_random_bio_and_iobes_sequences():
    seqeval = pytest.importorskip("seqeval.metrics.sequence_labeling")
    import random

    from rnnkit.tasks.common import bio_spans

    rng = random.Random(0)
    for alphabet in (["O", "B-A", "I-A", "B-B", "I-B"], ["O", "B-A", "I-A", "E-A", "S-A", "B-B", "I-B", "E-B", "S-B"]):
        for _ in range(3000):
            seq = [rng.choice(alphabet) for _ in range(rng.randint(1, 8))]
            assert bio_spans(seq) == {(t, a, b + 1) for t, a, b in seqeval.get_entities(seq)}, seq


def test_tagger_names_the_token_pandas_read_as_a_missing_value():
    # a word 'null' / 'NA' in a (sentence, word, tag) CSV is NaN to pandas: the error named the sentence only
    import io

    import pandas as pd

    from rnnkit.tasks.tagging import _check_sentences

    df = pd.read_csv(io.StringIO("sentence,word,tag\n1,the,O\n1,cat,O\n2,returns,O\n2,a,O\n2,null,O\n2,value,O\n"))
    sents = df.groupby("sentence")["word"].apply(list).tolist()
    with pytest.raises(DataError, match=r"^sentences\[1\]\[2\]: expected non-empty string tokens, got nan \(pandas "
                                        r"reads the words 'NA', 'None', 'null', 'nan' as missing unless keep_default_na"):
        _check_sentences(sents)
    from rnnkit.tasks.common import check_labels

    labels = pd.read_csv(io.StringIO("text,label\na,joy\nb,None\n"))["label"]     # a class called None
    with pytest.raises(DataError, match=r"labels\[1\]: expected a label, got a missing value \(nan\) \(pandas reads"):
        check_labels(labels)


def test_classify_warns_when_the_validation_split_takes_every_text_of_a_class():
    # the network never trained on the class (classes ['pos', 'neg']) while the baselines knew it: no word said
    # so (tsc warned since session 9)
    from rnnkit.tasks.base import split_indices

    texts, labels = list(TEXTS), list(LABELS)
    k = int(split_indices(len(texts), 0.2, 0)[1][0])          # the first text the seeded split holds out
    texts[k], labels[k] = "rare thing", "rare"
    with pytest.warns(UserWarning, match=r"classify: the validation split holds every training text of 1 class\(es\) "
                                         r"\['rare'\]: the network never trains on them"):
        clf = _classifier(val_fraction=0.2).fit(texts, labels)
    assert "rare" not in clf.classes and clf.history["classes_not_trained"] == ["rare"]
    assert "rare" in clf.baselines["tfidf_logreg"].classes


def test_tagger_warns_when_the_validation_split_takes_every_sentence_with_a_tag():
    from rnnkit.tasks.base import split_indices
    from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig

    sents = [["John", "ran"], ["Mary", "sat", "down"], ["the", "Paris", "crowd"]] * 4
    tags = [["B-PER", "O"], ["B-PER", "O", "O"], ["O", "B-LOC", "O"]] * 4
    k = int(split_indices(len(sents), 0.25, 0)[1][0])
    tags[k] = ["B-EVT"] + tags[k][1:]
    cfg = TaggerConfig(word_dim=4, char_dim=2, char_hidden=0, hidden_size=4, epochs=1, batch_size=4,
                       val_fraction=0.25, progress=False)
    with pytest.warns(UserWarning, match=r"tag: the validation split holds every training sentence with 1 tag\(s\) "
                                         r"\['B-EVT'\]: the network never trains on them"):
        tagger = SequenceTagger(cfg).fit(sents, tags)
    assert "B-EVT" not in tagger.tags.tokens and tagger.history["classes_not_trained"] == ["B-EVT"]
