"""`rnnkit serve` when its state folder's disk is full (session 8): POST /observations answered a
plain-text "Internal Server Error" (500) with a traceback in the log -- not the one-line JSON error every
other refusal gets. Now a 503 naming the journal and the cause; nothing was applied, and the same
request succeeds once there is space."""

from __future__ import annotations

import errno
import os

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")


from test_hostile_inputs_s7_serve import _post, client  # noqa: F401 - the served seasonal-naive run fixture


def test_a_journal_that_cannot_be_written_is_a_503_and_nothing_is_applied(client, tmp_path, monkeypatch):
    from rnnkit.serve.journal import Journal

    c, _ = client
    body = '{"observations":[{"id":"series","time":60,"value":1.5}]}'
    real = Journal.append

    def full(self, entry):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    before = c.get("/forecast").json()
    monkeypatch.setattr(Journal, "append", full)
    r = _post(c, body)
    assert r.status_code == 503
    assert r.json() == {"error": f"journal: expected to record the update in "
                                 f"{str(tmp_path / 'state' / 'journal.jsonl')!r}, got No space left on "
                                 "device (nothing was applied; retry later)"}
    assert c.get("/health").json()["updates"] == 0 and c.get("/forecast").json() == before
    monkeypatch.setattr(Journal, "append", real)
    r = _post(c, body)
    assert r.status_code == 200 and c.get("/health").json()["updates"] == 1
