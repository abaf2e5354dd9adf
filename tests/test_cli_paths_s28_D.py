"""The CLI's path flags keep docs/tasks.md's path rules, on the command line and in a --config file (session 28,
helper D).

tasks.md, "The commands": "A path flag given as an empty text (`--out ""`, an unset shell variable) is a usage error";
"Paths": "A file path ending in `/` (or `/.`, `/..`) is a ConfigError where a file is read or written"; training.md,
`--config`: "Values must have the flag's type ... nothing is converted silently". 2de9e44 gave every flag naming a
file ``cli.common.file_arg`` (tests/test_file_flags_s28_lead.py: predict/evaluate flags); here:

* every path-typed flag of every command but a folder's (``--out`` of a run, ``--run``, ``--state``) takes file_arg:
  a file flag added with path_arg would read ``x.csv/`` as ``x.csv`` again; the train actions' file flags refuse it;
* every path-typed flag refuses an empty or blank text (``--input ""`` read stdin until fbf4a75);
* a --config value of a file flag is read as the typed flag's is: ``csv = 5`` (a TOML number) is refused as
  ``out = 5`` is (since 2de9e44 it was read as the file '5'), and ``csv = "2024"`` (a file so named) is a path, not
  "a number without quotes" (2de9e44 refused it so).
"""

from __future__ import annotations

import argparse

import pytest

from rnnkit.cli import common
from rnnkit.cli.main import build_parser, main

#: flags that name a folder: a trailing '/' is theirs
FOLDER_FLAGS = {"--out", "--run", "--state"}
#: file flags of the train actions and others that tests/test_file_flags_s28_lead.py does not type
TRAIN_FILE_FLAGS = [
    (("classify", "train"), "--csv"), (("tag", "train"), "--conll"), (("translate", "train"), "--tsv"),
    (("generate", "train"), "--text"), (("tsc", "train"), "--ts"), (("tsc", "train"), "--ucr"),
    (("tsc", "train"), "--csv"), (("tsc", "train"), "--test-ts"), (("tsc", "train"), "--test-ucr"),
    (("tsc", "predict"), "--ts"), (("export",), "--out"), (("hopfield", "digits"), "--config"),
    (("forecast", "update"), "--csv"),
]


def _path_flags():
    """(command path, flag, argparse type) of every option whose type is a path type."""
    found = []

    def walk(p, path):
        for a in p._actions:
            if a.option_strings and a.type in (common.path_arg, common.file_arg):
                found.append((path, max(a.option_strings, key=len), a.type))
        for s in (a for a in p._actions if isinstance(a, argparse._SubParsersAction)):
            for name, sp in s.choices.items():
                if sp.prog.split()[-1] == name:          # an alias (hopfield modern) shares its command's parser
                    walk(sp, path + (name,))

    walk(build_parser(), ())
    return found


def _exit(argv):
    try:
        return main(argv)
    except SystemExit as stop:
        return stop.code


def test_every_path_flag_but_a_folders_takes_the_file_rule():
    flags = _path_flags()
    assert len(flags) > 30, flags
    wrong = [f"rnnkit {' '.join(p)} {f}" for p, f, t in flags
             if t is not common.file_arg and (f not in FOLDER_FLAGS or (p, f) == (("export",), "--out"))]
    assert not wrong, f"flags naming a file that take path_arg (Path() drops a trailing '/'): {wrong}"
    assert {(p, f) for p, f in TRAIN_FILE_FLAGS if p != ("forecast", "update")} <= {(p, f) for p, f, _ in flags}


@pytest.mark.parametrize("path, flag", TRAIN_FILE_FLAGS, ids=[f"{' '.join(p)} {f}" for p, f in TRAIN_FILE_FLAGS])
def test_a_file_flag_of_train_written_as_a_folder_is_a_usage_error(path, flag, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    run = ["--run", "run"] if path[-1] in ("predict", "update") or path == ("export",) else []
    assert _exit([*path, *run, flag, "data.csv/"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"argument {flag}: expected a file path, got 'data.csv/'" in err[0], err


@pytest.mark.parametrize("value", ["", "   "])
def test_every_path_flag_refuses_an_empty_text(value, capsys):
    checked = 0
    for path, flag, _ in _path_flags():
        if path[0] == "forecast" and len(path) == 1 and flag == "--run":
            continue                                     # forecast's --run is parsed by its action's parser too
        with pytest.raises(SystemExit) as e:
            build_parser().parse_args([*path, flag, value])
        assert e.value.code == 2, (path, flag)
        err = capsys.readouterr().err
        assert f"argument {flag}: expected a path, got '" in err, (path, flag, err)   # (blanks shown as one)
        checked += 1
    assert checked > 30


@pytest.mark.parametrize("toml, code, said", [
    ("csv = 5\n", 2, "--config: key 'csv': expected a string, got 5"),
    ("csv = \"data.csv/\"\n", 2, "--config: key 'csv': expected a file path, got 'data.csv/'"),
    ("csv = \"2024\"\n", 1, "--csv: expected an existing CSV file, got '2024'"),
])
def test_a_config_value_of_a_file_flag_is_read_as_typed(toml, code, said, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c.toml").write_text(toml + "target = \"y\"\nhorizon = 2\n", encoding="utf-8")
    assert _exit(["forecast", "--config", "c.toml"]) == code
    err = capsys.readouterr().err
    assert said in err and "without quotes" not in err, err
