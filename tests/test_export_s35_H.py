"""Session 35, helper H: the export parity check's tolerance follows the model's dtype (rnnkit.export.tolerance).
Oracles: onnxruntime / the loaded torch.export program against the original model (the check itself), and a
runtime whose outputs are moved by a known amount (the check must catch it)."""

from __future__ import annotations

import pytest
import torch

import rnnkit
from rnnkit.errors import ConfigError, ParityError
from rnnkit.export import api, export
from rnnkit.export.tolerance import DEFAULT_ATOL, HALF_ULPS
from shared_helpers import GRUHead

pytestmark = pytest.mark.usefixtures("one_thread_module")
_LOAD_RUNNER = api.load_runner


def _moved(by: float, monkeypatch):
    """Make the check's runtime return every output moved by ``by`` times max(1, |output|)."""
    def load(data, format):
        run = _LOAD_RUNNER(data, format)
        return lambda *inputs: [o + by * max(1.0, float(abs(o).max()) if o.size else 0.0) for o in run(*inputs)]

    monkeypatch.setattr(api, "load_runner", load)


def test_a_float16_layer_exports_to_onnx_with_the_default_tolerance(tmp_path):
    """At 85b997f the default atol (1e-5) failed every float16 model: ParityError 4.9e-4, one float16 step. Now the
    check holds it to HALF_ULPS float16 eps times its outputs' size, and says so."""
    pytest.importorskip("onnxruntime")
    torch.manual_seed(0)
    gru = rnnkit.GRU(3, 8).half().eval()
    said: list[str] = []
    res = export(gru, tmp_path / "g.onnx", progress=said.append)
    eps = torch.finfo(torch.float16).eps
    assert DEFAULT_ATOL < res.max_abs_diff <= HALF_ULPS * eps      # GRU outputs are in (-1, 1): scale 1
    assert any("float16" in m and "checking each output within" in m for m in said)
    with pytest.raises(ParityError, match=r"expected outputs within 1e-05"):   # an atol given is the atol checked
        export(gru, tmp_path / "g2.pt2", format="torch-export", atol=1e-5)
    assert not (tmp_path / "g2.pt2").exists()


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_the_derived_tolerance_still_catches_a_runtime_off_by_more(dtype, tmp_path, monkeypatch):
    eps = torch.finfo(dtype).eps
    torch.manual_seed(1)
    layer = rnnkit.ElmanRNN(3, 6, nonlinearity="relu").to(dtype).eval()   # outputs past 1: the scale counts
    _moved(2 * HALF_ULPS * eps, monkeypatch)
    with pytest.raises(ParityError):
        export(layer, tmp_path / "m.pt2", format="torch-export")
    _moved(HALF_ULPS * eps / 4, monkeypatch)
    res = export(layer, tmp_path / "m.pt2", format="torch-export")
    assert res.max_abs_diff > DEFAULT_ATOL


def test_a_float32_model_keeps_the_1e_5_check(tmp_path, monkeypatch):
    torch.manual_seed(2)
    layer = rnnkit.LSTM(3, 5).eval()
    _moved(3e-5, monkeypatch)
    with pytest.raises(ParityError, match=r"expected outputs within 1e-05"):
        export(layer, tmp_path / "m.pt2", format="torch-export")
    _moved(3e-6, monkeypatch)
    assert export(layer, tmp_path / "m.pt2", format="torch-export").max_abs_diff < DEFAULT_ATOL


@pytest.mark.parametrize("atol", [0, -1.0, float("nan"), float("inf"), "1e-3"])
def test_a_bad_atol_is_still_refused_naming_it(atol, tmp_path):
    with pytest.raises(ConfigError, match=r"^atol: expected a finite positive number or None, got"):
        export(rnnkit.GRU(3, 4), tmp_path / "m.pt2", format="torch-export", atol=atol)


def test_each_output_is_held_to_its_own_size(tmp_path, monkeypatch):
    """Review W9: one scale for every output (the largest of any) checked a GRU's states in (-1, 1) within ~20 beside a
    head in data units (~5000) and wrote a runtime whose states were off by 0.5. Now each output has its own."""
    torch.manual_seed(0)
    model = GRUHead(scale=100.0, shift=5000.0).half().eval()

    def load(data, format):
        run = _LOAD_RUNNER(data, format)
        return lambda *inputs: [o + (0.05 if i == 0 else 0.0) for i, o in enumerate(run(*inputs))]

    monkeypatch.setattr(api, "load_runner", load)
    with pytest.raises(ParityError, match=r"output 'output_0'"):
        export(model, tmp_path / "m.pt2", format="torch-export", example=(torch.randn(2, 5, 3).half(),))
    monkeypatch.setattr(api, "load_runner", _LOAD_RUNNER)
    assert export(model, tmp_path / "m.pt2", format="torch-export", example=(torch.randn(2, 5, 3).half(),)).parity

