"""What a file that is not UTF-8 likely is, for the message of :func:`rnnkit.data.text.decode_utf8`.

A character beyond U+FFFF (an emoji, a rare Han character) written as its two UTF-16 surrogate halves of three bytes
each -- CESU-8 (Oracle's and MySQL's old 'utf8' exports) or Java's modified UTF-8 (``DataOutputStream.writeUTF``,
which also writes NUL as ``0xC0 0x80``) -- is no UTF-8, and every byte of it is a Windows-1252 character, so the
message said 'Windows-1252 or Latin-1 text? ... iconv -f cp1252 -t utf-8': that command turns the emoji into
``'í\\xa0½í¸\\x80'``, valid UTF-8 read without a word. The message names the encoding instead.

>>> not_utf8_hint(b"good \\xed\\xa0\\xbd\\xed\\xb8\\x80", 5)[:53]
' (CESU-8 or Java modified UTF-8: bytes 0xed 0xa0 0xbd'
>>> not_utf8_hint(b"caf\\xe9", 3)
' (Windows-1252 or Latin-1 text? save it as UTF-8, e.g. iconv -f cp1252 -t utf-8)'
"""

from __future__ import annotations

import re

from rnnkit.data.encoding import legacy_hint

__all__ = ["not_utf8_hint", "compressed_hint", "table_format", "GZIP", "OTHER_PACKINGS"]

_SURROGATE = re.compile(rb"\xed[\xa0-\xbf][\x80-\xbf]")     # U+D800-U+DFFF in UTF-8's three-byte form
_JAVA_NUL = b"\xc0\x80"


#: the first bytes of gzip and the other compressed formats (kind, what to do): data/packed.py reads all but zstd
GZIP = b"\x1f\x8b"
OTHER_PACKINGS = ((b"PK\x03\x04", "a zip archive", "unzip it"), (b"BZh", "bzip2 data", "bunzip2 it"),   # BZh + level
                  (b"\xfd7zXZ\x00", "xz data", "unxz it"), (b"\x28\xb5\x2f\xfd", "zstd data", "unzstd it"))


#: binary table files by their first bytes (what it is, how to get a CSV of it): a zip's are named by its entries
_TABLES = ((b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Excel 97-2003 workbook (.xls) or another OLE2 Office file",
            "save it as CSV UTF-8 (Excel: File > Save As; pandas: pd.read_excel(path).to_csv(csv, index=False))"),
           (b"PAR1", "a Parquet file", "write it as CSV (pandas: pd.read_parquet(path).to_csv(csv, index=False))"),
           (b"ARROW1", "an Arrow / Feather file", "write it as CSV (pandas: pd.read_feather(path).to_csv(csv, index=False))"),
           (b"SQLite format 3\x00", "an SQLite database", "export a table as CSV (sqlite3 -header -csv DB 'SELECT ...')"))
_XLSX = ("an Excel workbook (.xlsx)", "save it as CSV UTF-8 (Excel: File > Save As; pandas: "
         "pd.read_excel(path).to_csv(csv, index=False)); unzipped it is XML, no CSV")
_ODS = ("an OpenDocument spreadsheet (.ods: LibreOffice Calc)", "save it as CSV (Calc: File > Save As > Text CSV, "
        "UTF-8; pandas: pd.read_excel(path).to_csv(csv, index=False))")


#: a head that is text: no C0 control byte but TAB, LF, VT, FF, CR, Ctrl-Z and ESC (each of these formats has some
#: right after its magic: the zip's version and flags, Parquet's page header, Arrow's padding, SQLite's NUL)
_TEXT_HEAD = re.compile(rb"[^\x00-\x08\x0e-\x19\x1c-\x1f]*")


def table_format(data: bytes) -> tuple[str, str] | None:
    """``(what it is, how to get a CSV)`` when ``data`` (a file's first 4 KiB) begins as a spreadsheet or a binary
    table does -- Excel's .xlsx (a zip of ``xl/`` XML: "a zip archive: unzip it first" sent the user to XML) and .xls,
    LibreOffice's .ods, Parquet, Arrow/Feather, SQLite (each was "invalid byte 0x.. at line 1", naming nothing) --
    else ``None``.

    >>> table_format(b"PAR1\\x15\\x04"), table_format(b"PK\\x03\\x04" + b"\\x00" * 26 + b"xl/workbook.xml")[0]
    (('a Parquet file', 'write it as CSV (pandas: pd.read_parquet(path).to_csv(csv, index=False))'), 'an Excel workbook (.xlsx)')
    """
    if _TEXT_HEAD.fullmatch(data[:4096]):    # no control byte: text (a CSV whose header begins 'PAR1,' or 'ARROW1,')
        return None
    if data.startswith(b"PK\x03\x04"):    # the entry names stand uncompressed in their local headers
        if b"opendocument.spreadsheet" in data[:200]:    # an ODF file's first entry: 'mimetype', stored
            return _ODS
        other = any(part in data for part in (b"word/", b"ppt/", b"visio/"))     # a .docx, .pptx, .vsdx
        return _XLSX if b"xl/" in data or b"[Content_Types].xml" in data and not other else None
    return next(((kind, fix) for magic, kind, fix in _TABLES if data.startswith(magic)), None)


def compressed_hint(data: bytes) -> str | None:
    """The hint after "got invalid byte ..." when ``data`` begins as compressed data does (gzip, zip, bzip2, xz,
    zstd), else ``None``: a gzip file given to classify, tsc, tag, translate or generate was "invalid byte 0x8b at line
    1" (generate: "Windows-1252 or Latin-1 text?"), where only forecast's reader read gzip (helper F's fuzzer, session
    27); since session 35 every reader decompresses a file (:mod:`rnnkit.data.packed`), so this names compressed
    data that reaches the decoder otherwise. A spreadsheet or binary table is named as such (:func:`table_format`)."""
    if (table := table_format(data[:4096])) is not None:
        return f" ({table[0]}: {table[1]})"
    for magic, kind, fix in ((GZIP, "gzip-compressed data", "gunzip it"), *OTHER_PACKINGS):
        if data.startswith(magic) and (magic != b"BZh" or data[3:4].isdigit() and data[4:10] == b"1AY&SY"):
            return f" ({kind}: {fix} first)"
    return None


def not_utf8_hint(data: bytes, start: int) -> str:
    """The parenthesised hint after "got invalid byte ... at line N": ``data``'s first invalid byte is at ``start``."""
    if (packed := compressed_hint(data)) is not None:
        return packed
    if _SURROGATE.match(data, start):
        return (f" (CESU-8 or Java modified UTF-8: bytes {' '.join(f'0x{b:02x}' for b in data[start:start + 3])} "
                "encode a UTF-16 surrogate, half of a character beyond U+FFFF such as an emoji; save it as UTF-8 -- "
                "iconv -f cp1252 would turn it into other characters)")
    if data.startswith(_JAVA_NUL, start):
        return " (Java modified UTF-8: bytes 0xc0 0x80 encode a NUL; save it as UTF-8)"
    return legacy_hint(data)
