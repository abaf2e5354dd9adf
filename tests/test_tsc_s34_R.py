"""Session 34, helper R: time-series classification leftovers of session 33 (each test fails on the code before its fix)."""

from __future__ import annotations

import warnings

import pytest


# ------------------------------------------------------------------ tsc files given gzip-compressed
UCR_TEXT = "".join(f"{1 + i % 2}\t" + "\t".join(f"{(i * 7 + j) % 5 / 4:.2f}" for j in range(6)) + "\n" for i in range(8))
TS_TEXT = "@problemName p\n@univariate true\n@classLabel true a b\n@data\n" + "".join(
    ",".join(f"{(i + j) % 3}.5" for j in range(5)) + f":{'ab'[i % 2]}\n" for i in range(6))
CSV_TEXT = "id,time,v,label\n" + "".join(f"{s},{t},{(s + t) % 4}.0,{'xy'[s % 2]}\n" for s in range(4) for t in range(5))


@pytest.mark.parametrize("kind", ["ucr", "ts", "csv"])
def test_tsc_readers_read_a_gzip_file_as_the_plain_one(tmp_path, kind):
    # session 33: --ucr / --ts / tsc --csv refused a .gz file ('expected UTF-8 text, got invalid byte 0x8b ...:
    # gunzip it first') while forecast --csv read it (data/compressed.py); now the same series and labels
    import gzip

    from rnnkit.data.tsc import read_long_csv, read_ts, read_ucr

    text = {"ucr": UCR_TEXT, "ts": TS_TEXT, "csv": CSV_TEXT}[kind]
    read = {"ucr": read_ucr, "ts": read_ts, "csv": read_long_csv}[kind]
    plain, packed = tmp_path / f"d.{kind}", tmp_path / f"d.{kind}.gz"
    plain.write_text(text, encoding="utf-8")
    packed.write_bytes(gzip.compress(text.encode("utf-8")))
    (X, y), (X2, y2) = read(plain)[:2], read(packed)[:2]
    assert y2 == y and len(X2) == len(X) and all((a == b).all() for a, b in zip(X, X2))


def test_tsc_train_reads_a_gzip_ucr_file_and_a_truncated_one_is_named(tmp_path, capsys):
    import gzip

    from rnnkit.cli.main import main

    data = gzip.compress(UCR_TEXT.encode("utf-8") * 3)
    (tmp_path / "u.tsv.gz").write_bytes(data)
    (tmp_path / "cut.tsv.gz").write_bytes(data[:40])
    assert main(["tsc", "train", "--ucr", str(tmp_path / "u.tsv.gz"), "--epochs", "1", "--no-baseline", "--quiet",
                 "--out", str(tmp_path / "run")]) == 0
    capsys.readouterr()
    assert main(["tsc", "train", "--ucr", str(tmp_path / "cut.tsv.gz"), "--out", str(tmp_path / "r2")]) == 1
    err = capsys.readouterr().err
    assert "--ucr: expected a complete gzip file" in err and "cut.tsv.gz" in err


# ------------------------------------------------------------------ runs saved with R-quoted UCR labels
def test_a_run_saved_with_r_quoted_ucr_labels_scores_and_predicts_its_own_file_as_before(tmp_path, capsys, monkeypatch):
    # before session 33 read_ucr kept R's quotes: the run's classes are '"1"', '"2"'; the file read now says 1, 2, so
    # evaluate scored every series as an unseen label (accuracy 0.0) and evaluate without a file refused the held-out
    # part as changed data; now the file's labels are read as the run saved them (warned), the run's output unchanged
    import json

    from rnnkit.cli.main import main
    from rnnkit.data import ucr_lines

    text = "".join(f'"{1 + i % 2}",' + ",".join(f"{(i % 2) * 2 + (j % 3) / 4:.2f}" for j in range(6)) + "\n"
                   for i in range(24))
    (tmp_path / "q.csv").write_text(text, encoding="utf-8")
    run = str(tmp_path / "run")
    with monkeypatch.context() as m:
        m.setattr(ucr_lines, "unquoted", lambda field: field)     # session 32's reader
        assert main(["tsc", "train", "--ucr", str(tmp_path / "q.csv"), "--epochs", "1", "--quiet", "--out", run]) == 0
    assert sorted(json.loads((tmp_path / "run" / "vocab.json").read_text())["labels"]["tokens"]) == ['"1"', '"2"']
    capsys.readouterr()
    for extra in (["--ucr", str(tmp_path / "q.csv")], []):
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            assert main(["tsc", "evaluate", "--run", run, "--json", *extra]) == 0, capsys.readouterr().err
        metrics = json.loads(capsys.readouterr().out)["metrics"]
        assert metrics["unseen_labels"] == 0 and metrics["accuracy"] > 0.5, metrics
        assert any("saved with the quotes R wrote" in str(w.message) for w in seen)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert main(["tsc", "predict", "--run", run, "--ucr", str(tmp_path / "q.csv"), "--json"]) == 0
    assert set(json.loads(capsys.readouterr().out)["predictions"]) <= {'"1"', '"2"'}
    assert not any("got none of them" in str(w.message) for w in seen)
    from rnnkit.data.tsc import read_ucr         # the Python API reads the gold labels so too (review W, bd3bc3e)
    from rnnkit.tasks.tsc import TimeSeriesClassifier

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        metrics = TimeSeriesClassifier.load(run).evaluate(*read_ucr(tmp_path / "q.csv")[:2])
    assert metrics["unseen_labels"] == 0 and metrics["accuracy"] > 0.5, metrics
    assert sum("saved with the quotes R wrote" in str(w.message) for w in seen) == 1


def test_r_quoted_labels_only_for_a_ucr_run_whose_every_label_is_quoted():
    from types import SimpleNamespace

    from rnnkit.data.vocab import Vocab
    from rnnkit.tasks.tsc import r_quoted_labels

    def run(tokens, flag="ucr"):
        return SimpleNamespace(labels=Vocab(tokens, specials=()), data={"file": "x", "flag": flag})

    assert r_quoted_labels(run(['"1"', '"2"'])) == {"1": '"1"', "2": '"2"'}
    assert r_quoted_labels(run(['"1"', "2"])) == {}                 # one written plainly: classes as they are
    assert r_quoted_labels(run(['"1"', '"2"'], flag="ts")) == {}    # only the UCR reader kept the quotes
    assert r_quoted_labels(run(['"a"', "a"])) == {}                 # 'a' is a class of its own already
