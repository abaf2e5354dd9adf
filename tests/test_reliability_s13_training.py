"""Session 13's reliability sweep (helper R): training, engines, diagnostics, bench, PackedSequence.

Each test fails on the code before its fix (checked against ``git archive`` of the commit before).
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from rnnkit.bench import harness, suite


# ------------------------------------------------------------------ bench: inference in eval mode
class _Probe(nn.Module):
    """Records the mode and grad mode of each forward."""

    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(2, 2)
        self.seen: list[tuple[bool, bool]] = []

    def forward(self, x):
        self.seen.append((self.training, torch.is_grad_enabled()))
        return self.lin(x), None


def test_infer_step_runs_in_eval_mode_without_grad_and_restores_the_mode():
    m = _Probe().train()
    harness.infer_step(m, torch.zeros(3, 2))
    assert m.seen == [(False, False)]     # was (True, False): dropout/zoneout masks drawn in "inference"
    assert m.training                      # the caller's mode is back
    m.eval()
    harness.infer_step(m, torch.zeros(3, 2))
    assert m.seen[-1] == (False, False) and not m.training


def test_bench_suite_times_inference_in_eval_and_training_in_train_mode(monkeypatch):
    modes = {"infer": set(), "train": set()}
    real_infer, real_train = suite.infer_step, suite.train_step

    def infer(m, x):
        modes["infer"].add(m.training)
        real_infer(m, x)

    def train(m, x):
        modes["train"].add(m.training)
        real_train(m, x)

    monkeypatch.setattr(suite, "infer_step", infer)
    monkeypatch.setattr(suite, "train_step", train)
    rows = suite.run_benchmarks(["lstm-zoneout"], [(2, 3, 4, 4)], reps=1, budget_s=1e-3, autograd=False)
    assert rows and modes == {"infer": {False}, "train": {True}}
