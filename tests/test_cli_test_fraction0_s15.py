"""A run trained with --test-fraction 0 held nothing out (session 15, found by helper Q on real data):
`evaluate --csv OTHER` warned that OTHER, never trained on, was the training data (the EMPTY held-out part's digest
matched any data of the same size), and `evaluate` with no data was a DataError ('expected at least one text')
instead of a usage error naming why a data flag is needed."""

from __future__ import annotations

import csv
import warnings

from rnnkit.cli.main import main
from toy_data import write_sentiment_csv

_csv = write_sentiment_csv


def test_a_run_that_held_nothing_out(tmp_path, capsys):
    _csv(tmp_path / "a.csv", 0)
    _csv(tmp_path / "b.csv", 100)             # other rows, the same count
    assert main(["classify", "train", "--csv", str(tmp_path / "a.csv"), "--test-fraction", "0", "--epochs", "1",
                 "--min-freq", "1", "--hidden-size", "8", "--embed-dim", "8", "--embeddings", "own", "--quiet",
                 "--out", str(tmp_path / "run")]) == 0
    capsys.readouterr()
    with warnings.catch_warnings(record=True) as seen:    # under pytest the CLI's warnings reach the recorder
        warnings.simplefilter("always")
        assert main(["classify", "evaluate", "--run", str(tmp_path / "run"), "--csv", str(tmp_path / "b.csv"),
                     "--json"]) == 0
    assert not [w for w in seen if "trained on" in str(w.message)], [str(w.message) for w in seen]
    assert main(["classify", "evaluate", "--run", str(tmp_path / "run"), "--json"]) == 2
    err = capsys.readouterr().err
    assert "expected a data flag (this run held nothing out: it was trained with --test-fraction 0)" in err, err


def test_a_training_error_names_the_item_by_its_place_in_the_data_read(tmp_path, capsys):
    # the task names texts[i] of the part fit got (after --test-fraction's random split): row 40 of the data was
    # 'texts[32]', no row of the file; the driver adds the item's place in the data read (helper Q, session 15)
    rows = [(f"good film {i}", "pos") if i % 2 else (f"bad film {i}", "neg") for i in range(60)]
    rows[40] = ("\u200b", "pos")
    with open(tmp_path / "zw.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        w.writerows(rows)
    assert main(["classify", "train", "--csv", str(tmp_path / "zw.csv"), "--epochs", "1", "--min-freq", "1",
                 "--hidden-size", "8", "--embed-dim", "8", "--embeddings", "own", "--quiet",
                 "--out", str(tmp_path / "run")]) == 1
    err = capsys.readouterr().err
    # since session 16 the task names the item by its file row itself (row 42: item 40 + the header + 1)
    assert "error: DataError: texts[" in err and "zw.csv' row 42): expected a text with at least one token" in err, err
