"""Session 35, helper R: compressed input files, one rule for every text reader (rnnkit.data.packed).

Before: tsc's --ucr/--ts/--csv read gzip, classify --csv, tag --conll, translate --tsv and generate --text refused it
("gunzip it first"), and no reader read bzip2, xz or a zip (--ucr said "expected a CSV file"). Each reader's oracle is
the same reader on the plain file."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import sys
import zipfile

import pytest

from rnnkit.errors import DataError

CSV = "text,label\nhello there,a\nbye now,b\nsee you,a\n"
CONLL = "# a comment\nAnna\tB-PER\nlives\tO\n\nBob\tB-PER\nruns\tO\n"
UCR = "".join(f"{1 + i % 2}\t" + "\t".join(f"{(i * 7 + j) % 5 / 4:.2f}" for j in range(6)) + "\n" for i in range(8))
TS = "@problemName p\n@univariate true\n@classLabel true a b\n@data\n" + "".join(
    ",".join(f"{(i + j) % 3}.5" for j in range(5)) + f":{'ab'[i % 2]}\n" for i in range(6))
TSV = "ein Haus\ta house\nzwei\ttwo\n"
LONG = "id,time,v,label\n" + "".join(f"{s},{t},{(s + t) % 4}.0,{'xy'[s % 2]}\n" for s in range(4) for t in range(5))


def _zip(data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("__MACOSX/._data.txt", b"\0\5\26\7")      # Finder's resource fork beside the one file
        z.writestr("data.txt", data)
    return buf.getvalue()


PACK = {"gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress, "zip": _zip}


def _readers():
    from rnnkit.data.text import read_conll, read_conll_tokens, read_csv_texts, read_text_lines, read_tsv_pairs
    from rnnkit.data.tsc import read_long_csv, read_ts, read_ucr

    def series(read):
        return lambda p: (lambda X, y: ([x.tolist() for x in X], y))(*read(p)[:2])

    return {"csv": (read_csv_texts, CSV), "conll": (read_conll, CONLL), "tokens": (read_conll_tokens, CONLL),
            "lines": (read_text_lines, CSV), "tsv": (read_tsv_pairs, TSV), "ucr": (series(read_ucr), UCR),
            "ts": (series(read_ts), TS), "long": (series(read_long_csv), LONG)}


@pytest.mark.parametrize("pack", sorted(PACK))
@pytest.mark.parametrize("reader", sorted(_readers()))
def test_every_text_reader_reads_a_compressed_file_as_the_plain_one(tmp_path, reader, pack):
    read, text = _readers()[reader]
    plain, packed = tmp_path / "plain.txt", tmp_path / f"packed.{pack}"
    plain.write_text(text, encoding="utf-8")
    packed.write_bytes(PACK[pack](text.encode("utf-8")))
    assert read(packed) == read(plain)


@pytest.mark.parametrize("pack", sorted(PACK))
def test_a_truncated_compressed_file_is_refused_naming_its_format(tmp_path, pack):
    from rnnkit.data.text import read_csv_texts

    data = PACK[pack]((CSV * 50).encode())
    path = tmp_path / "cut.bin"
    path.write_bytes(data[: len(data) - 12])
    kind = {"gz": "gzip", "bz2": "bzip2", "xz": "xz", "zip": "zip"}[pack]
    with pytest.raises(DataError, match=rf"^csv: expected a complete {kind} file, got '.*cut.bin' that does not "
                                        r"decompress \("):
        read_csv_texts(path)


def test_a_zip_of_several_files_zstd_and_a_packed_stream_are_refused_by_name(tmp_path, monkeypatch):
    from rnnkit.data.text import read_conll, read_csv_texts

    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w") as z:
        z.writestr("train.csv", CSV)
        z.writestr("test.csv", CSV)
    with pytest.raises(DataError, match=r"^csv: expected a zip archive of one file, got 2 files in '.*two.zip' "
                                        r"\('train.csv', 'test.csv'\); unzip it and give the file to read$"):
        read_csv_texts(two)
    (tmp_path / "z.zst").write_bytes(b"\x28\xb5\x2f\xfd" + bytes(16))
    with pytest.raises(DataError, match=r"^conll: expected plain text, gzip, bzip2, xz or a zip of one file, got zstd "
                                        r"data in '.*z.zst'; unzstd it first$"):
        read_conll(tmp_path / "z.zst")
    monkeypatch.setattr(sys, "stdin", type("Stdin", (), {"buffer": io.BytesIO(gzip.compress(CSV.encode()))})())
    with pytest.raises(DataError, match=r"^csv: expected text from the stream '<stdin>', got gzip data .*gunzip -c"):
        read_csv_texts("-")
    (tmp_path / "nothing.gz").write_bytes(gzip.compress(b"\n \n"))
    with pytest.raises(DataError, match=r"expected a non-empty file, got '.*nothing.gz' \(gzip of white space alone\)"):
        read_csv_texts(tmp_path / "nothing.gz")


def test_a_spreadsheet_is_still_named_as_one_not_as_a_zip(tmp_path):
    # an .xlsx is a zip of several XML files: it is not unpacked, the decoder names it (data/not_utf8.table_format)
    from rnnkit.data.text import read_csv_texts

    path = tmp_path / "book.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(DataError, match=r"\(an Excel workbook \(\.xlsx\): save it as CSV"):
        read_csv_texts(path)


@pytest.mark.parametrize("argv", [["tag", "train", "--conll", "{p}", "--epochs", "1", "--hidden-size", "4"],
                                  ["generate", "train", "--text", "{p}", "--rounds", "1", "--hidden-size", "4"]])
def test_the_cli_trains_on_a_compressed_file(tmp_path, capsys, argv):
    # (classify --csv reads through read_csv_texts, tested above); at dbb1af7: exit 1, "expected UTF-8 text, got invalid byte 0x8b ... (gzip-compressed data: gunzip it first)"
    from rnnkit.cli.main import main

    text = {"tag": CONLL * 4, "generate": "to be or not to be\n" * 40}[argv[0]]
    path = tmp_path / "data.bz2"
    path.write_bytes(bz2.compress(text.encode()))
    code = main([a.format(p=path) for a in argv] + ["--threads", "1", "--quiet", "--out", str(tmp_path / "run")])
    assert code == 0, capsys.readouterr().err
