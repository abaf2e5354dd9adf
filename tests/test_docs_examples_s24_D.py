"""The docs as a new user reads them (session 24, helper D): what the text around an example claims, against what
the code does. tests/test_docs_cli.py parses every documented command and name; tests/test_docs_examples.py and
tests/test_readme.py run the Python blocks; this file holds the claims neither checks:

* docs/experiments.md's table "What a run reports" lists the keys of ``run_experiment``'s result, no more, no less;
* ``benchmarks/bench_experiments.py --report-only`` (experiments.md, "tables and plots again") on a folder holding
  no run is a one-line error, exit 2 -- it was a bare FileNotFoundError traceback (a folder that does not exist) or an
  empty results.md and summary.json written, exit 0 (an empty one);
* ``--help`` states each flag's default once (design.md: "--help shows every default"): ``hopfield digits
  --threshold`` said "(0..16; default 8) (default: 8.0)";
* ``rnnkit bench`` (benchmarks.md: ``--reps N`` a minimum, ``--budget-s`` a finite number > 0) names the one flag it
  refuses -- it named both, with both values ("--reps/--budget-s: ... got 5, nan");
* ``rnnkit experiment list`` refuses the flags of a run (``--cell``, ``--steps``, ``--out``, ...), which it dropped.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
from pathlib import Path

import pytest

from toy_data import run_cli

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.usefixtures("one_thread_module")


# ------------------------------------------------------------------------------------ experiments.md's key table
def _documented_result_keys() -> set[str]:
    text = (ROOT / "docs" / "experiments.md").read_text()
    section = text.split("### What a run reports", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    assert rows, "experiments.md: the table of 'What a run reports' is gone"
    return {key for row in rows for key in re.findall(r"`(\w+)`", row.split("|")[1])}


def test_experiments_result_keys_are_the_documented_ones(tmp_path):
    """Oracle: the keys of the dict ``run_experiment`` returns with ``out=`` (``files`` is documented as written
    with ``--out``) and of the ``result.json`` it writes."""
    from rnnkit.experiments import run_experiment

    r = run_experiment("adding", cell="lstm", length=5, steps=4, seed=0, out=tmp_path / "run", hidden_size=4,
                       batch_size=8, eval_every=2, eval_size=16)
    assert set(r) == _documented_result_keys()
    assert set(json.loads((tmp_path / "run" / "result.json").read_text())) == set(r)
    assert sorted(Path(p).name for p in r["files"].values()) == ["curve.png", "gradflow.png", "result.json"]


# ------------------------------------------------------------------------ bench_experiments.py --report-only
def _bench_experiments():
    spec = importlib.util.spec_from_file_location("bench_experiments_s24_D", ROOT / "benchmarks" / "bench_experiments.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("made", [False, True], ids=["no-folder", "empty-folder"])
def test_bench_experiments_report_only_refuses_a_folder_without_runs(tmp_path, capsys, made):
    out = tmp_path / "runs" / "experiments"
    if made:
        out.mkdir(parents=True)
    code = _bench_experiments().main(["--report-only", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.count("\n") == 1 and "--report-only: expected a folder of runs" in captured.err
    assert str(out) in captured.err and captured.out == ""
    assert not (out / "results.md").exists() and not (out / "summary.json").exists()


def test_bench_experiments_report_only_still_reports_runs(tmp_path, capsys):
    """Oracle for the refusal above: a folder holding one run (as the script lays it out) is reported, exit 0."""
    from rnnkit.experiments import run_experiment

    out = tmp_path / "experiments"
    run_experiment("adding", cell="lstm", length=5, steps=4, seed=0, out=out / "adding-T5" / "lstm", hidden_size=4,
                   batch_size=8, eval_every=2, eval_size=16)
    capsys.readouterr()
    assert _bench_experiments().main(["--report-only", "--out", str(out)]) == 0
    assert "### adding-T5 (adding, T = 5)" in (out / "results.md").read_text()
    assert [r["cell"] for r in json.loads((out / "summary.json").read_text())["runs"]] == ["lstm"]


# ------------------------------------------------------------------------------------ --help: one default each
OWN_COMMANDS = ["env", "datasets", "bench", "experiment", "hopfield capacity", "hopfield robustness",
                "hopfield digits", "hopfield modern-capacity", "tsc train", "tsc predict", "tsc evaluate"]


def _parser_of(words: list[str]) -> argparse.ArgumentParser:
    from rnnkit.cli.main import build_parser

    parser = build_parser()
    for word in words:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[word]
    return parser


@pytest.mark.parametrize("command", OWN_COMMANDS)
def test_help_states_each_default_once(command):
    """The help formatter adds '(default: X)' unless the help says '(default' itself; a help that states its
    default another way ('; default 8)') got both. Oracle: the formatter's own rule, read off each flag."""
    parser = _parser_of(command.split())
    twice = []
    for action in parser._actions:
        shown = parser.formatter_class(prog="rnnkit")._get_help_string(action)
        own = (action.help or "").replace("%(default)s", "")
        if shown != action.help and re.search(r"\bdefault\b", own, re.I):
            twice.append((action.option_strings, shown))
    assert not twice, f"rnnkit {command} --help states these defaults twice: {twice}"


