"""The service's journal on a full disk (session 29, helper R)."""

from __future__ import annotations

import errno
import os

import pytest


def test_a_short_journal_write_names_the_cause(tmp_path, monkeypatch):
    # a write cut short by a full disk (or a file-size limit) was reported as "journal: expected to write 62 bytes,
    # wrote 40" -- the service answered 503 "got journal: expected to write ...", never naming the full disk
    from rnnkit.serve import journal as jmod

    run = tmp_path / "run"
    run.mkdir()
    (run / "config.json").write_text("{}")
    journal = jmod.Journal(tmp_path / "state", run)
    journal.append({"observations": [1]})
    size = journal.path.stat().st_size
    real = os.write
    calls = []

    def short(fd, data):
        calls.append(len(data))
        if len(calls) == 1:
            return real(fd, data[:5])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(jmod.os, "write", short)
    with pytest.raises(OSError) as e:
        journal.append({"observations": [2]})
    assert e.value.errno == errno.ENOSPC and calls[1] == calls[0] - 5   # the rest tried: the cause named
    monkeypatch.undo()
    assert journal.path.stat().st_size == size                  # cut back: nothing unacknowledged is replayed
    journal.close()
    assert jmod.Journal(tmp_path / "state", run).entries == [{"observations": [1]}]
