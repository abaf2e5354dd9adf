"""`predict --input ""` is a usage error naming the flag (session 28, helper D).

docs/tasks.md, "The commands": "A path flag given as an empty text (`--out ""`, an unset shell variable) is a usage
error". Every path flag took `cli.common.path_arg` but `--input` of classify, tag, translate and generate predict:
`--input ""` -- `--input "$FILE"` with FILE unset -- was read as no flag, i.e. stdin, exit 0: the command predicted
whatever its stdin held (a pipe meant for something else), or waited on a terminal. Now exit 2, one line naming
`--input`, before the run is loaded; `-` (stdin) and a file are read as before.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from rnnkit.cli.main import build_parser

COMMANDS = ["classify", "tag", "translate", "generate"]


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("value", ["", "  "])
def test_predict_input_empty_is_a_usage_error(command, value, capsys):
    with pytest.raises(SystemExit) as e:
        build_parser().parse_args([command, "predict", "--run", "runs/x", "--input", value])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--input" in err[0] and "expected a path" in err[0], err


@pytest.mark.parametrize("command", COMMANDS)
def test_predict_input_dash_and_a_file_still_parse(command, tmp_path):
    ns = build_parser().parse_args([command, "predict", "--run", "runs/x", "--input", "-"])
    assert str(ns.input) == "-"
    f = tmp_path / "in.txt"
    ns = build_parser().parse_args([command, "predict", "--run", "runs/x", "--input", str(f)])
    assert str(ns.input) == str(f)


def test_predict_input_empty_reads_no_stdin(tmp_path):
    """End to end: with text waiting on stdin, `--input ""` exits 2 before the run is read (no run needed) and prints
    no prediction -- it predicted the stdin lines, exit 0."""
    r = subprocess.run([sys.executable, "-m", "rnnkit", "classify", "predict", "--run", str(tmp_path / "none"),
                        "--input", ""], input="good movie\n", capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert r.stdout == ""
    assert r.stderr.strip().splitlines()[-1].startswith("rnnkit classify predict: error: argument --input: expected a path")
