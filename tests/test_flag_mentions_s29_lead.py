"""A usage error names the other flags as typed (helper C's fbe4fa4), but a name inside quotes is what a file or the
user wrote and stays as written: a --config file giving ``hidden-size = 4`` and ``hidden_size = 8`` was told
"got 'hidden-size' and '--hidden-size'", a key the file does not hold (session 29, the lead)."""

from __future__ import annotations

import argparse

import pytest

from rnnkit.cli.flag_hints import typed_mentions


@pytest.fixture()
def parser():
    p = argparse.ArgumentParser()
    for flag in ("--hidden-size", "--snapshots", "--tokenizer", "--date-format", "--val-fraction"):
        p.add_argument(flag)
    return p


@pytest.mark.parametrize("text", [
    "--config: expected each setting once in '/tmp/c.toml', got 'hidden-size' and 'hidden_size' (4 and 8); keep one",
    "--csv: expected a file, got '/data/hidden_size/val_fraction=0.2.csv'",
    'got "snapshots=2" in the file',
])
def test_names_inside_quotes_stay_as_written(parser, text):
    assert typed_mentions(text, parser) == text


@pytest.mark.parametrize("text, typed", [
    ("--refit: expected False with snapshots=2, got True", "--refit: expected False with --snapshots 2, got True"),
    ("with tokenizer='bpe' and val_fraction > 0", "with --tokenizer bpe and --val-fraction > 0"),
    ("in '/tmp/hidden_size/a.csv': hidden_size=3", "in '/tmp/hidden_size/a.csv': --hidden-size 3"),
])
def test_names_outside_quotes_are_written_as_typed(parser, text, typed):
    assert typed_mentions(text, parser) == typed


def test_a_config_file_giving_one_setting_twice_names_the_keys_it_holds(tmp_path, capsys):
    from rnnkit.cli.main import main

    (tmp_path / "c.toml").write_text("hidden-size = 4\nhidden_size = 8\n", encoding="utf-8")
    assert main(["classify", "train", "--config", str(tmp_path / "c.toml"), "--dataset", "tweets"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "got 'hidden-size' and 'hidden_size' (4 and 8); keep one" in err, err
