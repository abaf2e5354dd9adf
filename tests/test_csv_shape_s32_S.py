"""A CSV reader's row-width refusal names a file of another shape (session 32, S): a ';' file (European Excel), a TAB
file (PostgreSQL COPY, mysqldump --tab) or JSON Lines, read with ',', was refused for its first row holding a comma
as 'a field holding the delimiter must be quoted' or 'a missing value is an empty field' -- blaming the row, not the
file's separator (a file without a comma in its rows was already named by columns_hint)."""

from __future__ import annotations

import json
import re

import pytest

from rnnkit.data.text import read_csv_texts
from rnnkit.errors import DataError


@pytest.mark.parametrize("sep", [";", "\t"])
def test_a_file_of_another_separator_with_a_comma_in_a_row_is_named_by_its_header(tmp_path, sep):
    f = tmp_path / "eu.csv"
    f.write_text(f"text{sep}label\r\na good film, really{sep}pos\r\na bad film{sep}neg\r\n", encoding="utf-8-sig")
    with pytest.raises(DataError, match=f"row 2 .*the header is one column holding {re.escape(repr(sep))}: rnnkit"):
        read_csv_texts(f)      # at 7f82da7: '(line 2; a field holding the delimiter must be quoted)'


def test_json_lines_read_as_csv_is_named_as_json_lines(tmp_path):
    f = tmp_path / "x.jsonl"
    f.write_text("".join(json.dumps({"text": t, "label": lab}) + "\n" for t, lab in [("good, fine", "pos"), ("bad", "neg")]))
    with pytest.raises(DataError, match=r"the file looks like JSON Lines, one object a line"):
        read_csv_texts(f)      # at 7f82da7: '(line 2; a missing value is an empty field)'


def test_a_comma_file_with_a_short_row_is_still_the_row(tmp_path):
    f = tmp_path / "ok.csv"
    f.write_text("text,label\na good film,pos\na bad film\n")
    with pytest.raises(DataError, match=r"got 1 at row 3 \(line 3; a missing value is an empty field\)$"):
        read_csv_texts(f)


def test_compact_json_lines_that_break_the_csv_parser_are_named_as_json_lines(tmp_path):
    # pandas' to_json(orient='records', lines=True) writes no space after ':' and ','; the csv module fails at line 1
    # ("',' expected after '\"'"), which named no cause at 7f82da7 -- for the forecaster and tsc readers alike
    from rnnkit.data.series import read_series_csv

    f = tmp_path / "x.jsonl"
    f.write_text('{"date":"2021-01-01","value":0.0}\n{"date":"2021-01-02","value":1.0}\n')
    for read in (read_csv_texts, lambda p: read_series_csv(p, "date")):
        with pytest.raises(DataError, match=r"at line 1 \(the file looks like JSON Lines, one object a line"):
            read(f)


def test_a_conll_file_with_a_header_line_is_refused_naming_it(tmp_path, capsys):
    # a token table written with a header (pandas to_csv(sep='\t'), a spreadsheet): at 7f82da7 'token' was a token
    # tagged 'tag', a class of its own, and being no BIO tag it turned entity scoring off (the warning blamed the tags)
    from rnnkit.cli.main import main

    sentence = "John\tB-PER\nlives\tO\nin\tO\nParis\tB-LOC\n\n"
    f = tmp_path / "ner.tsv"
    f.write_text("Token\tNER_tag\n" + sentence * 6)
    code = main(["tag", "train", "--conll", str(f), "--epochs", "1", "--threads", "1", "--out", str(tmp_path / "run"),
                 "--quiet"])
    err = capsys.readouterr().err
    assert code == 1 and "got a header at line 1: 'Token'<TAB>'NER_tag' (the file has no header" in err, err
    f.write_text("Tag\tO\n" + sentence * 6)     # a token 'Tag' (a word) with a real tag: read as ever
    assert main(["tag", "train", "--conll", str(f), "--epochs", "1", "--threads", "1", "--out", str(tmp_path / "r2"),
                 "--quiet"]) == 0


def test_a_pair_file_with_pandas_default_header_is_refused():
    # pd.DataFrame(pairs).to_csv(path, sep='\t', index=False) writes the columns' names 0 and 1 first: at 7f82da7
    # trained as the pair '0' -> '1'; one-digit pairs of another shape stay pairs
    from rnnkit.cli.translate import refuse_header

    with pytest.raises(DataError, match=r"got a header at line 1 '0'<TAB>'1' \(the file has no header"):
        refuse_header(("0", "1"), "p.tsv")
    for pair in [("1", "one"), ("0", "zero"), ("1", "0")]:
        refuse_header(pair, "p.tsv")
