"""Session 19, helper S: hostile inputs of the layers, export, training, service, Hopfield and tsc. Each test
failed on the code before its fix (a4af298)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=300)


def test_float16_onnx_export_is_checked_and_bfloat16_refused_before_tracing(tmp_path):
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    # a float16 batch-first GRU crashed the process (SIGSEGV) in onnxruntime's session build at the default
    # optimisation level; run in a child process so that a crash is a failure, not the end of the test run
    done = _run(f"""
        import warnings, torch, rnnkit
        from rnnkit.export import load_runner
        warnings.simplefilter("ignore")
        torch.manual_seed(0)
        layer = rnnkit.GRU(3, 4, batch_first=True, dtype=torch.float16)
        result = rnnkit.export(layer, {str(tmp_path / 'g.onnx')!r}, atol=0.05)
        run = load_runner(result.path, "onnx")
        x = torch.randn(2, 6, 3, dtype=torch.float16)
        h0 = torch.zeros(1, 2, 4, dtype=torch.float16)
        out = run(x, h0)[0]
        want = layer(x, h0)[0].detach().float().numpy()
        print("diff", result.max_abs_diff, float(abs(out.astype("float32") - want).max()))
        """)
    assert done.returncode == 0, done.stderr[-2000:]
    first, second = (float(v) for v in done.stdout.split()[1:3])
    assert 0 <= first <= 0.05 and second <= 0.05

    import torch

    import rnnkit
    from rnnkit.errors import ConfigError

    layer = rnnkit.LSTM(3, 4, dtype=torch.bfloat16)   # was onnxruntime's bare NOT_IMPLEMENTED (MatMul) after tracing
    with pytest.raises(ConfigError, match=r"^target: expected a float16, float32 or float64 model for format 'onnx' "
                                          r"checked by onnxruntime .*got bfloat16; use format='torch-export'"):
        rnnkit.export(layer, tmp_path / "b.onnx", atol=1.0)
    assert not (tmp_path / "b.onnx").exists()

