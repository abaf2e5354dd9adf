"""Classify's by-parts reading leaves the model's config alone (session 28, helper W2's review of da75cb5/53f931b).

network_proba (evaluate by parts) and the predict checks' reading (_read_all) replaced ``model.config`` by an
``on_long="truncate"`` copy while they read the texts, to count every long text before refusing them: another
thread predicting with the same model meanwhile read the copy -- with ``on_long="error"`` its long texts were cut
with a warning instead of refused. The long texts are now counted by ``truncations(count_long=True)`` (this
thread's context), the config untouched.

Oracle: what another thread reads is ``model.config`` itself during the call (the spy below reads it at each
encoding), and the refusal is the one-call DataError (same count, first index, longest).
"""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
import torch

from rnnkit.data.batching import limit_length, truncations
from rnnkit.errors import DataError
from rnnkit.tasks import classify_unknown
from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

torch.set_num_threads(1)
WORDS = ["good", "bad", "fine", "poor", "movie", "plot", "the", "was", "so", "lovely", "dull"]


def _data(n: int, seed: int, most: int) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    texts = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, most))) for _ in range(n)]
    return texts, ["pos" if ("good" in t or "lovely" in t) else "neg" for t in texts]


@pytest.fixture(scope="module")
def clf():
    X, Y = _data(80, 0, 6)
    cfg = TextClassifierConfig(min_freq=1, embed_dim=4, hidden_size=4, epochs=1, val_fraction=0.0, progress=False,
                               combine=False, seed=0)
    return TextClassifier(cfg).fit(X, Y, baselines=False)


@pytest.fixture()
def strict(clf, monkeypatch):
    """``clf`` with max_len=4 and on_long='error', parts of 7 texts, and the configs seen at each encoding."""
    config = clf.config
    clf.config = replace(config, max_len=4, on_long="error")
    monkeypatch.setattr(classify_unknown, "CHUNK", 7)
    seen, encode = [], type(clf)._encode

    def spy(self, texts, place=None):
        seen.append(self.config)
        return encode(self, texts, place)

    monkeypatch.setattr(type(clf), "_encode", spy)
    yield clf, seen
    clf.config = config


def test_evaluate_by_parts_leaves_on_long_error_in_the_config(strict):
    """Fails at HEAD before this commit: every encoding saw on_long='truncate' (a replaced config)."""
    model, seen = strict
    config = model.config
    X, Y = _data(60, 7, 9)
    with pytest.raises(DataError, match=r"texts: expected at most max_len=4 tokens, got \d+ longer") as parts:
        model.evaluate(X, Y)
    assert seen and all(c is config for c in seen)
    assert model.config is config


def test_predict_reading_leaves_the_config_as_given(strict):
    """predict's checks read the texts by parts too (_read_all): the config seen is the model's own, for 'error'
    and for 'truncate' (an equal copy was swapped in). Fails before this commit."""
    model, seen = strict
    X, _ = _data(30, 8, 9)
    for on_long in ("error", "truncate"):
        model.config = config = replace(model.config, on_long=on_long)
        seen.clear()
        try:
            model.predict(X)
        except DataError as e:
            assert on_long == "error" and "expected at most max_len=4 tokens" in str(e)
        assert seen and all(c is config for c in seen), on_long


def test_by_parts_refusal_is_one_calls(strict, monkeypatch):
    """A guard: the refusal by parts names the count, first index and longest of one call on all the texts."""
    model, _ = strict
    X, Y = _data(60, 7, 9)
    with pytest.raises(DataError) as parts:
        model.evaluate(X, Y)
    monkeypatch.setattr(classify_unknown, "CHUNK", 10 ** 6)
    with pytest.raises(DataError) as whole:
        model.evaluate(X, Y)
    assert str(parts.value) == str(whole.value)


def test_count_long_collects_instead_of_refusing_and_nests():
    """truncations(count_long=True) collects an 'error' item; an inner plain truncations() keeps counting; outside
    any block 'error' refuses as before."""
    with truncations(count_long=True) as cut:
        assert limit_length([[1, 2, 3], [4]], 2, "error") == [[1, 2], [4]]
        with truncations() as inner:
            limit_length([[1, 2, 3]], 2, "error")
    assert cut == {0: 3} and inner == {0: 3}
    with pytest.raises(DataError, match="expected at most max_len=2"):
        with truncations():
            limit_length([[1, 2, 3]], 2, "error")
