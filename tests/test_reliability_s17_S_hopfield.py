"""Session 17, helper S: hostile inputs to the Hopfield memories (each test fails on the code before its fix)."""

import pytest
import torch

from rnnkit.errors import ConfigError, InputTypeError
from rnnkit.hopfield import HopfieldNetwork
from rnnkit.hopfield.experiments import capacity_experiment, robustness_experiment

P = torch.tensor([[1.0, -1.0, 1.0, -1.0], [1.0, 1.0, -1.0, -1.0]])


@pytest.mark.parametrize("call", [
    lambda: HopfieldNetwork(4, rule=["hebbian"]),
    lambda: HopfieldNetwork(4).store(P).recall(P, mode=["sync"]),
    lambda: robustness_experiment(n_units=6, n_patterns=1, rule=["hebbian"], fractions=[0.0], noise_levels=[0.0],
                                  trials=1),
    lambda: capacity_experiment(sizes=[4], loads=[0.5], rules=["hebbian"], trials=1, mode={"async": 1}),
])
def test_unhashable_rule_or_mode_is_a_typed_error_naming_it(call):
    # a list (or dict) rule/mode was looked up in the registry dict: a bare "unhashable type: 'list'" TypeError
    with pytest.raises(InputTypeError, match=r"^(rule|mode): expected one of \["):
        call()


def test_unknown_rule_and_mode_strings_are_still_config_errors():
    with pytest.raises(ConfigError, match="rule: expected one of"):
        HopfieldNetwork(4, rule="hebb")
    with pytest.raises(ConfigError, match="mode: expected one of"):
        HopfieldNetwork(4).store(P).recall(P, mode="Sync")
