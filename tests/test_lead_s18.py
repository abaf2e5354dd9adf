"""Small defects left by session 18's helpers and fixed by the lead; each test fails on the code before (2193376)."""

from __future__ import annotations

import pytest
import torch

import rnnkit
from rnnkit.errors import ConfigError


def test_a_bidirectional_wrapper_refuses_step_as_a_bidirectional_layer_does():
    # Before: Bidirectional(...).step was an AttributeError ('Bidirectional' object has no attribute 'step')
    # where rnnkit.GRU(..., bidirectional=True).step is a ConfigError naming step.
    x_t = torch.randn(2, 3)
    with pytest.raises(ConfigError, match=r"^step: expected a unidirectional layer .*bidirectional=True$"):
        rnnkit.GRU(3, 4, bidirectional=True).step(x_t)
    with pytest.raises(ConfigError, match=r"^step: expected a unidirectional layer .*got a Bidirectional wrapper$"):
        rnnkit.Bidirectional(rnnkit.GRU(3, 4)).step(x_t)


@pytest.mark.parametrize("warmup", [1.0, 1.5])
def test_warmup_cosine_names_the_half_open_range_for_every_warmup_out_of_it(warmup):
    # Before: warmup=1.5 read 'expected a number in [0, 1]' -- a range that holds 1, which is refused too.
    from rnnkit.training import WarmupCosine

    with pytest.raises(ConfigError, match=r"^warmup: expected a fraction of the budget in \[0, 1\), got "):
        WarmupCosine(total_steps=10, warmup=warmup)
