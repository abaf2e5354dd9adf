"""Hopfield memory: learning rules against their formulas, dynamics against theory, bad inputs."""

from __future__ import annotations


import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rnnkit
from rnnkit.errors import ConfigError, DataError, InputTypeError, ShapeError
from rnnkit.hopfield import (
    HopfieldLayer,
    HopfieldNetwork,
    HopfieldPooling,
    ModernHopfield,
    overlap,
)
from rnnkit.hopfield.experiments import damage_weights, flip_bits, random_patterns

HYPO = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


pytestmark = pytest.mark.usefixtures("one_thread")  # one torch thread (tests/conftest.py)


def pm1(P: int, N: int, seed: int = 0, dtype=torch.float32) -> torch.Tensor:
    return random_patterns(P, N, torch.Generator().manual_seed(seed), dtype=dtype)


# --------------------------------------------------------------------------------------------------
# Learning rules
# --------------------------------------------------------------------------------------------------
def test_hebbian_weights_equal_outer_product_formula():
    X = torch.tensor([[1.0, -1.0, 1.0, 1.0], [-1.0, -1.0, 1.0, -1.0]])
    N = 4
    expected = torch.zeros(N, N)
    for i in range(N):
        for j in range(N):
            if i != j:
                expected[i, j] = sum(X[mu, i] * X[mu, j] for mu in range(2)) / N
    net = HopfieldNetwork(N, rule="hebbian").store(X)
    torch.testing.assert_close(net.weights, expected)
    # written out by hand for the first row: w_01 = (-1 + 1)/4, w_02 = (1 - 1)/4, w_03 = (1 + 1)/4
    torch.testing.assert_close(net.weights[0], torch.tensor([0.0, 0.0, 0.0, 0.5]))
    assert net.n_patterns == 2


def storkey_loop(X: torch.Tensor) -> torch.Tensor:
    """Storkey (1997) exactly as written: h_ij = sum_{k != i, j} w_ik xi_k, element by element."""
    P, N = X.shape
    W = [[0.0] * N for _ in range(N)]
    for mu in range(P):
        xi = X[mu].tolist()
        h = [[sum(W[i][k] * xi[k] for k in range(N) if k != i and k != j) for j in range(N)] for i in range(N)]
        W = [[0.0 if i == j else W[i][j] + (xi[i] * xi[j] - xi[i] * h[j][i] - h[i][j] * xi[j]) / N
              for j in range(N)] for i in range(N)]
    return torch.tensor(W, dtype=torch.float64)


@pytest.mark.parametrize("P,N", [(1, 5), (3, 6), (4, 7)])
def test_storkey_weights_equal_the_elementwise_formula(P, N):
    X = pm1(P, N, seed=P * 10 + N, dtype=torch.float64)
    net = HopfieldNetwork(N, rule="storkey", dtype=torch.float64).store(X)
    torch.testing.assert_close(net.weights, storkey_loop(X), rtol=1e-12, atol=1e-12)
    assert torch.equal(net.weights, net.weights.T)


@pytest.mark.parametrize("rule", ["hebbian", "storkey"])
def test_store_again_adds_patterns(rule):
    X = pm1(6, 30, seed=1, dtype=torch.float64)
    once = HopfieldNetwork(30, rule, dtype=torch.float64).store(X)
    twice = HopfieldNetwork(30, rule, dtype=torch.float64).store(X[:2]).store(X[2:])
    torch.testing.assert_close(twice.weights, once.weights, rtol=1e-12, atol=1e-12)
    assert twice.n_patterns == 6


def test_binarize_maps_explicitly():
    raw = torch.tensor([[0.0, 1.0, 3.5, -2.0]])
    net = HopfieldNetwork(4).store(raw, binarize=True)
    expected = HopfieldNetwork(4).store(torch.tensor([[-1.0, 1.0, 1.0, -1.0]]))
    torch.testing.assert_close(net.weights, expected.weights)
    booleans = HopfieldNetwork(4).store(torch.tensor([[False, True, True, False]]), binarize=True)
    torch.testing.assert_close(booleans.weights, expected.weights)


