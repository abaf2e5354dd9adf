"""Session 26, helper D: plain text files bounded by memory.

Plain files: every reader read a user's file whole (``f.read()``), and a file larger than memory was met by the
kernel's OOM killer (exit 137, no message) -- gzip got a bound in session 25 (a quarter of the memory available),
plain files none. The tests make the memory small (monkeypatched) and the files sparse (``truncate``): nothing of
size is allocated, and the old code read the file (its NULs refused as binary) instead of naming its size.
"""

from __future__ import annotations

import io
import sys
import types

import pytest

import rnnkit._memory
import rnnkit.cli.common  # noqa: F401 -- imported before any test patches rnnkit._memory.available_memory: a module
import rnnkit.tasks.generation.ngram  # noqa: F401 -- first imported under the patch kept the fake for the process
from rnnkit.errors import DataError

MB = 1 << 20


@pytest.fixture
def small_memory(monkeypatch):
    """100 MB available: a quarter, 25 MB, of text."""
    monkeypatch.setattr(rnnkit._memory, "available_memory", lambda device="cpu": 100 * MB)


def _sparse(tmp_path, name="big.csv", size=64 * MB):
    path = tmp_path / name
    with open(path, "wb") as f:
        f.truncate(size)        # a hole: no block written, no memory taken
    return path


def _readers():
    from rnnkit.data.series import read_series_csv
    from rnnkit.data.text import read_conll, read_csv_texts, read_text_lines, read_tsv_pairs
    from rnnkit.data.translation import load_trans_de_en
    from rnnkit.data.tsc import read_long_csv, read_ts, read_ucr

    return {"series csv": (lambda p: read_series_csv(p, "t", what="--csv"), "--csv"),
            "text csv": (read_csv_texts, "csv"), "text lines": (read_text_lines, "input"),
            "tsv pairs": (read_tsv_pairs, "tsv"), "conll": (read_conll, "conll"), ".ts": (read_ts, "ts"),
            "ucr": (read_ucr, "ucr"), "long csv": (read_long_csv, "csv"), "trans-de-en copy": (load_trans_de_en,
                                                                                              "trans-de-en")}


@pytest.mark.parametrize("reader", list(_readers()))
def test_a_plain_file_past_a_quarter_of_free_memory_is_refused_before_it_is_read(tmp_path, small_memory, reader):
    # at ef8d4e0 each reader read the 64 MB (of NULs) whole and refused it as binary, or with memory at 30 GB the
    # process was killed for memory; now its size is named against the memory before a byte is read
    read, what = _readers()[reader]
    path = _sparse(tmp_path)
    with pytest.raises(DataError, match=rf"^{what}: expected a file that fits in memory \(a quarter of the 100\.0 MB "
                                        rf"available: .*\), got '.*big\.csv' of 64\.0 MB; split it"):
        read(path)


def test_a_plain_file_below_the_bound_is_read_and_an_unknown_memory_bounds_nothing(tmp_path, monkeypatch):
    from rnnkit.data.series import read_series_csv

    path = tmp_path / "ok.csv"
    path.write_text("t,y\n2021-01-01,1\n2021-01-02,2\n2021-01-03,3\n")
    monkeypatch.setattr(rnnkit._memory, "available_memory", lambda device="cpu": 400)   # a quarter: 100 bytes
    assert read_series_csv(path, "t")["y"].tolist() == [1, 2, 3]                          # 43 bytes
    monkeypatch.setattr(rnnkit._memory, "available_memory", lambda device="cpu": 100)     # 25 bytes
    with pytest.raises(DataError, match=r"of 43 bytes; split it"):
        read_series_csv(path, "t")
    monkeypatch.setattr(rnnkit._memory, "available_memory", lambda device="cpu": None)    # cannot be told
    assert read_series_csv(path, "t")["y"].tolist() == [1, 2, 3]


def test_stdin_is_refused_once_it_passes_the_bound(monkeypatch):
    # a stream has no size: counted while read (a pipe of 30 GB filled memory at ef8d4e0: read whole here)
    from rnnkit.data.text import read_utf8

    monkeypatch.setattr(rnnkit._memory, "available_memory", lambda device="cpu": 4 * MB)     # 1 MB of text
    monkeypatch.setattr(sys, "stdin", types.SimpleNamespace(buffer=io.BytesIO(b"t,y\n" + b"1,2\n" * MB)))
    with pytest.raises(DataError, match=r"^csv: expected text that fits in memory \(a quarter of the 4\.0 MB "
                                        r"available\), got '<stdin>', which passed 2\.0 MB while being read; split"):
        read_utf8("-", "csv")
    monkeypatch.setattr(sys, "stdin", types.SimpleNamespace(buffer=io.BytesIO(b"t,y\n1,2\n")))
    assert read_utf8("-", "csv") == "t,y\n1,2\n"


def test_the_cli_names_the_file_in_one_line(tmp_path, small_memory, capsys):
    from rnnkit.cli.main import main

    path = _sparse(tmp_path)
    code = main(["forecast", "--csv", str(path), "--target", "y", "--time-col", "t", "--horizon", "3",
                 "--out", str(tmp_path / "run"), "--threads", "1"])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "of 64.0 MB" in err and "100.0 MB available" in err
