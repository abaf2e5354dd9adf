"""A run records the file it was trained on as an absolute path (session 20, found by helper S): a run trained with
a relative --csv kept 'a.csv', so `evaluate --run RUN` (no data flag) from another working folder was 'DataError:
--csv: expected an existing file, got 'a.csv'' -- a flag the user never gave -- or read another a.csv found there."""

from __future__ import annotations

import json

from rnnkit.cli.main import main
from toy_data import write_sentiment_csv

_csv = write_sentiment_csv


def test_evaluate_from_another_folder_scores_the_file_trained_on(tmp_path, monkeypatch, capsys):
    (tmp_path / "data").mkdir()
    (tmp_path / "elsewhere").mkdir()
    _csv(tmp_path / "data" / "a.csv", 0)
    _csv(tmp_path / "elsewhere" / "a.csv", 100)       # another file of the same name where evaluate runs
    monkeypatch.chdir(tmp_path / "data")
    assert main(["classify", "train", "--csv", "a.csv", "--epochs", "1", "--min-freq", "1", "--hidden-size", "8",
                 "--embed-dim", "8", "--embeddings", "own", "--quiet", "--no-baseline",
                 "--out", str(tmp_path / "run")]) == 0
    capsys.readouterr()
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert main(["classify", "evaluate", "--run", str(tmp_path / "run"), "--json"]) == 0, capsys.readouterr().err
    out = json.loads(capsys.readouterr().out)
    monkeypatch.chdir(tmp_path / "data")
    assert main(["classify", "evaluate", "--run", str(tmp_path / "run"), "--json"]) == 0
    same = json.loads(capsys.readouterr().out)
    assert out == same                                 # the held-out part of data/a.csv, from either folder
