"""Session 23, helper T: series classification and forecasting leftovers of session 22, and new hostile series
inputs (time zones, week and quarter strings, business days, targets written as text)."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.tsc import read_ts, read_ucr
from rnnkit.errors import DataError, InputTypeError

pytestmark = pytest.mark.usefixtures("one_thread")


# ----------------------------------------------------------------------------- .ts headers and text= (tsc)
def test_a_ts_class_label_true_without_its_classes_is_refused_as_sktime_does(tmp_path):
    # Before: '@classLabel true' with no class list (and a bare '@classLabel') read every last field as a label,
    # any label; sktime's and aeon's readers refuse the header (sktime 1.2.0 datasets/_readers_writers/ts.py:
    # "if the classlabel tag is true then class values must be supplied"). Oracle: sktime's own reader.
    body = "@data\n1,2:a\n3,4:b\n"
    path = tmp_path / "nolist.ts"
    path.write_text("@problemName x\n@classLabel true\n" + body)
    load_from_tsfile = pytest.importorskip("sktime.datasets").load_from_tsfile
    with pytest.raises(OSError, match="class values must be supplied"):
        load_from_tsfile(str(path))
    with pytest.raises(DataError, match=r"^ts '.*nolist\.ts': expected '@classLabel true' followed by the class "
                                        r"labels at line 2, got '@classLabel true' \(list the classes"):
        read_ts(path)
    with pytest.raises(DataError, match=r"^ts text: expected @classLabel true or false at line 1, got '@classLabel'$"):
        read_ts(text="@classLabel\n" + body)
    X, y = read_ts(text="@classLabel true a b\n" + body)   # the classes listed: read
    assert y == ["a", "b"] and [x[:, 0].tolist() for x in X] == [[1, 2], [3, 4]]
    assert read_ts(text="@classLabel false\n@data\n1,2\n")[1] == [""]


@pytest.mark.parametrize("reader, text", [
    (read_ts, "@problemName x\n@classLabel true a b\n@data\n1,2:a\n3,4:b\n"),
    (read_ucr, "1,0.5,0.25\n2,3,4\n"),
])
def test_text_with_a_leading_bom_reads_as_the_file_with_one(tmp_path, reader, text):
    # Before: read_ts(text='\ufeff@problemName ...') said "expected '@data' before the series, got data at line 1
    # (a UCR archive file...)" about a correct header, and read_ucr read the first label as '\ufeff1', a class of
    # its own, silently. Oracle: the same text saved with a BOM (utf-8-sig) and read from its path.
    path = tmp_path / "bom.txt"
    path.write_text(text, encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    want_X, want_y = reader(path)
    X, y = reader(text="\ufeff" + text)
    assert y == want_y == reader(text=text)[1]
    assert all(np.array_equal(a, b) for a, b in zip(X, want_X))
    joined = text + "\ufeff" + text.splitlines()[-1] + "\n"    # a later BOM: files joined, refused as in a file
    with pytest.raises(DataError, match=r"only at the start of 'text', got one at the start of line \d+ \(files joined"):
        reader(text=joined)
    with pytest.raises(InputTypeError, match=r"^text: expected a str \(the file's text\), got bytes"):
        reader(text=text.encode())
