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


def test_a_journal_of_a_run_saved_again_names_the_way_out(tmp_path):
    # `forecast --out RUN` again while RUN/serve-state held a journal: the restarted server stopped at "expected a
    # journal made on this run (RUN), got one made on another (run sha256 ...)", and said no more
    from rnnkit.errors import CheckpointError
    from rnnkit.serve.journal import Journal

    run = tmp_path / "run"
    run.mkdir()
    (run / "config.json").write_text('{"fit": 1}')
    journal = Journal(run / "serve-state", run)
    journal.append({"observations": [1]})
    journal.close()
    (run / "config.json").write_text('{"fit": 2}')          # saved again
    with pytest.raises(CheckpointError, match=r"^state: expected a journal made on this run \(.*run\), got one made on "
                                              r"another \(run sha256 \w{12}\.\.\., this run \w{12}\.\.\.\): the run was "
                                              r"saved again since, or another run's state given; serve with another "
                                              r"state folder to start afresh \(the observations in '.*journal\.jsonl' "
                                              r"are not in this run\)$"):
        Journal(run / "serve-state", run)


def test_a_state_folder_without_locks_is_named(tmp_path, monkeypatch):
    # a state folder on a file system without flock (some NFS mounts: ENOLCK) was a bare "OSError: [Errno 37] No
    # locks available" naming nothing; the server refuses it (two servers on one journal could not be kept apart)
    from rnnkit.errors import CheckpointError
    from rnnkit.serve import journal as jmod

    run = tmp_path / "run"
    run.mkdir()
    (run / "config.json").write_text("{}")

    def no_locks(fd, op):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(jmod.fcntl, "flock", no_locks)
    with pytest.raises(CheckpointError, match=r"^state: expected a folder whose files can be locked \(one server a "
                                              r"state folder\), got '.*state' \(No locks available\): give a local "
                                              r"folder$"):
        jmod.Journal(tmp_path / "state", run)
    monkeypatch.undo()
    jmod.Journal(tmp_path / "state", run).close()          # the descriptor was closed: the folder opens again
