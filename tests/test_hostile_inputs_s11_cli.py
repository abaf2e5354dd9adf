"""Hostile command lines, HTTP requests and exports, session 11 sweep (helper S). Each case says what
happened before the fix."""

from __future__ import annotations

import pytest

from rnnkit.cli.main import main


@pytest.mark.parametrize("argv, message", [
    # "--length: expected an int >= 2 or None, got 0": None cannot be typed on a command line
    (["experiment", "adding", "--length", "0"], "--length: expected an int >= 2, got 0"),
    (["experiment", "adding", "--max-seconds", "0"], "--max-seconds: expected a positive number, got 0.0"),
    # a flag whose type reads 'none' says so, as the user types it
    (["experiment", "adding", "--clip-norm", "-1"], "--clip-norm: expected a positive number or 'none', got -1.0"),
    (["experiment", "adding", "--forget-bias", "nan"], "--forget-bias: expected a finite number or 'none', got nan"),
])
def test_a_flag_error_offers_what_can_be_typed_not_pythons_none(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"rnnkit experiment: error: {message}"]
