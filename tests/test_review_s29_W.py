"""Helper W, session 29 (hostile review of 01ad9e4): a classifier's ``classes_`` -- and so an export's ``labels`` --
keep Python int labels that numpy holds in no int type together. ``np.asarray([3, 2**63 + 5])`` is float64: classes_
was [3.0, 9.223372036854776e+18] (2**63 + 5 and 2**63 + 6 one value), so ``classes_[proba.argmax(1)]`` was not what
predict gives (9223372036854775813), and the exported description said label_type 'int' with float labels."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

import rnnkit
from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig
from toy_data import CLASSIFY_FAST

pytestmark = pytest.mark.usefixtures("one_thread")   # one torch thread (tests/conftest.py)

TEXTS = ["good fine day", "bad awful day", "great fine film", "awful bad film", "fine okay day", "so so film"] * 4
BIG = 2 ** 63 + 5


def _fit(labels):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return TextClassifier(TextClassifierConfig(**{**CLASSIFY_FAST, "min_freq": 1, "embeddings": "own",
                                                      "epochs": 1})).fit(TEXTS, labels, baselines=False)


@pytest.fixture(scope="module")
def fitted():
    return _fit([3, BIG, BIG + 1] * 8)


def test_classes_of_ints_past_int64_are_the_ints_predict_gives(fitted):
    got = fitted.classes_
    assert sorted(got.tolist()) == [3, BIG, BIG + 1] and {type(v) for v in got.tolist()} == {int}
    assert [got[i] for i in fitted.predict_proba(TEXTS[:6]).argmax(1)] == fitted.predict(TEXTS[:6])


def test_the_export_description_gives_them_as_json_ints(fitted, tmp_path):
    pytest.importorskip("onnxruntime")
    fitted.save(tmp_path / "run")
    rnnkit.export(tmp_path / "run", tmp_path / "m.onnx", check=False)
    side = json.loads((tmp_path / "m.onnx.json").read_text())["meta"]
    assert side["label_type"] == "int" and sorted(side["labels"]) == [3, BIG, BIG + 1]
    assert side["labels"] == [int(c) for c in side["classes"]]


def test_ints_numpy_holds_stay_a_numpy_int_array():
    assert _fit([1, 0, 2] * 8).classes_.dtype.kind == "i"
