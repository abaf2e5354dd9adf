"""Session 9, lead: hostile inputs found by the sweep helpers in files they did not own.

`tag predict --input` read a CoNLL-2003-style line 'the DET' (columns separated by a space) as ONE token,
silently, and predicted tags for tokens that do not exist ('the DET', 'dog NOUN'), while `tag train` refuses
the same file."""

from __future__ import annotations

import pytest

from rnnkit.errors import DataError


def test_a_space_separated_tag_column_is_refused_at_predict(tmp_path):
    from rnnkit.data.text import read_conll_tokens

    p = tmp_path / "in.txt"
    p.write_text("the\ndog\n\nthe DET\ndog NOUN\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"expected one token a line \(a tag column separated by a TAB\), got "
                                        r"'the DET' at line 4; separate columns with a TAB"):
        read_conll_tokens(p)
    # what is accepted stays as it was: one token a line, a TAB-separated tag column ignored, a token holding
    # a space when a TAB ends it (as tag train reads it); spaces around a lone token are dropped (session 13:
    # '  dog  ' was a token unseen in training)
    p.write_text("the\tDET\nNew York\tPROPN\n  dog  \n\ncats\n", encoding="utf-8")
    assert read_conll_tokens(p, lines=True) == ([["the", "New York", "dog"], ["cats"]], [1, 5])


def test_the_cli_names_the_line_in_one_line(tmp_path, capsys):
    from rnnkit.cli.main import main

    train = tmp_path / "train.tsv"
    train.write_text("the\tDET\ndog\tNOUN\n\na\tDET\ncat\tNOUN\n\n" * 4, encoding="utf-8")
    assert main(["tag", "train", "--conll", str(train), "--epochs", "1", "--quiet", "--out", str(tmp_path / "run"),
                 "--val-fraction", "0"]) == 0
    capsys.readouterr()
    (tmp_path / "in.txt").write_text("the DET\ndog NOUN\n", encoding="utf-8")
    assert main(["tag", "predict", "--run", str(tmp_path / "run"), "--input", str(tmp_path / "in.txt")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "'the DET' at line 1" in err[0]


def test_every_command_shows_a_warning_as_one_line_and_debug_keeps_pythons(tmp_path):
    # only the task commands (classify, tsc, tag, generate, translate) showed warnings as one line; forecast,
    # experiment, bench, datasets... printed Python's two lines (the message, then the warning's source line).
    # A command whose run warns (the same text twice, as a data set read twice would): one line, once.
    import os
    import subprocess
    import sys

    code = ("import sys, warnings\nimport rnnkit.cli.datasets as d\nreal = d.run\n"
            "def run(args):\n    warnings.warn('statsmodels says: did not converge')\n"
            "    warnings.warn('statsmodels says: did not converge')\n    return real(args)\n"
            "d.run = run\nfrom rnnkit.cli.main import main\nsys.exit(main(sys.argv[1:]))\n")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": ""}
    done = subprocess.run([sys.executable, "-c", code, "datasets"], capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == ["rnnkit datasets: warning: statsmodels says: did not converge"]
    debug = subprocess.run([sys.executable, "-c", code, "datasets", "--debug"], capture_output=True, text=True,
                           env=env, timeout=120)
    assert "UserWarning: statsmodels says: did not converge" in debug.stderr
