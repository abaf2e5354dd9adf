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


@pytest.mark.parametrize("line, message", [
    ("seed = \"1\"", "--config: key 'seed': expected a number without quotes, got '1'"),   # `epochs = "1"` fails
    ("dayfirst = 1", "--config: key 'dayfirst': expected true or false, got 1"),
    ("dayfirst = \"yes\"", "--config: key 'dayfirst': expected true or false, got 'yes'"),
])
def test_config_value_of_another_toml_type_is_refused(line, message, tmp_path, capsys):
    """A flag of a custom type (seed_arg, bool_arg) took a TOML value of another type through its string form:
    `seed = "1"` ran as seed 1 and `dayfirst = 1` as true, where `epochs = "1"` is refused."""
    (tmp_path / "c.toml").write_text(line + "\n", encoding="utf-8")
    code, out, err = run_cli(["forecast", "predict", "--run", str(tmp_path / "nowhere"), "--config",
                              str(tmp_path / "c.toml")], capsys)
    assert code == 2 and out == ""
    assert err == f"rnnkit forecast: error: {message}\n"


@pytest.mark.parametrize("line", ["seed = 1", "dayfirst = true", "epochs = \"1\""])
def test_config_values_of_the_flag_type_pass_the_check(line, tmp_path, capsys):
    # the oracle of the test above: the same keys in their TOML types get past the file's check (to the run's
    # own refusal of the missing folder, or the int flag's refusal of text, as before)
    (tmp_path / "c.toml").write_text(line + "\n", encoding="utf-8")
    code, out, err = run_cli(["forecast", "predict", "--run", str(tmp_path / "nowhere"), "--config",
                              str(tmp_path / "c.toml")], capsys)
    assert out == "" and err.count("\n") == 1
    if line.startswith("epochs"):
        assert code == 2 and "--config: key 'epochs': expected an integer, got '1'" in err
    else:
        assert code in (1, 2) and "--config" not in err, err     # seed: train-only (2); the missing run (1)


def test_config_typed_twice_is_refused(tmp_path, capsys):
    """'--config a.toml --config b.toml' kept b alone (argparse: the last wins): a's settings were dropped."""
    (tmp_path / "a.toml").write_text("kind = \"series\"\n", encoding="utf-8")
    (tmp_path / "b.toml").write_text("json = true\n", encoding="utf-8")
    a, b = str(tmp_path / "a.toml"), str(tmp_path / "b.toml")
    one = run_cli(["datasets", "--config", a], capsys)                          # the oracle: each file alone runs
    assert one[0] == 0 and one[2] == ""
    code, out, err = run_cli(["datasets", "--config", a, "--config", b], capsys)
    assert code == 2 and out == ""
    assert err == (f"rnnkit datasets: error: --config: expected one file (files are not merged), got {a!r} and "
                   f"{b!r} (see rnnkit datasets --help)\n")


