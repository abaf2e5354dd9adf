"""Session 29, helper M: an exported classifier's description gives the labels in the type fit was given (session
28's leftover: a run of int labels exported ``classes`` ['1', '0'] alone, where ``predict`` gives [1, 0] since session
28 K). ``classes`` stays the classes' text (what the CLI and the service print); ``labels`` are the same classes as
JSON values of ``label_type``, so ``labels[argmax(probabilities)]`` of the runtime is what ``predict`` gives."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

import rnnkit
from rnnkit.export.api import load_runner
from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig
from toy_data import CLASSIFY_FAST

pytest.importorskip("onnxruntime")
pytestmark = pytest.mark.usefixtures("one_thread")   # one torch thread (tests/conftest.py)

TEXTS = ["good fine day", "bad awful day", "great fine film", "awful bad film"] * 6


def _fit(labels):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return TextClassifier(TextClassifierConfig(**{**CLASSIFY_FAST, "min_freq": 1, "embeddings": "own", "epochs": 1})).fit(
            TEXTS, labels, baselines=False)


@pytest.mark.parametrize("labels, kind, where", [([1, 0, 1, 0] * 6, "int", ("run",)),
                                                 (np.array([True, False] * 12), "numpy.bool", ("run",)),
                                                 ([2.5, -1.0, 2.5, -1.0] * 6, "float", ("fitted",)),
                                                 (["pos", "neg"] * 12, None, ("run",))])
def test_the_description_gives_the_labels_in_their_type_and_the_runtime_argmax_predicts_them(tmp_path, labels, kind,
                                                                                              where):
    clf = _fit(labels)
    clf.save(tmp_path / "run")
    for name in where:
        res = rnnkit.export(clf if name == "fitted" else tmp_path / "run", tmp_path / f"{name}.onnx", check=False)
        side = json.loads((tmp_path / f"{name}.onnx.json").read_text())["meta"]
        assert side["classes"] == clf.labels.tokens                 # the text, as before
        assert side["label_type"] == kind and res.meta["label_type"] == kind
        assert side["labels"] == clf.classes_.tolist()
        assert [type(v) for v in side["labels"]] == [type(v) for v in clf.classes_.tolist()]
        run = load_runner(tmp_path / f"{name}.onnx", "onnx")
        ids, lengths = _feed(clf, TEXTS[:4])
        probs = run(ids, lengths)[1]
        assert [side["labels"][i] for i in probs.argmax(1)] == [plain(v) for v in clf.predict(TEXTS[:4])]


def plain(v):
    return v.item() if isinstance(v, np.generic) else v


def _feed(clf, texts):
    import torch

    enc = [clf.vocab.encode(t.split()) for t in texts]
    ids = torch.zeros(len(enc), max(map(len, enc)), dtype=torch.long)
    for i, e in enumerate(enc):
        ids[i, :len(e)] = torch.tensor(e)
    return ids, torch.tensor([len(e) for e in enc])
