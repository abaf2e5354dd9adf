"""Session 36, helper H: the 16-bit export check runs the original model once (session 35 ran it a second time to
size the tolerance). Oracle: a forward hook counting the original's runs on real tensors, and the tolerance
computed independently from the original's outputs on the check's own inputs."""

from __future__ import annotations

import pytest
import torch

import rnnkit
from rnnkit.export import api, export
from rnnkit.export.tolerance import HALF_ULPS

pytestmark = pytest.mark.usefixtures("one_thread_module")


def test_a_float16_export_check_runs_the_original_once_per_check_input(tmp_path):
    """At 531fa65f: 4 runs for the 2 check sizes (tolerance.parity_atol ran each input again)."""
    torch.manual_seed(0)
    gru = rnnkit.GRU(3, 8).half().eval()
    runs: list[tuple[int, ...]] = []
    gru.register_forward_hook(lambda m, i, o: runs.append(tuple(i[0].shape)))
    said: list[str] = []
    export(gru, tmp_path / "g.pt2", format="torch-export", progress=said.append)
    assert sorted(runs) == sorted((t, b, 3) for b, t in api.CHECK_SIZES)   # time-major: (time, batch, features)
    # the tolerance said is the one the outputs give: HALF_ULPS eps x each output's largest |value| on those inputs
    spec = api.resolve(gru)
    tops = {n: 0.0 for n in spec.output_names}
    for i, (b, t) in enumerate(api.CHECK_SIZES):
        with torch.no_grad():
            outs = torch.utils._pytree.tree_leaves(spec.reference(*spec.sample(b, t, seed=i + 1)))
        for n, o in zip(spec.output_names, outs):
            tops[n] = max(tops[n], float(o.float().abs().max()))
    eps = torch.finfo(torch.float16).eps
    line = next(m for m in said if "checking each output within" in m)
    for n, top in tops.items():
        assert f"{n} {HALF_ULPS * eps * top:.3g}" in line


def test_check_parity_fills_largest_with_finite_values_only():
    torch.manual_seed(1)
    gru = rnnkit.GRU(2, 3).eval()
    spec = api.resolve(gru)
    largest: dict[str, float] = {}

    def run(*x):
        with torch.no_grad():
            return [api._numpy(o) for o in torch.utils._pytree.tree_leaves(gru(*x))]
    rows = api.check_parity(spec, run, largest=largest)
    assert all(v == 0.0 for r in rows for v in r["max_abs_diff"].values())
    assert set(largest) == set(spec.output_names) and all(0 < v < 1 for v in largest.values())   # GRU: in (-1, 1)