@pytest.mark.parametrize("argv, line, hint", [
    (["forecast"], "horizn = 3", "; did you mean 'horizon'?"),
    (["datasets"], "jsn = true", "; did you mean 'json'?"),
    (["classify", "predict", "--run", "nowhere"], "epochs = 3",     # one file shared by train and predict
     "; a flag of rnnkit classify train, "),                         # its own command's action first
])
def test_unknown_config_key_names_what_it_may_mean(argv, line, hint, tmp_path, capsys):
    (tmp_path / "c.toml").write_text(line + "\n", encoding="utf-8")
    code, out, err = run_cli(argv + ["--config", str(tmp_path / "c.toml")], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1
    key = line.split()[0]
    assert f"--config: unknown key {key!r} in " in err and f"]{hint}" in err, err
    assert err.endswith("?\n" if "mean" in hint else f", not of {' '.join(['rnnkit'] + argv[:2])}\n"), err


def test_unknown_config_key_without_a_near_flag_gets_no_hint(tmp_path, capsys):
    (tmp_path / "c.toml").write_text("zzzz = 3\n", encoding="utf-8")
    code, out, err = run_cli(["datasets", "--config", str(tmp_path / "c.toml")], capsys)
    assert code == 2 and out == "" and err.endswith("'kind', 'quiet']\n"), err


def test_config_file_over_the_bound_is_refused_before_it_is_read_whole(tmp_path, capsys):
    """`--config /dev/zero` (or a large file given by mistake) was read whole into memory; a file of flag values
    holds at most CONFIG_MAX_BYTES. Here a valid TOML file just over the bound (comments), and the oracle: the
    same file one line shorter runs."""
    try:
        from rnnkit.cli.config_keys import CONFIG_MAX_BYTES
    except ImportError:                      # before the bound (a7e5781): the same 1 MiB file, read whole
        CONFIG_MAX_BYTES = 1 << 20

    line = "# " + "x" * 61 + "\n"                                   # 64 bytes
    fits = tmp_path / "fits.toml"
    fits.write_text("json = true\n" + line * ((CONFIG_MAX_BYTES - 12) // 64), encoding="utf-8")
    assert fits.stat().st_size <= CONFIG_MAX_BYTES
    code, out, err = run_cli(["datasets", "--kind", "series", "--config", str(fits)], capsys)
    assert code == 0 and err == "" and _strict(out)["datasets"]
    big = tmp_path / "big.toml"
    big.write_text(fits.read_text(encoding="utf-8") + line, encoding="utf-8")
    assert big.stat().st_size > CONFIG_MAX_BYTES
    code, out, err = run_cli(["datasets", "--kind", "series", "--config", str(big)], capsys)
    assert code == 2 and out == ""
    assert err == (f"rnnkit datasets: error: --config: expected a TOML file of flag values of at most "
                   f"{CONFIG_MAX_BYTES:,} bytes, got {str(big)!r} holding more\n")


@pytest.mark.parametrize("argv, hint", [
    (["--json", "env"], " (flags go after the command: rnnkit env --json)"),
    (["--quiet", "datasets", "--kind", "series"], " (flags go after the command: rnnkit datasets --quiet)"),
])
def test_a_command_flag_before_the_command_names_where_it_goes(argv, hint, capsys):
    """'rnnkit --json env' was 'unrecognized arguments: --json (see rnnkit --help)', whose help lists no --json."""
    code, out, err = run_cli(argv, capsys)
    assert code == 2 and out == ""
    assert err == f"rnnkit: error: unrecognized arguments: {argv[0]}{hint} (see rnnkit --help)\n"
    code, out, err = run_cli(argv[1:] + argv[:1], capsys)                   # the oracle: after the command
    assert code == 0 and err == ""


@pytest.mark.parametrize("line, typed", [("resume = true", ["--resume"]), ("resume = false", [])])
def test_config_switch_with_an_optional_value_takes_true_and_false(line, typed, tmp_path, capsys):
    """--resume alone (or '--resume auto') had no TOML form: `resume = true` was "expected no value or 'auto', got
    'True'". true is the bare flag, false its absence; the oracle is the same command with the flag typed."""
    (tmp_path / "c.toml").write_text(line + "\n", encoding="utf-8")
    out_dir = str(tmp_path / "missing")
    oracle = run_cli(["classify", "train", "--out", out_dir] + typed, capsys)
    code, out, err = run_cli(["classify", "train", "--out", out_dir, "--config", str(tmp_path / "c.toml")], capsys)
    assert (code, out, err) == oracle and code != 0 and err.count("\n") == 1
    assert "--config" not in err


@pytest.mark.parametrize("key", ["config", "help"])
def test_config_key_of_a_flag_no_file_sets_is_named_so(key, tmp_path, capsys):
    # 76ca686's hint called these 'a flag of rnnkit experiment, ..., not of rnnkit forecast', which has both
    (tmp_path / "c.toml").write_text(f"{key} = true\n", encoding="utf-8")
    code, out, err = run_cli(["forecast", "--config", str(tmp_path / "c.toml")], capsys)
    assert code == 2 and out == ""
    assert err.startswith(f"rnnkit forecast: error: --config: unknown key {key!r} in ")
    assert err.endswith(f"]; --{key} is typed, not set in a file\n"), err