# --------------------------------------------------------------------------------------------------
# Dynamics
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("rule", ["hebbian", "storkey"])
@pytest.mark.parametrize("mode", ["async", "sync"])
def test_stored_patterns_are_fixed_points_at_low_load(rule, mode):
    X = pm1(5, 100, seed=2)                                             # load 0.05
    net = HopfieldNetwork(100, rule).store(X)
    res = net.recall(X, mode=mode, seed=0)
    assert torch.equal(res.states, X)
    assert res.fixed_point.all() and not res.two_cycle.any()
    assert res.steps.tolist() == [1] * 5                               # one sweep that changed nothing
    h = net.field(X)
    assert bool((h * X > 0).all())                                     # every unit agrees with its field


@pytest.mark.parametrize("mode", ["async", "sync"])
def test_noisy_cues_are_repaired_at_low_load(mode):
    X = pm1(8, 200, seed=3)
    net = HopfieldNetwork(200).store(X)
    cues = flip_bits(X, 0.2, torch.Generator().manual_seed(0))
    res = net.recall(cues, mode=mode, seed=1)
    assert torch.equal(res.states, X)
    assert bool((res.steps >= 2).all())
    assert bool((res.energy < net.energy(cues)).all())


def test_capacity_hebbian_low_load_recalls_all_and_high_load_fails():
    N = 200
    low = pm1(round(0.05 * N), N, seed=4)
    high = pm1(round(0.3 * N), N, seed=5)
    frac = {}
    for name, X in (("low", low), ("high", high)):
        res = HopfieldNetwork(N).store(X).recall(X, seed=0)
        frac[name] = float((res.states == X).all(1).double().mean())
    assert frac["low"] == 1.0
    assert frac["high"] < 0.2, frac
    # ... while Storkey still holds the same 0.3 N patterns (its capacity is ~N / sqrt(2 ln N))
    res = HopfieldNetwork(N, "storkey").store(high).recall(high, seed=0)
    assert float((res.states == high).all(1).double().mean()) > 0.9


@HYPO
@given(n=st.integers(3, 16), p=st.integers(1, 5), seed=st.integers(0, 10_000), rule=st.sampled_from(["hebbian", "storkey"]))
def test_energy_never_increases_under_async_updates(n, p, seed, rule):
    X = pm1(p, n, seed=seed, dtype=torch.float64)
    net = HopfieldNetwork(n, rule, dtype=torch.float64).store(X)
    cue = pm1(3, n, seed=seed + 1, dtype=torch.float64)
    # The same seed gives the same unit orders, so max_steps=k is the state after k sweeps.
    energies = [net.energy(cue)] + [net.recall(cue, max_steps=k, seed=seed).energy for k in range(1, 6)]
    for before, after in zip(energies, energies[1:]):
        assert bool((after <= before + 1e-12).all()), (before, after)
    final = net.recall(cue, max_steps=100, seed=seed)
    assert final.fixed_point.all() and not final.two_cycle.any()


@HYPO
@given(n=st.integers(2, 12), seed=st.integers(0, 10_000))
def test_energy_never_increases_for_any_symmetric_weights(n, seed):
    g = torch.Generator().manual_seed(seed)
    A = torch.randn(n, n, generator=g, dtype=torch.float64)
    W = A + A.T
    W.fill_diagonal_(0)
    net = HopfieldNetwork.from_weights(W)
    cue = random_patterns(4, n, g, dtype=torch.float64)
    energies = [net.energy(cue)] + [net.recall(cue, max_steps=k, seed=seed).energy for k in range(1, 5)]
    for before, after in zip(energies, energies[1:]):
        assert bool((after <= before + 1e-12).all())


