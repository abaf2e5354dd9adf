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


def test_overlap_of_integer_states_is_computed_and_bool_or_empty_refused():
    from rnnkit.errors import ShapeError
    from rnnkit.hopfield import overlap

    s = torch.tensor([[1, 1, -1, -1], [1, -1, 1, -1]])
    t = torch.tensor([[1.0, 1.0, -1.0, 1.0], [-1.0, 1.0, -1.0, 1.0]])
    oracle = (s.double() * t.double()).sum(1) / 4             # the definition, m = s . xi / N
    # int states were torch's bare RuntimeError 'mean(): could not infer output dtype'
    assert torch.equal(overlap(s, t).double(), oracle)
    assert torch.equal(overlap(s, s.long()), torch.ones(2))
    with pytest.raises(InputTypeError, match="states: expected a real tensor of -1 and \\+1"):
        overlap(s > 0, t)                                       # {0, 1}: read as such, the overlap was wrong
    with pytest.raises(ShapeError, match="N >= 1"):
        overlap(torch.ones(2, 0), torch.ones(2, 0))             # was tensor([nan, nan]), silently


def _first_crossing(xs, ys, level):
    """Oracle: linear interpolation between the last point at or above ``level`` and the first below it."""
    k = next(i for i, y in enumerate(ys) if y < level)
    return xs[k - 1] + (ys[k - 1] - level) / (ys[k - 1] - ys[k]) * (xs[k] - xs[k - 1])


def test_capacity_crossings_are_at_the_loads_stored_not_the_loads_asked_for():
    # P = round(load * N): at N = 40 the loads asked 0.03 .. 0.29 store 1, 4, 6, 8, 12 patterns (loads 0.025 ..
    # 0.3); the crossings were interpolated at the loads asked for, so they named loads no point was measured at
    N, loads = 40, [0.03, 0.09, 0.16, 0.21, 0.29, 0.41]
    r = capacity_experiment(sizes=[N], loads=loads, rules=["hebbian"], trials=1, seed=0)
    curve = r["curves"]["hebbian"][str(N)]
    stored = [P / N for P in curve["patterns"]]
    assert curve["patterns"] == [max(1, round(x * N)) for x in loads]
    for key, level, name in (("perfect", 0.5, "load_perfect50"), ("overlap", 0.9, "load_overlap90")):
        got = r["summary"]["hebbian"][str(N)][name]
        assert got == pytest.approx(_first_crossing(stored, curve[key], level), abs=1e-12), name
    assert curve["loads"] == stored   # what the plot draws the points at


def test_damage_weights_and_flip_bits_check_their_tensors():
    from rnnkit.errors import ShapeError
    from rnnkit.hopfield.experiments import damage_weights, flip_bits

    g = torch.Generator().manual_seed(0)
    with pytest.raises(ShapeError, match=r"^weights: expected a square \(N, N\) floating-point tensor"):
        damage_weights(torch.ones(2, 3), 0.5, "zero", g)             # came back unchanged, silently
    with pytest.raises(ShapeError, match=r"^weights: expected N >= 3 units with kind='perturb'"):
        damage_weights(torch.zeros(2, 2), 1.0, "perturb", g)         # the one connection became NaN, silently
    with pytest.raises(InputTypeError, match=r"^kind: expected one of \['zero', 'perturb'\]"):
        damage_weights(torch.zeros(3, 3), 1.0, ["zero"], g)
    with pytest.raises(ShapeError, match=r"^patterns: expected a 2-D tensor \(B, N\)"):
        flip_bits(torch.ones(4), 0.5, g)                              # was a bare 'not enough values to unpack'
    w = HopfieldNetwork(3).store(torch.tensor([[1.0, -1.0, 1.0]])).weights
    assert torch.isfinite(damage_weights(w, 1.0, "perturb", g)).all()    # N = 3: finite, as before
    assert (flip_bits(torch.ones(2, 4), 0.5, g) == -1).sum(1).tolist() == [2, 2]


def test_modern_capacity_reports_the_loads_stored():
    from rnnkit.hopfield.experiments import modern_capacity_experiment

    # n_units = 30: a load of 0.05 stores round(1.5) = 2 patterns, a load of 0.067; max_load_all_recalled said 0.05
    r = modern_capacity_experiment(n_units=30, loads=[0.05], seed=0)
    stored = [P / 30 for P in r["patterns"]]
    assert r["patterns"] == [2]
    for k in ("hebbian", "storkey", "modern"):
        want = max([ld for ld, p in zip(stored, r["perfect"][k]) if p >= 0.999], default=None)
        assert r["max_load_all_recalled"][k] == want, k
    assert r["max_load_all_recalled"]["modern"] is not None and r["stored_loads"] == stored
