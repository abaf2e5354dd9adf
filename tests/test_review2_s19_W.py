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
