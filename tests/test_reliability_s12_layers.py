"""Reliability sweep, session 12 (helper X): layers, cells, Hopfield and the experiments under hostile
inputs. Each case says what happened before the fix; oracles are computed in the test."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import rnnkit
from rnnkit.errors import ConfigError


def _gate_preactivation(layer, x: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
    """The first step's summed gate pre-activation ``(B, G)`` of a one-layer LayerNorm layer, from its
    parameters as the module docstrings define it: ``LN(W_ih x + b_ih) + LN(W_hh h + b_hh)``."""
    w_ih, w_hh, b_ih, b_hh, cell_params, ln_ih = layer._params(0, 0)
    xp = layer.project_inputs(x, w_ih, b_ih, b_hh, ln_ih)[0]
    G = w_hh.shape[0]
    hp = F.layer_norm(F.linear(h, w_hh, b_hh), (G,), layer.ln_hh_weight_l0, layer.ln_hh_bias_l0)
    return xp + hp


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_forget_bias_on_a_layer_norm_layer_shifts_only_the_keep_gate(scratch_registry, kind):
    """Before: forget_bias was written into b_ih, inside the input LayerNorm, which spread it over every gate:
    forget_bias=1 on an LN-LSTM moved f by +1.41 and i, g, o by -0.39, -0.39, -0.63 at init (a registered
    'lstm-ln' in an experiment or comparison ran so, silently). Now the LN shift carries it: the keep gate
    moves by exactly forget_bias and the other gates not at all."""
    from rnnkit.experiments import build_layer

    cls = rnnkit.LSTM if kind == "lstm" else rnnkit.GRU
    rnnkit.register_layer(f"{kind}-ln", lambda i, h, **kw: cls(i, h, layer_norm=True, **kw))
    H, fb = 16, 2.0
    torch.manual_seed(0)
    plain = build_layer(f"{kind}-ln", 3, H, forget_bias=None)
    torch.manual_seed(0)
    biased = build_layer(f"{kind}-ln", 3, H, forget_bias=fb)
    x, h = torch.randn(32, 3), torch.randn(32, H)
    with torch.no_grad():
        shift = _gate_preactivation(biased, x, h) - _gate_preactivation(plain, x, h)
    gate = plain.cell.keep_gate
    want = torch.zeros_like(shift)
    want[:, gate * H:(gate + 1) * H] = fb
    torch.testing.assert_close(shift, want, atol=1e-5, rtol=0)


def test_forget_bias_on_a_layer_without_biases_is_refused():
    """Before: build_layer("lstm", ..., bias=False) dropped forget_bias (default 1.0) silently."""
    from rnnkit.experiments import build_layer

    with pytest.raises(ConfigError, match=r"^forget_bias: expected None for a layer without biases \(bias=False\), "
                                          r"got 1\.0$"):
        build_layer("lstm", 2, 4, bias=False)
    assert not build_layer("lstm", 2, 4, bias=False, forget_bias=None).bias
    assert build_layer("elman", 2, 4, bias=False).cell.keep_gate is None   # no gate to set: nothing dropped


def test_identity_init_for_a_gated_cell_is_refused_before_anything_runs(monkeypatch):
    """Before: resolve_config took init='identity' for an LSTM; the run failed when it built the model, and
    compare(['elman', 'lstm'], init='identity') trained the Elman cell first, then reported the LSTM's row as an
    error. Now the config refuses it, so no cell trains."""
    from rnnkit.experiments import compare, resolve_config
    from rnnkit.experiments import runner

    assert resolve_config("adding", cell="irnn", init="identity").init == "identity"
    with pytest.raises(ConfigError, match=r"^init: 'identity' \(IRNN\) expects a one-gate Elman cell, got cell "
                                          r"'lstm' with 4 gates$"):
        resolve_config("adding", cell="lstm", init="identity")
    ran = []
    monkeypatch.setattr(runner, "run_config", lambda cfg, out=None: ran.append(cfg.cell))
    with pytest.raises(ConfigError, match=r"^init: 'identity'.* got cell 'gru' with 3 gates$"):
        compare("adding", ["elman", "gru"], length=4, steps=1, init="identity")
    assert ran == []


def test_experiment_seed_beyond_torchs_range_is_refused_by_the_config():
    """Before: resolve_config took seed=2**64 (an int >= 0) and the run failed later, when training seeded."""
    from rnnkit.experiments import resolve_config

    assert resolve_config("adding", seed=2 ** 64 - 1).seed == 2 ** 64 - 1
    with pytest.raises(ConfigError, match=r"^seed: expected an int in \[0, 2\*\*64\) \(torch's seeds\), got "
                                          r"18446744073709551616$"):
        resolve_config("adding", seed=2 ** 64)


def test_digits_eval_size_is_the_held_out_size_and_beyond_the_test_split_is_refused():
    """Before: digits with eval_size=7 evaluated on all 450 test digits (the batches were sliced 500 at a time
    past eval_size) and divided the majority baseline's hits on them by 7: baseline accuracy 6.57, test_size 7.
    eval_size=10**6 evaluated on the 450 while result.json's config said 10**6 (cut silently); now refused."""
    pytest.importorskip("sklearn")
    from rnnkit.experiments import EXPERIMENTS, resolve_config
    from rnnkit.experiments.data import sequential_digits

    (_, ytr), (xte, yte) = sequential_digits(seed=0)              # the oracle: the split itself
    n_test, majority = xte.shape[0], int(torch.bincount(ytr, minlength=10).argmax())
    for n in (7, n_test):
        task = EXPERIMENTS["digits"].build(resolve_config("digits", eval_size=n))
        x_val, y_val = torch.cat([x for x, _ in task.val]), torch.cat([y for _, y in task.val])
        assert torch.equal(x_val, xte[:n]) and torch.equal(y_val, yte[:n]) and task.extra["test_size"] == n
        assert task.baseline["accuracy"] == pytest.approx(float((yte[:n] == majority).float().mean()))
    with pytest.raises(ConfigError, match=rf"^eval_size: expected at most the {n_test} test digits \(or None for "
                                          rf"all\), got {n_test + 1}$"):
        EXPERIMENTS["digits"].build(resolve_config("digits", eval_size=n_test + 1))


@pytest.mark.parametrize("bad", [True, 1.5, "3", None, 2 ** 70])
def test_hopfield_experiment_seeds_are_checked(bad):
    """Before: seed=True, 1.5, '3' or None was torch's bare RuntimeError ("manual_seed expected a long"), 2**70
    a bare ValueError (overflow). The seeds torch takes run as before (the same generator stream)."""
    from rnnkit.hopfield.experiments import capacity_experiment

    with pytest.raises(ConfigError, match=r"^seed: expected an int in \[-2\*\*63, 2\*\*64\)"):
        capacity_experiment(sizes=[8], loads=[0.25], rules=["hebbian"], seed=bad)
    run = capacity_experiment(sizes=[8], loads=[0.25], rules=["hebbian"], seed=-3)
    again = capacity_experiment(sizes=[8], loads=[0.25], rules=["hebbian"], seed=-3)
    assert run["curves"] == again["curves"]
