"""A database's NULL, ``\\N``, in the files tasks read (session 32, S).

MySQL (``SELECT ... INTO OUTFILE``, ``mysqldump --tab``) and PostgreSQL (``COPY``'s text format) write a missing value as
``\\N``; pandas' missing-value words leave it out and the csv module reads it as text. At 7f82da7 ``rnnkit classify
train`` learned a text ``\\N`` and a class ``\\N`` without a word; tsc's long CSV made ``\\N`` a class and an id, and
refused it as a value where an empty cell is a missing value; the forecaster refused it as a word where ``NA`` is a
missing value. Each reader now treats it as its own missing value (oracle: the same file with the reader's missing
marker -- an empty cell, ``NA`` -- in its place).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from rnnkit.errors import DataError

NULL = "\\N"


def test_a_text_or_label_that_is_a_database_null_is_refused_naming_it():
    from rnnkit.tasks.common import check_labels, check_texts

    with pytest.raises(DataError, match=r"^texts\[1\]: expected a text, got '\\N', the way MySQL and PostgreSQL"):
        check_texts(["a good film", NULL])
    with pytest.raises(DataError, match=r"^y\[2\]: expected a label, got a missing value \('\\N', the way MySQL"):
        check_labels(["pos", "neg", f" {NULL} "], "y")
    assert check_texts(["\\n", "N", "a \\N b"]) == ["\\n", "N", "a \\N b"]     # only the whole cell is NULL
    assert check_texts([NULL], "prompts", blank=True) == [NULL]                # a prompt is continued as typed


def test_classify_train_refuses_a_csv_null_label_naming_its_row(tmp_path, capsys):
    from rnnkit.cli.main import main

    rows = [("a good film", "pos"), ("a bad film", "neg")] * 6 + [("a fine film", NULL)]
    f = tmp_path / "dump.csv"
    f.write_text("text,label\n" + "".join(f"{t},{lab}\n" for t, lab in rows))
    code = main(["classify", "train", "--csv", str(f), "--embeddings", "own", "--epochs", "1", "--threads", "1",
                 "--out", str(tmp_path / "run"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1 and f"row {len(rows) + 1}" in err and "got a missing value ('\\N'" in err, err
    assert not (tmp_path / "run").exists()     # at 7f82da7: trained, '\N' a class


def test_a_forecast_value_null_is_missing_as_na_and_an_id_null_is_a_missing_id(tmp_path):
    from rnnkit.data.series import read_series_csv

    rows = [("s1", f"2020-01-0{d}", v) for d, v in zip(range(1, 6), ["1.5", "{}", "2.5", "3", "4"])]
    body = "".join(f"{i},{t},{v}\n" for i, t, v in rows)
    (tmp_path / "na.csv").write_text("id,t,y\n" + body.format("NA"))
    (tmp_path / "db.csv").write_text("id,t,y\n" + body.format(NULL))
    na = read_series_csv(tmp_path / "na.csv", "t", id_col="id")
    db = read_series_csv(tmp_path / "db.csv", "t", id_col="id")    # at 7f82da7: y read as text ('\N')
    assert db["y"].dtype == np.float64 and db.equals(na), (db, na)
    (tmp_path / "id.csv").write_text(f"id,t,y\ns1,2020-01-01,1\n{NULL},2020-01-02,2\n")
    ids = read_series_csv(tmp_path / "id.csv", "t", id_col="id")["id"]
    assert ids.isna().tolist() == [False, True]     # as an empty id; at 7f82da7 a series named '\N'


def test_a_tsc_long_csv_null_is_a_missing_value_and_no_label_or_id(tmp_path):
    from rnnkit.data.tsc import read_long_csv

    head = "id,time,v,label\n"
    rows = ["a,0,1.0,x", "a,1,{v},x", "a,2,3.0,x", "{id},0,1.0,{lab}", "b,1,2.0,y", "b,2,3.0,y"]
    text = lambda v="", id="b", lab="y": head + "\n".join(rows).format(v=v, id=id, lab=lab) + "\n"
    (tmp_path / "empty.csv").write_text(text())
    (tmp_path / "db.csv").write_text(text(v=NULL))
    want, got = read_long_csv(tmp_path / "empty.csv"), read_long_csv(tmp_path / "db.csv")   # 7f82da7: refused
    assert got[1] == want[1] and all(np.array_equal(a, b, equal_nan=True) for a, b in zip(got[0], want[0]))
    (tmp_path / "lab.csv").write_text(text(v="2.0", lab=NULL))
    with pytest.raises(DataError, match=r"expected a label in column 'label' at row 5, got a missing value"):
        read_long_csv(tmp_path / "lab.csv")     # at 7f82da7: a class '\N' (and 'one label per series')
    (tmp_path / "id.csv").write_text(text(v="2.0", id=NULL))
    with pytest.raises(DataError, match=r"expected an id in column 'id' at row 5, got '\\\\N'"):
        read_long_csv(tmp_path / "id.csv")      # at 7f82da7: a series named '\N'


def test_a_tsc_long_csv_from_r_write_csv_reads_na_as_missing_and_names_its_row_names(tmp_path):
    # R's write.csv writes a missing number NA (and row names as a first column named ""): tsc refused the NA
    # ("expected a number in column 'v' at row 4, got 'NA'") where an empty cell, 'nan' and the forecaster's NA are a
    # missing value. Oracle: the same file with the cell empty
    from rnnkit.data.tsc import read_long_csv

    rows = ['"a",0,1,"x"', '"a",1,{},"x"', '"a",2,3,"x"', '"b",0,1,"y"', '"b",1,2,"y"', '"b",2,3,"y"']
    for name, cell in (("r.csv", "NA"), ("empty.csv", ""), ("na.csv", "#N/A")):
        (tmp_path / name).write_text('"id","time","v","label"\n' + "\n".join(rows).format(cell) + "\n")
    want = read_long_csv(tmp_path / "empty.csv")
    for name in ("r.csv", "na.csv"):     # at 7f82da7: DataError "got 'NA'"
        got = read_long_csv(tmp_path / name)
        assert got[1] == want[1] and all(np.array_equal(a, b, equal_nan=True) for a, b in zip(got[0], want[0]))
    (tmp_path / "names.csv").write_text('"","id","time","v","label"\n' + "".join(
        f'"{i}",{r}\n' for i, r in enumerate(rows, 1)).format("2"))
    with pytest.raises(DataError, match=r"row names written by pandas' to_csv without index=False or R's write\.csv"):
        read_long_csv(tmp_path / "names.csv")


def test_a_translation_pair_null_is_refused_naming_where_it_was_read():
    # the translator's checks took no places: 'targets[11]' counted in the training split, not the file; at 7f82da7
    # the pair ('four', '\N') was trained on
    from rnnkit.tasks.seq2seq import Translator
    from rnnkit.tasks.seq2seq_config import Seq2SeqConfig

    src, tgt = ["one", "two", "three", "four"], ["eins", "zwei", "drei", NULL]
    places = [f"--tsv 'p.tsv' line {i}" for i in range(1, 5)]
    with pytest.raises(DataError, match=r"^targets\[3\] \(--tsv 'p.tsv' line 4\): expected a text, got '\\N'"):
        Translator(Seq2SeqConfig(epochs=1)).fit(src, tgt, baselines=False, places=places)


def test_training_texts_that_are_r_na_are_warned_once_naming_the_row(tmp_path, recwarn):
    # R's write.csv quotes strings and writes a missing one NA, unquoted; the csv module reads the text 'NA', which
    # classify trained on without a word (a label NA was warned: classify_data.warn_missing_marks). At 7f82da7: no word
    from rnnkit.cli.main import main

    f = tmp_path / "r.csv"
    f.write_text('"","text","label"\n' + "".join(f'"{i}","{t}","{lab}"\n' for i, (t, lab) in enumerate(
        [("a good film", "pos"), ("a bad film", "neg")] * 6, 1)) + "".join(f'"{i}",NA,"pos"\n' for i in range(13, 17)))
    code = main(["classify", "train", "--csv", str(f), "--embeddings", "own", "--epochs", "1", "--threads", "1",
                 "--test-fraction", "0", "--out", str(tmp_path / "run"), "--quiet"])
    said = [str(w.message) for w in recwarn if "text(s) are 'NA'" in str(w.message)]
    assert code == 0 and len(said) == 1 and re.search(r"\(--csv '.*r\.csv' row 1[4-7]\), the way R, pandas", said[0]), said
