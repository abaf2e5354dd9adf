"""Checks every writing command makes before any work (issue 14, item 9), classify predict's line
numbers (item 4), and the one-line error contract (exit 2 usage / 1 runtime, no traceback).

The path and size cases give each command an input that does not exist: a check that runs first answers
with exit 2 naming the flag; one that runs after the data is read (or after the fit) answers otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import pytest
import torch

from rnnkit.cli import common
from rnnkit.cli.main import main
from rnnkit.errors import CheckpointError, ConfigError, DataError

pytestmark = pytest.mark.usefixtures("one_thread")


def run_cli(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.fixture
def no_work(monkeypatch):
    """Commands whose input is not a file: make their work fail loudly if it is ever reached."""
    def boom(*a, **k):
        raise AssertionError("the command started its work before checking its flags")

    import rnnkit.bench
    import rnnkit.experiments
    import rnnkit.hopfield.experiments

    monkeypatch.setattr(rnnkit.experiments, "run_config", boom)
    monkeypatch.setattr(rnnkit.experiments, "compare", boom)
    monkeypatch.setattr(rnnkit.hopfield.experiments, "capacity_experiment", boom)
    monkeypatch.setattr(rnnkit.bench, "run_benchmarks", boom)


def _commands(tmp):
    """One argv per writing command (``OUT`` marks the output folder), each with a missing input."""
    missing = tmp / "missing.csv"
    return {
        "forecast": ["forecast", "--csv", missing, "--target", "y", "--horizon", "2", "--out", "OUT"],
        "classify": ["classify", "train", "--csv", missing, "--out", "OUT"],
        "tag": ["tag", "train", "--conll", missing, "--out", "OUT"],
        "tsc": ["tsc", "train", "--csv", missing, "--out", "OUT"],
        "generate": ["generate", "train", "--text", missing, "--out", "OUT"],
        "translate": ["translate", "train", "--tsv", missing, "--out", "OUT"],
        "experiment": ["experiment", "adding", "--length", "5", "--steps", "1", "--out", "OUT"],
        "hopfield": ["hopfield", "capacity", "--sizes", "10", "--loads", "0.1", "--out", "OUT"],
        "bench": ["bench", "--cells", "lstm", "--shapes", "1,2,2,2", "--reps", "1", "--out", "OUT"],
    }


COMMANDS = list(_commands(Path("/x")))


# ------------------------------------------------------------------------------ output paths (item 9)
@pytest.mark.parametrize("kind", ["file", "under-file"])
@pytest.mark.parametrize("command", COMMANDS)
def test_out_that_is_a_file_or_under_one_is_refused_before_work(command, kind, tmp_path, capsys, no_work):
    # Runs as root too: no permission bit lets anyone create a folder inside a regular file.
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    out = blocker if kind == "file" else blocker / "run"
    argv = [out if a == "OUT" else a for a in _commands(tmp_path)[command]]
    code, stdout, err = run_cli(argv, capsys)
    line = one_line(err)
    assert code == 2 and stdout == "", line
    assert line.startswith(f"rnnkit {command}: error: --out: expected a folder"), line
    assert repr(str(blocker)) in line
    assert not (blocker.parent / "run").exists() and blocker.read_text() == "x"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root writes into read-only folders; the file cases above cover root")
@pytest.mark.parametrize("command", ["forecast", "classify", "hopfield"])
def test_out_in_a_read_only_folder_is_refused_before_work(command, tmp_path, capsys, no_work):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        argv = [ro / "run" if a == "OUT" else a for a in _commands(tmp_path)[command]]
        code, _, err = run_cli(argv, capsys)
    finally:
        ro.chmod(0o700)
    line = one_line(err)
    assert code == 2 and "--out: expected a writable folder" in line and "not writable" in line


def test_check_out_dir_accepts_new_and_existing_folders(tmp_path):
    common.check_out_dir(None)
    common.check_out_dir(tmp_path)                       # exists
    common.check_out_dir(tmp_path / "a" / "b" / "c")     # created later, under a writable folder
    common.check_out_dir("relative/run")                 # under the working directory
    (tmp_path / "f").write_text("")
    with pytest.raises(common.UsageError, match=r"^--model-dir: expected a folder path, got .* is a file"):
        common.check_out_dir(tmp_path / "f" / "x" / "y", "--model-dir")


# ------------------------------------------------------------------------------ sizes (item 9)
SIZES = [
    ("forecast", ["--hidden-size", "1000000"], "--hidden-size"),
    ("forecast", ["--num-layers", "10000000"], "--num-layers"),
    ("classify", ["--hidden-size", "8", "--embed-dim", "100000000"], "--embed-dim"),
    ("classify", ["--hidden-size", "1000000"], "--hidden-size"),
    ("tag", ["--word-dim", "100000000"], "--word-dim"),
    ("tag", ["--hidden-size", "1000000"], "--hidden-size"),
    ("tsc", ["--hidden-size", "1000000"], "--hidden-size"),
    ("generate", ["--embed-dim", "100000000"], "--embed-dim"),
    ("generate", ["--hidden-size", "1000000"], "--hidden-size"),
    ("translate", ["--enc-hidden", "1000000"], "--enc-hidden"),
    ("experiment", ["--hidden-size", "1000000"], "--hidden-size"),
    ("hopfield", ["--sizes", "1000000"], "--sizes"),
    ("bench", ["--shapes", "1,1,1,1000000"], "--shapes"),
]


@pytest.mark.parametrize("command,flags,named", SIZES, ids=[f"{c}{f[-2]}" for c, f, _ in SIZES])
def test_absurd_sizes_are_config_errors_naming_the_flag_and_memory(command, flags, named, tmp_path, capsys,
                                                                     no_work):
    argv = [tmp_path / "run" if a == "OUT" else a for a in _commands(tmp_path)[command]]
    if command == "hopfield":
        argv = [a for a in argv if a not in ("--sizes", "10")]
    if command == "bench":
        argv = [a for a in argv if a not in ("--shapes", "1,2,2,2")]
    code, _, err = run_cli(argv + flags, capsys)
    line = one_line(err)
    assert code == 2, line
    value = flags[flags.index(named) + 1]
    assert f"error: {named}: expected a size that fits in memory" in line and f"got {value}," in line
    assert "would need about" in line and " available on " in line
    assert not (tmp_path / "run").exists()


def test_rnn_params_match_torch_parameter_counts():
    for cell, cls in (("lstm", torch.nn.LSTM), ("gru", torch.nn.GRU), ("elman", torch.nn.RNN)):
        for layers, bidir in ((1, False), (3, True)):
            ref = sum(p.numel() for p in cls(5, 7, layers, bidirectional=bidir).parameters())
            assert common.rnn_params(cell, 5, 7, layers, bidir) == ref, (cell, layers, bidir)


def test_check_memory_boundary_and_flag_attribution(monkeypatch):
    parser = argparse.ArgumentParser()
    parser.add_argument("--a", type=int, default=1)
    parser.add_argument("--b", type=int, default=1)
    need = lambda ns: 100 * ns.a + 10 * ns.b  # noqa: E731
    args = parser.parse_args(["--a", "3", "--b", "5"])
    args._parser = parser
    monkeypatch.setattr(common, "available_memory", lambda device="cpu": 350)
    common.check_memory(args, need, ["--a", "--b"])                      # 350 <= 350: fits
    monkeypatch.setattr(common, "available_memory", lambda device="cpu": 349)
    with pytest.raises(ConfigError, match=r"^--a: expected a size that fits .* got 3, which would need about 350 b"):
        common.check_memory(args, need, ["--b", "--a"])                  # --a costs the most, whatever the order
    args.b = 40                                                   # now --b costs more (400 vs 300)
    with pytest.raises(ConfigError, match=r"^--b: "):
        common.check_memory(args, need, ["--a", "--b"])
    args.a = 0                                                    # an invalid size: left to the config check
    common.check_memory(args, need, ["--a", "--b"])


def test_available_memory_is_a_plausible_byte_count():
    avail = common.available_memory()
    total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    assert isinstance(avail, int) and 0 < avail <= total


# ------------------------------------------------------------------------------ --period (item 9)
def test_forecast_absurd_period_names_period_before_fitting(capsys, monkeypatch):
    from rnnkit.tasks.forecasting import Forecaster

    monkeypatch.setattr(Forecaster, "fit", lambda *a, **k: pytest.fail("fit ran"))
    code, _, err = run_cli(["forecast", "--dataset", "nile", "--horizon", "3", "--period", "100000"], capsys)
    line = one_line(err)
    assert code == 2 and "error: --period: expected at most half the shortest series (50:" in line
    assert "got 100000" in line


def test_forecast_period_checks_the_shortest_of_several_series(tmp_path, capsys, monkeypatch):
    from rnnkit.tasks.forecasting import Forecaster

    monkeypatch.setattr(Forecaster, "fit", lambda *a, **k: pytest.fail("fit ran"))
    rows = [f"a,{i},{i % 7}" for i in range(40)] + [f"b,{i},{i % 5}" for i in range(20)]
    (tmp_path / "s.csv").write_text("id,t,y\n" + "\n".join(rows) + "\n")
    base = ["forecast", "--csv", tmp_path / "s.csv", "--target", "y", "--time-col", "t", "--id-col", "id",
            "--horizon", "2"]
    code, _, err = run_cli(base + ["--period", "11"], capsys)
    assert code == 2 and "--period: expected at most half the shortest series (10: series 'b' has 20" in one_line(err)
    code, _, err = run_cli(base + ["--period", "0"], capsys)     # the config's check, named as the flag
    assert code == 2 and one_line(err).startswith("rnnkit forecast: error: --period: expected")


# ------------------------------------------------------------------------------ classify predict (item 4)
def tiny_classify_run(folder, **kw):
    """A tiny classify run saved in ``folder / "run"`` (``kw``: settings over the tiny ones)."""
    from rnnkit.tasks.classification import TextClassifier, TextClassifierConfig

    texts = ["good fine nice", "bad awful poor", "nice good", "poor bad"] * 4
    labels = ["pos", "neg", "pos", "neg"] * 4
    cfg = TextClassifierConfig(**{**dict(min_freq=1, embed_dim=4, hidden_size=4, epochs=1, batch_size=8,
                                         val_fraction=0.0, progress=False), **kw})
    TextClassifier(cfg).fit(texts, labels).save(folder / "run")
    return folder / "run"


@pytest.fixture(scope="module")
def classify_run(tmp_path_factory):
    # the network's own table: these tests check predict's reading of --input, not what the run's network reads
    return tiny_classify_run(tmp_path_factory.mktemp("clf"), embeddings="own")


def test_classify_predict_blank_line_is_an_error_naming_it(classify_run, tmp_path, capsys):
    (tmp_path / "in.txt").write_text("good fine\n\nbad poor\n", encoding="utf-8")
    code, out, err = run_cli(["classify", "predict", "--run", classify_run, "--input", tmp_path / "in.txt",
                              "--json"], capsys)
    line = one_line(err)
    assert code == 1 and out == ""
    assert "--input: expected one non-blank input per line, got a blank line 2 in" in line
    (tmp_path / "ws.txt").write_text("good\n \t \nbad\n", encoding="utf-8")   # whitespace only is blank too
    code, _, err = run_cli(["classify", "predict", "--run", classify_run, "--input", tmp_path / "ws.txt"], capsys)
    assert code == 1 and "blank line 2" in one_line(err)


def test_classify_predict_carries_line_numbers(classify_run, tmp_path, capsys):
    from rnnkit.tasks.classification import TextClassifier

    texts = ["good fine", "bad poor", "nice"]
    clf = TextClassifier.load(classify_run)
    expected, proba = clf.predict(texts), clf.predict_proba(texts)
    probs = [dict(zip(clf.classes, map(float, row))) for row in proba]
    (tmp_path / "in.txt").write_text("\r\n".join(texts) + "\r\n", encoding="utf-8")
    code, out, _ = run_cli(["classify", "predict", "--run", classify_run, "--input", tmp_path / "in.txt",
                            "--json"], capsys)
    assert code == 0 and len(out.strip().splitlines()) == 1
    assert json.loads(out) == {"predictions": expected, "probabilities": probs, "lines": [1, 2, 3]}
    code, out, _ = run_cli(["classify", "predict", "--run", classify_run, "--input", tmp_path / "in.txt"], capsys)
    want = [f"{i}\t{p}\t{pr[p]:.3f}" for i, p, pr in zip(range(1, 4), expected, probs)]
    assert code == 0 and out.splitlines() == want
    (tmp_path / "in.csv").write_text("text\ngood fine\nbad poor\n", encoding="utf-8")
    code, out, _ = run_cli(["classify", "predict", "--run", classify_run, "--csv", tmp_path / "in.csv",
                            "--json"], capsys)
    got = json.loads(out)
    assert code == 0 and got["predictions"] == expected[:2] and got["rows"] == [2, 3]
    assert [v for p in got["probabilities"] for v in p.values()] == pytest.approx(proba[:2].ravel().tolist(), abs=1e-6)


def test_read_numbered_lines(tmp_path):
    (tmp_path / "a.txt").write_text("x\r\ny z\n", encoding="utf-8")
    assert common.read_numbered_lines(tmp_path / "a.txt") == (["x", "y z"], [1, 2])
    (tmp_path / "b.txt").write_text("x\ny", encoding="utf-8")          # no final newline
    assert common.read_numbered_lines(tmp_path / "b.txt") == (["x", "y"], [1, 2])
    (tmp_path / "c.txt").write_text("x\n\n", encoding="utf-8")         # a trailing blank line is a line
    with pytest.raises(DataError, match="blank line 2"):
        common.read_numbered_lines(tmp_path / "c.txt")


# ------------------------------------------------------------------------------ one-line errors
def test_argparse_usage_errors_are_one_line(capsys):
    code, _, err = run_cli(["forecast", "--horizon", "x"], capsys)
    assert code == 2
    assert one_line(err) == ("rnnkit forecast: error: argument --horizon: invalid int value: 'x' "
                             "(see rnnkit forecast --help)")
    code, _, err = run_cli(["classify", "train", "--cell", "transformer"], capsys)
    assert code == 2 and "argument --cell: invalid choice: 'transformer'" in one_line(err)
    code, _, err = run_cli([], capsys)
    assert code == 2 and "required: COMMAND" in one_line(err)


@pytest.mark.parametrize("error", [
    ConfigError("hidden_size: expected a positive int, got -1"),
    KeyError("vocab"),
    json.JSONDecodeError("Expecting value", "{", 1),
    TypeError("hidden_size: expected int, got str"),
])
def test_a_corrupt_run_folder_is_a_checkpoint_error_exit_1(error, classify_run, monkeypatch, tmp_path, capsys):
    from rnnkit.tasks.classification import TextClassifier

    def load(path):
        raise error

    monkeypatch.setattr(TextClassifier, "load", staticmethod(load))
    (tmp_path / "in.txt").write_text("good\n", encoding="utf-8")
    code, _, err = run_cli(["classify", "predict", "--run", classify_run, "--input", tmp_path / "in.txt"], capsys)
    line = one_line(err)
    assert code == 1 and line.startswith("rnnkit classify: error: CheckpointError: --run: expected a valid run "
                                         f"folder, got {str(classify_run)!r} ({type(error).__name__}")
    code, _, err = run_cli(["classify", "predict", "--run", classify_run, "--input", tmp_path / "in.txt",
                            "--debug"], capsys)
    assert code == 1 and "Traceback (most recent call last)" in err


def test_load_run_keeps_typed_run_errors():
    for error in (CheckpointError("model.safetensors: sha256 mismatch"), DataError("x: expected y, got z")):
        def load(path, error=error):
            raise error

        with pytest.raises(type(error), match=str(error)):
            common.load_run(load, "runs/x")
    assert common.load_run(lambda p: ("ok", p), "r") == ("ok", "r")


@pytest.mark.parametrize("seed", ["99999999999999999999999", "-1", "1.5"])
def test_a_seed_outside_torchs_range_is_a_usage_error_before_work(seed, capsys):
    code = main(["hopfield", "capacity", "--seed", seed])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "argument --seed: expected an int" in err[0], err
    assert common.seed_arg(str(2**64 - 1)) == 2**64 - 1


def test_task_configs_bound_the_seed_to_torchs_range():
    from dataclasses import asdict
    from types import SimpleNamespace

    from rnnkit.tasks.common import check_training
    from rnnkit.tasks.tsc import TSCConfig

    # the config runs check_training itself (its derived settings, None until fit, checked as 1 there)
    with pytest.raises(ConfigError, match="seed"):
        TSCConfig(seed=2**64)
    with pytest.raises(ConfigError, match="seed"):
        TSCConfig(seed=-5)
    cfg = TSCConfig(seed=2**64 - 1, epochs=3, batch_size=4, patience=2)
    check_training(cfg)
    with pytest.raises(ConfigError, match="seed"):
        check_training(SimpleNamespace(**{**asdict(cfg), "seed": 2**64}))
