"""A series CSV given compressed: read as every text file is read, a spreadsheet named with the way to a CSV.

``sales.csv.gz`` is how many exports and pipelines hand a CSV over, and pandas reads it by its name; here it was
read as text and refused as "expected UTF-8 text, got invalid byte 0x8b ... at line 1" (gzip's second magic
byte), which sent the user looking for an encoding problem. Since session 35 every text reader decompresses gzip,
bzip2, xz and a zip of one file (:func:`rnnkit.data.text.read_utf8`, :mod:`rnnkit.data.packed`: the checksum
verified, so a truncated or corrupted file is a DataError naming it, never a partial table; zstd and a zip of
several files are refused by name); this reader adds the CSV's own word for a spreadsheet or binary table.
"""

from __future__ import annotations

from pathlib import Path

from rnnkit._io import is_stream
from rnnkit.data.not_utf8 import table_format    # the spreadsheets and binary tables, by their first bytes
from rnnkit.errors import DataError

__all__ = ["csv_text"]


def csv_text(path: str | Path, what: str) -> str:
    """The text of the CSV file ``path`` as :func:`rnnkit.data.text.read_utf8` reads it (UTF-8, a BOM dropped, the
    bad byte's line named; gzip, bzip2, xz or a zip of one file decompressed); an Excel, OpenDocument, Parquet, Arrow
    or SQLite file is a DataError naming it and the way to a CSV."""
    from rnnkit.data.text import read_utf8

    p = Path(path)
    if not is_stream(p) and p.is_file():       # a pipe is read once: as text, by read_utf8
        try:
            with open(p, "rb") as f:
                head = f.read(4096)
        except OSError:
            head = b""                         # read_utf8 says why it cannot be read
        if (table := table_format(head)) is not None:   # an .xlsx was 'a zip archive ...; unzip it first' (XML inside)
            raise DataError(f"{what}: expected a CSV file (plain text or compressed), got {table[0]} in {str(p)!r}; "
                            f"{table[1]}")
    return read_utf8(p, what)
