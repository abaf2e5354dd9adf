"""Session 29, helper M: the warnings of a text classifier point at the user's call (session 28's leftover).

The truncation warning of a fit, a predict or an evaluate named rnnkit's ``classification.py`` or torch's ``no_grad``
wrapper (``_contextlib.py``), and with more than 4,096 texts (evaluate and predict by parts) ``classify_unknown.py``;
the no-token warning named ``label_values.py`` (predict) or ``base.py`` (evaluate). A
``warnings.filterwarnings(module=...)`` keyed on the user's module, or the printed file:line, did not find the user.
"""

from __future__ import annotations

import warnings

import pytest

from rnnkit.data.batching import TruncationWarning, limit_length
from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig
from rnnkit.tasks.classify_unknown import CHUNK
from toy_data import CLASSIFY_FAST

TEXTS = ["good day fine " * 5, "bad awful day " * 5] * 10
LABELS = ["pos", "neg"] * 10


def _places(call):
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        call()
    return [(w.category.__name__, w.filename, str(w.message)[:50]) for w in got
            if issubclass(w.category, (TruncationWarning, UserWarning))]


@pytest.fixture(scope="module")
def model():
    cfg = TextClassifierConfig(**{**CLASSIFY_FAST, "max_len": 5, "epochs": 1, "min_freq": 1, "embeddings": "own"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return TextClassifier(cfg).fit(TEXTS, LABELS, baselines=False)


def test_fit_truncation_warning_names_the_callers_line():
    cfg = TextClassifierConfig(**{**CLASSIFY_FAST, "max_len": 5, "epochs": 1, "min_freq": 1, "embeddings": "own"})
    got = _places(lambda: TextClassifier(cfg).fit(TEXTS, LABELS, baselines=False))
    assert any(k == "TruncationWarning" for k, _, _ in got), got
    assert all(f == __file__ for _, f, _ in got), got


@pytest.mark.parametrize("n", [100, CHUNK + 4])       # one call; by parts
@pytest.mark.parametrize("how", ["predict", "predict_proba", "evaluate"])
def test_predict_and_evaluate_warnings_name_the_callers_line(model, n, how):
    texts = (["good day fine " * 5, "\u200b"] * n)[:n]      # a long text; a text with no token
    call = (lambda: model.evaluate(texts, ["pos"] * n)) if how == "evaluate" else lambda: getattr(model, how)(texts)
    got = _places(call)
    assert {k for k, _, _ in got} == {"TruncationWarning", "UserWarning"}, got
    assert all(f == __file__ for _, f, _ in got), got


def test_module_filter_on_the_users_module_catches_the_cut(model):
    texts = ["good day fine " * 5] * (CHUNK + 1)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.filterwarnings("error", category=TruncationWarning, module=__name__)
        with pytest.raises(TruncationWarning, match="truncated 4097 of 4097"):
            model.evaluate(texts, ["pos"] * len(texts))


def test_limit_length_called_directly_still_names_its_caller():
    got = _places(lambda: limit_length([[1, 2, 3]], 2))
    assert got and got[0][1] == __file__
