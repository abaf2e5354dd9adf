"""More hostile inputs (session 4, helper H; the first set is tests/test_hostile_inputs.py): each case is
computed correctly (oracle in the test) or refused with a typed one-line rnnkit error naming the argument,
and failed on the code before its fix (see /work/scratch/s4/H/FINDINGS.md)."""

import numpy as np
import pytest
import torch

from rnnkit.errors import ConfigError

pytestmark = pytest.mark.usefixtures("one_thread_module")


def test_hopfield_recall_seeds_outside_torch_range_or_numpy_ints():
    """Before: seed=2**70 raised torch's ValueError ('Overflow when unpacking long long') and a numpy int
    was refused as not an int. Oracle: np.int64(k) recalls exactly as k."""
    from rnnkit.hopfield import HopfieldNetwork

    g = torch.Generator().manual_seed(0)
    X = torch.where(torch.rand(3, 32, generator=g) > 0.5, 1.0, -1.0)
    net = HopfieldNetwork(32).store(X)
    cues = X.clone()
    cues[:, :6] *= -1
    assert torch.equal(net.recall(cues, seed=np.int64(4)).states, net.recall(cues, seed=4).states)
    with pytest.raises(ConfigError) as e:
        net.recall(cues, seed=2 ** 70)
    assert str(e.value).startswith("seed: expected an int in [-2**63, 2**64)") and "\n" not in str(e.value)


def test_layer_sizes_whose_weights_cannot_be_allocated_are_config_errors():
    """Before: hidden_size=10**12 raised the allocator's RuntimeError ('[enforce fail at alloc_cpu.cpp:127]
    ... can't allocate memory'), 10**19 a TypeError ('Overflow when unpacking long long'). 48 TB and an
    int64 overflow cannot be allocated on any machine."""
    import rnnkit

    for make in (lambda: rnnkit.LSTM(3, 10 ** 12), lambda: rnnkit.MinGRU(3, 10 ** 19),
                 lambda: rnnkit.GRU(10 ** 13, 4)):
        with pytest.raises(ConfigError) as e:
            make()
        assert str(e.value).startswith("hidden_size: expected sizes whose weights fit in memory") and "\n" not in str(e.value)


def test_hopfield_sizes_whose_tensors_cannot_be_allocated_are_config_errors():
    """Before: the allocator's RuntimeError for a 10**7-unit classical network (10**14 weights) at store,
    and for HopfieldLayer/HopfieldPooling of size 10**7 at construction."""
    from rnnkit.hopfield import HopfieldLayer, HopfieldNetwork, HopfieldPooling

    net = HopfieldNetwork(10 ** 7)
    cases = [(lambda: net.store(torch.ones(1, 10 ** 7)), "n_units:"),
             (lambda: HopfieldLayer(10 ** 7, n_patterns=10 ** 7), "n_patterns:"),
             (lambda: HopfieldPooling(10 ** 7), "input_size:")]
    for make, start in cases:
        with pytest.raises(ConfigError) as e:
            make()
        assert str(e.value).startswith(start + " expected sizes whose weights fit in memory")
    assert net.weights is None and net.n_patterns == 0   # nothing changed


def test_char_lm_config_seed_within_torch_range():
    """Before: CharLMConfig(seed=2**70) was accepted and fit failed with torch's ValueError when it seeded
    the state-reset generator (seed + 1)."""
    from rnnkit.tasks.generation import CharLMConfig

    with pytest.raises(ConfigError, match="^seed: expected an int <= 18446744073709551615"):
        CharLMConfig(seed=2 ** 64)
    assert CharLMConfig(seed=2 ** 64 - 1).seed == 2 ** 64 - 1   # session 29: the resets' seed + 1 wraps modulo 2**64
