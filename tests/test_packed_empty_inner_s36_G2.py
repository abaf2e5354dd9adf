"""Session 36, helper G2 (review W2-4): a zip whose one file is an empty (or white-space) gzip, bzip2 or xz is named
by that file and its format, not as "'a.zip' (zip of nothing)": the zip holds a file; what is inside it is empty.
Oracle: the standard library's zipfile/gzip/bz2/lzma, which write the files in the test. (Fix: a LEAD_NOW patch to
R's src/rnnkit/data/packed.py.)"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import zipfile

import pytest

from rnnkit.data.packed import unpacked
from rnnkit.errors import DataError

_PACK = {"gzip": (gzip.compress, ".gz"), "bzip2": (bz2.compress, ".bz2"), "xz": (lzma.compress, ".xz")}


def _zip(member: str, body: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(member, body)
    return buf.getvalue()


@pytest.mark.parametrize("kind", sorted(_PACK))
@pytest.mark.parametrize("text,says", [(b"", "nothing"), (b" \n\t\n", "white space alone")])
def test_a_zip_of_an_empty_packed_file_names_the_file_inside(kind, text, says):
    compress, ext = _PACK[kind]
    member = f"d.csv{ext}"
    data = _zip(member, compress(text))
    assert zipfile.ZipFile(io.BytesIO(data)).read(member)           # the zip's file is not empty: its content is
    with pytest.raises(DataError) as e:
        unpacked(data, "a.zip", "data")
    assert f"got 'a.zip:{member}' ({kind} of {says})" in str(e.value), str(e.value)


@pytest.mark.parametrize("text,says", [(b"", "nothing"), (b"  \n", "white space alone")])
def test_an_empty_file_in_a_zip_or_a_bare_gzip_is_still_named_by_its_own_layer(text, says):
    with pytest.raises(DataError) as e:
        unpacked(_zip("d.csv", text), "a.zip", "data")
    assert f"got 'a.zip' (zip of {says})" in str(e.value), str(e.value)
    with pytest.raises(DataError) as e:
        unpacked(gzip.compress(text), "d.csv.gz", "data")
    assert f"got 'd.csv.gz' (gzip of {says})" in str(e.value), str(e.value)


def test_a_zip_of_a_packed_file_with_text_reads_it():
    assert unpacked(_zip("d.csv.gz", gzip.compress(b"a,b\n1,2\n")), "a.zip", "data") == b"a,b\n1,2\n"
