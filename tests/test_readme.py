"""The README's Python examples run as written (issue 15: "the README's examples still run").

Every ```python block of README.md is executed, in order, in one namespace and in a temporary working
folder (the examples write ``runs/x`` and ``gru.onnx``). A block that uses names the README leaves to the
reader (the Training block's ``model``, ``loss_fn`` and data loaders) gets them from ``GIVEN``, defined
here; a new block that needs names nobody defines fails with a NameError, so it cannot be skipped
silently. After each block, what the README's comments claim is checked against the objects it made.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch

README = Path(__file__).resolve().parents[1] / "README.md"

pytestmark = pytest.mark.usefixtures("one_thread_module")


def _blocks() -> list[tuple[str, str]]:
    """``(section heading, code)`` of every ```python block, in order."""
    text = README.read_text()
    out, section = [], ""
    for m in re.finditer(r"^## ([^\n]+)$|^```python\n(.*?)^```", text, re.S | re.M):
        if m.group(1):
            section = m.group(1).strip()
        else:
            out.append((section, m.group(2)))
    return out


class _Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        import rnnkit

        self.rnn, self.out = rnnkit.GRU(3, 8, batch_first=True), torch.nn.Linear(8, 1)

    def forward(self, x):
        return self.out(self.rnn(x)[0][:, -1])


def _given_training() -> dict:
    """What the Training example leaves to the reader: a model, its loss and two small loaders."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(32, 6, 3, generator=g)
    y = x.sum((1, 2)).unsqueeze(-1) / 6
    batches = [(x[i:i + 8], y[i:i + 8]) for i in range(0, 32, 8)]

    def loss_fn(model, batch):
        xb, yb = batch
        return torch.nn.functional.mse_loss(model(xb), yb)

    return {"model": _Net(), "loss_fn": loss_fn, "train_loader": batches, "val_loader": batches[:1]}


GIVEN = {"Training": _given_training}


def _check(section: str, ns: dict) -> None:
    """The claims the README's comments make, on the objects its block made."""
    if section == "Layers":
        assert ns["outputs"].shape == (4, 10, 32) and ns["h"].shape == (4, 4, 16)  # concat of 2 directions
        assert ns["y_t"].shape == (4, 16)
        x = torch.randn(5, 2, 3)
        torch.testing.assert_close(ns["layer"](x)[0], ns["back"](x)[0])  # bptt layer == its torch.nn twin
    elif section == "Training":
        result = ns["result"]
        assert result.epochs_run == 10 and Path("runs/x").is_dir()
    elif section == "Deploy":
        res = ns["res"]
        assert [i["name"] for i in res.inputs] == ["x", "h0"] and res.outputs == ["output", "h_n"]
        assert res.max_abs_diff <= 1e-5 and Path("gru.onnx").is_file()


def test_readme_python_examples_run(tmp_path, monkeypatch):
    blocks = _blocks()
    assert [s for s, _ in blocks] == ["Layers", "Training", "Deploy"], "a new README block: add its checks here"
    monkeypatch.chdir(tmp_path)
    ns: dict = {}
    for section, code in blocks:
        if section in GIVEN:
            ns.update(GIVEN[section]())
        exec(compile(code, f"README.md ({section})", "exec"), ns)  # noqa: S102 - the README's own code
        _check(section, ns)
