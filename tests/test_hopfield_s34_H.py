"""Session 34, helper H: the Hopfield experiments' public helpers name a bad argument."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.usefixtures("one_thread_module")


def test_the_experiment_helpers_name_a_bad_generator_count_or_scale():
    # random_patterns(-1, ...) was torch's RuntimeError ('negative dimension -1'), random_patterns(2.5, ...) and an int
    # seed given as the generator torch's bare TypeError ('randint() received an invalid combination of arguments'),
    # damage_weights(..., scale="x") torch's 'only integer tensors of a single element can be converted to an index'.
    import torch

    from rnnkit.errors import ConfigError, InputTypeError
    from rnnkit.hopfield.experiments import damage_weights, flip_bits, random_patterns

    g = torch.Generator().manual_seed(0)
    with pytest.raises(ConfigError, match=r"^n_patterns: expected an int >= 0, got -1$"):
        random_patterns(-1, 4, g)
    with pytest.raises(ConfigError, match=r"^n_patterns: expected an int >= 0, got 2.5$"):
        random_patterns(2.5, 4, g)
    with pytest.raises(ConfigError, match=r"^n_units: expected an int >= 1, got 0$"):
        random_patterns(2, 0, g)
    for call in (lambda: random_patterns(2, 4, 0), lambda: flip_bits(torch.ones(2, 4), 0.5, 0),
                 lambda: damage_weights(torch.ones(4, 4), 0.5, "zero", 0)):
        with pytest.raises(InputTypeError, match=r"^generator: expected a torch.Generator .* or None, got 0$"):
            call()
    with pytest.raises(ConfigError, match=r"^scale: expected a finite number, got 'x'$"):
        damage_weights(torch.ones(4, 4), 0.5, "perturb", g, scale="x")
    # what they did, they still do: None draws from torch's global generator, 0 patterns is an empty set
    assert random_patterns(0, 4, g).shape == (0, 4)
    assert random_patterns(3, 4, None).shape == (3, 4)
    assert float(damage_weights(torch.ones(4, 4) - torch.eye(4), 1.0, "zero", g).abs().sum()) == 0.0
