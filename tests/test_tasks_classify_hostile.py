"""The classify default on hostile texts of its corpora's kinds (session 8 check): emoji-only tweets, mixed
scripts, a text far longer than max_len, a validation split holding one class.

Oracles: the same texts cut by hand (a long text = its first max_len tokens), the members' own validation
accuracies (the combination is never below the best of them), labels carried by the emoji alone (separable
only if emoji are tokens, not <unk>)."""

from __future__ import annotations

import numpy as np
import pytest

from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig
from test_tasks_classification import FAST

pytestmark = pytest.mark.usefixtures("one_thread_module")

ZH = ["这个手机很好用我很喜欢", "质量太差了不推荐购买", "物流很快包装完好", "完全不能用退货了"] * 6
ZL = ["pos", "neg", "pos", "neg"] * 6


def test_emoji_only_texts_are_tokens_the_classifier_learns():
    texts = ["😀😀", "😡", "😀 🎉", "😡😡 💢"] * 8
    labels = ["happy", "angry", "happy", "angry"] * 8
    clf = TextClassifier(TextClassifierConfig(**{**FAST, "epochs": 6})).fit(texts, labels)
    assert {"😀", "😡"} <= set(clf.vocab.tokens)                 # not <unk>: the labels are learnable
    assert clf.predict(["😀", "😡😡", "🎉😀"]) == ["happy", "angry", "happy"]


def test_mixed_scripts_predict_one_label_each():
    clf = TextClassifier(TextClassifierConfig(**FAST)).fit(ZH, ZL)
    probs = clf.predict_proba(["I love 北京 😀 مرحبا Привет", "東京タワー 좋아요", "e\u0301\u0301 \u202eevil"])
    assert probs.shape == (3, 2) and np.all(np.isfinite(probs)) and np.allclose(probs.sum(1), 1, atol=1e-5)


def test_a_text_far_longer_than_max_len_is_its_first_max_len_tokens_to_the_network():
    clf = TextClassifier(TextClassifierConfig(**{**FAST, "combine": False, "max_len": 30, "embeddings": "own"}))
    clf.fit(ZH, ZL)             # own: characters, one token each (auto reads e5 pieces since session 32)
    long = "".join(ZH) * 400                                  # ~40,000 characters (chars: one token each)
    assert clf.units == "chars"
    with pytest.warns(UserWarning, match="max_len=30"):
        p = clf.predict_proba([long])
    np.testing.assert_allclose(p, clf.predict_proba([long[:30]]), atol=1e-6)


def test_a_validation_split_with_one_class_still_gives_a_combination_no_worse_than_its_members():
    texts = ZH + ["质量太差了不推荐购买"] * 4
    labels = ["pos"] * len(ZH) + ["neg"] * 4
    clf = TextClassifier(TextClassifierConfig(**{**FAST, "val_fraction": 0.1, "epochs": 2}))
    clf.fit(texts, labels, ZH[:4:2], ["pos", "pos"])           # the given validation texts: one class
    acc = clf.history["mix"]["val_accuracy"]
    assert acc["combination"] >= max(v for k, v in acc.items() if k != "combination")
    assert set(clf.predict(ZH[:4])) <= {"pos", "neg"}
