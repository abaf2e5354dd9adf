"""Session 36, helper R: compressed input (rnnkit.data.packed), leftovers of session 35.

(1) A file of many bzip2/xz streams: each new decompressor was handed the last one's ``unused_data``, a copy of every
byte after that stream (acde53cb: O(streams x size)); fac5208a fed 1 MiB at a time, which still copied up to 1 MiB at
each stream's end: a file of 16,707 one-line streams (1.3 MB) was fed 7.4 GB (5,500x its size). The test counts the
bytes handed to the decompressors; the oracle of the text is the standard library's bz2/lzma.
(2) A zip holding ``data.csv.gz`` said "gzip-compressed data: gunzip it first", naming the .zip; a zip of ``data.csv``
with Finder's ``.DS_Store`` or Windows' ``Thumbs.db`` beside it was refused as two files."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import zipfile

import pytest

from rnnkit.data import packed
from rnnkit.data.text import read_csv_texts, read_utf8
from rnnkit.errors import DataError

CSV = "text,label\nhello there,a\nbye now,b\nsee you,a\n"


class _Counted:
    """A decompressor factory counting the decompressors made and the bytes handed to them."""

    def __init__(self, new):
        self.new, self.made, self.fed = new, 0, 0

    def __call__(self):
        self.made += 1
        d, outer = self.new(), self

        class D:
            def decompress(self, data, max_length=-1):
                outer.fed += len(data)
                return d.decompress(data, max_length)

            def __getattr__(self, name):
                return getattr(d, name)

        return D()


def _read_all(kind, new, data):
    counted = _Counted(new)
    s = packed._Streams(counted, data, kind)
    out = b"".join(iter(lambda: s.read(1 << 24), b""))
    return out, counted


def _lines(n):
    return [f"{i},word{i % 97} and some more text {i * 7919 % 1000}\n".encode() for i in range(n)]


@pytest.mark.parametrize("kind", ["bzip2", "xz"])
def test_many_small_streams_are_fed_about_once_not_once_a_stream(kind):
    lines = _lines(3000)
    if kind == "bzip2":
        data, new, oracle = b"".join(bz2.compress(x) for x in lines), bz2.BZ2Decompressor, bz2.decompress
    else:
        # stream padding between streams (lzma.decompress stops at padding and drops the rest: no oracle here)
        data = b"".join(lzma.compress(x) + b"\0" * 4 * (i % 3) for i, x in enumerate(lines))
        new, oracle = lzma.LZMADecompressor, lambda _: b"".join(lines)
    out, counted = _read_all(kind, new, data)
    assert out == b"".join(lines) == oracle(data)
    assert counted.made == len(lines)
    # each stream's end copies its last piece's rest (pieces double from 256 bytes): a few times the file, where
    # handing on unused_data fed every stream the rest of its 1 MiB piece (hundreds of times the file)
    assert counted.fed <= 4 * len(data) + 1024, counted.fed / len(data)


def test_large_streams_are_fed_once_each_and_read_whole():
    import random

    rng = random.Random(0)
    parts = [bytes(rng.choice(b"abcdefgh \n") for _ in range(400_000)) for _ in range(4)]     # ~1.5 MB of bzip2
    data = b"".join(bz2.compress(p, 1) for p in parts)
    out, counted = _read_all("bzip2", bz2.BZ2Decompressor, data)
    assert out == b"".join(parts) == bz2.decompress(data)
    assert counted.made == 4 and counted.fed <= 3 * len(data), counted.fed / len(data)


def test_garbage_after_many_streams_is_still_refused(tmp_path):
    path = tmp_path / "a.csv.bz2"
    path.write_bytes(b"".join(bz2.compress(x) for x in _lines(50)) + b"not bzip2 at all, and long enough" * 20)
    with pytest.raises(DataError, match=r"bytes after its stream 50 start no bzip2 stream"):
        read_utf8(path, "--csv")


def _zip(entries):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            z.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize("inner", [("data.csv.gz", gzip.compress), ("data.csv.bz2", bz2.compress),
                                   ("data.csv.xz", lzma.compress)])
def test_a_zip_of_a_compressed_csv_is_read_one_level_down(tmp_path, inner):
    name, pack = inner
    (tmp_path / "a.zip").write_bytes(_zip([(name, pack(CSV.encode()))]))
    (tmp_path / "a.csv").write_text(CSV, encoding="utf-8")
    assert read_csv_texts(tmp_path / "a.zip") == read_csv_texts(tmp_path / "a.csv")


def test_a_zip_of_a_zip_is_refused_naming_the_member(tmp_path):
    (tmp_path / "a.zip").write_bytes(_zip([("inner.zip", _zip([("data.csv", CSV.encode())]))]))
    with pytest.raises(DataError, match=r"csv: expected a zip of one text file .*, got zip data in "
                                        r"'.*a\.zip:inner\.zip'; unzip it"):
        read_csv_texts(tmp_path / "a.zip")


def test_a_damaged_member_inside_a_zip_is_named(tmp_path):
    (tmp_path / "a.zip").write_bytes(_zip([("data.csv.gz", gzip.compress(CSV.encode())[:-12])]))
    with pytest.raises(DataError, match=r"expected a complete gzip file, got '.*a\.zip:data\.csv\.gz'"):
        read_csv_texts(tmp_path / "a.zip")


@pytest.mark.parametrize("others", [[".DS_Store"], ["Thumbs.db"], ["__MACOSX/._data.csv", "sub/.DS_Store"]])
def test_os_folder_metadata_beside_the_file_is_skipped(tmp_path, others):
    (tmp_path / "a.zip").write_bytes(_zip([(o, b"\0\0\0\1Bud1\0") for o in others] + [("sub/data.csv", CSV)]))
    (tmp_path / "a.csv").write_text(CSV, encoding="utf-8")
    assert read_csv_texts(tmp_path / "a.zip") == read_csv_texts(tmp_path / "a.csv")


@pytest.mark.parametrize("other", ["desktop.ini", ".DS_Store.csv", "notes.txt"])
def test_other_second_files_are_still_refused(tmp_path, other):
    (tmp_path / "a.zip").write_bytes(_zip([("data.csv", CSV), (other, "x")]))
    with pytest.raises(DataError, match=r"expected a zip archive of one file, got 2 files"):
        read_csv_texts(tmp_path / "a.zip")
