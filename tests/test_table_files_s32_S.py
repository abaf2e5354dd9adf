"""A spreadsheet or a binary table given where a CSV is read (session 32, S).

An Excel .xlsx is a zip of XML: every reader said "a zip archive: unzip it first" (the forecaster: "...; unzip it
first"), which leads to XML, not a CSV; a Parquet file, an Arrow/Feather file, an .xls or an SQLite database was
"invalid byte 0x.. at line 1", naming nothing. Each is now named with the way to a CSV; a zip of one CSV is read
(session 35, rnnkit.data.packed), a zip of several is named.
"""

from __future__ import annotations

import re
import sqlite3
import zipfile

import pytest

from rnnkit.errors import DataError


def _zip(path, entries, stored_first=None):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        if stored_first:
            z.writestr(zipfile.ZipInfo(stored_first[0]), stored_first[1], compress_type=zipfile.ZIP_STORED)
        for name, text in entries:
            z.writestr(name, text)
    return path


def _files(tmp_path):
    sheet = "<worksheet>" + "<row><c><v>1</v></c></row>" * 200 + "</worksheet>"
    sqlite3.connect(tmp_path / "db.sqlite").execute("CREATE TABLE t (text TEXT, label TEXT)").connection.commit()
    (tmp_path / "t.parquet").write_bytes(b"PAR1" + bytes(range(256)) + b"PAR1")
    return {   # as openpyxl orders an .xlsx (docProps first), as LibreOffice starts an .ods (mimetype, stored)
        "Excel workbook (.xlsx)": _zip(tmp_path / "t.xlsx", [("docProps/app.xml", "<Properties/>"),
                                                             ("xl/worksheets/sheet1.xml", sheet),
                                                             ("[Content_Types].xml", "<Types/>")]),
        "OpenDocument spreadsheet (.ods": _zip(tmp_path / "t.ods", [("content.xml", sheet)],
                                               ("mimetype", "application/vnd.oasis.opendocument.spreadsheet")),
        "Parquet file": tmp_path / "t.parquet",
        "SQLite database": tmp_path / "db.sqlite",
    }


def test_each_reader_names_a_spreadsheet_or_binary_table(tmp_path):
    from rnnkit.data.series import read_series_csv
    from rnnkit.data.text import read_csv_texts

    for kind, path in _files(tmp_path).items():     # at 7f82da7: 'a zip archive: unzip it first' / 'invalid byte'
        with pytest.raises(DataError, match=rf"got invalid byte .*\(an? {re.escape(kind)}.*(to_csv|sqlite3 -header)"):
            read_csv_texts(path)
        with pytest.raises(DataError, match=rf"expected a CSV file \(plain text or compressed\), got an? {re.escape(kind)}"):
            read_series_csv(path, "t")


def test_a_zip_of_one_csv_is_read_and_of_several_named(tmp_path):
    from rnnkit.data.series import read_series_csv

    z = _zip(tmp_path / "data.zip", [("data.csv", "t,y\n1,2\n2,3\n")])
    (tmp_path / "data.csv").write_text("t,y\n1,2\n2,3\n")
    assert read_series_csv(z, "t").equals(read_series_csv(tmp_path / "data.csv", "t"))
    two = _zip(tmp_path / "two.zip", [("a.csv", "t,y\n1,2\n"), ("b.csv", "t,y\n2,3\n")])
    with pytest.raises(DataError, match=r"expected a zip archive of one file, got 2 files in .*two.zip"):
        read_series_csv(two, "t")
