"""Session 26, the lead: what the helpers sent through LEAD_NOW.md (files no helper owned)."""

import importlib
import pkgutil

import pytest

import rnnkit.cli
from rnnkit.cli.driver import TaskCommand
from rnnkit.cli.main import main


@pytest.fixture
def no_docstrings(monkeypatch):
    """Every rnnkit.cli module and rnnkit.serve.app as ``python -OO`` leaves them: ``__doc__`` is None."""
    names = [f"rnnkit.cli.{m.name}" for m in pkgutil.iter_modules(rnnkit.cli.__path__)] + ["rnnkit.serve.app"]
    for name in names:
        module = importlib.import_module(name)
        monkeypatch.setattr(module, "__doc__", None)
        for value in list(vars(module).values()):        # the task commands' ``doc = __doc__``, read at class creation
            if isinstance(value, type) and issubclass(value, TaskCommand) and value.__module__ == name:
                monkeypatch.setattr(value, "doc", None)


def _code(argv):
    """main's exit code for ``argv`` (returned, or raised by argparse's --help)."""
    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code


@pytest.mark.parametrize("argv", [["datasets", "--help"], ["serve", "--help"]])
def test_help_without_docstrings_still_lists_the_command(no_docstrings, argv, capsys):
    # before: AttributeError ('NoneType' object has no attribute 'split') when the parser was built, so the
    # command was missing (or the CLI failed) under python -OO
    assert _code(argv) == 0
    assert f"usage: rnnkit {argv[0]}" in capsys.readouterr().out


def test_action_help_without_docstrings_prints_no_none(no_docstrings, capsys):
    # before: the last paragraph of `rnnkit classify train --help` was the word None under python -OO
    assert _code(["classify", "train", "--help"]) == 0
    out = capsys.readouterr().out
    assert "usage: rnnkit classify train" in out
    assert "None" not in out.splitlines()


@pytest.mark.parametrize("argv", [
    ["forecast", "--csv", "a" * 300, "--target", "y", "--horizon", "2"],
    ["classify", "train", "--csv", "a" * 5000],
    ["tsc", "train", "--csv", "/" + "ab/" * 1500 + "x.csv"],
])
def test_a_path_too_long_for_the_system_is_one_line_naming_the_flag(argv, capsys):
    # before: "error: OSError: [Errno 36] File name too long: 'aaaa...'" (exit 1, every character echoed):
    # Path.is_file() swallows ENOENT but not ENAMETOOLONG
    assert _code(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "argument --csv: expected a path the system can open" in err
    assert len(err) < 300


def test_a_path_too_long_through_the_api_is_a_config_error():
    from rnnkit.errors import ConfigError
    from rnnkit.tasks.forecasting import Forecaster

    with pytest.raises(ConfigError, match=r"^path: expected a path the system can open, got a name of 256 bytes"):
        Forecaster.load("x" * 256)


@pytest.mark.parametrize("argv, prog", [(["--bogus"], "rnnkit"), (["classify", "--bogus"], "rnnkit classify")])
def test_a_missing_command_names_the_flag_no_parser_has(argv, prog, capsys):
    # before: only "the following arguments are required: COMMAND" -- argparse checks the command first and the
    # unknown flag was never named (pip says "no such option: --bogus")
    assert _code(argv) == 2
    err = capsys.readouterr().err
    assert "the following arguments are required" in err and f"(--bogus is no flag of {prog})" in err


def test_a_missing_command_with_only_known_flags_adds_no_hint(capsys):
    assert _code(["--json"]) == 2
    assert "is no flag" not in capsys.readouterr().err


def test_thousands_of_unknown_flags_make_a_short_line(capsys):
    # before: every argument repeated on one line (20,000 flags: a 150 kB error line)
    assert _code(["env"] + [f"--f{i}" for i in range(20000)]) == 2
    err = capsys.readouterr().err
    assert "unrecognized arguments: --f0 --f1" in err and "(19,992 more)" in err and len(err) < 400


def test_a_forecaster_gives_the_host_its_generators_back(tmp_path):
    # before: Forecaster.fit left the caller's torch generator reseeded by the fit (network_model's manual_seed),
    # and load drew the network's initial weights from the caller's stream (helper L's LEAD_NOW, session 26)
    import numpy as np
    import pandas as pd
    import torch

    from rnnkit.tasks.forecasting import Forecaster

    t = np.arange(60)
    df = pd.DataFrame({"ds": pd.date_range("2020-01-01", periods=60, freq="D"), "y": np.sin(t / 3) + t / 20})
    f = Forecaster(model="gru", horizon=2, epochs=1, lookback=6, seed=0)
    torch.manual_seed(5)
    want = torch.rand(3)
    torch.manual_seed(5)
    f.fit(df, target="y", time_col="ds")
    assert torch.equal(torch.rand(3), want)
    f.save(tmp_path / "r")
    torch.manual_seed(5)
    again = Forecaster.load(tmp_path / "r")
    assert torch.equal(torch.rand(3), want)
    pd.testing.assert_frame_equal(again.predict(), f.predict())


def test_a_series_classifier_fit_on_words_and_a_number_warns_naming_the_caller():
    # helper D's warn_mixed_kinds (b2f35a0) reached the text classifier only: TimeSeriesClassifier trained a class
    # '0' beside 'a' and 'b' silently
    import warnings

    import numpy as np

    from rnnkit.tasks.tsc import TimeSeriesClassifier, TSCConfig

    rng = np.random.default_rng(0)
    X = [rng.normal(size=(12, 1)) for _ in range(10)]
    y = ["a"] * 4 + ["b"] * 4 + ["0"] * 2
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        TimeSeriesClassifier(TSCConfig(hidden_size=4, epochs=1, val_fraction=0, progress=False)).fit(X, y, baselines=False)
    mixed = [w for w in caught if "are numbers and" in str(w.message)]
    assert len(mixed) == 1 and "1 label(s) are numbers and 2 are words" in str(mixed[0].message)
    assert mixed[0].filename == __file__


def test_a_tagger_fit_on_tags_with_a_zero_for_o_warns_naming_the_tag():
    # helper D's warn_mixed_kinds reached the text classifier only: a tag '0' typed for the letter 'O' trained a
    # tag of its own silently
    import warnings

    from rnnkit.tasks.tagging import SequenceTagger, TaggerConfig

    sents = [["Ann", "saw", "Bob"], ["Bob", "ran"], ["Ann", "ran", "far"]] * 3
    tags = [["B-PER", "O", "B-PER"], ["B-PER", "0"], ["B-PER", "O", "O"]] * 3
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        SequenceTagger(TaggerConfig(word_dim=4, char_dim=2, char_hidden=2, hidden_size=4, epochs=1, val_fraction=0,
                                    progress=False)).fit(sents, tags, baselines=False)
    mixed = [str(w.message) for w in caught if "are numbers and" in str(w.message)]
    assert len(mixed) == 1 and "'0' (tags[1][1])" in mixed[0]


def test_the_path_length_check_is_linux_only(monkeypatch):
    # W's review of 13593ca: macOS and Windows limit a name in characters (UTF-16 units), not bytes: a 100-character
    # CJK name (300 bytes) is a valid name there and must not be refused by a byte count
    import sys

    from rnnkit._paths import expand_user

    name = "数" * 100
    monkeypatch.setattr(sys, "platform", "win32")
    assert expand_user(name) == name
