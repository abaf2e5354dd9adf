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


def _exact_sync(C, cue, max_steps):
    """Sync recall in whole numbers: the fields of N * W (Hebbian sums of outer products), a 0 keeping the unit."""
    import torch

    s, prev = cue.clone(), None
    for t in range(1, max_steps + 1):
        h = C @ s
        new = torch.where(h > 0, 1.0, torch.where(h < 0, -1.0, s))
        if torch.equal(new, s):
            return new, t, True, False
        if prev is not None and torch.equal(new, prev):
            return new, t, False, True
        prev, s = s, new
    return s, max_steps, False, False


def test_a_hebbian_recall_keeps_a_unit_whose_field_is_exactly_zero_in_any_batch():
    # W = sum of outer products / N has no exact form (1/9), so the rounding of s @ W.T made a field that is exactly 0
    # (the unit keeps its state, as the module says) a +-1e-8 that flipped the unit -- and the rounding depends on the
    # batch: this cue recalled among three others took 3 sync steps to another state than alone (2 steps). Oracle:
    # the dynamics in whole numbers (N * W), one cue at a time; async by the same unit order (the seed's randperm).
    import torch

    from rnnkit.hopfield import HopfieldNetwork

    X = torch.tensor([[-1, 1, 1, -1, 1, -1, -1, -1, 1]], dtype=torch.float32)
    cues = torch.tensor([[-1, -1, -1, -1, 1, 1, -1, 1, 1], [1, -1, 1, 1, 1, 1, 1, -1, 1],
                         [1, -1, -1, -1, -1, 1, 1, 1, 1], [1, -1, 1, -1, -1, -1, 1, 1, -1]], dtype=torch.float32)
    net = HopfieldNetwork(9).store(X)
    together, alone = net.recall(cues, mode="sync"), net.recall(cues[:1], mode="sync")
    state, steps, fixed, _ = _exact_sync((X.T @ X).fill_diagonal_(0), cues[0], 100)
    assert (int(together.steps[0]), int(alone.steps[0]), steps, fixed) == (2, 2, 2, True)
    assert torch.equal(together.states[0], state) and torch.equal(alone.states[0], state)
    gen = torch.Generator().manual_seed(0)
    for trial in range(40):   # random small networks: sync and async against the whole-number dynamics
        N, P = int(torch.randint(2, 12, (), generator=gen)), int(torch.randint(1, 6, (), generator=gen))
        X = torch.randint(0, 2, (P, N), generator=gen).double() * 2 - 1
        cues = torch.randint(0, 2, (4, N), generator=gen).double() * 2 - 1
        C = (X.T @ X).fill_diagonal_(0)
        net = HopfieldNetwork(N).store(X.float())
        res = net.recall(cues.float(), mode="sync", max_steps=50)
        for b in range(4):
            state, steps, fixed, cycle = _exact_sync(C, cues[b], 50)
            assert torch.equal(res.states[b].double(), state) and int(res.steps[b]) == steps
            assert bool(res.fixed_point[b]) == fixed and bool(res.two_cycle[b]) == cycle
        res = net.recall(cues.float(), mode="async", max_steps=50, seed=trial)
        order_gen, S, done = torch.Generator().manual_seed(trial), cues.clone(), [0] * 4
        for sweep in range(1, 51):
            changed = [False] * 4
            for i in torch.randperm(N, generator=order_gen).tolist():
                for b in range(4):
                    if not done[b] and S[b, i] * (C[i] @ S[b]) < 0:
                        S[b, i], changed[b] = -S[b, i], True
            for b in range(4):
                done[b] = done[b] or (sweep if not changed[b] else 0)
            if all(done):
                break
        assert torch.equal(res.states.double(), S) and res.steps.tolist() == done
