"""Session 17's hostile-input sweep (helper Q): the command line.

Each test fails on the code before its fix (checked with ``git archive 23fec2f src``, PYTHONPATH).
"""

from __future__ import annotations

import pytest

from rnnkit.cli.main import main

pytestmark = pytest.mark.usefixtures("one_thread_module")

_TINY = ["--hidden-size", "4", "--word-dim", "4", "--char-dim", "2", "--char-hidden", "2", "--quiet", "--no-baseline"]


@pytest.mark.parametrize("line, message", [
    ("epochs = [1]", "--config: key 'epochs': expected a single value, got [1]"),
    ('epochs = "2"', "--config: key 'epochs': expected an integer, got '2'"),
    ('cell = "LSTM"', "--config: key 'cell': expected one of ['lstm', 'gru', 'elman'], got 'LSTM'"),
    ('quiet = "yes"', "--config: key 'quiet': expected true or false, got 'yes'"),
])
def test_a_config_value_is_checked_where_a_typed_flag_wins_too(tmp_path, capsys, line, message):
    """A wrong value in the TOML file passed unseen whenever the same flag was typed (the typed one wins), until
    the day it was left out. Oracle: the same file without the typed flag, refused with the same message."""
    conll = tmp_path / "train.conll"
    conll.write_text("Anna\tB-per\nlebt\tO\n\nBob\tB-per\nmag\tO\n\n" * 5, encoding="utf-8")
    (tmp_path / "c.toml").write_text(line + "\n", encoding="utf-8")
    key = line.split(" =")[0]
    typed = {"epochs": ["--epochs", "1"], "cell": ["--cell", "gru"], "quiet": []}[key]
    base = ["tag", "train", "--conll", str(conll), "--config", str(tmp_path / "c.toml"), *_TINY]
    for extra in ([], typed):
        capsys.readouterr()
        assert main([*base, "--out", str(tmp_path / f"run{len(extra)}"), *extra]) == 2
        assert message in capsys.readouterr().err
        assert not (tmp_path / f"run{len(extra)}").exists()