def test_hopfield_digits_threshold_help_names_its_default(capsys):
    code, out, _ = run_cli(["hopfield", "digits", "--help"], capsys)
    assert code == 0
    help_text = " ".join(out.split())
    assert "--threshold THRESHOLD pixel > threshold is +1, a value in 0..16 (default: 8.0)" in help_text


# ------------------------------------------------------------------ bench --reps / --budget-s: each named alone
@pytest.mark.parametrize("flags, message", [
    (["--reps", "0"], "--reps: expected a positive int, got 0"),
    (["--budget-s", "nan"], "--budget-s: expected a finite number > 0, got nan"),
    (["--budget-s", "-1"], "--budget-s: expected a finite number > 0, got -1.0"),
])
def test_bench_names_the_flag_it_refuses(flags, message, capsys, tmp_path):
    """benchmarks.md: '--reps N is a minimum ...; --budget-s must be a finite number > 0'. A refusal named both
    flags and both values ('--reps/--budget-s: expected a positive int and a finite number > 0, got 5, nan'), the
    valid one too. Oracle: the same call with the default of the refused flag runs (exit 0)."""
    base = ["bench", "--cells", "lstm", "--shapes", "1,2,2,2", "--reps", "1", "--budget-s", "0.01", "--json"]
    code, out, err = run_cli(base + flags, capsys)
    assert code == 2 and out == ""
    assert err.strip().endswith(message) and err.count("\n") == 1
    other = "--budget-s" if flags[0] == "--reps" else "--reps"
    assert other not in err
    assert run_cli(base, capsys)[0] == 0


# ------------------------------------------------------------------------------ experiment list: no run flags
@pytest.mark.parametrize("flags, named", [
    (["--cell", "gru", "--steps", "5", "--out", "OUT"], "--cell, --steps, --out"),
    (["--seed", "3"], "--seed"),
    (["--stop-when-solved"], "--stop-when-solved"),
])
def test_experiment_list_refuses_the_flags_of_a_run(flags, named, capsys, tmp_path):
    """experiments.md: 'rnnkit experiment list  # experiments and cells'. A run's flags given to it were dropped,
    silently (``list --out DIR`` wrote nothing there, exit 0). Oracle: the same list without them (exit 0; --json,
    --threads and --quiet, which list honours, still taken)."""
    argv = ["experiment", "list"] + [str(tmp_path / "out") if f == "OUT" else f for f in flags]
    code, out, err = run_cli(argv, capsys)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.strip().endswith(f"list: expected no flag of a run (it lists the experiments and cells), got {named}")
    assert not (tmp_path / "out").exists()
    code, out, _ = run_cli(["experiment", "list", "--json", "--threads", "1", "--quiet"], capsys)
    assert code == 0 and {"adding", "copy", "digits"} <= set(json.loads(out)["experiments"])
