"""Session 28, helper F: what a fuzz of `--config` files (experiment, hopfield, export), the HTTP service's request
bodies and export's files found. Each test fails at 9e7b5a7."""

import pytest

from rnnkit.cli.main import main


@pytest.mark.parametrize("argv, toml, key, flag", [
    (["hopfield", "capacity"], "sizes = []\nloads = [0.1]\n", "sizes", "--sizes"),
    (["hopfield", "modern"], "n-units = 10\nloads = []\n", "loads", "--loads"),
    (["experiment", "adding"], "cell = []\nsteps = 1\n", "cell", "--cell"),
])
def test_an_empty_list_in_config_for_a_flag_of_one_or_more_values_is_a_usage_error(argv, toml, key, flag, tmp_path,
                                                                                   capsys):
    # `sizes = []` passed the --config check (a list) where the flag takes one value at least (nargs="+"), and
    # hopfield's memory estimate ended in max()'s bare 'ValueError: max() arg is an empty sequence' (exit 1)
    cfg = tmp_path / "c.toml"
    cfg.write_text(toml, encoding="utf-8")
    assert main([*argv, "--config", str(cfg), "--out", str(tmp_path / "out"), "--threads", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"rnnkit {argv[0]}: error: --config: key {key!r}: expected a list of at least one value (as {flag} "
                   f"takes), got []"]
