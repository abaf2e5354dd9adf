"""Session 31, helper K2: what a killed write leaves behind is cleaned by the next write of the same names, and only
that (a user's file named like a temporary one is kept)."""

import os
import signal
import subprocess
import sys

import pytest
import torch

import rnnkit
from rnnkit.export import export
from rnnkit.export.api import load_runner

pytestmark = pytest.mark.usefixtures("one_thread_module")  # one torch thread (tests/conftest.py)

_KILLED_EXPORT = r'''
import os, signal, sys, torch, rnnkit
from rnnkit.export import export
real = os.replace
def replace(src, dst, *a, **k):          # both files staged whole; killed before the first rename
    if os.path.basename(os.fsdecode(dst)) == "model.onnx.json":
        os.kill(os.getpid(), signal.SIGKILL)
    return real(src, dst, *a, **k)
os.replace = replace
torch.manual_seed(0)
export(rnnkit.GRU(2, 3, batch_first=True).eval(), sys.argv[1])
'''


def test_an_export_removes_the_temporary_files_a_killed_export_of_its_pair_left(tmp_path):
    """An export killed between staging its two files and renaming them left '.tmp-model.onnx-<8 hex>' (the model's
    size) and '.tmp-model.onnx.json-<8 hex>' beside the export for good: no later export removed them. The next
    export to that name now does (under the folder's lock); a user's '.tmp-*' file and another name's temporary
    file are kept. Fails at dfd260d (the temporary files stay)."""
    out = tmp_path / "exp"
    path = out / "model.onnx"
    p = subprocess.run([sys.executable, "-c", _KILLED_EXPORT, str(path)], capture_output=True, timeout=300,
                       env=dict(os.environ, OMP_NUM_THREADS="1"))
    assert p.returncode == -signal.SIGKILL, p.stderr.decode()[-2000:]
    left = sorted(e.name for e in out.iterdir())
    assert len(left) == 2 and left[0].startswith(".tmp-model.onnx-") and left[1].startswith(".tmp-model.onnx.json-")
    mine = [".tmp-mine", ".tmp-model.onnx-notes", ".tmp-other.onnx-0123abcd"]
    for name in mine:
        (out / name).write_text("x")
    gru = rnnkit.GRU(2, 3, batch_first=True).eval()
    export(gru, path)
    assert sorted(e.name for e in out.iterdir()) == [*mine, "model.onnx", "model.onnx.json"]
    x = torch.randn(2, 4, 2)
    with torch.no_grad():
        want = gru(x)[0]
    got = load_runner(path, "onnx")(x, torch.zeros(1, 2, 3))[0]
    assert torch.allclose(torch.from_numpy(got), want, atol=1e-5)

