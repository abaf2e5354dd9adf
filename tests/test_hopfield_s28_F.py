"""Session 28, helper F: the Hopfield API under hostile arguments (a fuzz of every public call's arguments: sparse and
meta tensors, step counts and betas past what the code can hold, weights whose fields overflow). Each test fails at
9e7b5a7, where these were torch's or Python's bare errors naming no argument, or a recall on NaN fields."""

import pytest
import torch

from rnnkit._validate import check_number
from rnnkit.errors import ConfigError, DataError, InputTypeError
from rnnkit.hopfield import HopfieldLayer, HopfieldNetwork, ModernHopfield, hopfield_update
from rnnkit.hopfield.experiments import capacity_experiment, modern_capacity_experiment, robustness_experiment

P = torch.tensor([[1.0, -1.0, 1.0, -1.0, 1.0, 1.0], [1.0, 1.0, -1.0, -1.0, 1.0, -1.0]])
X = torch.randn(5, 6, generator=torch.Generator().manual_seed(0))


def _net():
    return HopfieldNetwork(6).store(P)


@pytest.mark.parametrize("kind", ["sparse", "meta"])
@pytest.mark.parametrize("name, call", [
    ("patterns", lambda t: HopfieldNetwork(6).store(t)),
    ("patterns", lambda t: HopfieldNetwork(6, rule="storkey").store(t, binarize=True)),
    ("cues", lambda t: _net().recall(t, seed=0)),
    ("cues", lambda t: _net().recall(t, mode="sync")),
    ("states", lambda t: _net().energy(t)),
    ("states", lambda t: _net().field(t)),
    ("patterns", lambda t: ModernHopfield(2.0).store(t)),
    ("queries", lambda t: ModernHopfield(2.0).store(X).recall(t)),
    ("states", lambda t: ModernHopfield(2.0).store(X).energy(t)),
])
def test_a_sparse_or_meta_tensor_is_a_typed_error_naming_the_argument(kind, name, call):
    # sparse: torch's NotImplementedError "Could not run 'aten::ne.Scalar' with arguments from the 'SparseCPU'
    # backend"; meta: its RuntimeError "Tensor.item() cannot be called on meta tensors" -- neither named the argument
    t = P.to_sparse() if kind == "sparse" else P.to("meta")
    with pytest.raises(InputTypeError, match=rf"^{name}: expected a (dense tensor, got layout torch.sparse_coo|"
                                             rf"tensor that holds values \(on cpu or cuda\), got one on meta)"):
        call(t)


@pytest.mark.parametrize("kind", ["sparse", "meta"])
def test_from_weights_refuses_a_sparse_or_meta_tensor(kind):
    W = torch.ones(6, 6).fill_diagonal_(0)
    W = W.to_sparse() if kind == "sparse" else W.to("meta")
    with pytest.raises(InputTypeError, match="^weights: expected a (dense tensor|tensor that holds values)"):
        HopfieldNetwork.from_weights(W)


def test_the_update_and_the_layers_refuse_a_sparse_input_but_compute_meta_shapes():
    # hopfield_update of sparse states was torch's NotImplementedError from 'aten::amax'
    with pytest.raises(InputTypeError, match="^states: expected a dense tensor"):
        hopfield_update(X[:2].to_sparse(), X, 1.0)
    with pytest.raises(InputTypeError, match="^stored: expected a dense tensor"):
        hopfield_update(X[:2], X.to_sparse(), 1.0)
    with pytest.raises(InputTypeError, match="^queries: expected a dense tensor"):
        HopfieldLayer(6, 3)(X[None].to_sparse())
    new, att = hopfield_update(X[:2].to("meta"), X.to("meta"), 1.0)   # shapes alone: still computed
    assert new.shape == (2, 6) and att.shape == (2, 5) and new.device.type == "meta"


@pytest.mark.parametrize("call", [
    lambda: _net().recall(P, max_steps=10 ** 20, seed=0),
    lambda: _net().recall(P, mode="sync", max_steps=2 ** 63),
    lambda: ModernHopfield(2.0).store(X).recall(X, max_steps=10 ** 20),
    lambda: capacity_experiment(sizes=[6], loads=[0.5], rules=["hebbian"], max_steps=10 ** 20),
])
def test_max_steps_past_int64_is_a_config_error(call):
    # the step counts are int64 tensors: torch's bare OverflowError 'int too big to convert' after the checks
    with pytest.raises(ConfigError, match=r"^max_steps: expected a positive int <= 2\*\*63 - 1"):
        call()


