"""``~`` with HOME set empty or relative (session 25, helper S). Python's expanduser, pandas and the shell read
HOME="" as the root folder ('~/runs/x' -> '/runs/x'): a run meant for a home went to the root of the disk, or
under the working folder for a relative HOME. Refused for '~', one typed line naming the argument; HOME unset
keeps Python's rule (the password entry's home); '~user' is unaffected."""

import os

import pandas as pd
import pytest

from rnnkit._paths import expand_user
from rnnkit.cli.main import main
from rnnkit.errors import ConfigError


@pytest.mark.parametrize("home", ["", "relative/home"])
def test_tilde_with_an_empty_or_relative_home_is_refused_naming_the_argument(monkeypatch, home):
    monkeypatch.setenv("HOME", home)
    with pytest.raises(ConfigError, match=r"^out: expected a path, got '~/runs/x' \(HOME is "):
        expand_user("~/runs/x", "out")   # was '/runs/x' (HOME="") or 'relative/home/runs/x' (fails at 77ec123)
    assert expand_user("runs/~x", "out") == "runs/~x"   # not a leading '~': a plain name, as before


def test_tilde_with_home_unset_or_root_follows_python(monkeypatch):
    monkeypatch.setenv("HOME", "/")
    assert expand_user("~/runs/x") == os.path.expanduser("~/runs/x") == "/runs/x"   # a root home is a home
    monkeypatch.delenv("HOME")
    assert expand_user("~/runs/x") == os.path.expanduser("~/runs/x")   # the password entry's home


def test_cli_out_under_an_empty_home_is_a_usage_error_and_writes_nothing(monkeypatch, tmp_path, capsys):
    # '~' + an absolute folder: with HOME="" the old code expanded it to that folder and wrote the run there
    pd.DataFrame({"y": [float(i % 5) for i in range(30)]}).to_csv(tmp_path / "s.csv", index=False)
    monkeypatch.setenv("HOME", "")
    code = main(["forecast", "--csv", str(tmp_path / "s.csv"), "--target", "y", "--horizon", "2", "--model",
                 "seasonal_naive", "--no-plot", "--threads", "1", "--out", "~" + str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert code == 2 and len(err.splitlines()) == 1 and "--out: expected a path" in err and "HOME is ''" in err, err
    assert not (tmp_path / "run").exists()
