import io
import zipfile

import pytest

from rnnkit.data.not_utf8 import table_format
from rnnkit.data.series import read_series_csv
from rnnkit.errors import DataError


@pytest.mark.parametrize("header", ["PAR1", "ARROW1"])
def test_a_csv_whose_header_begins_with_a_table_magic_is_read(tmp_path, header):
    # At 00de023 (table_format) a text CSV whose first column is named PAR1 (a gene, a parameter) or ARROW1 was
    # refused as 'a Parquet file' / 'an Arrow / Feather file'; at 7f82da7 it was read. Oracle: the same file with
    # the column renamed.
    body = "1,2\n2,3\n3,4\n"
    (tmp_path / "a.csv").write_text(f"{header},y\n{body}")
    (tmp_path / "b.csv").write_text(f"x,y\n{body}")
    got, want = read_series_csv(tmp_path / "a.csv"), read_series_csv(tmp_path / "b.csv")
    assert list(got.columns) == [header, "y"] and (got.to_numpy() == want.to_numpy()).all()


def test_a_powerpoint_file_is_not_named_an_excel_workbook():
    # At 00de023 a .pptx (a zip whose entries are [Content_Types].xml, _rels/, ppt/...) read as a CSV was named
    # 'an Excel workbook (.xlsx)' ('save it as CSV UTF-8 (Excel: ...)'); a .docx was not.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name in ("[Content_Types].xml", "_rels/.rels", "ppt/presentation.xml", "ppt/slides/slide1.xml"):
            z.writestr(name, "<x/>")
    assert table_format(buf.getvalue()[:4096]) is None
    xlsx = io.BytesIO()
    with zipfile.ZipFile(xlsx, "w") as z:
        for name in ("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml"):
            z.writestr(name, "<x/>")
    assert "Excel workbook" in table_format(xlsx.getvalue()[:4096])[0]
    parquet = b"PAR1\x15\x04\x15\x10\x15\x14L\x15\x04\x15\x00\x00\x00"
    assert table_format(parquet)[0] == "a Parquet file"
