"""Hostile inputs, sixth sweep (session 9): what a new user's runs of the README and the commands' help
found still wrong. Each test fails on the code before its fix (run there first) unless it says it is a
guard."""

from __future__ import annotations

import numpy as np
import pytest


def test_typed_flags_beat_the_config_file_when_forecast_s_action_is_left_out(tmp_path, capsys):
    # `rnnkit forecast --csv ... --horizon 5 --config c.toml` (the action `train` left to its default, as
    # every example in `rnnkit forecast --help` does): finding the typed flags re-parsed the command line
    # with every default suppressed, and the optional positional `action` (choices train/predict/update)
    # then failed its choices check on '==SUPPRESS=='. The SystemExit was caught as "nothing typed", so the
    # file's horizon and model replaced the typed ones silently, after a bogus "error: argument action:
    # invalid choice" line on stderr.
    from rnnkit.cli.common import apply_config
    from rnnkit.cli.main import build_parser

    cfg = tmp_path / "c.toml"
    cfg.write_text('horizon = 3\nmodel = "ets"\nbacktest = 2\n')
    parser = build_parser()
    for action in ([], ["train"]):
        argv = ["forecast", *action, "--csv", "s.csv", "--target", "y", "--model", "seasonal_naive",
                "--horizon", "5", "--config", str(cfg)]
        args = parser.parse_args(argv)
        apply_config(args._parser, args, argv[1:], root=parser, full_argv=argv)
        assert (args.horizon, args.model, args.backtest) == (5, "seasonal_naive", 2), action
        assert args.action == "train"
        assert capsys.readouterr().err == ""
    # and a config may still choose the action when none is typed
    cfg.write_text('action = "predict"\n')
    argv = ["forecast", "--run", "r", "--config", str(cfg)]
    args = parser.parse_args(argv)
    apply_config(args._parser, args, argv[1:], root=parser, full_argv=argv)
    assert args.action == "predict" and capsys.readouterr().err == ""
