"""Helper W's second review of session 19's changes (the numpy-scalar rule, long-text prefixes, forecasting)."""

from __future__ import annotations

import dataclasses
import json
from fractions import Fraction

import pytest

from rnnkit._validate import check_number, plain
from rnnkit.errors import ConfigError
from rnnkit.training import TrainConfig
from rnnkit.training.config import OptimConfig


def test_a_fraction_taken_as_a_number_is_stored_as_a_float():
    # is_real (numbers.Real) takes a Fraction: 520a849's rule stored it as given, so the config it was taken by
    # failed json.dumps ('Object of type Fraction is not JSON serializable') when a run saved it.
    cfg = TrainConfig(optim=OptimConfig(lr=Fraction(1, 100)), max_seconds=Fraction(5, 2))
    oracle = TrainConfig(optim=OptimConfig(lr=0.01), max_seconds=2.5)
    assert json.dumps(dataclasses.asdict(cfg)) == json.dumps(dataclasses.asdict(oracle))
    assert type(cfg.optim.lr) is float and type(cfg.max_seconds) is float
    assert type(check_number("x", Fraction(1, 4))) is float
    assert plain(Fraction(1, 4)) == 0.25


def test_a_fraction_is_still_no_count():
    with pytest.raises((ConfigError, TypeError), match="epochs: expected a positive int"):
        TrainConfig(epochs=Fraction(3, 1))


def _long_and_longer_texts():
    # a text over 64 KiB is read from a prefix (its count a lower bound, here some 12,000 of 2,000,000 tokens); one
    # under 64 KiB is tokenized whole: 30,000 tokens, exact, and more than the prefix's count
    return ["good movie " * 1_000_000, "w " * 30_000]


def test_the_longest_count_is_a_lower_bound_when_any_text_was_read_from_a_prefix():
    # before: 'longest 30000' -- the exact count beat the prefix's bound, though that text had 2M tokens
    import warnings

    from rnnkit.data.batching import limit_length
    from rnnkit.data.heads import head_tokens
    from rnnkit.errors import DataError

    toks = head_tokens(_long_and_longer_texts(), lambda ts: [t.split() for t in ts], 200)
    assert len(toks[0]) < 30_000 < 2_000_000
    with pytest.raises(DataError, match=r"got 2 longer \(first at index 0, longest at least 30000\)"):
        limit_length(toks, 200, "error", what="texts")
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        limit_length(toks, 200, what="texts")
    assert str(w[0].message) == "texts: truncated 2 of 2 to max_len=200 (longest was at least 30000)"


def test_the_cli_predict_warning_says_at_least_for_the_longest_of_exact_and_prefix_counts(tmp_path):
    from rnnkit.cli.main import main
    from rnnkit.tasks.classification import TextClassifier
    from rnnkit.tasks.classify_config import TextClassifierConfig

    texts = ["good movie great fun", "bad movie awful plot", "great film good cast", "awful film bad acting"] * 6
    cfg = TextClassifierConfig(tokenizer="words", epochs=1, embed_dim=4, hidden_size=4, min_freq=1, max_len=50,
                               combine=False, embeddings="own", progress=False, val_fraction=0.0)
    TextClassifier(cfg).fit(texts, ["pos", "neg"] * 12, baselines=False).save(tmp_path / "run")
    (tmp_path / "in.txt").write_text("\n".join(_long_and_longer_texts()) + "\n", encoding="utf-8")
    with pytest.warns(UserWarning, match=r"were read up to it, lines \[1, 2\] \(longest at least 30000\)$"):
        assert main(["classify", "predict", "--run", str(tmp_path / "run"), "--input", str(tmp_path / "in.txt")]) == 0
