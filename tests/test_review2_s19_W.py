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


def _budget_at_step(at: int):
    """A callback saying 'max_seconds' after optimizer step ``at``, as TimeBudget does when the clock passes."""
    from rnnkit.training.callbacks import Callback

    class BudgetAtStep(Callback):
        def on_step_end(self, trainer, step, loss, metrics) -> None:
            if trainer.global_step >= at:
                trainer.request_stop("max_seconds")

    return BudgetAtStep()

def _tbptt_fit(at: int, tbptt_k):
    import torch

    import rnnkit
    from rnnkit.training import Trainer

    def step(model, chunk, state):
        y, state = model(chunk, state)
        return y.pow(2).mean(), state

    torch.manual_seed(0)
    net = rnnkit.LSTM(1, 4, batch_first=True)
    x = torch.randn(2, 30, 1)                     # one batch: 3 chunks of 10 steps with tbptt_k=10
    return Trainer(net, step_fn=step, callbacks=[_budget_at_step(at)],
                   config=TrainConfig(epochs=1, tbptt_k=tbptt_k, quiet=True)).fit([x])


def test_a_budget_reached_on_the_last_chunk_of_the_last_batch_cuts_nothing():
    # before: 881f03f marked the batch cut whenever the budget fired between chunks, after its LAST chunk too, so a
    # training that ran every step of every epoch reported 'max_seconds' (and a cut epoch to the Checkpointer), where
    # the same budget after the last batch without tbptt reports 'epochs' (the oracle)
    whole = _tbptt_fit(at=3, tbptt_k=10)
    assert whole.global_step == 3
    assert whole.stop_reason == _tbptt_fit(at=1, tbptt_k=None).stop_reason == "epochs"
    cut = _tbptt_fit(at=2, tbptt_k=10)            # a chunk left: cut, as 881f03f made it
    assert cut.global_step == 2 and cut.stop_reason == "max_seconds"