def test_max_steps_at_the_int64_bound_still_recalls():
    r = _net().recall(P, max_steps=2 ** 63 - 1, seed=0)
    assert torch.equal(r.states, P) and r.steps.tolist() == [1, 1]


@pytest.mark.parametrize("call", [lambda: ModernHopfield(beta=10 ** 400), lambda: hopfield_update(X, X, 10 ** 400),
                                  lambda: HopfieldLayer(6, 3, beta=-10 ** 400)])
def test_a_beta_past_float_range_is_a_config_error(call):
    # math.isfinite(10**400) raised the bare OverflowError 'int too large to convert to float'
    with pytest.raises(ConfigError, match=r"^beta: expected a finite number > 0, got .{50,60}$"):
        call()


def test_check_number_names_an_int_past_float_range():
    with pytest.raises(ConfigError, match=r"^lr: expected a finite number, got 1000.*\.\.\. \(beyond float range\)$"):
        check_number("lr", 10 ** 400, lo=0)
    with pytest.raises(ConfigError, match=r"^lr: expected a finite number, got nan$"):
        check_number("lr", float("nan"))
    assert check_number("epochs", 10 ** 400, lo=1, integer=True) == 10 ** 400   # an int setting: no float range


def test_weights_whose_fields_overflow_are_refused_and_large_ones_recall_as_at_unit_scale():
    g = torch.Generator().manual_seed(1)
    W = torch.randn(12, 12, generator=g)
    W = (W + W.T) / 2
    W.fill_diagonal_(0)
    cues = torch.randint(0, 2, (8, 12), generator=g).float() * 2 - 1
    # 1e38 * 12 units: fields of inf (and inf - inf = NaN, which no flip reads), recalled silently
    with pytest.raises(DataError, match=r"^weights: expected a sum of \|w\| within torch.float32's range"):
        HopfieldNetwork.from_weights(W * 1e38)
    # the oracle: sign dynamics do not depend on the scale of W
    small, large = (HopfieldNetwork.from_weights(W * s).recall(cues, mode="sync", max_steps=50) for s in (1.0, 1e35))
    assert torch.equal(small.states, large.states) and torch.equal(small.steps, large.steps)
    assert bool(torch.isfinite(large.energy).all())


@pytest.mark.parametrize("call, match", [
    (lambda: capacity_experiment(sizes=[10], loads=[1e308]),
     r"^loads: expected loads whose load x N patterns is a finite count, got 1e\+308 at N = 10$"),
    (lambda: modern_capacity_experiment(n_units=10, loads=[1e308]), r"^loads: expected loads whose load x N"),
    (lambda: capacity_experiment(sizes=[10], loads=[1e15]),
     r"^loads: expected sizes whose weights fit in memory, got 1e\+16 patterns of 10 units"),
])
def test_a_load_past_float_range_or_memory_is_a_config_error_naming_loads(call, match):
    # round(1e308 * 10) was the bare OverflowError 'cannot convert float infinity to integer'; 1e16 patterns
    # torch's untyped allocator RuntimeError
    with pytest.raises(ConfigError, match=match):
        call()


def test_a_perturb_scale_past_the_weights_range_is_a_config_error_naming_it():
    # the damaged weights overflowed and from_weights refused them naming 'weights', which the caller never gave
    with pytest.raises(ConfigError, match=r"^perturb_scale: expected a perturbation whose weights stay within "):
        robustness_experiment(n_units=10, n_patterns=2, fractions=[0.5], noise_levels=[0.1], perturb_scale=1e308,
                              trials=1)


@pytest.mark.parametrize("argv, flag", [
    (["capacity", "--sizes", "10", "--loads", "1e308"], "--loads"),
    (["modern", "--n-units", "10", "--loads", "1e308"], "--loads"),
    (["robustness", "--n-units", "10", "--fractions", "0.5", "--noise-levels", "0.1", "--perturb-scale", "1e308",
      "--trials", "1"], "--perturb-scale"),
    (["capacity", "--sizes", "10", "--loads", "0.1", "--max-steps", str(10 ** 20)], "--max-steps"),
])
def test_the_cli_names_the_flag_of_a_value_past_range(argv, flag, tmp_path, capsys):
    # capacity --loads 1e308: OverflowError (exit 1) in the memory check; --perturb-scale 1e308: 'DataError:
    # weights: ...' (exit 1); --max-steps 1e20: OverflowError (exit 1)
    from rnnkit.cli.main import main

    assert main(["hopfield", *argv, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"rnnkit hopfield: error: {flag}: expected "), err