def test_sync_detects_a_two_cycle_and_async_does_not_cycle():
    net = HopfieldNetwork.from_weights(torch.tensor([[0.0, 1.0], [1.0, 0.0]]))
    cue = torch.tensor([[1.0, -1.0]])
    sync = net.recall(cue, mode="sync")
    assert sync.two_cycle.tolist() == [True] and sync.fixed_point.tolist() == [False]
    assert sync.steps.tolist() == [2]                 # (1,-1) -> (-1,1) -> (1,-1): the repeat
    assert sync.converged.tolist() == [True]
    asy = net.recall(cue, mode="async", seed=0)
    assert asy.fixed_point.tolist() == [True] and not asy.two_cycle.any()
    assert asy.states.abs().sum() == 2 and asy.states[0, 0] == asy.states[0, 1]   # (1,1) or (-1,-1)


def test_max_steps_reached_is_reported():
    net = HopfieldNetwork.from_weights(torch.tensor([[0.0, 1.0], [1.0, 0.0]]))
    res = net.recall(torch.tensor([[1.0, -1.0]]), mode="sync", max_steps=1)
    assert res.steps.tolist() == [1] and not res.converged.any()


def test_recall_is_seeded_without_touching_the_global_rng():
    X = pm1(20, 60, seed=6)
    net = HopfieldNetwork(60).store(X)
    cues = flip_bits(X, 0.3, torch.Generator().manual_seed(1))
    state = torch.random.get_rng_state()
    a = net.recall(cues, seed=123)
    b = net.recall(cues, seed=torch.Generator().manual_seed(123))
    assert torch.equal(torch.random.get_rng_state(), state)
    assert torch.equal(a.states, b.states) and torch.equal(a.steps, b.steps)
    assert torch.equal(cues, flip_bits(X, 0.3, torch.Generator().manual_seed(1)))   # cues not modified


def test_async_batch_equals_one_cue_at_a_time():
    X = pm1(15, 50, seed=7)
    net = HopfieldNetwork(50).store(X)
    cues = flip_bits(X, 0.25, torch.Generator().manual_seed(2))
    batch = net.recall(cues, seed=5)
    # sweep k uses the k-th random order whatever the batch holds, so each cue's trajectory is its own
    for b in range(cues.shape[0]):
        single = net.recall(cues[b:b + 1], seed=5)
        assert torch.equal(single.states[0], batch.states[b]) and single.steps[0] == batch.steps[b]


def test_overlap_and_helpers():
    x = torch.ones(3, 10)
    assert overlap(x, -x).tolist() == [-1.0] * 3
    flipped = flip_bits(x, 0.3, torch.Generator().manual_seed(0))
    assert (flipped == -1).sum(1).tolist() == [3, 3, 3]
    W = HopfieldNetwork(40).store(pm1(3, 40)).weights
    for kind in ("zero", "perturb"):
        D = damage_weights(W, 0.5, kind, torch.Generator().manual_seed(0))
        assert torch.equal(D, D.T)
        changed = (D != W).triu(1).sum().item()
        assert abs(changed - 0.5 * 40 * 39 / 2) <= 0.1 * 40 * 39 / 2   # some chosen pairs may already be 0
    assert torch.equal(damage_weights(W, 0.0, "zero", torch.Generator()), W)


