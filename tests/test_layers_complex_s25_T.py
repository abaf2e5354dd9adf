"""Layers made complex with ``layer.to(torch.complex64)`` (``nn.Module.to`` allows it; torch.nn's RNN/LSTM/GRU
compute complex sequences and their gradients) -- session 25, T.

Before: the hand-written BPTT (``engine="bptt"``/``"fused"``, and ``"auto"`` for a configuration torch.nn has no
kernel for, or under a GradFlowRecorder) gave the outputs of torch.nn but other gradients, silently (up to 50
off for Elman: the real-only backward has no conjugation), and every minGRU/minLSTM scan failed with another
untyped torch error. Now ``"auto"`` runs torch's kernel (or the autograd loop), ``"bptt"``/``"fused"`` are a
ConfigError naming the engine, and the minimal layers a ConfigError. Oracle: torch.nn's module with the same
weights (``to_torch``), outputs and gradients to 1e-5.
"""

import warnings

import pytest
import torch

import rnnkit
from rnnkit.diagnostics import GradFlowRecorder
from rnnkit.errors import ConfigError

torch.set_num_threads(1)
warnings.filterwarnings("ignore", message="Complex modules are a new feature")

KINDS = {"lstm": rnnkit.LSTM, "gru": rnnkit.GRU, "elman": rnnkit.ElmanRNN}


def _grads(module, x, h0=None):
    y, _ = module(x, h0)
    return y, torch.autograd.grad(y.abs().sum(), list(module.parameters()))


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("engine", ["auto", "native", "reference"])
def test_a_complex_layer_equals_torch_nn_with_its_gradients(kind, engine):
    torch.manual_seed(0)
    layer = KINDS[kind](3, 4, num_layers=2, bidirectional=True, engine=engine).to(torch.complex64)
    x = torch.randn(5, 2, 3, dtype=torch.complex64)
    y, g = _grads(layer, x)
    with GradFlowRecorder():     # the recorder switched "auto" to the hand engine
        y2, g2 = _grads(layer, x)
    yt, gt = _grads(layer.to_torch(), x)
    for got in ((y, g), (y2, g2)):
        assert torch.allclose(got[0], yt, atol=1e-5)
        assert all(torch.allclose(a, b, atol=1e-5) for a, b in zip(got[1], gt))


def test_auto_runs_the_autograd_loop_for_a_complex_variant():
    torch.manual_seed(1)
    layer = rnnkit.GRU(3, 4, zoneout=0.2).to(torch.complex64).eval()
    ref = rnnkit.GRU(3, 4, zoneout=0.2, engine="reference").to(torch.complex64).eval()
    ref.load_state_dict(layer.state_dict())
    x = torch.randn(5, 2, 3, dtype=torch.complex64)
    (y, g), (yr, gr) = _grads(layer, x), _grads(ref, x)
    assert torch.allclose(y, yr, atol=1e-6) and all(torch.allclose(a, b, atol=1e-6) for a, b in zip(g, gr))


@pytest.mark.parametrize("engine", ["bptt", "fused"])
def test_the_hand_engines_refuse_complex_weights_by_name(engine):
    layer = rnnkit.LSTM(3, 4, engine=engine).to(torch.complex64)
    with pytest.raises(ConfigError, match=rf"^engine: expected 'auto', 'native' or 'reference' for complex weights .*"
                                          rf"got '{engine}'"):
        layer(torch.randn(5, 2, 3, dtype=torch.complex64))


@pytest.mark.parametrize("cls", [rnnkit.MinGRU, rnnkit.MinLSTM])
@pytest.mark.parametrize("scan", ["auto", "chunked", "log", "sequential"])
def test_the_minimal_layers_refuse_complex_weights_in_every_scan_and_step(cls, scan):
    layer = cls(3, 4, scan=scan).to(torch.complex64)
    x = torch.randn(5, 2, 3, dtype=torch.complex64)
    with pytest.raises(ConfigError, match=r"^layer: expected real weights .*got dtype torch.complex64"):
        layer(x)
    with pytest.raises(ConfigError, match=r"^layer: expected real weights"):
        layer.step(x[0])
