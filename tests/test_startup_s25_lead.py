"""Start-up cost of the CLI (session 25, lead): importing rnnkit must not load ``torch._dynamo``.

``engine/native.py`` wrapped its eager fallback in ``torch.compiler.disable`` at import, which imports
``torch._dynamo`` (3-4 s and ~140 MiB of a ``rnnkit --help`` on a loaded 2-core machine) for every command, most
of which never compile. The wrapper is now made at its first use; a layer compiled before any eager call must still
run torch's kernels eagerly inside the compiled function, equal to the eager call."""

from __future__ import annotations

import subprocess
import sys

import torch

import rnnkit


def test_importing_the_cli_does_not_load_dynamo():
    code = ("import sys, rnnkit, rnnkit.cli.main, rnnkit.tasks, rnnkit.training; "
            "print('torch._dynamo' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "False", out.stdout + out.stderr


def test_native_layer_compiled_at_its_first_call_equals_eager():
    code = """
import sys, torch, rnnkit
from rnnkit.engine import native
torch.manual_seed(0)
layer = rnnkit.LSTM(4, 8, engine="native")
assert not native._EAGER
x = torch.randn(5, 3, 4, requires_grad=True)
y, _ = torch.compile(layer, backend="aot_eager")(x)
y.sum().backward()
g = x.grad.clone(); x.grad = None
y2, _ = layer(x); y2.sum().backward()
assert native._EAGER, "the compiled call did not take the eager path"
print(float((y - y2).abs().max()), float((g - x.grad).abs().max()))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    dy, dg = map(float, out.stdout.split())
    assert dy <= 1e-6 and dg <= 1e-6


def test_native_eager_call_does_not_need_dynamo():
    layer = rnnkit.LSTM(3, 5, engine="native")
    ref = torch.nn.LSTM(3, 5)
    ref.load_state_dict(layer.state_dict())
    x = torch.randn(4, 2, 3)
    torch.testing.assert_close(layer(x)[0], ref(x)[0])