# --------------------------------------------------------------------------------------------------
# Modern Hopfield
# --------------------------------------------------------------------------------------------------
def unit_patterns(P: int, D: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.nn.functional.normalize(torch.randn(P, D, generator=g, dtype=torch.float64), dim=1)


def test_modern_large_beta_returns_the_nearest_stored_pattern():
    X = unit_patterns(200, 32, seed=0)
    g = torch.Generator().manual_seed(1)
    queries = torch.randn(64, 32, generator=g, dtype=torch.float64)       # arbitrary queries, not cues
    queries = torch.nn.functional.normalize(queries, dim=1)
    res = ModernHopfield(beta=2000.0).store(X).recall(queries)
    nearest = torch.cdist(queries, X).argmin(1)                             # Euclidean (equal norms)
    assert torch.equal(res.attention.argmax(1), nearest)
    torch.testing.assert_close(res.states, X[nearest], atol=1e-6, rtol=0)
    assert res.converged.all()


def test_modern_small_beta_gives_a_mixture():
    X = unit_patterns(10, 16, seed=2)
    res = ModernHopfield(beta=0.01).store(X).recall(X[:1])
    torch.testing.assert_close(res.states[0], X.mean(0), atol=1e-3, rtol=0)   # the metastable mean


@HYPO
@given(p=st.integers(1, 20), d=st.integers(1, 12), beta=st.floats(0.05, 20.0), seed=st.integers(0, 10_000))
def test_modern_energy_never_increases(p, d, beta, seed):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(p, d, generator=g, dtype=torch.float64)
    memory = ModernHopfield(beta).store(X)
    xi = torch.randn(5, d, generator=g, dtype=torch.float64) * 2
    for k in range(1, 5):
        nxt = memory.recall(xi, max_steps=1, tol=0.0).states
        assert bool((memory.energy(nxt) <= memory.energy(xi) + 1e-9).all())
        xi = nxt


def _update64(q: torch.Tensor, X: torch.Tensor, beta: float) -> torch.Tensor:
    """One modern Hopfield update in float64, where beta * X q stays finite."""
    return torch.softmax(beta * q.double() @ X.double().T, -1) @ X.double()


def test_overflowing_beta_gives_the_float64_result_never_nan():
    g = torch.Generator().manual_seed(0)
    X = torch.randn(20, 8, generator=g) * 2                           # dot products up to ~30
    q = torch.cat([X[[2, 5]] + 0.3 * torch.randn(2, 8, generator=g), (X[:1] + X[1:2]) / 2])
    beta = 1e38
    assert not torch.isfinite(beta * (q @ X.T)).all()                 # float32 scores overflow
    memory = ModernHopfield(beta).store(X)
    res = memory.recall(q, max_steps=1, tol=0.0)
    torch.testing.assert_close(res.states, _update64(q, X, beta).float())
    two = memory.recall(q, max_steps=2, tol=0.0).states
    torch.testing.assert_close(two, _update64(_update64(q, X, beta), X, beta).float())
    x64, q64 = X.double(), q.double()
    energy64 = (-torch.logsumexp(beta * q64 @ x64.T, 1) / beta + 0.5 * (q64 * q64).sum(1)
                + torch.log(torch.tensor(20.0, dtype=torch.float64)) / beta + 0.5 * x64.norm(dim=1).max() ** 2)
    torch.testing.assert_close(memory.energy(q), energy64.float())
    # an exact tie with beta beyond float32's range: shared equally, as in float64
    E = torch.eye(2)
    tie = ModernHopfield(1e39).store(E).recall(torch.tensor([[1.0, 1.0]]), max_steps=1)
    torch.testing.assert_close(tie.states, torch.tensor([[0.5, 0.5]]))
    torch.testing.assert_close(tie.states, _update64(torch.tensor([[1.0, 1.0]]), E, 1e39).float())
    # the layer and the pooling share the computation
    layer = HopfieldLayer(8, beta=beta, update_steps=1)
    torch.testing.assert_close(layer(q[None], stored=X), _update64(q, X, beta).float()[None])
    pool = HopfieldPooling(8, n_queries=2, beta=1e39)
    seq = torch.randn(3, 6, 8, generator=g) * 10
    out = pool(seq, lengths=torch.tensor([6, 4, 1]))
    assert torch.isfinite(out).all()
    with torch.no_grad():
        keys = seq.double() @ pool.key.weight.double().T
        dots = (1e39 * pool.query.double() @ keys.transpose(1, 2)).masked_fill(
            (torch.arange(6) >= torch.tensor([6, 4, 1])[:, None])[:, None, :], float("-inf"))
        ref = (torch.softmax(dots, -1) @ seq.double()).flatten(1)
    torch.testing.assert_close(out, ref.float())


def test_modern_store_again_appends():
    X = unit_patterns(6, 8, seed=3)
    a = ModernHopfield(3.0).store(X[:2]).store(X[2:])
    assert a.n_patterns == 6 and torch.equal(a.patterns, X)
    q = X[:3] + 0.05
    torch.testing.assert_close(a.recall(q).states, ModernHopfield(3.0).store(X).recall(q).states)


def test_hopfield_layer_with_given_patterns_equals_modern_recall_steps():
    X = unit_patterns(12, 8, seed=4).float()
    q = torch.randn(5, 8)
    for steps in (1, 3):
        layer = HopfieldLayer(8, beta=4.0, update_steps=steps)
        out = layer(q[None], stored=X)                                  # (1, 5, 8), patterns shared
        ref = ModernHopfield(4.0).store(X).recall(q, max_steps=steps, tol=0.0).states
        torch.testing.assert_close(out[0], ref, atol=1e-6, rtol=1e-5)
        batched = layer(q[None].expand(2, 5, 8), stored=X[None].expand(2, 12, 8))
        torch.testing.assert_close(batched[1], ref, atol=1e-6, rtol=1e-5)


def test_hopfield_layer_mask_and_learned_patterns_get_gradients():
    X = torch.eye(4)[None].repeat(2, 1, 1)                               # (B, P, D)
    mask = torch.tensor([[True, True, True, True], [False, True, True, True]])
    layer = HopfieldLayer(4, beta=50.0)
    out = layer(X[:, :1], stored=X, mask=mask)                          # query = pattern 0
    assert out[0, 0].argmax() == 0 and out[1, 0, 0] < 1e-3              # pattern 0 masked out for row 1
    learned = HopfieldLayer(4, n_patterns=6)
    learned(torch.randn(3, 2, 4)).square().sum().backward()
    assert learned.patterns.grad is not None and learned.patterns.grad.abs().sum() > 0


def test_hopfield_pooling_on_lstm_outputs_gradients_flow():
    torch.manual_seed(0)
    lstm = rnnkit.LSTM(3, 8, batch_first=True)
    pool = HopfieldPooling(8)
    x = torch.randn(4, 10, 3)
    outputs, _ = lstm(x)
    pooled = pool(outputs)
    assert pooled.shape == (4, 8)
    pooled.square().sum().backward()
    for name, p in [*lstm.named_parameters(), *pool.named_parameters()]:
        assert p.grad is not None and p.grad.abs().sum() > 0, name
    # the output is a convex combination of the steps: softmax(beta q K^T) Y
    with torch.no_grad():
        a = torch.softmax(pool.beta * pool.query @ pool.key(outputs).transpose(1, 2), -1)
        torch.testing.assert_close(pooled, (a @ outputs).flatten(1))


def test_hopfield_pooling_ignores_padded_steps():
    torch.manual_seed(1)
    lstm = rnnkit.LSTM(3, 8, batch_first=True)
    pool = HopfieldPooling(8, n_queries=2, key_size=5)
    x = torch.randn(3, 6, 3)
    lengths = torch.tensor([6, 4, 1])
    outputs, _ = lstm(x, lengths=lengths)
    out = pool(outputs, lengths=lengths)
    assert out.shape == (3, 16)
    garbage = outputs.clone()
    garbage[1, 4:] = 100.0
    garbage[2, 1:] = -50.0
    torch.testing.assert_close(pool(garbage, lengths=lengths), out)
    a = pool.attention(outputs, lengths)
    assert a.shape == (3, 2, 6) and float(a[1, :, 4:].detach().abs().sum()) == 0.0
    torch.testing.assert_close(a.sum(-1), torch.ones(3, 2))


# --------------------------------------------------------------------------------------------------
# Bad input -> clear, typed errors
# --------------------------------------------------------------------------------------------------
def _net(n=4, rule="hebbian"):
    return HopfieldNetwork(n, rule).store(torch.tensor([[1.0, -1.0, 1.0, -1.0]]))


BAD = [
    ("not +-1", lambda: HopfieldNetwork(4).store(torch.tensor([[-0.3, 1.0, 2.0, 1.0]])), DataError,
     "patterns: expected values in {-1, +1} (or binarize=True), got values in [-0.3, 2]"),
    ("zeros", lambda: HopfieldNetwork(2).store(torch.tensor([[0.0, 1.0]])), DataError, "got values in [0, 1]"),
    ("bool", lambda: HopfieldNetwork(2).store(torch.tensor([[True, False]])), InputTypeError, "bool"),
    ("1-D", lambda: HopfieldNetwork(4).store(torch.ones(4)), ShapeError, "expected a 2-D tensor"),
    ("3-D", lambda: HopfieldNetwork(4).store(torch.ones(1, 1, 4)), ShapeError, "got shape (1, 1, 4)"),
    ("width", lambda: HopfieldNetwork(4).store(torch.ones(2, 5)), ShapeError, "expected 4 columns"),
    ("empty", lambda: HopfieldNetwork(4).store(torch.ones(0, 4)), DataError, "expected at least one row"),
    ("nan", lambda: HopfieldNetwork(2).store(torch.tensor([[1.0, float("nan")]])), DataError, "finite"),
    ("list", lambda: HopfieldNetwork(2).store([[1, -1]]), InputTypeError, "expected a torch.Tensor, got list"),
    ("binarize str", lambda: HopfieldNetwork(2).store(torch.ones(1, 2), binarize="yes"), ConfigError, "binarize"),
    ("cue size", lambda: _net().recall(torch.ones(2, 5)), ShapeError, "cues: expected 4 columns"),
    ("cue 1-D", lambda: _net().recall(torch.ones(4)), ShapeError, "unsqueeze(0)"),
    ("cue values", lambda: _net().recall(torch.full((1, 4), 0.5)), DataError, "cues: expected values in"),
    ("energy size", lambda: _net().energy(torch.ones(1, 3)), ShapeError, "states: expected 4 columns"),
    ("no patterns", lambda: HopfieldNetwork(4).recall(torch.ones(1, 4)), ConfigError, "call store"),
    ("rule", lambda: HopfieldNetwork(4, rule="oja"), ConfigError, "rule: expected one of ['hebbian', 'storkey'], got 'oja'"),
    ("mode", lambda: _net().recall(torch.ones(1, 4), mode="random"), ConfigError, "mode: expected one of"),
    ("n_units", lambda: HopfieldNetwork(0), ConfigError, "n_units: expected a positive int, got 0"),
    ("n_units float", lambda: HopfieldNetwork(4.0), ConfigError, "n_units"),
    ("dtype", lambda: HopfieldNetwork(4, dtype=torch.int64), ConfigError, "dtype"),
    ("max_steps", lambda: _net().recall(torch.ones(1, 4), max_steps=0), ConfigError, "max_steps"),
    ("seed", lambda: _net().recall(torch.ones(1, 4), seed="abc"), ConfigError, "seed"),
    ("weights", lambda: HopfieldNetwork.from_weights(torch.ones(3, 4)), ShapeError, "square"),
    ("beta 0", lambda: ModernHopfield(beta=0.0), ConfigError, "beta: expected a finite number > 0, got 0.0"),
    ("beta neg", lambda: ModernHopfield(beta=-1), ConfigError, "beta"),
    ("beta nan", lambda: ModernHopfield(beta=float("nan")), ConfigError, "beta"),
    ("layer beta", lambda: HopfieldLayer(4, beta=0), ConfigError, "beta"),
    ("pool beta", lambda: HopfieldPooling(4, beta=-2.0), ConfigError, "beta"),
    ("modern int", lambda: ModernHopfield().store(torch.ones(2, 3, dtype=torch.long)), InputTypeError, "floating"),
    ("modern empty", lambda: ModernHopfield().store(torch.ones(0, 3)), DataError, "at least one row"),
    ("modern dim", lambda: ModernHopfield().store(torch.ones(2, 3)).recall(torch.ones(1, 4)), ShapeError,
     "queries: expected 3 columns"),
    ("modern append", lambda: ModernHopfield().store(torch.ones(2, 3)).store(torch.ones(2, 4)), ShapeError,
     "patterns: expected 3 columns"),
    ("modern none", lambda: ModernHopfield().recall(torch.ones(1, 3)), ConfigError, "call store"),
    ("modern dtype", lambda: ModernHopfield().store(torch.ones(2, 3)).recall(torch.ones(1, 3, dtype=torch.float64)),
     InputTypeError, "dtype"),
    ("modern tol", lambda: ModernHopfield().store(torch.ones(2, 3)).recall(torch.ones(1, 3), tol=-1), ConfigError, "tol"),
    ("layer no stored", lambda: HopfieldLayer(4)(torch.ones(1, 2, 4)), ConfigError, "stored"),
    ("layer both", lambda: HopfieldLayer(4, n_patterns=3)(torch.ones(1, 2, 4), stored=torch.ones(3, 4)),
     ConfigError, "stored: expected None"),
    ("layer query", lambda: HopfieldLayer(4, n_patterns=3)(torch.ones(2, 4)), ShapeError, "queries"),
    ("layer stored dim", lambda: HopfieldLayer(4)(torch.ones(1, 2, 4), stored=torch.ones(3, 5)), ShapeError, "stored"),
    ("pool size", lambda: HopfieldPooling(4)(torch.ones(2, 3, 5)), ShapeError, "inputs: expected shape (B, T, D)"),
    ("pool lengths", lambda: HopfieldPooling(4)(torch.ones(2, 3, 4), lengths=torch.tensor([3, 4])), ShapeError,
     "lengths: expected values in [1, 3]"),
    ("pool lengths float", lambda: HopfieldPooling(4)(torch.ones(2, 3, 4), lengths=torch.tensor([3.0, 1.0])),
     InputTypeError, "lengths"),
    ("flip fraction", lambda: flip_bits(torch.ones(1, 4), 1.5, torch.Generator()), ConfigError, "fraction"),
    ("damage kind", lambda: damage_weights(torch.zeros(3, 3), 0.5, "melt", torch.Generator()), ConfigError, "kind"),
]


@pytest.mark.parametrize("make,error,message", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_raises_a_typed_error_naming_the_argument(make, error, message):
    with pytest.raises(error) as info:
        make()
    assert message in str(info.value)


def test_experiment_arguments_are_checked():
    from rnnkit.hopfield import experiments as ex

    with pytest.raises(ConfigError, match="sizes: expected a positive int"):
        ex.capacity_experiment(sizes=[0])
    with pytest.raises(ConfigError, match="loads: expected a non-empty list"):
        ex.capacity_experiment(loads=[])
    with pytest.raises(ConfigError, match="rules"):
        ex.capacity_experiment(rules=["oja"])
    with pytest.raises(ConfigError, match="classes"):
        ex.digits_experiment(classes=[11])
    with pytest.raises(ConfigError, match="beta"):
        ex.modern_capacity_experiment(beta=0.0)
    with pytest.raises(ConfigError, match="device"):
        ex.robustness_experiment(device="banana")


# --------------------------------------------------------------------------------------------------
# Devices (runs where CUDA is available; the same numbers as on the CPU)
# --------------------------------------------------------------------------------------------------
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("mode", ["async", "sync"])
@pytest.mark.parametrize("rule", ["hebbian", "storkey"])
def test_cuda_recall_matches_cpu(mode, rule):
    X = pm1(20, 100, seed=8, dtype=torch.float64)
    cues = flip_bits(X, 0.2, torch.Generator().manual_seed(3))
    cpu = HopfieldNetwork(100, rule, dtype=torch.float64).store(X)
    gpu = HopfieldNetwork(100, rule, dtype=torch.float64).store(X.cuda())
    assert gpu.weights.is_cuda
    torch.testing.assert_close(gpu.weights.cpu(), cpu.weights)
    a, b = cpu.recall(cues, mode=mode, seed=4), gpu.recall(cues.cuda(), mode=mode, seed=4)
    assert b.states.is_cuda and torch.equal(b.states.cpu(), a.states) and torch.equal(b.steps.cpu(), a.steps)
    with pytest.raises(InputTypeError, match="cues: expected a tensor on cuda"):
        gpu.recall(cues)
    m = ModernHopfield(2.0).store(X.cuda()).recall(cues.cuda())
    torch.testing.assert_close(m.states.cpu(), ModernHopfield(2.0).store(X).recall(cues).states)
    pool = HopfieldPooling(8).cuda()
    assert pool(torch.randn(2, 5, 8, device="cuda"), lengths=torch.tensor([5, 2])).is_cuda
