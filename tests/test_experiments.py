"""Long-term dependency experiments: data generators (correct by construction, seeded), initialisations,
a short run where LSTM clearly beats the baseline, the bidirectional benefit, the CLI JSON contract, and
typed errors for bad input.

Baselines are checked against the same data in the test (e.g. the memoryless copy predictor scored with
cross_entropy), never against numbers copied from elsewhere.
"""

import json
import math

import pytest
import torch
import torch.nn.functional as F

from rnnkit.errors import ConfigError, InputTypeError
from rnnkit.experiments import (
    build_layer,
    compare,
    compare_cells,
    copy_memory,
    copy_memory_baseline,
    digits_permutation,
    lookahead_tagging,
    adding_problem,
    resolve_config,
    run_experiment,
    sequential_digits,
)
from rnnkit.experiments.data import COPY_DELIMITER, IGNORE_INDEX


pytestmark = pytest.mark.usefixtures("one_thread")  # one torch thread (tests/conftest.py)


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


TINY = {"hidden_size": 8, "batch_size": 8, "eval_size": 16}


# ---------------------------------------------------------------------------------------- data
def test_adding_problem_construction_and_determinism():
    T = 11
    x, y = adding_problem(64, T, generator=gen(3))
    assert x.shape == (64, T, 2) and y.shape == (64, 1) and x.dtype == torch.float32
    values, markers = x[..., 0], x[..., 1]
    assert ((values >= 0) & (values < 1)).all()
    assert torch.equal(markers.sum(1), torch.full((64,), 2.0))
    assert torch.equal(markers[:, : T // 2].sum(1), torch.ones(64))          # one in each half
    first = markers.argmax(1)
    second = T - 1 - markers.flip(1).argmax(1)
    assert torch.allclose(y[:, 0], values[torch.arange(64), first] + values[torch.arange(64), second])
    x2, y2 = adding_problem(64, T, generator=gen(3))
    assert torch.equal(x, x2) and torch.equal(y, y2)
    assert not torch.equal(x, adding_problem(64, T, generator=gen(4))[0])


def test_adding_baseline_is_the_variance_of_the_target():
    _, y = adding_problem(20000, 20, generator=gen(1))
    mse_of_mean = float(((y - 1.0) ** 2).mean())
    # Var(U1+U2) = 1/6; the sample estimate's standard error at n=20000 is ~0.0011
    assert abs(mse_of_mean - 1 / 6) < 0.006


def test_copy_memory_construction_and_memoryless_baseline():
    T, B = 7, 32
    x, y = copy_memory(B, T, generator=gen(0))
    assert x.shape == (B, T + 20, 10) and y.shape == (B, T + 20)
    tok = x.argmax(-1)
    assert ((tok[:, :10] >= 1) & (tok[:, :10] <= 8)).all()
    assert (tok[:, 10:T + 9] == 0).all() and (tok[:, T + 9] == COPY_DELIMITER).all() and (tok[:, T + 10:] == 0).all()
    assert (y[:, :T + 10] == 0).all() and torch.equal(y[:, -10:], tok[:, :10])
    assert torch.equal(x, copy_memory(B, T, generator=gen(0))[0])
    # the memoryless strategy: certain blank for T+10 steps, uniform over symbols 1..8 for the last 10
    logits = torch.full((B, T + 20, 10), -1e9)
    logits[:, :T + 10, 0] = 0.0
    logits[:, T + 10:, 1:9] = 0.0
    ce = F.cross_entropy(logits.reshape(-1, 10), y.reshape(-1)).item()
    base = copy_memory_baseline(T)
    assert ce == pytest.approx(base["cross_entropy"], rel=1e-6)
    assert base["cross_entropy"] == pytest.approx(10 * math.log(8) / (T + 20))


def test_sequential_digits_split_and_fixed_permutation():
    (xtr, ytr), (xte, yte) = sequential_digits(seed=0)
    assert xtr.shape[1:] == (64, 1) and xtr.shape[0] + xte.shape[0] == 1797
    assert 0.0 <= float(xtr.min()) and float(xtr.max()) <= 1.0
    assert set(ytr.tolist()) == set(range(10))
    (ptr, pytr), _ = sequential_digits(seed=0, permuted=True)
    perm = torch.from_numpy(digits_permutation())
    assert torch.equal(pytr, ytr) and torch.equal(ptr, xtr[:, perm])        # same digits, pixels reordered
    assert sorted(perm.tolist()) == list(range(64)) and not torch.equal(perm, torch.arange(64))
    assert torch.equal(perm, torch.from_numpy(digits_permutation()))         # fixed, not per run
    (xtr2, _), _ = sequential_digits(seed=0)
    assert torch.equal(xtr, xtr2)
    assert not torch.equal(xtr, sequential_digits(seed=1)[0][0])


def test_lookahead_tagging_targets():
    x, y = lookahead_tagging(16, 9, lookahead=3, vocab=5, generator=gen(2))
    tok = x.argmax(-1)
    assert x.shape == (16, 9, 5) and torch.equal(y[:, :6], tok[:, 3:]) and (y[:, 6:] == IGNORE_INDEX).all()
    assert torch.equal(x, lookahead_tagging(16, 9, lookahead=3, vocab=5, generator=gen(2))[0])


@pytest.mark.parametrize("call,err,match", [
    (lambda: adding_problem(4, 1, generator=gen()), ConfigError, "length: expected an int >= 2, got 1"),
    (lambda: adding_problem(0, 5, generator=gen()), ConfigError, "batch_size: expected an int >= 1, got 0"),
    (lambda: adding_problem(4, 5, generator=None), InputTypeError, "generator: expected a torch.Generator"),
    (lambda: copy_memory(4, 0, generator=gen()), ConfigError, "delay: expected an int >= 1, got 0"),
    (lambda: lookahead_tagging(4, 3, lookahead=3, generator=gen()), ConfigError, r"length: expected an int > lookahead \(3\), got 3"),
    (lambda: sequential_digits(test_fraction=1.5), ConfigError, "test_fraction: expected a float in"),
])
def test_generator_errors(call, err, match):
    with pytest.raises(err, match=match):
        call()


# ---------------------------------------------------------------------------------------- models
def test_initialisations():
    H = 6
    lstm = build_layer("lstm", 2, H, init="orthogonal", forget_bias=2.0)
    for k in range(4):
        block = lstm.weight_hh_l0[k * H:(k + 1) * H]
        assert torch.allclose(block @ block.T, torch.eye(H), atol=1e-5)
    assert torch.equal(lstm.bias_ih_l0[H:2 * H], torch.full((H,), 2.0))
    assert torch.equal(lstm.bias_hh_l0[H:2 * H], torch.zeros(H))
    irnn = build_layer("irnn", 2, H)
    assert irnn.nonlinearity == "relu" and torch.equal(irnn.weight_hh_l0, torch.eye(H))
    assert all(float(b.detach().abs().sum()) == 0 for n, b in irnn.named_parameters() if n.startswith("bias"))
    gru = build_layer("gru", 2, H, forget_bias=1.5)                         # update gate z: rows H:2H
    assert torch.equal(gru.bias_ih_l0[H:2 * H], torch.full((H,), 1.5))
    with pytest.raises(ConfigError, match="init: 'identity' \\(IRNN\\) expects a one-gate Elman cell"):
        build_layer("lstm", 2, H, init="identity")
    with pytest.raises(ConfigError, match="cell: expected one of .*got 'lsmt'"):
        build_layer("lsmt", 2, H)
    assert compare_cells()[:4] == ["elman", "irnn", "lstm", "gru"]


# ---------------------------------------------------------------------------------------- runs
def test_lstm_clearly_beats_the_adding_baseline_at_small_T():
    r = run_experiment("adding", cell="lstm", length=6, steps=300, seed=0, hidden_size=32, batch_size=32,
                       lr=1e-2, eval_every=100, eval_size=256)
    assert r["metrics"]["mse"] < 0.25 * r["baseline"]["mse"], r["curve"]
    assert r["steps"] == 300 and [p["step"] for p in r["curve"]] == [100, 200, 300]
    # the baseline measured on the same held-out set agrees with 1/6
    assert abs(r["baseline_on_eval_set"]["mse"] - 1 / 6) < 0.05
    # gradient flow recorded at init and after training, one value per step
    for when in ("init", "final"):
        (s,) = r["gradient_flow"][when].values()
        assert s["steps"] == 6 and len(s["mean_norms"]) == 6 and s["last"] > 0


def test_bidirectional_beats_unidirectional_on_lookahead_tags():
    r = run_experiment("bidirectional", cell="gru", length=8, steps=150, seed=0, hidden_size=32, batch_size=32,
                       lr=1e-2, eval_every=150, eval_size=256)
    uni = r["baseline"]["accuracy"]
    assert r["metrics"]["accuracy"] > uni + 0.3, (r["metrics"], uni)
    assert uni < 0.3                                                      # chance is 1/8: it cannot see ahead
    assert {"l0.fwd", "l0.bwd"} <= {t.split(".", 1)[1] for t in r["gradient_flow"]["final"]}
    assert r["unidirectional"]["metrics"]["accuracy"] == uni


def test_same_seed_same_run_and_compare_shares_data():
    a = run_experiment("copy", cell="gru", length=3, steps=4, seed=5, eval_every=2, **TINY)
    b = run_experiment("copy", cell="gru", length=3, steps=4, seed=5, eval_every=2, **TINY)
    assert a["curve"] == b["curve"] and a["metrics"] == b["metrics"]
    s = compare("copy", ["elman", "gru"], length=3, steps=4, seed=5, eval_every=2, **TINY)
    assert [r["cell"] for r in s["rows"]] == ["elman", "gru"]
    assert s["results"][1]["curve"] == a["curve"]                        # same batches, same init seed
    assert "gru" in s["table"] and "cross_entropy" in s["table"]


def test_stop_when_solved_stops_at_the_first_solving_evaluation():
    r = run_experiment("adding", cell="lstm", length=6, steps=300, seed=0, hidden_size=32, batch_size=32,
                       lr=1e-2, eval_every=50, eval_size=256, stop_when_solved=True)
    if r["solved"]:
        assert r["steps"] == r["steps_to_solve"] < 300 and r["metrics"]["mse"] < 0.01
    else:                                                                 # not solved: ran the full budget
        assert r["steps"] == 300 and r["steps_to_solve"] is None


@pytest.mark.parametrize("kwargs,match", [
    ({"name": "addition"}, "experiment: expected one of"),
    ({"cell": "transformer"}, "cell: expected one of"),
    ({"length": 0}, "length: expected an int >= 2 or None, got 0"),
    ({"name": "digits", "length": 32}, "length: expected 64 for digits"),
    ({"steps": -1}, "steps: expected an int >= 1 or None, got -1"),
    ({"lr": 0.0}, "lr: expected a positive number or None, got 0.0"),
    ({"init": "xavier"}, "init: expected one of"),
    ({"clip_norm": float("nan")}, "clip_norm: expected a positive number or None"),
    ({"bogus": 1}, r"options: unknown \['bogus'\]"),
])
def test_bad_experiment_config(kwargs, match):
    kw = {"name": "adding", **kwargs}
    name = kw.pop("name")
    with pytest.raises(ConfigError, match=match):
        resolve_config(name, **kw)


# ---------------------------------------------------------------------------------------- CLI
def test_cli_json_contract_and_files(capsys, tmp_path):
    from rnnkit.cli.main import main

    code = main(["experiment", "adding", "--cell", "gru", "--length", "8", "--steps", "4", "--hidden-size", "8",
                 "--batch-size", "8", "--eval-size", "16", "--eval-every", "2", "--seed", "1", "--json", "--quiet",
                 "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    r = json.loads(out)                                                   # exactly one JSON object
    assert {"experiment", "cell", "length", "metrics", "baseline", "steps", "seconds", "curve",
            "gradient_flow"} <= set(r)
    assert (r["experiment"], r["cell"], r["length"], r["steps"]) == ("adding", "gru", 8, 4)
    assert set(r["metrics"]) == set(r["baseline"]) == {"mse"}
    assert [p["step"] for p in r["curve"]] == [2, 4]
    assert set(r["gradient_flow"]) == {"init", "final"}
    for name in ("result.json", "curve.png", "gradflow.png"):
        assert (tmp_path / name).stat().st_size > 0
    assert (tmp_path / "curve.png").read_bytes()[:4] == b"\x89PNG"
    assert json.loads((tmp_path / "result.json").read_text())["metrics"] == r["metrics"]


def test_cli_compare_mode_prints_one_table(capsys, tmp_path):
    from rnnkit.cli.main import main

    args = ["--length", "3", "--steps", "2", "--hidden-size", "8", "--batch-size", "8", "--eval-size", "8", "--quiet"]
    assert main(["experiment", "compare", "copy", "--cell", "elman", "lstm", "--out", str(tmp_path), *args]) == 0
    text = capsys.readouterr().out
    assert "elman" in text and "lstm" in text and "baseline" in text
    assert (tmp_path / "curves.png").exists() and (tmp_path / "lstm" / "result.json").exists()
    assert main(["experiment", "copy", "--cell", "elman", "gru", "--json", *args]) == 0
    s = json.loads(capsys.readouterr().out)
    assert [r["cell"] for r in s["rows"]] == ["elman", "gru"] and len(s["results"]) == 2


@pytest.mark.parametrize("argv,match", [
    (["experiment", "addition"], "experiment: expected one of"),
    (["experiment", "adding", "--cell", "lsmt"], "cell: expected one of"),
    (["experiment", "adding", "--length", "0"], "length: expected an int >= 2"),
    (["experiment", "adding", "--steps", "0"], "steps: expected an int >= 1"),
    (["experiment", "compare"], "compare: expected an experiment name"),
    (["experiment", "adding", "copy"], "NAME: expected one experiment name"),
    (["experiment", "adding", "--clip-norm", "abc"], "expected a number or 'none'"),
])
def test_cli_usage_errors_exit_2(capsys, argv, match):
    from rnnkit.cli.main import main

    assert main(argv) == 2
    err = capsys.readouterr().err
    assert match in err and "Traceback" not in err


def test_cli_list(capsys):
    from rnnkit.cli.main import main

    assert main(["experiment", "list", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert {"adding", "copy", "digits", "permuted-digits", "bidirectional"} <= set(r["experiments"])
    assert {"elman", "lstm", "gru"} <= set(r["cells"])
