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


@pytest.mark.parametrize("deep", [False, True])
def test_forecaster_copy_shares_a_progress_sink_that_holds_a_lock(deep):
    """10da488's Forecaster.__copy__ deep-copied the whole model, its ``progress`` callable too: with a queue's put
    (or any logger holding a lock) copy.copy(f) failed a bare "TypeError: cannot pickle '_thread.lock' object"
    (before 10da488 it was shallow and worked). The sink is the user's: shared by the copy, the model its own.
    Oracle: the original's forecast before the copy's refit."""
    import copy
    import queue

    import numpy as np
    import pandas as pd

    from rnnkit.tasks.forecasting import Forecaster

    y = pd.Series(np.sin(np.arange(48) / 3) + np.arange(48) * 0.1)
    sink: queue.Queue = queue.Queue()
    f = Forecaster(model="ets", horizon=3)
    f.progress = sink.put
    f.fit(y)
    before = f.predict()
    c = copy.deepcopy(f) if deep else copy.copy(f)
    assert c.progress is f.progress
    while not sink.empty():
        sink.get()
    c.fit(y * 2 + 5)
    assert not sink.empty()                     # the copy's fit reports to the same queue
    pd.testing.assert_frame_equal(f.predict(), before)    # the original's model is untouched
    assert not c.predict().equals(before)


def test_a_closed_stdin_is_an_empty_input_named_not_an_attribute_error(tmp_path):
    """'rnnkit forecast --csv - ... <&-' (a daemon or cron job started with stdin closed): Python's sys.stdin is then
    None and the read failed 'error: AttributeError: 'NoneType' object has no attribute 'read'', naming nothing
    (483df23 handled a closed stderr, 66c3e16 a closed stdout). Oracle: the same command with stdin from /dev/null --
    the same one typed line naming --csv, the same exit code."""
    import subprocess
    import sys

    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "rnnkit", "forecast", "--csv", "-", "--target", "y", "--horizon", "3"]
    ref = subprocess.run(cmd, cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    got = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, timeout=120, preexec_fn=lambda: os.close(0))
    assert ref.returncode == 1 and ref.stderr.startswith(b"rnnkit forecast: error: DataError: --csv: "), ref.stderr
    assert (got.returncode, got.stderr, got.stdout) == (ref.returncode, ref.stderr, ref.stdout)
