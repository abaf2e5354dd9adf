"""Session 23, helper X: the CLI's shared machinery (rnnkit.cli.common.Parser) under hostile use."""

import json

import pytest
from toy_data import run_cli


def _strict(text):
    """RFC 8259 JSON: NaN / Infinity literals refused (Python's json.loads takes them)."""
    def refuse(name):
        raise ValueError(f"not JSON: {name}")
    return json.loads(text, parse_constant=refuse)


def test_whole_flag_is_the_oracle(capsys):
    code, out, err = run_cli(["env", "--json"], capsys)
    assert code == 0 and err == ""
    assert isinstance(_strict(out), dict)


@pytest.mark.parametrize("argv, typed, whole", [
    (["env", "--js"], "--js", "--json?"),                                  # ran as --json, silently
    (["env", "--json", "--qui"], "--qui", "--quiet?"),
    (["hopfield", "digits", "--thr", "2"], "--thr", "--threads or --threshold?"),   # ambiguous: nested command
    (["forecast", "predict", "--run", "nowhere", "--hor=3"], "--hor=3", "--horizon?"),
])
def test_abbreviated_flag_is_refused_naming_the_whole_flags(argv, typed, whole, capsys):
    code, out, err = run_cli(argv, capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1, err
    assert typed in err and f"(flags are typed whole: {whole})" in err, err


def test_abbreviation_read_as_another_error_still_names_the_whole_flag(capsys):
    # '--hor 3' was '--horizon 3'; now the 3 is read as forecast's positional action
    code, out, err = run_cli(["forecast", "predict", "--run", "nowhere", "--hor", "3"], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "(flags are typed whole: --horizon?)" in err, err


def test_unknown_flag_gets_no_hint(capsys):
    code, out, err = run_cli(["env", "--bogus"], capsys)
    assert code == 2 and out == ""
    assert err == "rnnkit env: error: unrecognized arguments: --bogus (see rnnkit env --help)\n"


def test_debug_from_the_config_file_shows_the_traceback(tmp_path, capsys):
    # `debug = true` in --config's file was accepted and lost: main read --debug before applying the file
    (tmp_path / "debug.toml").write_text("debug = true\n", encoding="utf-8")
    typed = run_cli(["datasets", "--kind", "nope", "--debug"], capsys)             # the oracle: --debug typed
    code, out, err = run_cli(["datasets", "--kind", "nope", "--config", str(tmp_path / "debug.toml")], capsys)
    assert typed[0] == code == 2 and out == ""
    assert "Traceback (most recent call last)" in typed[2] and "Traceback (most recent call last)" in err
    assert err.splitlines()[-1] == typed[2].splitlines()[-1]
    assert err.splitlines()[-1].startswith("rnnkit datasets: error: --kind: expected one of ")
