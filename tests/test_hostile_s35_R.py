"""Session 35, helper R: a hostile sweep of text, tagging, time-series and generation inputs -- what was silently
wrong (or refused only after the whole training), each checked against the code before the fix."""

from __future__ import annotations

import unicodedata
import warnings

import pytest

from rnnkit.errors import DataError


def _csv(path, rows, header="text,label"):
    path.write_text(header + "\n" + "".join(f'"{t}","{lab}"\n' for t, lab in rows), encoding="utf-8")
    return path


ROWS = [("good movie great", "pos"), ("bad movie awful", "neg"), ("great fun", "pos"), ("awful boring", "neg")] * 6


# ------------------------------------------------------------------ labels with and without spaces around them
def test_csv_labels_written_with_and_without_spaces_are_merged_with_a_warning(tmp_path):
    # at 0883f24 'pos ' (a quoted field keeps its space) and 'pos' were read as one label, silently (the Python API
    # refuses two such labels: a guess made only for a CSV)
    from rnnkit.data.text import read_csv_texts

    path = _csv(tmp_path / "a.csv", ROWS + [("nice", "pos "), ("meh", " neg")])
    with pytest.warns(UserWarning, match=r"2 label\(s\) of column 'label' written with and without spaces around them, "
                                         r"e\.g\. 'pos' \(row 2\) and 'pos ' \(row 26\): read as one label 'pos'"):
        labels = read_csv_texts(path)[1]
    assert set(labels) == {"pos", "neg"}


def test_csv_labels_spaced_alike_are_no_guess(tmp_path):
    from rnnkit.data.text import read_csv_texts

    path = tmp_path / "b.csv"
    path.write_text("text,label\n" + "".join(f"{t}, {lab}\n" for t, lab in ROWS), encoding="utf-8")   # ', pos' always
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert set(read_csv_texts(path)[1]) == {"pos", "neg"}


def test_a_tsc_long_csv_warns_the_same(tmp_path):
    from rnnkit.data.tsc import read_long_csv

    path = tmp_path / "l.csv"
    path.write_text("id,time,v,label\n" + "".join(f"s{s},{t},{(s + t) % 3}.0,{'ab'[s % 2]}{' ' if s == 2 else ''}\n"
                                                  for s in range(6) for t in range(4)), encoding="utf-8")
    with pytest.warns(UserWarning, match=r"1 label\(s\) of column 'label' written with and without spaces .* 'a ' "
                                         r"\(row 10\): read as one label 'a'"):
        assert set(read_long_csv(path)[1]) == {"a", "b"}


# ------------------------------------------------------------------ a label written two ways, in the held-out part
def test_a_label_written_two_ways_is_refused_before_training(tmp_path, capsys, monkeypatch):
    # at 0883f24 the decomposed 'café' of the last row fell in the --test-fraction part: the network trained (a run
    # folder written), then scoring the test part refused it; now refused before any training
    from rnnkit.cli.main import main
    from rnnkit.training import trainer as trainer_module

    nfc, nfd = unicodedata.normalize("NFC", "café"), unicodedata.normalize("NFD", "café")
    path = _csv(tmp_path / "g.csv", [(t, nfc if lab == "pos" else "bar") for t, lab in ROWS] + [("tasty", nfd)])
    monkeypatch.setattr(trainer_module.Trainer, "fit", lambda *a, **k: pytest.fail("trained before refusing"))
    assert main(["classify", "train", "--csv", str(path), "--epochs", "1", "--no-baseline", "--threads", "1",
                 "--quiet", "--out", str(tmp_path / "run")]) == 1
    err = capsys.readouterr().err
    assert "labels: expected each label written one way" in err and "row 26" in err and "composition" in err, err
    assert not (tmp_path / "run").exists()


# ------------------------------------------------------------------ generate: a text of one character
@pytest.mark.parametrize("text", ["a" * 400 + "\n", ("a" * 40 + "\r\n") * 10])
def test_a_generator_text_of_one_character_is_refused(text):
    # at 0883f24 'a' * 3000 trained (bits/char 1.7, the n-gram 0.0) and exit 0
    from rnnkit.tasks.generation import CharLM, CharLMConfig

    with pytest.raises(DataError, match=r"^text: expected at least 2 different characters besides line breaks .*got "
                                        r"only 'a' \(400 times in the training text\)$"):
        CharLM(CharLMConfig(hidden_size=4, rounds=1)).fit(text, baselines=False)


# ------------------------------------------------------------------ tsc: a series with no value at all
@pytest.mark.parametrize("missing", [[], ["--missing", "interpolate"]])
def test_a_tsc_series_of_nan_alone_is_named_so_whatever_missing_says(tmp_path, capsys, missing):
    # at 0883f24 without --missing: 'got NaN inside series 6 (--missing interpolate fills them ...)', which then said
    # 'only NaN in series 6' (it cannot fill it); a long CSV's series was named by number, not its id
    from rnnkit.cli.main import main

    path = tmp_path / "m.csv"
    path.write_text("id,time,v,label\n" + "".join(f"s{s},{t},{'NaN' if s == 5 else (s + t) % 3},{'ab'[s % 2]}\n"
                                                  for s in range(6) for t in range(4)), encoding="utf-8")
    assert main(["tsc", "train", "--csv", str(path), *missing, "--no-baseline", "--quiet", "--threads", "1",
                 "--out", str(tmp_path / "run")]) == 1
    err = capsys.readouterr().err
    assert "expected at least one value in every channel, got only NaN in series 's5' channel 1 (no --missing fills " \
           "it: drop the series)" in err, err
