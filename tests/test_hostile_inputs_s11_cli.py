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


def _long_csv(path, order=("a", "b"), label=lambda i: "up" if i % 2 else "down"):
    """A long-format CSV: 12 series of 6 steps, channel a rising or falling with the class, b the other way
    at half the slope (swapped, an 'up' series reads as a 'down' one); the channel columns in ``order``."""
    rows = [",".join(["id", "time", "label", *order])]
    for i in range(12):
        for t in range(6):
            a = (t if i % 2 else -t) + 0.01 * i
            v = {"a": a, "b": -0.5 * a}
            rows.append(",".join([f"s{i}", str(t), label(i), *(f"{v[c]:.3f}" for c in order)]))
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_a_tsc_run_reads_its_channels_by_name_not_by_position(tmp_path, capsys):
    # Before: a run trained without --value-cols remembered value_cols=None, so predict/evaluate took "every
    # other column" of the new file in that file's order: the same columns in another order were fed as
    # swapped channels (every series read as the other class here), without a word.
    import json

    train = _long_csv(tmp_path / "train.csv")
    swapped = _long_csv(tmp_path / "swapped.csv", order=("b", "a"))
    run = tmp_path / "run"
    assert main(["tsc", "train", "--csv", str(train), "--model", "auto", "--epochs", "1", "--hidden-size", "4",
                 "--out", str(run), "--quiet"]) == 0
    capsys.readouterr()
    outs = []
    for f in (train, swapped):
        assert main(["tsc", "predict", "--run", str(run), "--csv", str(f), "--json"]) == 0
        outs.append(json.loads(capsys.readouterr().out))
    assert outs[1] == outs[0]                      # the oracle: the same series, the same columns by name
    assert main(["tsc", "evaluate", "--run", str(run), "--csv", str(swapped), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["metrics"]["accuracy"] == 1.0
    assert json.loads((run / "config.json").read_text())["data"]["columns"]["value_cols"] == ["a", "b"]


@pytest.mark.parametrize("cols, message", [
    # each trained silently before: a channel twice; '' read as "every other column"; a numeric label
    # column read as a channel (the network and 1-NN trained on the answer: accuracy 1.0)
    ("a,a", "--value-cols: expected each column once, got 'a' twice"),
    ("", "--value-cols: expected comma-separated column names, got ''"),
    ("a,label", "--value-cols: expected columns other than --label-col 'label', got 'label' among them"),
    ("time,a", "--value-cols: expected columns other than --time-col 'time', got 'time' among them"),
])
def test_tsc_value_columns_are_distinct_names_outside_the_other_roles(tmp_path, capsys, cols, message):
    data = _long_csv(tmp_path / "d.csv", label=lambda i: str(i % 2))
    assert main(["tsc", "train", "--csv", str(data), "--value-cols", cols, "--epochs", "1", "--hidden-size", "4",
                 "--out", str(tmp_path / "run"), "--quiet"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [f"rnnkit tsc: error: {message}"]
    assert not (tmp_path / "run").exists()
