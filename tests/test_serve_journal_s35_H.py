"""Session 35, helper H: the service journal keeps every acknowledged entry when two threads append at once and one
append fails (its cut back must not remove the other's line). Oracle: the journal re-read from disk."""

from __future__ import annotations

import json
import os
import threading

import pytest

from rnnkit.serve import journal as journal_mod
from rnnkit.serve.journal import Journal


def test_a_failed_append_does_not_cut_a_line_another_thread_appended_and_was_told_is_durable(tmp_path, monkeypatch):
    """At 85b997f Journal.append took no lock: A wrote its line, B wrote its line after it and fsync-ed (B's client
    acknowledged), then A's fsync failed and A cut the file back to where A's line began -- B's line with it, so a
    restart lost an acknowledged update. (The forecast service serialises its updates with a lock of its own; the
    journal now holds its own too.)"""
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.json").write_text("{}")
    j = Journal(tmp_path / "state", run)
    b_done = threading.Event()
    real_fsync = os.fsync

    failed: list[int] = []

    def fsync(fd):
        if threading.current_thread().name == "A" and not failed:   # A's append fails; its cut back succeeds
            failed.append(fd)
            b_done.wait(0.5)      # without a lock B writes and fsyncs meanwhile; with one B waits for A
            raise OSError(5, "Input/output error")
        return real_fsync(fd)

    monkeypatch.setattr(journal_mod.os, "fsync", fsync)
    errors: list[BaseException] = []

    def a():
        try:
            j.append({"who": "A"})
        except OSError as e:
            errors.append(e)

    def b():
        j.append({"who": "B"})   # returns: durable, acknowledged
        b_done.set()

    ta = threading.Thread(target=a, name="A")
    ta.start()
    while os.fstat(j._fd).st_size == 0 and ta.is_alive():   # A's line is in the file; its fsync is pending
        pass
    tb = threading.Thread(target=b, name="B")
    tb.start()
    ta.join()
    tb.join()
    monkeypatch.setattr(journal_mod.os, "fsync", real_fsync)
    assert len(errors) == 1 and b_done.is_set()
    j.close()
    lines = [json.loads(x) for x in (tmp_path / "state" / "journal.jsonl").read_bytes().split(b"\n") if x]
    assert lines == [{"who": "B"}]
    again = Journal(tmp_path / "state", run)
    assert again.entries == [{"who": "B"}]
    again.close()


def test_appends_from_many_threads_all_land_once(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    j = Journal(tmp_path / "state", run)
    threads = [threading.Thread(target=lambda k=k: [j.append({"k": k, "i": i}) for i in range(20)]) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    j.close()
    again = Journal(tmp_path / "state", run)
    assert sorted((e["k"], e["i"]) for e in again.entries) == [(k, i) for k in range(4) for i in range(20)]
    again.close()


