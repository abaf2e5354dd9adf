"""Full-width forms under the pretrained wordpieces (helper F's service fuzz, session 28): the wordpiece tokenizer
reads 'ｇｏｏｄ' as one '[UNK]' -- a token the vocabulary holds -- so the width check (which looks for an unknown
token whose folded form is known) never saw it: neither /predict's "width_forms" nor classify predict's warning named
the text. A text whose folded form has fewer unknown pieces is named now; own-vocabulary runs as before."""
import warnings

import pytest

from rnnkit import TextClassifier, TextClassifierConfig
from rnnkit.tasks.classify_unknown import width_form_rows

TEXTS = ["good nice great film", "bad awful poor film", "nice good fine movie", "poor bad terrible movie"] * 9
LABELS = ["pos", "neg", "pos", "neg"] * 9
PROBE = ["ｇｏｏｄ ｎｉｃｅ", "good nice", "ｇｏｏｄ，", "，", "ｘｑｚｗ"]


@pytest.fixture(scope="module", params=["minilm", "own"])   # minilm: "auto" until session 31 (the training's pieces;
# the contextual states' vocabulary is the tokenizer's whole: tests/test_classify_default_s31_A.py)
def model(request):
    cfg = TextClassifierConfig(epochs=1, combine=False, embed_dim=8, hidden_size=8, progress=False, min_freq=1,
                               embeddings=request.param)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return TextClassifier(cfg).fit(TEXTS, LABELS, baselines=False)


def test_full_width_words_training_knew_are_named_whatever_the_units(model):
    # 'ｘｑｚｗ' folds to a word no unit knows either way: not named (the fold would not help)
    assert width_form_rows(model, PROBE) == [0, 2], (model.units, model._tokens(PROBE))


def test_the_wordpiece_run_is_the_case_that_was_missed(model):
    if model.units != "wordpiece":
        pytest.skip("own vocabulary: named before session 28 too")
    assert "[UNK]" in model._tokens(PROBE[:1])[0]
