"""Helper W2's review of session 24's changes (hostile review after 17:40)."""

from __future__ import annotations

import os
import threading

import pytest

from rnnkit.data.text import read_utf8
from rnnkit.errors import DataError


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a FIFO")
def test_stream_with_a_nul_is_refused_not_cut_before_it(tmp_path):
    """1942997's read_until_binary cut a stream that showed a NUL after its last newline -- when the NUL's line ran
    past the first MiB, the cut fell before the NUL: the rows up to it were read as a whole valid file, the NUL and
    every later row dropped, silently. Oracle: the same bytes from a regular file are refused naming the NUL's line."""
    rows = b"t,y\n" + b"".join(b"%d,%d\n" % (i, i) for i in range(150000))
    head = rows[: (1 << 20) - 50]
    head = head[: head.rfind(b"\n") + 1]
    data = head + b"7,\0" + b"9" * 200 + b"\n" + b"8,8\n" * 10
    regular = tmp_path / "file.csv"
    regular.write_bytes(data)
    with pytest.raises(DataError) as expected:
        read_utf8(regular, "csv")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)

    def write() -> None:
        with open(fifo, "wb") as f:
            try:
                f.write(data)
            except BrokenPipeError:    # the reader stops at the NUL's chunk
                pass

    writer = threading.Thread(target=write)
    writer.start()
    try:
        with pytest.raises(DataError) as got:
            read_utf8(fifo, "csv")
    finally:
        writer.join(timeout=10)
    line = head.count(b"\n") + 1
    assert f"NUL byte in '{regular}' at line {line}" in str(expected.value)
    assert f"NUL byte in '{fifo}' at line {line}" in str(got.value)
